"""A plain argv is read without argparse, into what argparse would have made of it (issue 18).

``cli.argument_spec()`` records smtpshell's options once; ``parse_plain`` reads
an argv from that record when every word has a certain meaning, else returns
None and the record is replayed into argparse. These tests hold the two
readings equal, option by option and for random argvs, and check that a plain
script session does not import argparse (and its gettext and locale) at all.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.cli import argument_spec, build_parser
from tests.plugins.servers import SmtpServer

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def argparse_reads(argv: list[str]) -> dict[str, object] | None:
    """vars() of argparse's Namespace, or None when argparse refuses argv (or prints and exits)."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(build_parser().parse_args(argv))
        except SystemExit:
            return None


def plain_reads(argv: list[str]) -> dict[str, object] | None:
    found = argument_spec().parse_plain(argv)
    return None if found is None else vars(found)


def options() -> list[tuple[str, object]]:
    """(option string, its argparse action) of every option smtpshell's parser has."""
    return [(name, action) for action in build_parser()._actions for name in action.option_strings]


def sample_values(action: object) -> list[str]:
    choices = getattr(action, "choices", None)
    if choices:
        return [str(c) for c in choices]
    kind = getattr(action, "type", None)
    if kind is float:
        return ["2.5", "30", "1e3"]
    if kind is int:
        return ["25", "0", "587"]
    return ["x", "EHLO me", "a@b.example", "with=equals", "", "über"]


def test_every_option_in_every_plain_form_reads_as_argparse_reads_it() -> None:
    checked = 0
    for name, action in options():
        kind = type(action).__name__
        if kind in ("_HelpAction", "_VersionAction"):
            assert plain_reads([name]) is None  # argparse prints and exits: it answers these
            continue
        if kind == "_StoreTrueAction":
            forms = [[name], [name, name], ["mx.example.org", name], [name, "mx.example.org"]]
        else:
            forms = []
            for value in sample_values(action):
                forms += [[name, value], [f"{name}={value}"] if name.startswith("--") else [name, value],
                          ["host.test", name, value], [name, value, "host.test"], [name, value, name, value]]
        for argv in forms:
            if argv[-1] == "" and len(argv) > 1 and argv[-2] == name:
                pass  # an empty value as its own word: argparse takes it too
            expected = argparse_reads(argv)
            assert expected is not None, argv
            assert plain_reads(argv) == expected, argv
            checked += 1
    assert checked > 150  # every option of the parser was tried, not a few


def test_no_option_at_all_reads_as_argparse_reads_it() -> None:
    assert plain_reads([]) == argparse_reads([])
    assert plain_reads(["mx.example.org"]) == argparse_reads(["mx.example.org"])


@pytest.mark.parametrize("argv", [
    ["--help"], ["-h"], ["--version"], ["--explain", "loud"], ["--timeout", "soon"], ["--star"], ["--raw=1"],
    ["a", "b"], ["--", "host"], ["-cEHLO"], ["-c"], ["-c", "-x"], ["--port", "-1"], ["-"], ["--print-man"],
])
def test_what_is_not_plain_is_left_to_argparse(argv: list[str]) -> None:
    assert plain_reads(argv) is None or plain_reads(argv) == argparse_reads(argv)
    if argv[0] in ("--help", "-h", "--version", "--explain", "--timeout", "--star", "--raw=1", "-"):
        assert plain_reads(argv) is None


WORDS = st.sampled_from(["mx.example.org", "-c", "EHLO x", "--explain", "off", "full", "--timeout", "5", "x5",
                         "--starttls", "--tls", "--to", "a@b", "--to=c@d", "--port", "26", "--lang", "zh_CN",
                         "--helo=me", "--raw", "--quit-after", "ehlo", "--", "-", "--star", "--color=never",
                         "--header", "X: y", "--user", "alice", "--auth-mode", "manual", "--exit-codes=stage",
                         "--insecure", "--cafile", "ca.pem", "--mx", "example.org", "-x", "=", "--version"])


@settings(max_examples=600, deadline=None)
@given(st.lists(WORDS, max_size=8))
def test_a_random_argv_reads_the_same_or_goes_to_argparse(argv: list[str]) -> None:
    plain = plain_reads(argv)
    if plain is not None:
        assert plain == argparse_reads(argv)


def test_a_plain_script_session_never_imports_argparse(smtp_server: SmtpServer, tmp_path: Path) -> None:
    code = ("import sys; from smtpshell import cli\n"
            f"status = cli.main([{smtp_server.address!r}, '-c', 'EHLO x', '--explain', 'off', '--timeout=10'])\n"
            "sys.stderr.write(repr(sorted(m for m in ('argparse', 'gettext', 'locale') if m in sys.modules)))\n"
            "sys.exit(status)")
    env = {**os.environ, "NO_COLOR": "1"}
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                           stdin=subprocess.DEVNULL, check=False)
    assert probe.returncode == 0, probe.stderr
    assert probe.stderr.strip().endswith("[]"), probe.stderr  # before: argparse, gettext, locale
    # A mistake still gets argparse's own answer, in full.
    bad = subprocess.run([SMTPSHELL, smtp_server.address, "--explain", "loud"], capture_output=True, text=True,
                         env=env, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert bad.returncode == 2
    assert "invalid choice: 'loud'" in bad.stderr and bad.stderr.startswith("usage: smtpshell"), bad.stderr


def test_the_suppress_marker_is_argparses() -> None:
    import argparse

    from smtpshell import arg_spec

    assert arg_spec._SUPPRESS == argparse.SUPPRESS

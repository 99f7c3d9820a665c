"""Issue 13, must-show 4: ``smtpshell explain`` on what a user pastes.

The installed ``smtpshell`` (the venv's bin), as a subprocess: a two-line Gmail-style reply as
arguments and on stdin, a NetEase reply, the ``550-5.7.1`` prefix alone, a reply in GB18030
bytes on stdin. The same engine explains them as it explains replies on the wire.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell import knowledge

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
GMAIL = (
    "550-5.7.1 [192.0.2.1      12] Our system has detected that this message is\n"
    "550 5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked."
)
NETEASE = "450 RP:DRC 163 smtp3,mLNowAAHEl_Su0Zf6Ts7FQ--.45377S2 1685444090"


def explain(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([SMTPSHELL, "explain", "--color=never", *args], input=stdin, capture_output=True,
                          timeout=30, check=False, env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})


def test_a_pasted_two_line_gmail_reply_as_an_argument() -> None:
    run = explain("--command", ".", GMAIL)
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr
    # The whole reply is read: "unsolicited" is on the first line, "spam" on the second.
    assert "S: 550-5.7.1 [192.0.2.1      12] Our system" in out and "S: 550 5.7.1 likely unsolicited" in out
    probably = next(line for line in out.splitlines() if line.strip().startswith("probably"))
    assert "spam" in probably.lower() and "mailbox" not in probably
    assert "https://support.google.com" in out  # the provider's source
    assert "evidence" in out and "provider table" in out and "RFC 3463" in out


def test_a_pasted_gmail_reply_on_stdin_is_the_same() -> None:
    by_argument = explain(GMAIL).stdout
    by_stdin = explain(stdin=GMAIL.encode() + b"\n").stdout
    assert by_stdin == by_argument and b"spam" in by_stdin.lower()


def test_a_pasted_netease_reply() -> None:
    run = explain("--command", "RCPT", NETEASE)
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr
    assert "too many recipients" in out.lower()
    assert "biecuoliao.com" in out  # the row's source: NetEase's published list
    assert "null mx" not in out.lower()


def test_the_prefix_alone_is_a_code_query() -> None:
    run = explain("550-5.7.1")
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().startswith("550 mailbox unavailable") and b"5.7.1" in run.stdout


def test_a_gb18030_reply_pasted_on_stdin() -> None:
    raw = "535 Error: 请使用授权码登录。".encode("gb18030")
    run = explain(stdin=raw)
    assert run.returncode == 0, run.stderr
    assert "authorization code" in run.stdout.decode()


def test_nonsense_is_one_clear_line() -> None:
    run = explain("hello", "world")
    assert run.returncode == 2 and b"Traceback" not in run.stderr and run.stderr.count(b"\n") == 1


@pytest.mark.parametrize(("pasted", "code", "enhanced", "lines"), [
    ("550-5.7.1", 550, "5.7.1", ()),
    ("550 5.1.1 User unknown", 550, "5.1.1", ("5.1.1 User unknown",)),
    ("421 Service not available", 421, None, ("Service not available",)),
    # a bounce printing a multi-line reply on one line
    ("550-5.7.1 first part 550-5.7.1 second part 550 5.7.1 last part", 550, "5.7.1",
     ("5.7.1 first part", "5.7.1 second part", "5.7.1 last part")),
    # a bounce wrapping a long line without prefixes
    ("550 5.7.1 first half\n   and the second half", 550, "5.7.1", ("5.7.1 first half and the second half",)),
])
def test_parse_query_reads_pastes(pasted: str, code: int, enhanced: str | None, lines: tuple[str, ...]) -> None:
    query = knowledge.parse_query(pasted)
    assert (query.code, query.enhanced, query.lines) == (code, enhanced, lines)


def test_a_pasted_reply_whose_enhanced_code_disagrees_is_refused() -> None:
    with pytest.raises(knowledge.QueryError):
        knowledge.parse_query("550 4.7.1 nope")

"""A script session imports only what it uses.

The installed ``smtpshell`` runs in a subprocess against a real aiosmtpd on
127.0.0.1, with an environment hook (a ``sitecustomize`` on PYTHONPATH) that
writes ``sys.modules`` to a file at exit. What ``python -c pass`` has loaded
with the same hook is subtracted, so an editable install's import hook (which
brings pathlib) does not count. (``-X importtime`` does not see modules loaded
through ``lazy.lazy_module`` or ``importlib.import_module`` at run time, so it
would miss exactly what this test is about.)

Start-up is most of a script session's time, and it is imports: each module
kept off this path is milliseconds on every run (issue 18).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.servers import SmtpServer

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
HOOK = """
import atexit, os, sys

def _dump_modules():
    with open(os.environ["SMTPSHELL_TEST_MODULES_OUT"], "w") as out:
        out.write("\\n".join(sorted(sys.modules)))

atexit.register(_dump_modules)
"""

# Never on a script path: the event loop, the REPL's toolkit, the server.
NEVER = ("asyncio", "prompt_toolkit", "pygments", "aiosmtpd")
# Only wanted where they are used: TLS, the certificate parser, argparse's
# terminal-size probe (shutil pulls in bz2 and lzma), pathlib, contextlib (the runner's one
# `with` is a small class); typing (records are
# smtpshell.records.NamedTuple, type-only names sit under TYPE_CHECKING), ipaddress
# (only when an address is judged), datetime and hashlib (certificate summaries).
PLAIN_RUN_NEVER = (*NEVER, "ssl", "cryptography", "shutil", "bz2", "lzma", "pathlib", "contextlib")
EHLO_RUN_NEVER = (*PLAIN_RUN_NEVER, "typing", "ipaddress", "datetime", "hashlib")
# smtpshell modules a plain script session has no use for: the shell-command registry
# (only a /command loads it), its Protocols, --help's wrapper.
PLAIN_RUN_NEVER_OURS = {"smtpshell.shell", "smtpshell.shell.registry", "smtpshell.shell.context", "smtpshell.help_wrap",
                        "smtpshell.cli_parser", "smtpshell.argparse_words"}  # argparse's parser: --help and errors
# A script session with STARTTLS: what only a failed handshake, a key log or a
# certificate summary needs (dataclasses brings inspect, ast, dis).
# Nor ipaddress (a host name is told from an address without it) or the idna codec
# (an ASCII name reaches ssl as bytes).
STARTTLS_NEVER = ("typing", "dataclasses", "inspect", "pathlib", "datetime", "smtpshell.client.tls_diagnosis",
                  "smtpshell.private_files", "ipaddress", "encodings.idna", "stringprep", "unicodedata",
                  "smtpshell.client.tls_limits",  # only with --tls-version or --ciphers
                  "argparse", "gettext", "locale", "importlib")  # a plain argv is read by arg_spec
# What a plain session may load beyond `python -c pass`, outside smtpshell, in a normal
# install (`pip install .`, as CI and users have it): a new import fails here by name. An
# editable install's import hook has loaded some of these already in `python -c pass`, so
# there the set found is smaller; a count of everything would depend on how it was installed.
# (re brings enum, functools, collections; socket brings array and selectors' math;
# `from __future__ import annotations` imports __future__.) Not argparse, nor its gettext
# and locale: a plain argv is read from cli.argument_spec without it (arg_spec); nor
# importlib and its warnings (lazy.import_module). gc (built in, nothing to load) is
# cli.run's, which freezes the session's objects before the process ends.
PLAIN_RUN_STDLIB = frozenset({
    "__future__", "_collections", "_functools", "_operator", "_socket", "_sre", "array",
    "collections", "collections.abc", "copyreg", "enum", "errno", "functools", "gc",
    "itertools", "keyword", "math", "operator",
    "re", "re._casefix", "re._compiler", "re._constants", "re._parser", "reprlib", "select", "selectors", "socket",
    "types",
})
# smtpshell's own modules on that path (47 when this was written, ten more before typing,
# the registry and the idna codec left it; 48 with arg_spec, which took argparse's place; 50 with
# drivers.script_lines, the script's reader, which was a function in cli, and client.spin).
PLAIN_RUN_OWN_MODULES_AT_MOST = 50
# What `dataclasses` costs: it imports inspect, which imports ast and dis.
DATACLASS_HEAVY = ("dataclasses", "inspect", "ast", "dis")
SHELL_COMMAND_MODULES = {
    "smtpshell.shell.core", "smtpshell.shell.auth_cmds", "smtpshell.shell.session_cmds",
    "smtpshell.shell.tls_cmds", "smtpshell.shell.explain", "smtpshell.shell.mailbox", "smtpshell.shell.record",
}


def imported(argv: list[str], hook_dir: Path, expect_exit: int = 0) -> set[str]:
    """The modules in ``sys.modules`` when the command's process exits."""
    out = hook_dir / "modules.txt"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(hook_dir), "SMTPSHELL_TEST_MODULES_OUT": str(out), "NO_COLOR": "1"}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
                            check=False)
    assert result.returncode == expect_exit, result.stdout + result.stderr
    return set(out.read_text().split("\n"))


@pytest.fixture(scope="module")
def hook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("modules-hook")
    (folder / "sitecustomize.py").write_text(HOOK)
    return folder


@pytest.fixture(scope="module")
def bare_interpreter(hook_dir: Path) -> tuple[Path, set[str]]:
    return hook_dir, imported([sys.executable, "-c", "pass"], hook_dir)


def script_imports(bare: tuple[Path, set[str]], *args: str, expect_exit: int = 0) -> set[str]:
    hook, baseline = bare
    found = imported([SMTPSHELL, *args], hook, expect_exit)
    assert "smtpshell.cli" in found  # the list really is of a smtpshell run
    return found - baseline


def tops(modules: set[str]) -> set[str]:
    return {name.split(".", 1)[0] for name in modules}


def test_a_plain_script_session_imports_no_event_loop_toolkit_tls_or_shell_commands(
    smtp_server: SmtpServer, bare_interpreter: tuple[Path, set[str]]
) -> None:
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "EHLO x")
    assert tops(found) & set(EHLO_RUN_NEVER) == set()
    assert found & SHELL_COMMAND_MODULES == set()
    assert found & PLAIN_RUN_NEVER_OURS == set()
    assert "encodings.idna" not in found  # an ASCII host goes to getaddrinfo as bytes (client.target.resolver_host)
    assert {m for m in found if not m.startswith("smtpshell")} - PLAIN_RUN_STDLIB == set()
    own = sorted(m for m in found if m.startswith("smtpshell"))
    assert len(own) <= PLAIN_RUN_OWN_MODULES_AT_MOST, own
    # --explain auto explains failures only in script mode: a session where every reply
    # succeeded has nothing to explain, so the knowledge tables are never loaded.
    assert {m for m in found if m.startswith("smtpshell.knowledge")} == set()


def test_a_failing_reply_in_a_script_loads_the_knowledge_tables(
    smtp_server: SmtpServer, bare_interpreter: tuple[Path, set[str]]
) -> None:
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "EHLO x", "-c", "RCPT TO:<a@b>", expect_exit=5)
    assert "smtpshell.knowledge" in found  # the 503 is explained: the tables are used


def test_explain_off_loads_no_knowledge_tables(smtp_server: SmtpServer, bare_interpreter: tuple[Path, set[str]]) -> None:
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "EHLO x", "--explain", "off")
    assert tops(found) & set(EHLO_RUN_NEVER) == set()
    assert {m for m in found if m.startswith("smtpshell.knowledge")} == set()


def test_starttls_loads_ssl_but_not_the_certificate_parser(
    starttls_server: SmtpServer, ca_file: str, bare_interpreter: tuple[Path, set[str]]
) -> None:
    """The chain is summarised (cryptography.x509) only when someone looks at it (/tls)."""
    found = script_imports(bare_interpreter, f"localhost:{starttls_server.port}", "--starttls", "--cafile", ca_file,
                           "-c", "EHLO x")
    assert "ssl" in found  # the handshake really happened in this run
    assert tops(found) & {*NEVER, "cryptography"} == set()
    assert found & set(STARTTLS_NEVER) == set()


def test_tls_command_still_shows_the_chain(starttls_server: SmtpServer, ca_file: str) -> None:
    """The lazy chain is parsed when /tls reads it: the certificate is still shown."""
    result = subprocess.run(
        [SMTPSHELL, f"localhost:{starttls_server.port}", "--starttls", "--cafile", ca_file, "-c", "EHLO x", "-c", "/tls"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"}, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Certificates the server sent (1" in result.stdout, result.stdout
    assert "Chain verification built (2" in result.stdout, result.stdout  # the lazy built chain is read too
    assert "localhost" in result.stdout


def test_one_shell_command_loads_only_its_own_module(smtp_server: SmtpServer, bare_interpreter: tuple[Path, set[str]]) -> None:
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "/b64 hello", "-c", "NOOP")
    assert found & SHELL_COMMAND_MODULES == {"smtpshell.shell.auth_cmds"}
    assert "smtpshell.shell.context" not in found  # the Protocols are for type checkers and tests
    assert tops(found) & set(EHLO_RUN_NEVER) == set()  # the SASL records are smtpshell.records' too
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "/pipeline on", "-c", "NOOP")
    assert found & SHELL_COMMAND_MODULES == {"smtpshell.shell.core"}


def test_the_command_map_names_the_module_that_registers_each_command() -> None:
    from smtpshell.shell import registry

    commands = registry.load_all()
    registered = {name: cmd.handler.__module__ for name, cmd in commands.items()}
    registered.update({alias: cmd.handler.__module__ for cmd in commands.values() for alias in cmd.aliases})
    assert registry.COMMAND_HOMES == registered


def test_a_plain_script_session_does_not_pay_for_dataclasses(
    smtp_server: SmtpServer, bare_interpreter: tuple[Path, set[str]]
) -> None:
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "EHLO x", "--explain", "off")
    assert found & set(DATACLASS_HEAVY) == set()


def test_b64_loads_no_dataclasses_json_or_hashes(smtp_server: SmtpServer, bare_interpreter: tuple[Path, set[str]]) -> None:
    # /b64 needs base64 and the SASL module; CRAM-MD5's hashes and OAuth's JSON load with their mechanisms
    found = script_imports(bare_interpreter, smtp_server.address, "-c", "EHLO x", "-c", "/b64 alice", "--explain", "off")
    assert "smtpshell.protocol.sasl" in found
    assert found & {*DATACLASS_HEAVY, "json", "hashlib", "hmac"} == set()  # before: all of them

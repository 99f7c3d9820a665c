"""Must-show 3: in a real pseudo-terminal, the password prompt does not echo.

Runs the installed ``smtpshell`` against the SASL server on 127.0.0.1, types
as a person would, and afterwards searches the terminal output, the history
file and every file under the temporary HOME for the password in any form.
"""

from __future__ import annotations

import io
import os
import pathlib
import re
import shutil
import sys

import pytest

from smtpshell.auth.redact import secret_forms
from tests.plugins.auth import USERS

pexpect = pytest.importorskip("pexpect")

PASSWORD = USERS["alice"]
SMTPSHELL = shutil.which("smtpshell", path=os.path.dirname(sys.executable)) or "/tmp/venv/bin/smtpshell"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

pytestmark = pytest.mark.skipif(not os.path.exists(SMTPSHELL), reason="the smtpshell command is not installed")


def _spawn(address: str, home: pathlib.Path, *args: str):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTPSHELL_", "XDG_"))}
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"), TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1")  # nobody here answers cursor-position requests: say so, do not make it wait
    child = pexpect.spawn(SMTPSHELL, [address, "--no-netrc", *args], env=env, encoding="utf-8",
                          timeout=15, dimensions=(40, 160), cwd=str(home))
    log = io.StringIO()
    child.logfile_read = log
    return child, log


def _files(home: pathlib.Path) -> dict[str, str]:
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*") if p.is_file()}


def test_password_prompt_does_not_echo(sasl_server, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    child, log = _spawn(sasl_server.address, tmp_path, "--user", "alice")
    try:
        child.expect("smtp>")  # no trailing space: a terminal is not sent one at the end of a line
        child.sendline("EHLO client.test")
        child.expect("HELP")
        child.sendline("AUTH LOGIN")
        child.expect("Password for alice@127.0.0.1: ")
        before_typing = len(log.getvalue())
        child.send(PASSWORD)
        child.send("\r")
        child.expect("Authentication successful")
        typed_echo = ANSI.sub("", log.getvalue()[before_typing:])
        child.sendline("/b64 another-Secret-77")
        child.expect("smtp>")  # no trailing space: a terminal is not sent one at the end of a line
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    screen = ANSI.sub("", log.getvalue())
    # The prompt showed a mask while typing, never the characters typed.
    assert PASSWORD not in typed_echo and "*" * len(PASSWORD) in typed_echo
    assert "logged in as alice" in screen
    files = _files(tmp_path)
    history = [text for path, text in files.items() if path.endswith("history")]
    assert history and "AUTH LOGIN" in history[0]  # the history was written...
    assert "another-Secret-77" not in history[0]  # ...but not the /b64 line
    forms = secret_forms(user="alice", password=PASSWORD)
    for where, text in {"<terminal>": screen, **files}.items():
        for form in forms:
            assert form not in text, f"{form!r} leaked into {where}"

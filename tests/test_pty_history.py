"""The history file never holds a secret, whichever way AUTH was typed (real pty, real aiosmtpd)."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from tests.plugins.pty import plain
from tests.plugins.servers import USERS

USER, PASSWORD = "alice", USERS["alice"]
B64_USER = base64.b64encode(USER.encode()).decode()
B64_PASSWORD = base64.b64encode(PASSWORD.encode()).decode()
B64_PLAIN = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()


def _history() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "smtpshell" / "history"


def _ehlo(term) -> None:
    term.prompt()
    term.line("EHLO pty.test")
    term.expect(r"250 ")
    term.prompt()


def _leave(term) -> None:
    term.prompt()
    term.child.sendcontrol("d")
    term.expect(r"221 ")
    assert term.finish() == 0


def test_history_never_holds_a_secret_after_auth(shell_pty, auth_server):
    screens = []

    # 1. Manual mode: the base64 answers are typed at the prompt, in the AUTH phase.
    term = shell_pty(auth_server.address, "--auth-mode", "manual")
    _ehlo(term)
    term.line("AUTH LOGIN")
    term.expect_text("334")
    term.prompt("auth> ")
    term.line(B64_USER)
    term.expect_text("334")
    term.prompt("auth> ")
    term.line(B64_PASSWORD)
    term.expect_text("235")
    term.prompt()
    term.line("NOOP")
    term.expect(r"250 ")
    _leave(term)
    screens.append(term.screen_log)

    # 2. An initial response typed on the AUTH line.
    term = shell_pty(auth_server.address)
    _ehlo(term)
    term.line(f"AUTH PLAIN {B64_PLAIN}")
    term.expect_text("235")
    _leave(term)
    screens.append(term.screen_log)

    # 3. The shell asks for the username and a hidden password.
    term = shell_pty(auth_server.address)
    _ehlo(term)
    term.line("AUTH LOGIN")
    term.expect_text("Username for 127.0.0.1: ")
    term.line(USER)
    term.expect_text(f"Password for {USER}@127.0.0.1: ")
    term.line(PASSWORD)
    term.expect_text("235")
    _leave(term)
    screens.append(term.screen_log)

    path = _history()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = path.read_text(encoding="utf-8")
    assert "EHLO pty.test" in kept and "AUTH LOGIN" in kept and "NOOP" in kept  # history works
    for secret in (PASSWORD, B64_PASSWORD, B64_PLAIN, B64_USER):
        assert secret not in kept
    assert "AUTH PLAIN" not in kept  # the whole line carried the credential
    assert "\n+alice\n" not in kept  # the username prompt has no history either
    for screen in screens:
        assert PASSWORD not in plain(screen)


def test_a_password_typed_ahead_is_not_echoed(shell_pty, auth_server):
    """Typed before the hidden prompt is up (the shell is between questions): never on screen."""
    term = shell_pty(auth_server.address)
    _ehlo(term)
    term.line("AUTH LOGIN")
    term.expect_text("Username for 127.0.0.1: ")
    term.line(USER)
    term.expect_text("C: ")  # the username goes out; the password prompt is not up yet
    term.line(PASSWORD)
    term.expect_text("235")
    _leave(term)
    assert PASSWORD not in plain(term.screen_log)

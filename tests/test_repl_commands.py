"""The shell-command registry and the interactive session's commands."""

from __future__ import annotations

import io

import pytest

from smtpshell import events as ev
from smtpshell.drivers.script import ScriptContext
from smtpshell.protocol import Phase
from smtpshell.shell import registry
from smtpshell.ui.history import addresses_in, should_keep
from smtpshell.ui.prompt import ReplUI
from tests.plugins.pty import EHLO_FULL, session_at
from tests.test_repl import run_repl

SESSION_COMMANDS = ("connect", "reconnect", "clear", "history")


def test_every_command_is_registered_once_with_a_summary():
    commands = registry.load_all()
    for name in SESSION_COMMANDS:
        assert name in commands
    for cmd in commands.values():
        assert cmd.summary and not cmd.name.startswith("/")
        assert registry.resolve(cmd.name) is cmd
        for alias in cmd.aliases:
            assert registry.resolve(alias) is cmd


def test_registering_twice_is_refused():
    registry.load_all()
    with pytest.raises(ValueError):
        registry.command("connect", "again")(lambda ctx, args: None)  # type: ignore[arg-type, return-value]


def test_unknown_command_is_an_error_with_a_way_out():
    with pytest.raises(registry.UnknownCommand, match="/help lists them"):
        registry.resolve("frobnicate")


async def test_connect_and_reconnect(smtp_server, auth_server):
    """The real REPL: /connect opens another server, /reconnect the last one, bare /connect says how."""
    run = await run_repl(smtp_server.address, f"/connect {auth_server.address}\r/reconnect\r/connect\r\x04")
    reached = [f"{e.host}:{e.port}" for e in run.log.of(ev.Connected)]
    assert reached == [smtp_server.address, auth_server.address, auth_server.address]
    assert "/connect needs a HOST[:PORT]; /reconnect opens the last one again" in run.text


async def test_clear_and_history(smtp_server, monkeypatch):
    cleared: list[int] = []
    monkeypatch.setattr(ReplUI, "clear_screen", lambda self: cleared.append(1))  # the terminal's part only
    run = await run_repl(smtp_server.address, "EHLO a\rNOOP\rRSET\r/clear\r/history 4\r/history nope\r\x04")
    assert cleared == [1]
    # The real history holds every accepted line, this /history too, numbered from the first.
    assert "    2  NOOP\n    3  RSET\n    4  /clear\n    5  /history 4\n" in run.text
    assert "not 'nope'" in run.text


async def test_session_commands_are_refused_in_script_mode():
    ctx = ScriptContext(io.StringIO(), io.StringIO(), color=False)
    for name in SESSION_COMMANDS:
        with pytest.raises(registry.UnknownCommand, match="only in the interactive shell"):
            await registry.dispatch(ctx, f"/{name}")


async def test_help_lists_session_commands_and_verbs(smtp_server):
    text = (await run_repl(smtp_server.address, "/help\r\x04")).text
    for name in ("/connect", "/reconnect", "/clear", "/history", "EHLO", "STARTTLS"):
        assert name in text


def test_history_rules():
    identified = session_at(("EHLO x", EHLO_FULL))
    assert should_keep("EHLO x", identified)
    assert should_keep("AUTH LOGIN", identified)
    assert not should_keep("AUTH PLAIN AGFsaWNlAHB3", identified)
    assert not should_keep("", identified)
    assert not should_keep("EHLO x\nAUTH LOGIN\nYWxpY2U=", identified)  # a pasted AUTH exchange
    in_auth = session_at(("EHLO x", EHLO_FULL), ("AUTH LOGIN", b"334 VXNlcm5hbWU6\r\n"))
    assert in_auth.phase is Phase.AUTH
    assert not should_keep("YWxpY2U=", in_auth)
    assert not should_keep("MAIL FROM:<looks@like.a.command>", in_auth)
    in_data = session_at(("EHLO x", EHLO_FULL), ("MAIL FROM:<a@b>", b"250 ok\r\n"),
                         ("RCPT TO:<c@d>", b"250 ok\r\n"), ("DATA", b"354 go\r\n"))
    assert not should_keep("Subject: private", in_data)


def test_addresses_from_history_newest_first():
    lines = ["RCPT TO:<new@x>", "EHLO a", "MAIL FROM:<old@x>", "RCPT TO:<new@x>"]
    assert addresses_in(lines) == ["new@x", "old@x"]

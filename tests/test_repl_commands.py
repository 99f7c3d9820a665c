"""The shell-command registry and the interactive session's commands."""

from __future__ import annotations

import io

import pytest

from smtpshell.drivers.script import ScriptContext
from smtpshell.protocol import Phase
from smtpshell.shell import registry
from smtpshell.ui.history import addresses_in, should_keep
from tests.plugins.pty import EHLO_FULL, session_at

SESSION_COMMANDS = ("connect", "reconnect", "clear", "history")


class FakeContext:
    """Records what a command asked the shell to do."""

    interactive = True

    def __init__(self, history: list[str] | None = None) -> None:
        self.printed: list[str] = []
        self.errors: list[str] = []
        self.connects: list[str | None] = []
        self.cleared = 0
        self._history = history or []

    def print(self, fragments) -> None:
        self.printed.append("".join(t for _, t in fragments))

    def error(self, message: str) -> None:
        self.errors.append(message)

    async def connect(self, target: str | None) -> None:
        self.connects.append(target)

    def clear_screen(self) -> None:
        self.cleared += 1

    def history_lines(self) -> list[str]:
        return self._history


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


async def test_connect_and_reconnect():
    ctx = FakeContext()
    await registry.dispatch(ctx, "/connect mx.example.org:2525")
    await registry.dispatch(ctx, "/reconnect")
    await registry.dispatch(ctx, "/connect")
    assert ctx.connects == ["mx.example.org:2525", None]
    assert ctx.errors == ["/connect needs a HOST[:PORT]; /reconnect opens the last one again"]


async def test_clear_and_history():
    ctx = FakeContext(["EHLO a", "NOOP", "RSET"])
    await registry.dispatch(ctx, "/clear")
    await registry.dispatch(ctx, "/history 2")
    await registry.dispatch(ctx, "/history nope")
    assert ctx.cleared == 1
    assert ctx.printed == ["    2  NOOP\n    3  RSET\n"]
    assert "not 'nope'" in ctx.errors[0]


async def test_session_commands_are_refused_in_script_mode():
    ctx = ScriptContext(io.StringIO(), io.StringIO(), color=False)
    for name in SESSION_COMMANDS:
        with pytest.raises(registry.UnknownCommand, match="only in the interactive shell"):
            await registry.dispatch(ctx, f"/{name}")


async def test_help_lists_session_commands_and_verbs():
    ctx = FakeContext()
    await registry.dispatch(ctx, "/help")
    text = ctx.printed[0]
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

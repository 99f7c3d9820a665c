"""/explain and /level, dispatched through the shell-command registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from smtpshell.protocol.replies import ReplyParser
from smtpshell.protocol.session import Pending, Session
from smtpshell.shell import registry
from smtpshell.shell.explain import OPTIONS_KEY, current_options
from smtpshell.render import ansi
from smtpshell.render.styled import RenderOptions, StyledText


@dataclass
class FakeContext:
    """A ShellContext that records what commands print (no terminal, no connection)."""

    the_session: Session | None = None
    interactive: bool = True
    printed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def connection(self) -> None:
        return None

    @property
    def session(self) -> Session:
        assert self.the_session is not None
        return self.the_session

    def print(self, text: StyledText) -> None:
        self.printed.append(ansi.to_text(text, color=False))

    def error(self, message: str) -> None:
        self.errors.append(message)

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str:
        raise EOFError

    async def connect(self, target: str | None) -> None: ...

    async def quit(self) -> None: ...

    @property
    def out(self) -> str:
        return "".join(self.printed)


async def test_explain_code_needs_no_connection() -> None:
    ctx = FakeContext()
    await registry.dispatch(ctx, "/explain 550 5.7.1")
    assert "550 mailbox unavailable" in ctx.out and "5.7.1 delivery not authorized" in ctx.out
    assert not ctx.errors


@pytest.mark.parametrize(("line", "expected"), [("/explain 4.7.1", "delivery not authorized"),
                                                ("/explain SIZE", "RFC 1870"), ("/why 354", "start mail input")])
async def test_explain_forms(line: str, expected: str) -> None:
    ctx = FakeContext()
    await registry.dispatch(ctx, line)
    assert expected in ctx.out


async def test_explain_bad_input_is_one_clear_error() -> None:
    ctx = FakeContext()
    await registry.dispatch(ctx, "/explain 550 4.1.1")
    assert ctx.out == "" and len(ctx.errors) == 1 and "disagree" in ctx.errors[0]


async def test_explain_last_in_depth() -> None:
    session = Session()
    session.connected()
    parser = ReplyParser()
    session.received(parser.feed(b"220 mx.test\r\n")[0])
    session.sent(Pending.command("EHLO me"))
    session.received(parser.feed(b"250 mx.test\r\n")[0])
    session.sent(Pending.command("MAIL FROM:<a@b.example>"))
    session.received(parser.feed(b"530 5.7.0 Must issue a STARTTLS command first\r\n")[0])
    ctx = FakeContext(session)
    await registry.dispatch(ctx, "/explain last")
    out = ctx.out
    assert "answer to: MAIL FROM:<a@b.example>" in out
    assert "probably" in out and "encrypted connection" in out
    assert "STARTTLS, then EHLO again" in out
    ctx2 = FakeContext(session)
    await registry.dispatch(ctx2, "/explain")
    assert ctx2.out == out


async def test_explain_last_without_connection() -> None:
    ctx = FakeContext()
    await registry.dispatch(ctx, "/explain last")
    assert ctx.errors and "connect first" in ctx.errors[0]


async def test_level_sets_render_options() -> None:
    ctx = FakeContext()
    assert current_options(ctx) == RenderOptions()
    await registry.dispatch(ctx, "/level brief")
    assert ctx.extras[OPTIONS_KEY].explain == "brief"
    assert current_options(ctx).explain == "brief"
    await registry.dispatch(ctx, "/level")
    assert "explanation level: brief" in ctx.out
    await registry.dispatch(ctx, "/level loud")
    assert ctx.errors and "full, brief or off" in ctx.errors[-1]
    assert current_options(ctx).explain == "brief"


def test_commands_registered_with_completion_kinds() -> None:
    commands = registry.load_all()
    assert commands["explain"].arg_kind is registry.ArgKind.CODE
    assert commands["level"].usage == "[full|brief|off]"

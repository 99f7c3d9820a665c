"""/explain and /level, dispatched through the shell-command registry."""

from __future__ import annotations

import io

import pytest

from smtpshell import events as ev
from smtpshell.drivers.runner import RunOptions, SessionRunner
from smtpshell.drivers.script import ScriptContext
from smtpshell.protocol.replies import ReplyParser
from smtpshell.protocol.session import Pending, Session
from smtpshell.render.styled import RenderOptions
from smtpshell.shell import registry


class Shell:
    """The real script-mode context (no terminal), with what it printed and reported kept."""

    def __init__(self, session: Session | None = None) -> None:
        self._out, self._err = io.StringIO(), io.StringIO()
        self.context = ScriptContext(self._out, self._err, color=False)
        if session is not None:  # a runner around a session the test built (no connection)
            self.context.runner = SessionRunner(ev.EventBus(), RunOptions(), self.context, session)

    @property
    def render_options(self) -> RenderOptions:
        return self.context.render_options

    @property
    def out(self) -> str:
        return self._out.getvalue()

    @property
    def errors(self) -> list[str]:
        return [line.removeprefix("smtpshell: ") for line in self._err.getvalue().splitlines()]


async def test_explain_code_needs_no_connection() -> None:
    ctx = Shell()
    await registry.dispatch(ctx.context, "/explain 550 5.7.1")
    assert "550 mailbox unavailable" in ctx.out and "5.7.1 delivery not authorized" in ctx.out
    assert not ctx.errors


@pytest.mark.parametrize(("line", "expected"), [("/explain 4.7.1", "not authorized for now"),
                                                ("/explain SIZE", "RFC 1870"), ("/why 354", "start mail input")])
async def test_explain_forms(line: str, expected: str) -> None:
    ctx = Shell()
    await registry.dispatch(ctx.context, line)
    assert expected in ctx.out


async def test_explain_bad_input_is_one_clear_error() -> None:
    ctx = Shell()
    await registry.dispatch(ctx.context, "/explain 550 4.1.1")
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
    ctx = Shell(session)
    await registry.dispatch(ctx.context, "/explain last")
    out = ctx.out
    assert "answer to: MAIL FROM:<a@b.example>" in out
    assert "probably" in out and "encrypted connection" in out
    assert "STARTTLS, then EHLO again" in out
    ctx2 = Shell(session)
    await registry.dispatch(ctx2.context, "/explain")
    assert ctx2.out == out


async def test_explain_last_without_connection() -> None:
    ctx = Shell()
    await registry.dispatch(ctx.context, "/explain last")
    assert ctx.errors and "connect first" in ctx.errors[0]


async def test_level_sets_render_options() -> None:
    ctx = Shell()
    assert ctx.render_options == RenderOptions()
    await registry.dispatch(ctx.context, "/level brief")
    assert ctx.render_options.explain == "brief"
    await registry.dispatch(ctx.context, "/level")
    assert "explanation level: brief" in ctx.out
    await registry.dispatch(ctx.context, "/level loud")
    assert ctx.errors and "full, brief, failures or off" in ctx.errors[-1]
    assert ctx.render_options.explain == "brief"


def test_commands_registered_with_completion_kinds() -> None:
    commands = registry.load_all()
    assert commands["explain"].arg_kind is registry.ArgKind.CODE
    assert commands["level"].usage == "[full|brief|failures|off]"


@pytest.mark.parametrize("level", ["off", "brief", "failures"])
def test_level_reports_the_level_given_with_explain(level: str) -> None:
    """`--explain off` then `/level` says off (it used to say full: a setting looked up by a name nobody set)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "smtpshell", "--explain", level, "-c", "/level"],
        capture_output=True, text=True, timeout=60,
    )
    assert f"explanation level: {level}" in done.stdout, done.stdout + done.stderr


def test_script_mode_defaults_to_failures() -> None:
    """Issue 13: with no --explain, script mode shows the wire and one line for 4xx/5xx only."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "smtpshell", "-c", "/level"], capture_output=True, text=True, timeout=60)
    assert "explanation level: failures" in done.stdout, done.stdout + done.stderr

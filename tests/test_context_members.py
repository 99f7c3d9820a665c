"""Every member the shell commands and the AUTH flow may use is there, in every driver.

The Protocols (ShellContext, ShellRunner, AuthHost) are what commands and the
flow are written against; nobody asks whether a member exists (no getattr with
a default), so each implementation must have them all.
"""

from __future__ import annotations

import argparse
import io

import pytest

from smtpshell import events as ev
from smtpshell.auth.host import AuthHost
from smtpshell.config import Config
from smtpshell.drivers.runner import RunOptions, SessionRunner
from smtpshell.drivers.script import ScriptContext
from smtpshell.shell.context import ShellContext, ShellRunner


def members(protocol: type) -> set[str]:
    names = {n for n in vars(protocol) if not n.startswith("_")}
    return names | set(getattr(protocol, "__annotations__", {}))


def missing(obj: object, protocol: type) -> list[str]:
    absent = []
    for name in sorted(members(protocol)):
        try:
            getattr(obj, name)
        except AssertionError:
            continue  # a property that asserts a connection: present
        except AttributeError:
            absent.append(name)
    return absent


def test_the_protocols_declare_what_they_are_for() -> None:
    assert {"runner", "render_options", "recorder", "practice_server", "config", "clear_screen",
            "history_lines", "print", "error", "prompt", "connect", "quit", "interactive"} <= members(ShellContext)
    assert {"send_file", "pipelining", "await_replies", "connected", "auth", "session"} <= members(ShellRunner)
    assert {"send_command", "session", "target", "peer", "emit", "error", "prompt", "interactive",
            "auth_options", "connected"} <= members(AuthHost)
    assert "extras" not in members(ShellContext)


def test_script_mode_context_and_runner_have_every_member() -> None:
    ctx = ScriptContext(io.StringIO(), io.StringIO(), color=False)
    runner = SessionRunner(ev.EventBus(), RunOptions(), ctx)
    ctx.runner = runner
    assert missing(ctx, ShellContext) == []
    assert missing(runner, ShellRunner) == []
    assert missing(runner, AuthHost) == []
    ctx.clear_screen()  # a real no-op
    assert ctx.history_lines() == []


def test_lesson_context_has_every_member() -> None:
    pytest.importorskip("prompt_toolkit")
    from smtpshell.drivers.lesson import LessonContext

    ctx = LessonContext(io.StringIO(), io.StringIO(), color=False)
    assert missing(ctx, ShellContext) == []


def test_the_repl_has_every_member() -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from smtpshell.drivers.interactive import Repl

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        repl = Repl(argparse.Namespace(explain="off", color="never"), RunOptions(), Config())
        assert missing(repl, ShellContext) == []
        assert repl.render_options.explain == "off"  # what /level will report

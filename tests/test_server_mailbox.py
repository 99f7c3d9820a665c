"""/mailbox: the messages the embedded server received, through the shell."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from smtpshell.drivers.script import ScriptContext
from smtpshell.server import PracticeServer
from smtpshell.shell import registry
from tests.plugins.practice import StartPractice, message, practice_client


class RecordingContext:
    """The real script-mode context, keeping what each command printed and reported."""

    def __init__(self, practice_server: PracticeServer | None = None) -> None:
        self._out, self._err = io.StringIO(), io.StringIO()
        self.context = ScriptContext(self._out, self._err, color=False, practice_server=practice_server)
        self._seen = 0

    async def run(self, line: str) -> None:
        self._seen = len(self._out.getvalue())
        await registry.dispatch(self.context, line)

    @property
    def printed(self) -> list[str]:
        shown = self._out.getvalue()[self._seen:]
        return [shown] if shown else []

    @property
    def errors(self) -> list[str]:
        return [line.removeprefix("smtpshell: ") for line in self._err.getvalue().splitlines()]


async def test_mailbox_lists_and_shows_with_added_headers(start_practice: StartPractice) -> None:
    server = await start_practice()
    ctx = RecordingContext(practice_server=server)
    await ctx.run("/mailbox")
    assert "no messages yet" in ctx.printed[-1]

    client = await practice_client(server)
    await client.send_mail("alice@practice.test", ["bob@practice.test"], message("first \x1b[2J"))
    await client.send_mail("carol@practice.test", ["alice@practice.test"], message("second"))
    await ctx.run("/mailbox")
    listing = ctx.printed[-1]
    assert "2 message(s)" in listing and "first" in listing and "second" in listing
    assert "\x1b" not in listing

    await ctx.run("/mailbox 1")
    shown = ctx.printed[-1]
    assert shown.index("Return-Path: <alice@practice.test>") < shown.index("Received: from client.test")
    assert shown.index("Received: from") < shown.index("Subject: first")
    assert "\x1b" not in shown and "\\x1b[2J" in shown

    await ctx.run("/inbox last")
    assert "Subject: second" in ctx.printed[-1]

    await ctx.run("/mailbox 42")
    await ctx.run("/mailbox what")
    assert "no message 42" in ctx.errors[0] and "message number" in ctx.errors[1]


async def test_mailbox_without_the_practice_server_says_why() -> None:
    ctx = RecordingContext()
    await ctx.run("/mailbox")
    assert ctx.printed == []
    assert "smtpshell with no host" in ctx.errors[0]


def test_default_run_sends_to_the_embedded_server_and_mailbox_shows_it(tmp_path) -> None:
    """`smtpshell` with no host, in script mode: the message arrives and /mailbox shows it."""
    lines = ["EHLO student.test", "MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>",
             "DATA", "Subject: via the default run", "", "Hello Bob.", ".", "/mailbox", "/mailbox last"]
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path), NO_COLOR="1")
    done = subprocess.run([sys.executable, "-m", "smtpshell"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "demo logins: alice / wonderland" in done.stderr  # the welcome text
    out = done.stdout
    assert "1 message(s) received" in out
    assert "alice@practice.test -> bob@practice.test  via the default run" in out
    assert "Received: from student.test" in out and "Hello Bob." in out
    assert (tmp_path / "smtpshell" / "practice-ca.pem").is_file()  # certificate made on first run
    assert "Traceback" not in done.stderr

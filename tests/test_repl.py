"""The REPL in-process, with prompt_toolkit's pipe input, against aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell import events as ev
from smtpshell.client.target import Target
from smtpshell.config import Config
from smtpshell.drivers.interactive import Repl
from smtpshell.drivers.runner import RunOptions
from tests.plugins.servers import read_command

PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
CTRL_C, CTRL_D = "\x03", "\x04"


class Run:
    def __init__(self, repl: Repl, code: int, shown: list, log: ev.EventLog) -> None:
        self.repl, self.code, self.log = repl, code, log
        self.text = "".join(t for fragments in shown for _, t in fragments)

    def sent(self) -> list[str]:
        return [e.shown for e in self.log.of(ev.LineSent)]


async def run_repl(server_address: str, keys: str, *, config: Config | None = None,
                   during: object = None, timeout: float = 15) -> Run:
    """Type ``keys`` (all at once: prompt_toolkit keeps what it has not used as typeahead)."""
    host, port = server_address.rsplit(":", 1)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        args = argparse.Namespace(explain="brief", color="never")
        repl = Repl(args, RunOptions(timeout=5), config or Config())
        shown: list = []
        show = repl.ui.show
        repl.ui.show = lambda fragments: (shown.append(fragments), show(fragments))  # type: ignore[method-assign]
        log = ev.EventLog()
        repl.bus.subscribe(log)
        if callable(during):
            repl.bus.subscribe(lambda event: during(repl, pipe, event))
        pipe.send_text(keys)
        code = await asyncio.wait_for(repl.run(Target(host, int(port))), timeout)
    return Run(repl, code, shown, log)


async def test_a_pasted_message_goes_line_by_line(smtp_server):
    message = "Subject: pasted\n\n.leading dot\nlast line\n."
    keys = ("EHLO paste.test\r" + PASTE_START + "MAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\n"
            + message + PASTE_END + "\r" + CTRL_D)
    run = await run_repl(smtp_server.address, keys)
    assert run.code == 0
    assert smtp_server.messages[0].content == b"Subject: pasted\r\n\r\n.leading dot\r\nlast line\r\n"
    assert run.sent()[-1] == "QUIT"
    assert "221" in run.text


async def test_ctrl_c_clears_the_line(smtp_server):
    run = await run_repl(smtp_server.address, "EHLO junk" + CTRL_C + "NOOP\r" + CTRL_D)
    assert run.sent() == ["NOOP", "QUIT"]


async def test_typed_quit_ends_the_session_and_ctrl_d_the_shell(smtp_server):
    run = await run_repl(smtp_server.address, "QUIT\r" + CTRL_D)
    assert run.code == 0
    assert run.sent() == ["QUIT"]
    assert "221" in run.text
    assert "the session is closed" in run.text


async def test_quit_answered_says_the_session_is_closed_before_the_server_closes(scripted_server):
    """A 221 to QUIT ends the session even while the server keeps the connection open a
    moment: the shell says so then, not only when the close arrives (which a Ctrl-D typed
    ahead could beat: the test above failed now and then)."""
    async def lingering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        assert await read_command(reader) == b"QUIT"
        writer.write(b"221 2.0.0 Bye\r\n")
        await writer.drain()
        await reader.read()  # the connection stays open until the client closes it

    server = scripted_server(lingering)
    run = await run_repl(f"127.0.0.1:{server.port}", "QUIT\r" + CTRL_D)
    assert run.code == 0
    assert run.sent() == ["QUIT"]
    assert run.text.count("the session is closed") == 1


async def test_shell_commands_history_and_bad_input(smtp_server):
    keys = "NOOP\r/history\r/history x\r/connect\r/connect nohost:99999\r/frob\r" + CTRL_D
    run = await run_repl(smtp_server.address, keys)
    assert "    1  NOOP\n    2  /history\n" in run.text
    assert "/history N: N is a number of lines" in run.text
    assert "/connect needs a HOST[:PORT]" in run.text
    assert "bad port" in run.text
    assert "unknown shell command /frob" in run.text
    assert "Traceback" not in run.text
    assert run.sent() == ["NOOP", "QUIT"]


async def test_reconnect_starts_a_fresh_session(smtp_server):
    run = await run_repl(smtp_server.address, "EHLO one\r/reconnect\rNOOP\r" + CTRL_D)
    connected = run.log.of(ev.Connected)
    assert len(connected) == 2
    assert run.sent() == ["EHLO one", "QUIT", "NOOP", "QUIT"]  # polite QUIT before reconnecting


async def test_mid_transaction_ctrl_d_asks_and_no_keeps_going(smtp_server):
    keys = "EHLO x\rMAIL FROM:<a@b.c>\r" + CTRL_D + "n\rRSET\r" + CTRL_D
    run = await run_repl(smtp_server.address, keys)
    # The question is the prompt's label (the pty test sees it); "n" kept the shell going.
    assert run.sent() == ["EHLO x", "MAIL FROM:<a@b.c>", "RSET", "QUIT"]


async def test_leaving_inside_data_closes_without_quit(smtp_server):
    keys = "EHLO x\rMAIL FROM:<a@b.c>\rRCPT TO:<d@e.f>\rDATA\rhalf a message\r" + CTRL_D + "y\r"
    run = await run_repl(smtp_server.address, keys)
    assert run.code == 0
    assert "QUIT" not in run.sent()  # it would have been message text
    assert "the message was not sent" in run.text
    assert smtp_server.messages == []


async def test_interrupted_wait_holds_commands_until_the_late_reply(scripted_server):
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 slow.test ESMTP\r\n")
        await writer.drain()
        while True:
            command = await read_command(reader)
            if command == b"NOOP":
                await asyncio.sleep(1.0)  # late: the user gives up waiting first
            writer.write(b"250 2.0.0 ok " + command + b"\r\n")
            await writer.drain()
            if command == b"QUIT":
                return

    server = scripted_server(slow)
    pipes: list = []
    back_in_step = asyncio.Event()

    def during(repl: Repl, pipe, event) -> None:
        if isinstance(event, ev.ReplyReceived) and "ok NOOP" in event.reply.text:
            asyncio.get_running_loop().call_soon(back_in_step.set)
        if isinstance(event, ev.LineSent) and event.shown == "NOOP":
            pipes.append(pipe)
            asyncio.get_running_loop().call_later(0.1, repl._sigint)  # what Ctrl-C (SIGINT) does

    # NOOP is interrupted; the RSET typed right after is held back (out of step).
    keys = "NOOP\rRSET\r"
    task = asyncio.ensure_future(run_repl(server.address, keys, during=during))
    await asyncio.wait_for(back_in_step.wait(), 10)  # the late 250 arrives
    await asyncio.sleep(0)  # (the REPL notes it is back in step)
    pipes[0].send_text("RSET\r" + CTRL_D)
    run = await task
    assert "out of step" in run.text
    assert "not sent: the session is out of step" in run.text
    assert "back in step" in run.text
    assert run.sent() == ["NOOP", "RSET", "QUIT"]  # the held-back RSET was not sent
    replies = [e.reply.text for e in run.log.of(ev.ReplyReceived)]
    assert "2.0.0 ok NOOP" in " ".join(replies)  # the late reply was shown


def test_history_file_is_private_and_lines_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from smtpshell.ui.history import SecretSafeHistory

    path = tmp_path / "state" / "history"
    history = SecretSafeHistory(path, lambda line: "secret" not in line)
    history.append_string("EHLO me")
    history.append_string("a secret line")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert "EHLO me" in path.read_text() and "secret" not in path.read_text()
    assert history.get_strings() == ["EHLO me"]  # not even kept in memory


async def test_no_server_gives_one_line_and_the_connection_exit_status():
    import socket

    from smtpshell import exitcodes

    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = await run_repl(f"127.0.0.1:{port}", "")
    assert run.code == exitcodes.CONNECTION
    assert "refused" in run.text and "Traceback" not in run.text


async def test_f2_hides_the_toolbar_and_vi_mode_from_the_config(smtp_server):
    from prompt_toolkit.enums import EditingMode

    run = await run_repl(smtp_server.address, "\x1bOQNOOP\r" + CTRL_D, config=Config(vi_mode=True, theme="monokai"))
    assert run.repl.ui.toolbar_shown is False
    assert run.repl.ui.prompt_session.bottom_toolbar is None
    assert run.repl.ui.prompt_session.editing_mode is EditingMode.VI
    assert run.sent() == ["NOOP", "QUIT"]
    assert run.repl.ui.style_problem is None


async def test_config_problems_are_shown_once_and_the_shell_goes_on(smtp_server):
    broken = Config(theme="no-such-theme", problem="config.toml: unknown setting [ui] colour; using defaults")
    run = await run_repl(smtp_server.address, "NOOP\r" + CTRL_D, config=broken)
    assert "unknown setting [ui] colour" in run.text
    assert "unknown colour theme 'no-such-theme'" in run.text
    assert run.sent() == ["NOOP", "QUIT"]


async def test_a_paste_ending_in_a_newline_adds_no_empty_line(smtp_server):
    # Copied text usually ends with a line end; it must not become an extra blank line.
    body = "Subject: pasted\n\nfirst\nsecond\n"
    keys = ("EHLO paste.test\rMAIL FROM:<a@example.org>\rRCPT TO:<b@example.org>\rDATA\r"
            + PASTE_START + body + PASTE_END + "\r.\r" + CTRL_D)
    run = await run_repl(smtp_server.address, keys)
    assert run.code == 0
    assert smtp_server.messages[0].content == b"Subject: pasted\r\n\r\nfirst\r\nsecond\r\n"


async def test_level_says_the_level_the_shell_started_with_and_follows_it(smtp_server):
    """The REPL started with --explain brief: /level says brief (it said full), and /level off takes effect."""
    run = await run_repl(smtp_server.address, "/level\r/level off\rNOOP\r" + CTRL_D)
    assert "explanation level: brief" in run.text
    assert "explanation level is now off" in run.text
    assert run.repl.render_options.explain == "off"

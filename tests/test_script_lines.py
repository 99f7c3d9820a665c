"""A script's lines (drivers/script_lines.py): the same lines as the per-line reader it replaced,
from any bytes read in any blocks; and a feeder on stdin that waits for each reply sees it.

The feeder is an ``expect``-style coprocess: it writes a command, reads smtpshell's output
until the reply is there, and only then writes the next. Script mode holds its output until
the session waits, and the next line from a pipe is a wait too: before, the reply stayed
held until the feeder's next line came, so such a feeder waited for ever.
"""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.drivers import script_lines
from smtpshell.drivers.script_lines import ScriptLines
from tests.plugins.servers import SmtpServer

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def reference(data: bytes) -> list[str]:
    """The reader this replaced (cli._lines_of): a file's lines as bytes, one CR before LF dropped."""
    out = []
    for raw in io.BytesIO(data):
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        out.append(raw.decode("utf-8", "surrogateescape"))
    return out


def lines_read(data: bytes, tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(script_lines, "BLOCK", block)
    path = tmp_path / "script.txt"
    path.write_bytes(data)
    return list(ScriptLines(open(path, "rb")))


PIECES = st.sampled_from([b"a", b"MAIL FROM:<a@b>", b"\r", b"\n", b"\r\n", b"\xe4\xb8\xad", b"\xff", b"\xe4", b" ", b"."])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=60), st.integers(1, 40))
def test_any_bytes_in_any_blocks_give_the_reference_lines(tmp_path_factory: pytest.TempPathFactory,
                                                          pieces: list[bytes], block: int) -> None:
    data = b"".join(pieces)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert lines_read(data, tmp_path_factory.mktemp("s"), block, monkeypatch) == reference(data)


def test_a_text_stream_is_read_as_it_reads() -> None:
    assert list(ScriptLines(io.StringIO("EHLO x\r\nNOOP\nQUIT"))) == ["EHLO x", "NOOP", "QUIT"]


def test_a_regular_file_never_asks_for_the_held_output(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(b"EHLO x\n" * 5000)
    source = ScriptLines(open(path, "rb"))
    asked: list[int] = []
    source.before_block = lambda: asked.append(1)
    assert len(list(source)) == 5000
    assert asked == []


def test_a_pipe_that_has_nothing_yet_asks_for_the_held_output_first() -> None:
    read_end, write_end = os.pipe()
    source = ScriptLines(os.fdopen(read_end, "rb"))
    asked: list[int] = []

    def write_after_the_ask() -> None:
        asked.append(1)
        os.write(write_end, b"NOOP\n")
        os.close(write_end)

    source.before_block = write_after_the_ask
    assert list(source) == ["NOOP"]
    assert asked == [1]  # before the line; the end was there at once


def _read_until(stream: io.BufferedReader, needle: bytes, seconds: float = 10.0) -> bytes:
    seen = b""
    fd = stream.fileno()
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], seconds)
        assert ready, f"{needle!r} never came; shown so far: {seen!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"the output ended before {needle!r}: {seen!r}"
        seen += chunk
    return seen


@pytest.fixture
def feeder(smtp_server: SmtpServer) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([SMTPSHELL, smtp_server.address, "--explain", "off", "--timeout", "10"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    yield proc
    proc.kill()
    proc.wait()


def test_a_feeder_that_waits_for_each_reply_sees_it_before_it_writes_more(
        feeder: subprocess.Popen[bytes]) -> None:
    assert feeder.stdin is not None and feeder.stdout is not None
    _read_until(feeder.stdout, b"S: 220")  # the greeting, before any line was written
    feeder.stdin.write(b"EHLO feeder.test\n")
    feeder.stdin.flush()
    _read_until(feeder.stdout, b"S: 250 ")  # before: held until the next line came
    feeder.stdin.write(b"NOOP\n")
    feeder.stdin.flush()
    shown = _read_until(feeder.stdout, b"S: 250 ")
    assert b"C: NOOP" in shown
    feeder.stdin.close()
    assert feeder.wait(10) == 0


# -- the lines sent are rendered while the server works (EventBus.while_waiting) ---------------


def test_a_command_goes_out_before_its_line_is_rendered_and_the_output_keeps_its_order(
        smtp_server: SmtpServer) -> None:
    from smtpshell.client.blocking import BlockingConnection, run_blocking
    from smtpshell.client.target import Target
    from smtpshell.drivers.runner import RunOptions
    from smtpshell.drivers.script import ScriptDriver
    from smtpshell.render.styled import RenderOptions

    unrendered_at_send: list[list[str]] = []

    class Watched(BlockingConnection):
        async def _connect(self) -> None:
            await super()._connect()
            sock = self._transport.sock

            class Sock:
                def send(self, data: bytes, *flags: int) -> int:
                    unrendered_at_send.append([event.shown for event, _ in driver.context._unshown])
                    return sock.send(data, *flags)

                def __getattr__(self, name: str) -> object:
                    return getattr(sock, name)

            self._transport.sock = Sock()  # type: ignore[assignment]

    host, port = smtp_server.address.rsplit(":", 1)
    both = io.StringIO()  # stdout and stderr in one stream: their order is seen
    driver = ScriptDriver(["EHLO x", "NOOP", "/no-such-command", "NOOP"], Target(host, int(port)),
                          RunOptions(connector=Watched.open), out=both, err=both,
                          render=RenderOptions(explain="off"))
    run_blocking(driver.run())
    assert unrendered_at_send[:2] == [["EHLO x"], ["NOOP"]]  # before: each line was text before it went out
    shown = both.getvalue()
    first_noop, error, second_noop = (shown.index("C: NOOP"), shown.index("smtpshell: "),
                                      shown.rindex("C: NOOP"))
    assert shown.index("C: EHLO x") < first_noop < shown.index("S: 250", first_noop) < error < second_noop

"""Script mode's socket: timeouts kept by the kernel, one system call per read and per write.

A Python timeout (``sock.settimeout``) makes the socket non-blocking and polls before every
call: per round trip a ``poll`` before the write and one before the read, and an ``ioctl``
each time the timeout was set (it was, before every read and every write). The blocking
connection now sets SO_RCVTIMEO and SO_SNDTIMEO once, on a blocking socket, so a read is a
plain ``recv_into`` and a write a plain ``send`` (issue 18, "1,000 messages"). Counted on a
real loopback session (the calls made on the socket object, which are the system calls: a
blocking socket's method makes one each); and the timeouts still fire, against a server that
never answers and one that never reads.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from smtpshell import events as ev
from smtpshell.client import blocking
from smtpshell.client.blocking import BlockingConnection, run_blocking
from smtpshell.client.errors import ReplyTimeout
from smtpshell.client.target import Target
from smtpshell.protocol.line import LineKind
from tests.plugins.servers import ServerThread, SmtpServer, read_command


class CountingSocket:
    """The real socket, with the name of every call made on it kept in order."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._sock, name)
        if not callable(found):
            return found

        def counted(*args: Any) -> Any:
            self.calls.append(name)
            return found(*args)

        return counted


def counting_connection(sockets: list[CountingSocket]) -> type[BlockingConnection]:
    class Counted(BlockingConnection):
        async def _connect(self) -> None:
            await super()._connect()
            self._transport.sock = counting = CountingSocket(self._transport.sock)
            sockets.append(counting)

    return Counted


def in_a_thread(work: Callable[[], Any], seconds: float = 20) -> Any:
    """``work()``'s result; fails (rather than hangs the suite) if it never returns."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(_outcome(work)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "a blocking read or write never timed out"
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


def _outcome(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
        return exc


async def _one_message(conn: BlockingConnection) -> None:
    await conn.greeting()
    await conn.command("EHLO shape.test")
    await conn.command("MAIL FROM:<a@example.org>")
    await conn.command("RCPT TO:<b@example.org>")
    await conn.command("DATA")
    for line in ("Subject: shape", "", "body"):
        await conn.send(line, kind=LineKind.DATA_LINE)
    await conn.send(".", kind=LineKind.DATA_END)
    await conn.reply()


def test_a_round_trip_is_one_send_and_one_read_with_no_timeout_set(smtp_server: SmtpServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Every reply comes within the grace (a loaded machine may take longer than the real 20 ms):
    # no wait is felt, so none writes the screen's held output.
    monkeypatch.setattr(blocking, "FLUSH_GRACE", 5.0)
    sockets: list[CountingSocket] = []
    bus = ev.EventBus()
    waits: list[int] = []
    bus.before_wait = lambda: waits.append(1)
    host, port = smtp_server.address.rsplit(":", 1)

    async def session() -> None:
        conn = await counting_connection(sockets).open(Target(host, int(port)), bus, timeout=10)
        (counted,) = sockets
        await _one_message(conn)
        calls, writes, waited = list(counted.calls), conn.writes, len(waits)
        assert counted._sock.gettimeout() is None  # blocking: no poll before each call
        rcvtimeo = counted._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16)
        sndtimeo = counted._sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 16)
        await conn.command("QUIT")
        await conn.close()
        # greeting, EHLO, MAIL, RCPT, DATA, '.': six replies (aiosmtpd writes EHLO's lines apart, so
        # they may take more reads), five writes (the message and its '.' in one)
        reads = calls.count("recv_into")
        assert reads >= 6, calls
        assert calls.count("send") == 5, calls
        # Before: settimeout before every read and every write (an ioctl, and a poll in the call).
        assert set(calls) == {"recv_into", "send"}, calls
        assert writes == 5
        # The kernel keeps the 10 s for writes, and a read's grace (the first read of every wait).
        assert sndtimeo == blocking._timeval(10) and rcvtimeo == blocking._timeval(5.0)
        # The screen's held output waits for a wait that is felt (none here: see FLUSH_GRACE). It
        # was written before every read (and, before that, before every write too).
        assert waited == 0

    run_blocking(session())
    assert smtp_server.messages[0].content.endswith(b"body\r\n")


@pytest.fixture
def silent_listener() -> Iterator[socket.socket]:
    """A listening socket nobody accepts on: the kernel completes each connect, then nothing
    is ever said or read."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    yield listener
    listener.close()


def test_the_client_timeout_fires_against_a_server_that_never_answers(silent_listener: socket.socket) -> None:
    port = silent_listener.getsockname()[1]
    shown: list[ev.Event] = []
    bus = ev.EventBus()
    bus.subscribe(shown.append)

    async def wait_for_a_greeting() -> str:
        conn = await BlockingConnection.open(Target("127.0.0.1", port), bus, timeout=0.3)
        try:
            await conn.greeting()
        except ReplyTimeout as exc:
            return str(exc)
        finally:
            await conn.close()
        return "answered"

    assert in_a_thread(lambda: run_blocking(wait_for_a_greeting())) == "no reply from the server within 0.3 s"
    assert any(isinstance(event, ev.Closed) for event in shown)


def test_a_send_that_cannot_go_out_times_out_and_shows_what_was_held_first(silent_listener: socket.socket) -> None:
    port = silent_listener.getsockname()[1]
    bus = ev.EventBus()
    waits: list[int] = []
    bus.before_wait = lambda: waits.append(1)
    closed: list[ev.Closed] = []
    bus.subscribe_types({ev.Closed: closed.append})

    async def send_more_than_the_buffers_hold() -> BlockingConnection:
        conn = await BlockingConnection.open(Target("127.0.0.1", port), bus, timeout=0.3)
        try:
            await conn._write(b"x" * (64 << 20))  # nobody reads: the socket's buffers fill, then the send waits
        except Exception:  # noqa: BLE001 - what it raises is not the point: the socket timed out
            pass
        return conn

    conn = in_a_thread(lambda: run_blocking(send_more_than_the_buffers_hold()))
    assert not conn.is_open
    assert isinstance(conn._transport.lost, TimeoutError)  # said as Python's timeout says it, not EAGAIN
    assert closed and "timed out" in closed[0].reason, closed
    assert waits == [1]  # the held output went to the screen before the send waited


def test_a_send_timeout_is_said_in_the_users_language_with_its_seconds(silent_listener: socket.socket) -> None:
    """The reason was Python's own "timed out", in English whatever the language."""
    from smtpshell import i18n

    port = silent_listener.getsockname()[1]
    bus = ev.EventBus()
    closed: list[ev.Closed] = []
    bus.subscribe_types({ev.Closed: closed.append})

    async def send_more_than_the_buffers_hold() -> None:
        conn = await BlockingConnection.open(Target("127.0.0.1", port), bus, timeout=0.3)
        try:
            await conn._write(b"x" * (64 << 20))
        except Exception:  # noqa: BLE001 - the reason said is the point here
            pass

    assert i18n.set_language("zh_CN") == "zh_CN"
    try:
        in_a_thread(lambda: run_blocking(send_more_than_the_buffers_hold()))
    finally:
        i18n.set_language("en")
    assert closed and "发送超时" in closed[0].reason and "0.3" in closed[0].reason, closed


def test_a_reply_that_is_slow_has_the_held_output_shown_while_it_is_awaited(
        scripted_server: Callable[..., ServerThread]) -> None:
    """A reply later than FLUSH_GRACE: the held output is written once, before the reply came."""
    import asyncio

    async def slow_ehlo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 slow.test\r\n")
        await read_command(reader)
        await asyncio.sleep(0.3)  # fifteen times the grace
        writer.write(b"250 slow.test\r\n")
        await read_command(reader)
        writer.write(b"221 bye\r\n")
        await writer.drain()

    server = scripted_server(slow_ehlo)
    host, port = server.address.rsplit(":", 1)
    bus = ev.EventBus()
    replies: list[ev.ReplyReceived] = []
    bus.subscribe_types({ev.ReplyReceived: replies.append})
    seen_at_wait: list[int] = []
    bus.before_wait = lambda: seen_at_wait.append(len(replies))

    async def session() -> None:
        conn = await BlockingConnection.open(Target(host, int(port)), bus, timeout=10)
        await conn.greeting()
        seen_at_wait.clear()  # the greeting's wait is not the point
        await conn.command("EHLO x")
        await conn.command("QUIT")
        await conn.close()

    in_a_thread(lambda: run_blocking(session()))
    # Once while EHLO's reply was awaited (one reply, the greeting, had come), and QUIT's may add
    # one more on a loaded machine; never before every read.
    assert seen_at_wait[:1] == [1], seen_at_wait
    assert len(seen_at_wait) <= 2, seen_at_wait

"""The blocking-socket shell around :class:`~.core.ConnectionCore`, for script mode.

A scripted session against a given server needs no event loop: it sends a
line, waits for the reply, and goes on. Doing that with a plain socket spares
importing asyncio, which on a small machine costs more than the rest of the
session (see docs/ARCHITECTURE.md, Figures).

The driver code is shared with the asyncio shell: :class:`BlockingConnection`
has the same ``async`` methods, but they never suspend, because waiting here
means reading the socket until the condition holds. :func:`run_blocking` runs
such a coroutine to its end without an event loop.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Coroutine

from ..records import TYPE_CHECKING
from .core import ConnectionCore
from .errors import ConnectionFailed, connect_error
from .target import resolver_host

if TYPE_CHECKING:
    from typing import Any, TypeVar

_READ_SIZE = 256 * 1024
if TYPE_CHECKING:
    T = TypeVar("T")


class SocketTransport:
    """The few transport calls the core makes, over a blocking socket."""

    def __init__(self, sock: socket.socket, timeout: float, on_close: Callable[[], None] = lambda: None) -> None:
        self.sock = sock
        self.timeout = timeout
        self._closing = False
        self._on_close = on_close  # the connection's is_open goes False with it
        self.lost: Exception | None = None  # why the socket failed, for connection_lost
        self.unread = b""  # bytes read after a failed send, for the core before connection_lost
        self._timeout_set: float | None = sock.gettimeout()

    def use_timeout(self, seconds: float) -> None:
        """The socket's timeout, set only when it changes: settimeout is a system call
        (ioctl FIONBIO) each time, and a message body is a run of writes with one timeout."""
        if seconds != self._timeout_set:
            self.sock.settimeout(seconds)
            self._timeout_set = seconds

    def write(self, data: bytes) -> None:
        if self._closing:
            return
        try:
            self.use_timeout(self.timeout)
            self.sock.sendall(data)
        except OSError as exc:  # the peer went away, or the send timed out
            self.lost = exc
            self.unread = self._drain()  # what it said before going (a 421), read before the close
            self.close()

    def _drain(self) -> bytes:
        """Whatever the peer sent that is still in the socket, without waiting."""
        data = b""
        try:
            self.sock.setblocking(False)
            self._timeout_set = 0.0
            while len(data) < 4 * _READ_SIZE:
                piece = self.sock.recv(_READ_SIZE)
                if not piece:
                    break
                data += piece
        except OSError:
            pass
        return data

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._on_close()
            try:
                self.sock.close()
            except OSError:
                pass

    def get_extra_info(self, name: str) -> Any:
        if name == "peername":
            try:
                return self.sock.getpeername()
            except OSError:
                return None
        return None


class BlockingConnection(ConnectionCore):
    """One SMTP connection over a blocking socket; methods are never-suspending coroutines."""

    _lost_reported = False
    _read_view: memoryview | None = None  # _read_once's buffer, made on the first read
    gather_writes = True  # script mode: a message, and a pipelined group, go out in large writes

    # The core's test (a transport, not closing) kept as a plain attribute: it is asked several
    # times a line, and here the only way a transport closes is SocketTransport.close, which says so.
    is_open = False

    def _transport_closed(self) -> None:
        self.is_open = False

    async def _connect(self) -> None:
        try:
            sock = socket.create_connection((resolver_host(self.target.host), self.target.port),  # type: ignore[arg-type]  # getaddrinfo takes bytes too
                                            timeout=self.timeout)
        except OSError as exc:  # socket.timeout included
            raise ConnectionFailed(connect_error(self.target, exc, self.timeout)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as asyncio does
        transport = SocketTransport(sock, self.timeout, on_close=self._transport_closed)
        self.is_open = True  # before connection_made: its listeners see an open connection
        self.connection_made(transport)

    # -- waiting: read the socket until the condition holds ----------------------

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        transport: SocketTransport = self._transport
        while not ready():
            if transport._closing and not self._lost_reported:  # _report_lost's test, asked here once a read
                self._report_lost()
                if ready():
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.bus.before_wait()  # about to block on the socket: held output is shown first
            self._read_once(remaining)

    async def poll(self) -> None:
        transport: SocketTransport | None = self._transport
        if transport is None or transport.is_closing():
            return
        import select  # small, and only needed here

        try:
            readable, _, _ = select.select([transport.sock], [], [], 0)
        except (OSError, ValueError):
            return
        if readable:
            self._read_once(self.timeout)

    def _read_once(self, timeout: float) -> None:
        transport: SocketTransport = self._transport
        if transport._closing:
            return
        try:
            transport.use_timeout(timeout)
            # Into a buffer kept for the connection: recv(256 KiB) allocates 256 KiB for each read
            # (an mmap, an mremap to the few bytes a reply is, a munmap: three system calls a reply).
            view = self._read_view
            if view is None:
                view = self._read_view = memoryview(bytearray(_READ_SIZE))
            data = view[: transport.sock.recv_into(view)].tobytes()
        except TimeoutError:
            return  # the caller checks its deadline
        except OSError as exc:  # a reset: reported as the end of the connection like an EOF
            transport.lost = exc
            transport.close()
            self._report_lost()
            return
        if data:
            self.data_received(data)
        else:
            self.eof_received()
            transport.close()
        if transport._closing:
            self._report_lost()

    def _report_lost(self) -> None:
        """asyncio calls connection_lost after a close; here we do, once."""
        transport: SocketTransport | None = self._transport
        if transport is not None and transport.is_closing() and not self._lost_reported:
            self._lost_reported = True
            if transport.unread:
                unread, transport.unread = transport.unread, b""
                self.data_received(unread)
            self.connection_lost(transport.lost)

    async def _writable(self) -> None:
        self._report_lost()  # a failed send closed the socket: say so now

    async def _after_close(self) -> None:
        self._report_lost()


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (one built on BlockingConnection)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise RuntimeError("a blocking session awaited an event-loop object (a bug in smtpshell)")

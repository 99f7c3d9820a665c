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
import sys
import time
from array import array
from collections.abc import Callable, Coroutine

from ..i18n import t
from ..records import TYPE_CHECKING
from .core import ConnectionCore
from .errors import ConnectionFailed, connect_error
from .spin import BUDGET, SpinPolicy, worth_polling
from .target import resolver_host

if TYPE_CHECKING:
    from typing import Any, TypeVar

_READ_SIZE = 256 * 1024
# How far the time a read may block can be from the socket's timeout before it is set again:
# a wait begins with its whole timeout (the one set), so the common read sets nothing.
READ_LIMIT_SLACK = 0.01
# Held output is shown when a wait is felt, not at every wait: the first read of a wait blocks
# at most this long without showing anything, and only a reply that is not there by then has
# the held output written first. A round trip to a near server (4,000 of them for 1,000
# messages) then costs no write to the screen; a person never sees the screen more than this
# behind the session.
FLUSH_GRACE = 0.02
if TYPE_CHECKING:
    T = TypeVar("T")


def _timeval(seconds: float) -> bytes:
    """A ``struct timeval`` (two C longs: seconds, microseconds) for SO_RCVTIMEO / SO_SNDTIMEO.

    At least a millisecond: a zero timeval means no timeout at all. (``array`` is loaded with
    socket already; ``struct`` is not.)"""
    return array("l", divmod(max(1000, round(seconds * 1_000_000)), 1_000_000)).tobytes()


def _kernel_timeouts(sock: socket.socket, seconds: float) -> bool:
    """Make ``sock`` blocking, its timeouts kept by the kernel; False where that is not had.

    A Python timeout (``settimeout``) makes the socket non-blocking and polls before every
    call: a ``poll`` before each read and each write, and an ``ioctl`` each time it is set,
    four system calls a round trip that smtplib (no timeout) does not make. With SO_RCVTIMEO
    and SO_SNDTIMEO on a blocking socket a read is one ``recvfrom`` and a write one
    ``sendto``; a read that times out fails with EAGAIN (BlockingIOError). Windows takes
    these options in milliseconds (a DWORD): there the Python timeout stays.
    """
    if sys.platform == "win32" or not hasattr(socket, "MSG_DONTWAIT"):
        return False
    value = _timeval(seconds)
    try:
        sock.settimeout(None)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    except OSError:
        sock.settimeout(seconds)
        return False
    return True


class SocketTransport:
    """The few transport calls the core makes, over a blocking socket."""

    def __init__(self, sock: socket.socket, timeout: float, on_close: Callable[[], None] = lambda: None,
                 before_block: Callable[[], None] = lambda: None) -> None:
        self.sock = sock
        self.timeout = timeout
        self._closing = False
        self._on_close = on_close  # the connection's is_open goes False with it
        self._before_block = before_block  # a send is about to wait for the peer (bus.before_wait)
        self.lost: Exception | None = None  # why the socket failed, for connection_lost
        self.unread = b""  # bytes read after a failed send, for the core before connection_lost
        self.kernel_timeouts = _kernel_timeouts(sock, timeout)
        self.read_limit = timeout  # the longest a read blocks now (set_read_limit)
        if self.kernel_timeouts:
            self.set_read_limit(FLUSH_GRACE)  # what a wait's first read blocks for (_wait_until)

    def set_read_limit(self, seconds: float) -> None:
        """The longest the next reads may block (the time left of a wait): one system call."""
        self.read_limit = seconds
        if self.kernel_timeouts:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(seconds))
        else:
            self.sock.settimeout(seconds)

    def write(self, data: bytes) -> None:
        """All of ``data``; what is held for the screen is shown first if the send has to wait."""
        if self._closing:
            return
        sock = self.sock
        try:
            if self.kernel_timeouts:
                # What the socket's buffer takes now, without waiting (a command, a short message: all).
                try:
                    sent = sock.send(data, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    sent = 0
                if sent < len(data):
                    # The server is not reading as fast: the send waits (up to SO_SNDTIMEO for each
                    # piece), and what is held for the screen is shown while it does.
                    self._before_block()
                    sock.sendall(memoryview(data)[sent:])
            else:
                self._before_block()
                if self.read_limit != self.timeout:
                    self.set_read_limit(self.timeout)  # one Python timeout for reads and writes here
                sock.sendall(data)
        except OSError as exc:  # the peer went away, or the send timed out (EAGAIN: the kernel's timeout)
            if isinstance(exc, (BlockingIOError, TimeoutError)):  # either timeout, in the user's words
                exc = TimeoutError(t("client.send_timed_out", "sending timed out: the server read nothing for {seconds} s",
                                     seconds=f"{self.timeout:g}"))
            self.lost = exc
            self.unread = self._drain()  # what it said before going (a 421), read before the close
            self.close()

    def _drain(self) -> bytes:
        """Whatever the peer sent that is still in the socket, without waiting."""
        data = b""
        try:
            self.sock.setblocking(False)
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

    _spin: SpinPolicy | None = None  # set at connect where non-blocking reads are had (client/spin.py)

    def _transport_closed(self) -> None:
        self.is_open = False

    def _before_block(self) -> None:
        self.bus.before_wait()  # looked up now: a driver sets it after the bus is made

    async def _connect(self) -> None:
        try:
            sock = socket.create_connection((resolver_host(self.target.host), self.target.port),  # type: ignore[arg-type]  # getaddrinfo takes bytes too
                                            timeout=self.timeout)
        except OSError as exc:  # socket.timeout included
            raise ConnectionFailed(connect_error(self.target, exc, self.timeout)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as asyncio does
        transport = SocketTransport(sock, self.timeout, on_close=self._transport_closed,
                                    before_block=self._before_block)
        if transport.kernel_timeouts and worth_polling():  # MSG_DONTWAIT is had with kernel timeouts
            self._spin = SpinPolicy()
        self.is_open = True  # before connection_made: its listeners see an open connection
        self.connection_made(transport)

    # -- waiting: read the socket until the condition holds ----------------------

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        started = time.monotonic()
        deadline = started + timeout
        transport: SocketTransport = self._transport
        if ready():
            return
        grace = True  # see FLUSH_GRACE
        self.bus.while_waiting()  # the command is out: what was put off is done while the server works
        spin = self._spin
        if spin is not None and spin.wanted():
            spin.found(self._read_polling(BUDGET))  # see client/spin.py
        while not ready():
            if transport._closing and not self._lost_reported:  # _report_lost's test, asked here once a read
                self._report_lost()
                if ready():
                    return
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                raise TimeoutError
            if grace and remaining > FLUSH_GRACE and now - started < FLUSH_GRACE:
                # While the reply's pieces keep coming (aiosmtpd writes EHLO's lines apart) the
                # wait is not felt; a read that outlasts the grace, or a reply that takes longer
                # than it in pieces, ends it.
                grace = self._read_once(FLUSH_GRACE)
                continue
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

    def _read_polling(self, budget: float) -> bool:
        """Non-blocking reads for up to ``budget`` seconds, until one takes something; False if none did."""
        transport: SocketTransport = self._transport
        if transport._closing:
            return True
        view = self._read_view or self._view()
        recv_into, until = transport.sock.recv_into, time.monotonic() + budget
        while True:
            try:
                count = recv_into(view, 0, socket.MSG_DONTWAIT)
            except BlockingIOError:
                if time.monotonic() >= until:
                    return False
                continue
            except OSError as exc:
                self._read_failed(exc)
                return True
            self._took(view[:count].tobytes())
            return True

    def _view(self) -> memoryview:
        # Into a buffer kept for the connection: recv(256 KiB) allocates 256 KiB for each read
        # (an mmap, an mremap to the few bytes a reply is, a munmap: three system calls a reply).
        view = self._read_view
        if view is None:
            view = self._read_view = memoryview(bytearray(_READ_SIZE))
        return view

    def _read_once(self, timeout: float) -> bool:
        """Read once, blocking up to ``timeout``; False if nothing came in that time."""
        transport: SocketTransport = self._transport
        if transport._closing:
            return True
        try:
            if abs(timeout - transport.read_limit) > READ_LIMIT_SLACK:
                transport.set_read_limit(timeout)  # the time left of a wait, when it is not the one set
            view = self._view()
            data = view[: transport.sock.recv_into(view)].tobytes()
        except (TimeoutError, BlockingIOError):  # Python's timeout, or the kernel's (EAGAIN)
            return False  # the caller checks its deadline
        except OSError as exc:
            self._read_failed(exc)
            return True
        self._took(data)
        return True

    def _read_failed(self, exc: OSError) -> None:
        """A reset: reported as the end of the connection, like an EOF."""
        transport: SocketTransport = self._transport
        transport.lost = exc
        transport.close()
        self._report_lost()

    def _took(self, data: bytes) -> None:
        """What a read returned: bytes for the core, or (empty) the end of the connection."""
        transport: SocketTransport = self._transport
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
        if self._transport._closing and not self._lost_reported:  # _report_lost's test, inline: asked every write
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

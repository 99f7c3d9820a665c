"""One SMTP connection, whatever does the I/O: the shared core.

Theory of operation
-------------------
:class:`ConnectionCore` holds everything about a connection that does not
depend on how bytes move: bytes arrive in :meth:`data_received`; when TLS is on
they pass through an in-memory :class:`ssl.SSLObject` (not ``loop.start_tls``)
so that *we* see every byte the server sends before and during the handshake.
Plaintext goes straight into the sans-I/O :class:`~smtpshell.protocol.ReplyParser`,
and every reply is matched to what it answers by the
:class:`~smtpshell.protocol.Session`, in the same call. Each step is emitted on
the :class:`~smtpshell.events.EventBus`.

STARTTLS is therefore handled synchronously, inside the call that parsed the
220: the handshake starts at once, and whatever else the server sent in
plaintext (the rest of that segment, a partial line, or later segments that
come before the first TLS record) is discarded and reported as a STARTTLS
response injection (CVE-2011-0411 and friends). Writes issued after STARTTLS
wait for its reply and for the handshake it starts (the *gate*), so a pasted
``STARTTLS`` + ``EHLO`` sends the EHLO only inside TLS. The handshake happens
only after a 220 reply to STARTTLS (RFC 3207); any other reply leaves the
session in plaintext and says so. The rules and texts are in :mod:`.tls_starttls`.

Two I/O shells drive the core, and differ only in how they wait:

- :class:`~.connection.Connection` is an asyncio Protocol (the REPL, the
  embedded practice server, replay);
- :class:`~.blocking.BlockingConnection` uses a plain blocking socket (script
  mode against a given server, which then never imports asyncio: a scripted
  session starts about as fast as an smtplib script).

Drivers use the async methods: :meth:`send` (one line), :meth:`next_exchange`
(the next reply, paired with what it answers), :meth:`command` (both),
:meth:`send_message` (a streamed DATA body) and :meth:`close`. In the blocking
shell they are coroutines that never suspend.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..protocol.commands import InjectionError
from ..protocol.data import DataEncoder, chunk_line, stuff_line
from ..protocol.replies import ProtocolError, Reply, ReplyParser
from ..protocol.line import Line, LineKind
from ..protocol.session import Exchange, Kind, Pending, Session
from .target import Target
from . import tls_starttls
from .tls_options import TLSOptions

if TYPE_CHECKING:
    import ssl

    from .tls_layer import TLSLayer

DEFAULT_TIMEOUT = 30.0


class ConnectionFailed(Exception):
    """Connecting (or the TLS handshake) failed; str() is one line for the user."""


class ConnectionClosed(Exception):
    """The connection is gone; str() says why."""


class ReplyTimeout(Exception):
    """No reply came within the timeout."""


class _Gate:
    """STARTTLS's reply and the handshake it starts: settled once, with a result or an error."""

    def __init__(self) -> None:
        self.done = False
        self.result: ev.TLSInfo | None = None
        self.error: Exception | None = None

    def settle(self, result: ev.TLSInfo | None) -> None:
        if not self.done:
            self.done, self.result = True, result

    def fail(self, error: Exception) -> None:
        if not self.done:
            self.done, self.error = True, error


class ConnectionCore:
    """One SMTP connection; see the module docstring. An I/O shell supplies
    ``open()``, a transport (``write``, ``close``, ``is_closing``,
    ``get_extra_info``) and the waits below."""

    @classmethod
    async def open(
        cls,
        target: Target,
        bus: ev.EventBus,
        tls_options: TLSOptions | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        session: Session | None = None,
    ) -> Any:
        """Connect (and for implicit TLS, shake hands). Raises ConnectionFailed."""
        conn = cls(target, bus, tls_options, timeout, session)
        ctx = conn._context() if target.implicit_tls else None
        bus.emit(ev.Connecting(target.host, target.port, target.implicit_tls))
        try:
            await conn._connect()
        except (UnicodeError, ValueError):
            # e.g. an empty label ("bad..host"): the name cannot even be encoded.
            raise ConnectionFailed(f"cannot find host {target.host!r}: not a valid host name") from None
        if ctx is not None:
            conn._begin_tls(ctx, upgraded=False)
            await conn.wait_tls()
        return conn

    async def _connect(self) -> None:
        """Open the transport and call connection_made; raise ConnectionFailed (connect_error)."""
        raise NotImplementedError

    def _notify(self) -> None:
        """Something a waiter may be waiting for happened (an exchange, the gate, the end)."""

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        """Return once ``ready()``; raise TimeoutError after ``timeout`` seconds."""
        raise NotImplementedError

    async def _writable(self) -> None:
        """Return once the transport takes more data (flow control)."""

    async def _after_close(self) -> None:
        """Let the transport finish closing."""

    def __init__(
        self,
        target: Target,
        bus: ev.EventBus,
        tls_options: TLSOptions | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        session: Session | None = None,
    ) -> None:
        self.target = target
        self.bus = bus
        self.tls_options = tls_options or TLSOptions()
        self.timeout = timeout
        self.session = session or Session()
        self.parser = ReplyParser()
        self.tls_info: ev.TLSInfo | None = None
        self.peer: str | None = None  # "address:port" actually reached
        self.writes = 0  # transport.write calls, for tests and the curious
        self._transport: Any = None  # an asyncio transport, or blocking.SocketTransport
        self._tls: TLSLayer | None = None  # loaded with ssl only when TLS starts
        self._tls_done: _Gate | None = None  # STARTTLS reply + handshake: writes wait for it
        self._tls_upgraded = False  # STARTTLS (True) or implicit TLS (False)
        self._injected_tail = b""  # an unfinished line after STARTTLS's 220, reported with its segment
        self._sni: str | None = None
        self._checked_name: str | None = None  # the name the certificate is checked against
        self._exchanges: deque[Exchange] = deque()
        self._closed_reason: str | None = None
        self._closed_clean = False
        self._closing_locally = False

    def _context(self) -> ssl.SSLContext:
        from .tls import TLSSetupError, make_context

        try:
            return make_context(self.tls_options)
        except TLSSetupError as exc:
            raise ConnectionFailed(str(exc)) from None

    # -- the transport's callbacks (named as in asyncio.Protocol) ------------

    def connection_made(self, transport: Any) -> None:
        self._transport = transport
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.peer = f"{peer[0]}:{peer[1]}" if ":" not in str(peer[0]) else f"[{peer[0]}]:{peer[1]}"
        self.session.connected()
        self.bus.emit(ev.Connected(self.target.host, self.target.port, self.peer, self.target.implicit_tls))

    def data_received(self, data: bytes) -> None:
        tls = self._tls
        if tls is None:
            self._plaintext(data)
            return
        if not tls.established:
            if not tls.records_seen:
                data = self._strip_injected(data)
                if not data:
                    return
                tls.records_seen = True
            tls.incoming.write(data)
            self._advance_handshake()
            if not tls.established:
                return
            data = b""
        try:
            plain, closed = tls.decrypt(data)
        except tls.Error as exc:
            from .tls_diagnosis import handshake_words

            self._fail(f"TLS error from {self.target}: {handshake_words(exc)}")
            return
        self._flush_tls()
        if plain:
            self._plaintext(plain)
        if closed and not self._closed_clean:  # after QUIT/221, "closed after QUIT" says it better
            self._closed_reason = self._closed_reason or "the server ended TLS (close_notify)"

    def eof_received(self) -> bool | None:
        for item in self.parser.eof():
            self._handle(item)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._closed_reason is None:
            if exc is not None:
                self._closed_reason = f"connection lost: {exc}"
            elif self._closed_clean:
                self._closed_reason = "closed after QUIT"
            elif self._closing_locally:
                self._closed_reason = "closed by smtpshell"
            else:
                self._closed_reason = "the server closed the connection"
        clean = self._closed_clean or self._closing_locally
        self.session.closed()
        if self._tls_done is not None:
            self._tls_done.fail(ConnectionClosed(self._closed_reason))
        self._notify()
        self.bus.emit(ev.Closed(self._closed_reason, by_peer=not self._closing_locally, clean=clean))

    # -- receiving ------------------------------------------------------------

    def _plaintext(self, data: bytes) -> None:
        items = self.parser.feed(data)
        for n, item in enumerate(items):
            if self._tls is not None and not self._tls.established:
                # A STARTTLS 220 earlier in this same segment started the handshake:
                # everything after it is injected plaintext, reported once, in order.
                self._report_injection(b"".join(i.raw for i in items[n:]) + self._injected_tail)
                self._injected_tail = b""
                return
            self._handle(item)
        if self._injected_tail:
            self._report_injection(self._injected_tail, tls_starttls.PARTIAL_LINE)
            self._injected_tail = b""

    def _handle(self, item: Reply | ProtocolError) -> None:
        if isinstance(item, ProtocolError) and not item.replaces_reply:
            self.bus.emit(ev.ProtocolErrorReceived(item, None))
            return
        exchange = self.session.received(item)
        if isinstance(item, Reply):
            self.bus.emit(ev.ReplyReceived(exchange))
        else:
            self.bus.emit(ev.ProtocolErrorReceived(item, exchange))
        if isinstance(item, Reply):
            if exchange.sent is not None and exchange.sent.verb == "QUIT" and item.code == 221:
                self._closed_clean = True
        if exchange.sent is not None and exchange.sent.kind is Kind.COMMAND and exchange.sent.verb == "STARTTLS":
            self._starttls_answered(item)
        if exchange.sent is not None:
            self._exchanges.append(exchange)
            self._notify()

    def _context_or_fail(self) -> ssl.SSLContext | None:
        # Called from a protocol callback: it must not raise.
        try:
            return self._context()
        except ConnectionFailed as exc:
            self.bus.emit(ev.Warning(str(exc), kind="tls-setup"))
            self._fail(str(exc))
            return None

    def _strip_injected(self, data: bytes) -> bytes:
        """Drop plaintext that came before the server's first TLS record."""
        start = tls_starttls.tls_record_start(data)
        cut = len(data) if start is None else start
        if cut and not self._tls_upgraded:
            # Implicit TLS, and the server speaks plaintext: say so now, not after a timeout.
            self._fail(tls_starttls.plaintext_instead_of_tls(data[:cut], str(self.target)))
            return b""
        self._report_injection(data[:cut], tls_starttls.LATER_SEGMENT)
        return data[cut:]

    def _report_injection(self, raw: bytes, where: str = tls_starttls.SAME_SEGMENT) -> None:
        if not raw:
            return
        self.bus.emit(
            ev.Warning(
                tls_starttls.injection_message(len(raw), where),
                kind="starttls-injection",
                detail=raw[:200],
            )
        )

    # -- TLS -----------------------------------------------------------------

    def _expect_starttls_reply(self) -> None:
        """STARTTLS is on its way: hold every later write until it is answered.

        ``_tls_done`` is the one gate: pending from here until the reply says
        no (settled at once) or the handshake after a 220 ends.
        """
        if self._tls_done is None or self._tls_done.done:
            self._tls_done = _Gate()

    def _starttls_answered(self, item: Reply | ProtocolError) -> None:
        """The reply to STARTTLS: only 220 starts the handshake (RFC 3207)."""
        if isinstance(item, Reply) and item.code == tls_starttls.GO_AHEAD and self._tls is None:
            self._injected_tail = self.parser.clear()
            ctx = self._context_or_fail()
            if ctx is not None:
                self._begin_tls(ctx, upgraded=True)
            return
        if self._tls is None:
            self.bus.emit(ev.Warning(tls_starttls.refusal_message(item), kind="starttls-refused"))
        elif isinstance(item, Reply) and item.code == tls_starttls.GO_AHEAD:
            self.bus.emit(ev.Warning(tls_starttls.ALREADY_TLS, kind="starttls-refused"))
        if self._tls_done is not None:
            self._tls_done.settle(self.tls_info)
            self._notify()

    def _begin_tls(self, ctx: ssl.SSLContext, upgraded: bool) -> None:
        from .tls import server_hostname
        from .tls_layer import TLSLayer

        if self._tls_done is None or self._tls_done.done:
            self._tls_done = _Gate()
        self._tls_upgraded = upgraded
        hostname = server_hostname(self.target.host, self.tls_options)
        self._checked_name = hostname
        self._sni = hostname if hostname and not _is_ip(hostname) else None
        self._tls = TLSLayer(ctx, hostname)
        self._advance_handshake()

    def _advance_handshake(self) -> None:
        tls = self._tls
        assert tls is not None and self._tls_done is not None
        try:
            done = tls.step()
        except tls.Error as exc:
            from .tls import diagnose_failure

            self._flush_tls()  # our alert, so the server knows why
            failure = diagnose_failure(exc, tls.obj, str(self.target), self.tls_options, self._checked_name)
            for line in failure.detail.splitlines():  # one event per line: the screen shows no raw newlines
                self.bus.emit(ev.Warning(line, kind=f"tls-{failure.key}"))
            reason = failure.summary
            self._closed_reason = reason
            self._tls_done.fail(ConnectionFailed(reason))
            if self._transport is not None:
                self._transport.close()
            # After the close: asyncio then reports the connection lost before it
            # wakes the waiter, so the Closed event comes before the error surfaces.
            self._notify()
            return
        self._flush_tls()
        if done:
            from .tls import describe

            info = describe(tls.obj, self.tls_options, self._sni, self._checked_name)
            self.tls_info = info
            if self._tls_upgraded:
                self.session.tls_started()
            else:
                self.session.tls = True
            self.bus.emit(ev.TLSStarted(info, upgraded=self._tls_upgraded))
            if not info.verified:
                self.bus.emit(ev.Warning(tls_starttls.INSECURE, kind="insecure"))
            if self.tls_options.keylog_path:
                self.bus.emit(ev.Info(tls_starttls.keylog_note(self.tls_options.keylog_path)))
            if self._tls_upgraded:
                self.bus.emit(ev.Info(tls_starttls.SAY_EHLO_AGAIN))
            self._tls_done.settle(info)
            self._notify()
            # Bytes that arrived with the last handshake message may hold data.
            plain, _ = tls.decrypt(b"")
            if plain:
                self._plaintext(plain)

    def _flush_tls(self) -> None:
        if self._tls is None or self._transport is None:
            return
        out = self._tls.take_output()
        if out and not self._transport.is_closing():
            self._transport.write(out)

    @property
    def tls_pending(self) -> bool:
        """A STARTTLS awaits its reply, or a handshake is running: writes must wait."""
        return self._tls_done is not None and not self._tls_done.done

    async def wait_tls(self) -> ev.TLSInfo | None:
        """Wait for STARTTLS's reply and the handshake it starts; raises ConnectionFailed if it fails.

        Returns the TLS details, or None when STARTTLS was refused (still plaintext).
        """
        gate = self._tls_done
        assert gate is not None
        try:
            await self._wait_until(lambda: gate.done, self.timeout)
        except TimeoutError:
            what = "the TLS handshake did not finish" if self._tls is not None else "no reply to STARTTLS"
            self._fail(f"{what} within {self.timeout:g} s")
            raise ConnectionFailed(self._closed_reason or "TLS handshake timed out") from None
        if gate.error is None:
            return gate.result
        if isinstance(gate.error, ConnectionClosed):
            reason = str(gate.error)
            if reason == "the server closed the connection" and self._tls is not None:
                reason = (
                    "the server closed the connection during the TLS handshake (it may not accept "
                    "our TLS versions, ciphers or name (SNI), or the port does not speak TLS)"
                )
            raise ConnectionFailed(reason)
        raise gate.error

    # -- sending -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    async def _write(self, data: bytes, *, gated: bool = True) -> None:
        if gated and self.tls_pending:
            await self.wait_tls()
        if not self.is_open:
            raise ConnectionClosed(self._closed_reason or "not connected")
        assert self._transport is not None
        if self._tls is not None:
            self._tls.encrypt(data)
            out = self._tls.take_output()
        else:
            out = data
        self._transport.write(out)
        self.writes += 1
        await self._writable()

    async def send(
        self,
        line: Line | str,
        *,
        kind: LineKind = LineKind.COMMAND,
        shown: str | None = None,
        secret: bool = False,
        automatic: bool = False,
    ) -> None:
        """Send one line as typed, plus CRLF. Raises InjectionError for CR/LF/NUL.

        ``line`` is classified already (:func:`smtpshell.protocol.line.classify`);
        a plain string is a line of the ``kind`` given. Nothing is decided here.
        """
        if isinstance(line, str):
            line = Line.of(line, kind)
        if line.kind is LineKind.DATA_LINE:
            await self.send_data_line(line)
            return
        if line.kind is LineKind.CHUNK_LINE:
            await self.send_chunk_line(line)
            return
        pending_kind = line.kind.pending
        if pending_kind is None:  # REFUSED, or a line that never goes out
            raise InjectionError(line.refusal or f"a {line.kind.value} is not sent to the server")
        text = line.text
        display = SECRET if secret and shown is None else (shown if shown is not None else text)
        wire = text.encode("utf-8") + b"\r\n"
        if self.tls_pending:
            await self.wait_tls()
        pending = Pending(pending_kind, display, line.verb)
        self.session.sent(pending)
        self.bus.emit(ev.LineSent(display, line.kind, len(wire), secret=secret, automatic=automatic))
        if line.verb == "STARTTLS":
            # Nothing typed or pasted after STARTTLS may go out before its reply.
            self._expect_starttls_reply()
            await self._write(wire, gated=False)
            return
        await self._write(wire)

    async def send_data_line(self, line: Line | str) -> None:
        """One line of message content, dot-stuffed if it starts with '.'."""
        text = _checked(line)
        wire, stuffed = stuff_line(text)
        note = f"dot-stuffed: sent as {wire[:-2].decode('utf-8', 'replace')!r}" if stuffed else ""
        self.bus.emit(ev.LineSent(text, LineKind.DATA_LINE, len(wire), note=note))
        await self._write(wire)

    async def send_chunk_line(self, line: Line | str) -> None:
        """One typed line of a BDAT chunk, raw. Raises ChunkTooLong if it overruns the size."""
        text = _checked(line)
        wire = chunk_line(text, self.session.chunk_remaining)
        self.session.chunk_sent(len(wire))
        left = self.session.chunk_remaining
        ending = "with CRLF" if wire.endswith(b"\r\n") else "no CRLF"
        note = f"chunk: {len(wire)} bytes, {ending}; " + (
            f"{left} byte(s) still to send" if left else "chunk complete: the server answers now"
        )
        self.bus.emit(ev.LineSent(text, LineKind.CHUNK_LINE, len(wire), note=note))
        await self._write(wire)

    async def next_exchange(self, timeout: float | None = None) -> Exchange:
        """The next reply (or error standing in for one), paired with what it answers."""
        limit = self.timeout if timeout is None else timeout
        def ready() -> bool:
            return bool(self._exchanges) or (not self.is_open and self._closed_reason is not None)

        try:
            await self._wait_until(ready, limit)
        except TimeoutError:
            raise ReplyTimeout(f"no reply from the server within {limit:g} s") from None
        if not self._exchanges:
            raise ConnectionClosed(self._closed_reason or "not connected")
        return self._exchanges.popleft()

    @property
    def queued(self) -> int:
        """Replies that arrived and were paired, but nobody has taken yet."""
        return len(self._exchanges)

    def drop_exchanges(self) -> int:
        """Forget replies nobody waited for (after Ctrl-C); returns how many."""
        n = len(self._exchanges)
        self._exchanges.clear()
        return n

    async def command(
        self,
        line: Line | str,
        *,
        kind: LineKind = LineKind.COMMAND,
        shown: str | None = None,
        secret: bool = False,
        automatic: bool = False,
    ) -> Exchange:
        """Send a line and wait for its reply (and a STARTTLS handshake, if it starts one)."""
        await self.send(line, kind=kind, shown=shown, secret=secret, automatic=automatic)
        return await self.reply()

    async def reply(self) -> Exchange:
        """The next exchange; after a 220 to STARTTLS, also the handshake it started."""
        exchange = await self.next_exchange()
        if self.tls_pending:
            await self.wait_tls()
        return exchange

    async def greeting(self) -> Exchange:
        return await self.next_exchange()

    async def send_message(
        self, chunks: Iterable[bytes] | AsyncIterable[bytes], source: str
    ) -> None:
        """Stream a message body (after 354): CRLF-normalised, dot-stuffed, then '.'."""
        encoder = DataEncoder()
        sent = 0
        preview: list[bytes] = []
        head = b""

        async def write(raw: bytes) -> None:
            nonlocal sent, head
            out = encoder.encode(raw)
            if len(head) < 2048:
                head += raw[: 2048 - len(head)]
            if out:
                sent += len(out)
                await self._write(out)

        if isinstance(chunks, AsyncIterable):
            async for raw in chunks:
                await write(raw)
        else:
            for raw in chunks:
                await write(raw)
        tail = encoder.finish()
        sent += len(tail)
        preview = head.splitlines()[:5]
        self.session.sent(Pending(Kind.DATA_END, "."))
        self.bus.emit(
            ev.DataSent(
                source,
                encoder.bytes_in,
                sent,
                encoder.lines,
                encoder.stuffed,
                tuple(p.decode("utf-8", "replace") for p in preview),
            )
        )
        await self._write(tail)

    # -- closing ---------------------------------------------------------------

    def _fail(self, reason: str) -> None:
        self._closed_reason = reason
        if self._transport is not None:
            self._transport.close()

    async def close(self) -> None:
        """Close without QUIT (QUIT is the driver's to send, and to show)."""
        if self._transport is None or self._transport.is_closing():
            return
        self._closing_locally = True
        self._transport.close()
        await self._after_close()


SECRET = ev.SECRET_PLACEHOLDER



def _checked(line: Line | str) -> str:
    """The text of a content line, refused if it holds CR, LF or NUL."""
    if isinstance(line, str):
        line = Line.of(line, LineKind.DATA_LINE)
    if line.kind is LineKind.REFUSED:
        raise InjectionError(line.refusal)
    return line.text


def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def connect_error(target: Target, exc: OSError | None, timeout: float) -> str:
    """One line for a failed connect; ``exc`` None means it timed out."""
    import socket

    if exc is None or isinstance(exc, TimeoutError):
        return (
            f"could not connect to {target}: no answer within {timeout:g} s "
            "(is a firewall dropping the connection? try --timeout)"
        )
    if isinstance(exc, socket.gaierror):
        return f"cannot find host {target.host!r}: {exc.strerror or exc} (check the name)"
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"connection to {target} refused: nothing is listening there "
            "(is the server running? is the port right?)"
        )
    reason = exc.strerror or str(exc)
    return f"could not connect to {target}: {reason}"

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
session in plaintext and says so. All of that is in :mod:`.starttls`.

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

from .. import events as ev
from ..i18n import t
from ..protocol.commands import InjectionError
from ..protocol.data import DataEncoder, chunk_line, stuff_line
from ..protocol.line import PENDING_KIND, WIRE_ERRORS, Line, LineKind, wire_bytes
from ..protocol.raw import Reading, StrictReader, escape
from ..protocol.replies import ProtocolError, Reply, ReplyParser
from ..protocol.session import Exchange, Kind, Pending, Session
from ..records import TYPE_CHECKING
from ..untrusted import safe
from .errors import ConnectionClosed, ConnectionFailed, ReplyTimeout, server_closed
from .starttls import PARTIAL_LINE, TLSHandling, _Gate
from .target import Target
from .tls_options import TLSOptions

if TYPE_CHECKING:
    from typing import Any

    from .tls_layer import TLSLayer

DEFAULT_TIMEOUT = 30.0
TLS_RECORD = 16384  # the most plaintext a TLS record holds (RFC 8446 5.1), as SSL_write fills them


class ConnectionCore(TLSHandling):
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
            raise ConnectionFailed(t("client.connect.bad_host", "cannot find host {host}: not a valid host name", host=repr(target.host))) from None
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
        """Return once ``ready()``; raise TimeoutError after ``timeout`` seconds.

        It first calls ``bus.while_waiting()`` (work a driver put off until the command was
        out), and right before it blocks ``bus.before_wait()`` (a driver that holds its
        output writes it then)."""
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
        self._goodbye: Reply | None = None  # a 421: the server is closing, and said why
        self._batch: list[bytes] = []  # bytes not written yet (see gather_writes)
        self._batched = 0
        self.raw_reader = StrictReader()  # raw mode: the line a strict server has not seen end yet

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
        self._tls_received(tls, data)

    def eof_received(self) -> bool | None:
        for item in self.parser.eof():
            self._handle(item)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._closed_reason is None:
            if exc is not None and self._goodbye is not None:
                # The server said why before it went (421): its words, not the socket's.
                self._closed_reason = t("client.closed_with_421", "the server closed the connection: {code} {text}",
                                        code=self._goodbye.code, text=safe(" ".join(self._goodbye.lines)))
            elif exc is not None:
                self._closed_reason = t("client.closed.lost", "connection lost: {reason}", reason=exc)
            elif self._closed_clean:
                self._closed_reason = t("client.closed.after_quit", "closed after QUIT")
            elif self._closing_locally:
                self._closed_reason = t("client.closed.by_smtpshell", "closed by smtpshell")
            else:
                self._closed_reason = server_closed()
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
            self._report_injection(self._injected_tail, PARTIAL_LINE)
            self._injected_tail = b""

    def _handle(self, item: Reply | ProtocolError) -> None:
        if isinstance(item, ProtocolError) and not item.replaces_reply:
            self.bus.emit(ev.ProtocolErrorReceived(item, None))
            return
        exchange = self.session.received(item)
        if isinstance(item, Reply):
            if item.code == 421:
                self._goodbye = item
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

    # -- sending -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    # Message lines are gathered and go out with the next write: the '.' at the
    # latest, or every DATA_BATCH bytes. A write per line costs a system call and a
    # segment each (8 writes per short message where smtplib makes 4). The server
    # answers nothing between DATA's 354 and the '.', so nothing waits on them. So
    # are the lines of a pipelined group that the driver says more of the group
    # follows (``send(..., more=True)``): the '.' and the next MAIL, RCPT..., they
    # go out with the DATA that ends the group, one write and one round trip a
    # message (RFC 2920 3.1). Whatever is gathered goes out before any wait for a
    # reply (next_exchange), before any other write, and at close. A driver that
    # shows each line as it goes (the REPL) keeps this off.
    gather_writes = False
    DATA_BATCH = 64 * 1024

    async def _write_content(self, data: bytes) -> None:
        if not self.gather_writes:
            await self._write(data)
            return
        self._batch.append(data)
        self._batched += len(data)
        if self._batched >= self.DATA_BATCH:
            await self._flush_batch()

    async def _flush_batch(self) -> None:
        if self._batch:
            await self._write(b"")

    async def flush(self) -> None:
        """Write what is gathered now (a driver about to do something that is not a line)."""
        await self._flush_batch()

    async def _write(self, data: bytes | memoryview, *, gated: bool = True) -> None:
        if self._batch:
            data = b"".join((*self._batch, data))
            self._batch.clear()
            self._batched = 0
        if gated and (gate := self._tls_done) is not None and not gate.done:  # tls_pending, inline: asked on every write
            await self.wait_tls()
        if not self.is_open:
            raise ConnectionClosed(self._closed_reason or t("client.not_connected", "not connected"))
        assert self._transport is not None
        out: bytes | memoryview = data  # a memoryview only from send_message, and only under TLS
        if self._tls is not None:
            self._tls.encrypt(data)
            out = self._tls.take_output()
        # A write that may block (a server that does not read) shows what is held first: the
        # transport knows when it would (asyncio's, in _writable; the blocking one, in its send).
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
        more: bool = False,
    ) -> None:
        """Send one line as typed, plus CRLF. Raises InjectionError for CR/LF/NUL.

        ``line`` is classified already (:func:`smtpshell.protocol.line.classify`);
        a plain string is a line of the ``kind`` given. Nothing is decided here.
        ``more``: the line does not end its pipelined group, and nothing waits on its
        reply yet; a connection that gathers writes keeps it for the group's one write.
        """
        if isinstance(line, str):
            line = Line.of(line, kind)
        if line.kind is LineKind.DATA_LINE:
            await self.send_data_line(line)
            return
        if line.kind is LineKind.CHUNK_LINE:
            await self.send_chunk_line(line)
            return
        pending_kind = PENDING_KIND.get(line.kind)  # line.kind.pending, without the property's call
        if pending_kind is None:  # REFUSED, or a line that never goes out
            raise InjectionError(line.refusal or t("client.not_sent_kind", "a {kind} is not sent to the server", kind=line.kind.value))
        text = line.text
        display = SECRET if secret and shown is None else (shown if shown is not None else text)
        wire = text.encode("utf-8", WIRE_ERRORS) + b"\r\n"  # wire_bytes, inline: script bytes go back out unchanged
        if (gate := self._tls_done) is not None and not gate.done:  # tls_pending, inline: asked on every line
            await self.wait_tls()
        pending = Pending(pending_kind, display, line.verb)
        self.session.sent(pending)
        self.bus.emit(ev.LineSent(display, line.kind, len(wire), secret=secret, automatic=automatic))
        if line.verb == "STARTTLS":
            # Nothing typed or pasted after STARTTLS may go out before its reply.
            self._expect_starttls_reply()
            await self._write(wire, gated=False)
            return
        if more:
            await self._write_content(wire)
            return
        await self._write(wire)

    async def send_group(self, held: list[Line], line: Line, *, shown: str | None = None,
                         secret: bool = False, automatic: bool = False) -> None:
        """/pipeline group: ``held`` and then ``line`` (which ends the group) in one write.

        Each line is registered with the session and shown as :meth:`send` would, then all
        their bytes go out in a single transport write, as pipelining clients do (RFC 2920).
        """
        for each in (*held, line):
            if each.kind.pending is None:
                raise InjectionError(each.refusal or t("client.not_sent_kind", "a {kind} is not sent to the server", kind=each.kind.value))
        if self.tls_pending:
            await self.wait_tls()
        wires = []
        for each in held:
            wire = wire_bytes(each.text) + b"\r\n"
            self.session.sent(Pending(Kind.COMMAND, each.text, each.verb))
            self.bus.emit(ev.LineSent(each.text, each.kind, len(wire)))
            wires.append(wire)
        display = SECRET if secret and shown is None else (shown if shown is not None else line.text)
        wire = wire_bytes(line.text) + b"\r\n"
        wires.append(wire)
        data = b"".join(wires)
        pending_kind = line.kind.pending
        assert pending_kind is not None
        self.session.sent(Pending(pending_kind, display, line.verb))
        note = t("client.pipeline_written", "pipelining: {count} commands in one write ({nbytes} bytes)",
                 count=len(wires), nbytes=len(data))
        self.bus.emit(ev.LineSent(display, line.kind, len(wire), secret=secret, automatic=automatic, note=note))
        if line.verb == "STARTTLS":
            self._expect_starttls_reply()
            await self._write(data, gated=False)
            return
        await self._write(data)

    async def send_raw(self, shown: str, kind: LineKind, wire: bytes, reading: Reading, *,
                       automatic: bool = False) -> None:
        """Raw mode: ``wire`` exactly as given, in one write. The session expects what a
        strict server answers (``reading``, from :attr:`raw_reader`); a lenient server's extra
        replies arrive as the server speaking unasked. The runner has checked the lines."""
        if self.tls_pending:
            await self.wait_tls()
        for line in reading.lines:
            if line.gets_reply:
                text = "." if line.kind is Kind.DATA_END else escape(line.text.encode("utf-8", "surrogateescape"))
                self.session.sent(Pending(line.kind, text, line.verb))
        self.raw_reader.commit(reading)
        if self.session.chunk_remaining and not reading.lines:
            self.session.chunk_sent(len(wire))  # BDAT: the chunk's bytes, counted (RFC 3030)
        self.bus.emit(ev.LineSent(shown, kind, len(wire), automatic=automatic, wire=wire, stuffed=reading.stuffed))
        if any(line.verb == "STARTTLS" for line in reading.commands):
            self._expect_starttls_reply()  # the runner made sure it is the write's last line
            await self._write(wire, gated=False)
            return
        await self._write(wire)

    async def send_data_line(self, line: Line | str) -> None:
        """One line of message content, dot-stuffed if it starts with '.'."""
        # _checked, inline for the line the runner hands over (a classified message line).
        text = line.text if type(line) is Line and line.kind is LineKind.DATA_LINE else _checked(line)
        wire, stuffed = stuff_line(text)
        note = t("client.data.dot_stuffed", "dot-stuffed: sent as {wire}", wire=repr(wire[:-2].decode("utf-8", "replace"))) if stuffed else ""
        self.bus.emit(ev.LineSent(text, LineKind.DATA_LINE, len(wire), note=note))
        await self._write_content(wire)

    async def send_chunk_line(self, line: Line | str) -> None:
        """One typed line of a BDAT chunk, raw. Raises ChunkTooLong if it overruns the size."""
        text = _checked(line)
        wire = chunk_line(text, self.session.chunk_remaining)
        self.session.chunk_sent(len(wire))
        left = self.session.chunk_remaining
        ending = t("client.chunk.with_crlf", "with CRLF") if wire.endswith(b"\r\n") else t("client.chunk.no_crlf", "no CRLF")
        rest = (t("client.chunk.left", "{count} byte(s) still to send", count=left) if left
                else t("client.chunk.complete", "chunk complete: the server answers now"))
        note = t("client.chunk.note", "chunk: {size} bytes, {ending}; {rest}", size=len(wire), ending=ending, rest=rest)
        self.bus.emit(ev.LineSent(text, LineKind.CHUNK_LINE, len(wire), note=note))
        await self._write(wire)

    async def next_exchange(self, timeout: float | None = None) -> Exchange:
        """The next reply (or error standing in for one), paired with what it answers."""
        limit = self.timeout if timeout is None else timeout
        if self._batch:  # _flush_batch's test, inline: what is gathered goes before anything is awaited
            await self._flush_batch()

        def ready() -> bool:
            return bool(self._exchanges) or (not self.is_open and self._closed_reason is not None)

        try:
            await self._wait_until(ready, limit)
        except TimeoutError:
            raise ReplyTimeout(t("client.reply_timeout", "no reply from the server within {seconds} s", seconds=f"{limit:g}")) from None
        if not self._exchanges:
            raise ConnectionClosed(self._closed_reason or t("client.not_connected", "not connected"))
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
        if (gate := self._tls_done) is not None and not gate.done:  # tls_pending, inline: asked on every reply
            await self.wait_tls()
        return exchange

    async def poll(self) -> None:
        """Take in what has arrived already (an EOF above all) without waiting.

        The asyncio shell has nothing to do: its loop delivered it while we awaited.
        """

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
        # Under TLS, whole records: each write is encrypted as records of TLS_RECORD bytes and
        # one shorter one for its rest, so a 64 KiB chunk made five records where four would
        # do, and the server decrypts (and reads) each. The rest waits for the next chunk.
        record = TLS_RECORD if self._tls is not None else 0
        rest = b""

        async def write(raw: bytes) -> None:
            nonlocal sent, head, rest
            out = encoder.encode(raw)
            if len(head) < 2048:
                head += raw[: 2048 - len(head)]
            if not out:
                return
            sent += len(out)
            if record:
                if rest:
                    out = rest + out  # one copy of a chunk that stays in the cache
                whole = len(out) - len(out) % record
                rest = out[whole:]
                if not whole:
                    return
                await self._write(memoryview(out)[:whole])
                return
            await self._write(out)

        if isinstance(chunks, AsyncIterable):
            async for raw in chunks:
                await write(raw)
        else:
            for raw in chunks:
                await write(raw)
        tail = encoder.finish()
        sent += len(tail)
        tail = rest + tail
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

    async def close(self, reason: str | None = None) -> None:
        """Close without QUIT (QUIT is the driver's to send, and to show); ``reason``
        says why smtpshell closed it (a client timeout, Ctrl-C), for the Closed event."""
        if self._transport is None or self._transport.is_closing():
            return
        if self._batch:  # lines typed before the end of the script still go out
            try:
                await self._flush_batch()
            except ConnectionClosed:
                pass
        if reason is not None and self._closed_reason is None:
            self._closed_reason = reason
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

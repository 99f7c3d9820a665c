"""What happens to one line the user gives, whoever gives it.

The script driver, the REPL and lesson replay all hand lines to one
:class:`SessionRunner`, so a line means the same thing everywhere. What a
line is gets decided once, by :func:`smtpshell.protocol.line.classify`, and
:meth:`SessionRunner.handle` makes one ``match`` on its kind:

- ``/name args``: a shell command (outside DATA only);
- inside DATA (after 354): message content, dot-stuffed on the wire, until a lone ``.``;
- after ``BDAT <size>``: the chunk's raw bytes, line by line, until <size> bytes
  have gone out; the reply comes after the whole chunk (RFC 3030);
- anything else: an SMTP command, sent exactly as typed plus CRLF; the runner
  waits for its reply. A ``STARTTLS`` answered 220 is followed by the
  handshake (the client does it before anything else is written).

With ``/pipeline on`` the runner stops waiting after each command: commands
go out at once and their replies are shown as they come, paired in order by
the session; it waits for every outstanding reply only after a command that
must end a pipelined group (RFC 2920 3.1: EHLO, DATA, NOOP, QUIT, ... marked
``ends_group`` in the catalogue). Script mode's connection gathers the lines of
a group (to a server that advertised PIPELINING) and writes them with the line
that ends it: the '.', the next MAIL, RCPT... and DATA, one write a message.

The runner also does the few things the shell does on the user's behalf when
asked (``--helo``, ``--starttls``, QUIT at the end of a script) and marks them
as automatic so the screen says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from .. import events as ev
from .. import exitcodes
from ..client.core import ConnectionCore
from ..client.errors import ConnectionClosed, ConnectionFailed, ReplyTimeout
from ..client.target import Target
from ..client.tls_options import TLSOptions
from ..i18n import t
from ..protocol import raw
from ..protocol.commands import InjectionError
from ..protocol.data import ChunkTooLong
from ..protocol.line import Line, LineKind, classify
from ..protocol.replies import Reply
from ..protocol.session import Exchange, Kind, Phase, Session
from ..records import TYPE_CHECKING, NamedTuple
from ..transcript.summary import SessionSummary
from ..untrusted import safe
from . import pipeline_group, progress, raw_checks, stages, tls_policy

if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from ..auth.flow import AuthController
    from ..auth.options import AuthOptions
    from ..shell.context import ShellContext


# The kinds of line that go on the wire: in raw mode each is sent as its escapes say.
RAW_KINDS = frozenset({LineKind.COMMAND, LineKind.DATA_LINE, LineKind.DATA_END, LineKind.CHUNK_LINE,
                       LineKind.SASL_RESPONSE})
# /data FILE reads the file this much at a time: a chunk and the encoder's copies of it stay
# in the CPU's cache. Measured, 64 KiB to 1 MiB cost the same CPU once the heap is reused
# (HEAP_HINT); larger chunks only hold more memory, and below 48 KiB the calls add up.
FILE_CHUNK = 64 * 1024
# Each chunk's copies are freed before the next is made. glibc gives freed memory at the top
# of its heap back to the kernel once more than its trim threshold (128 KiB at first) is free,
# and a chunk's copies are more than that: every chunk then got fresh pages, a page fault per
# 4 KiB (27,000 for a 100 MB message, a third of its time). Freeing one block larger than the
# threshold, which glibc made with mmap, raises both thresholds to its size (mallopt(3),
# "dynamic mmap threshold"): from then on the chunks reuse the same heap memory. calloc'd,
# the block is never touched. Elsewhere it is a harmless allocation (issue 18).
HEAP_HINT = 1 << 20
# The NUL check maps the file this much at a time (the process's RSS grows by at most this).
NUL_WINDOW = 4 * 1024 * 1024
GREETING_HINT_AFTER = 3.0  # seconds without a greeting before the "implicit TLS?" hint


class RunOptions(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    timeout: float = 30.0
    helo: str | None = None  # send EHLO <helo> right after the greeting
    starttls: bool = False  # upgrade right after the first EHLO
    tls: TLSOptions = TLSOptions()
    # How to connect: Connection.open (asyncio, the default) or
    # BlockingConnection.open (script mode against a given server: no event loop).
    connector: Callable[..., Any] | None = None
    auth: AuthOptions | None = None  # --user, credential sources, plaintext-AUTH policy
    # The AUTH dialogue (decoded challenges, the shell answering them). Replay
    # turns it off: a transcript holds AUTH's wire lines one by one.
    auth_dialogue: bool = True
    exit_codes: str = "class"  # "stage": where the session failed (drivers/stages.py), for monitoring
    raw: bool = False  # --raw: typed lines are escapes for exact bytes (protocol/raw.py)


class Outcome:
    """Tracks what decides the exit status, from the event stream."""

    def __init__(self, by_stage: bool = False) -> None:
        self.worst = 2
        self.error: str | None = None  # a connection-level failure
        self.protocol_errors = 0
        self.refused = 0  # lines the shell refused or could not carry out (script mode)
        self.by_stage = by_stage
        self.failed_stage: int | None = None  # the first stage a reply refused (drivers/stages.py)
        self._tls_under_way = False  # STARTTLS sent, no TLS yet: a failure now is a TLS failure
        self._by_type = self.handlers()  # for __call__ (a listener of every event, e.g. the recorder's)

    def __call__(self, event: ev.Event) -> None:
        handler = self._by_type.get(type(event))
        if handler is not None:
            handler(event)

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """What it listens to, by event type (EventBus.subscribe_types): never the lines sent."""
        return {ev.ReplyReceived: self._note_reply, ev.ProtocolErrorReceived: self._note_error,
                ev.Closed: self._note_closed, ev.TLSStarted: self._note_tls}

    def _note_error(self, event: ev.ProtocolErrorReceived) -> None:
        if event.exchange is not None:
            self.protocol_errors += 1

    def _note_closed(self, event: ev.Closed) -> None:
        if not event.clean:
            self.error = self.error or event.reason

    def _note_tls(self, event: ev.TLSStarted) -> None:
        self._tls_under_way = False

    def _note_reply(self, event: ev.ReplyReceived) -> None:
        sent, reply = event.exchange.sent, event.exchange.reply
        assert isinstance(reply, Reply)  # what ReplyReceived.reply says, without its property call
        klass = reply.code // 100
        if klass > self.worst:
            self.worst = klass
        if sent is not None and sent.verb == "STARTTLS":
            self._tls_under_way = reply.code == 220
        if klass >= 4 and self.failed_stage is None:
            self.failed_stage = stages.stage_of(sent)

    def stage_code(self) -> int:
        """--exit-codes=stage: 0, 2 (usage), or the stage where the session failed."""
        if self.failed_stage is not None:
            return self.failed_stage
        if self.error is not None or self.protocol_errors:
            if self._tls_under_way:
                return stages.TLS
            return stages.CONNECT  # could not connect, or the connection was lost
        return exitcodes.USAGE if self.refused else exitcodes.OK

    def exit_code(self) -> int:
        if self.by_stage:
            return self.stage_code()
        if self.error is not None or self.protocol_errors:
            return exitcodes.CONNECTION
        if self.refused:
            return exitcodes.USAGE
        if self.worst >= 5:
            return exitcodes.PERMANENT
        if self.worst == 4:
            return exitcodes.TRANSIENT
        return exitcodes.OK


class SessionRunner:
    """One session, whoever drives it; the AUTH flow's host (:class:`~smtpshell.auth.host.AuthHost`)."""

    def __init__(
        self,
        bus: ev.EventBus,
        options: RunOptions,
        context: ShellContext,
        session: Session | None = None,
    ) -> None:
        self.bus = bus
        self.options = options
        self.context = context
        self.session = session or Session()
        self.connection: ConnectionCore | None = None
        self.target: Target | None = None
        self.outcome = Outcome(by_stage=options.exit_codes == "stage")
        bus.subscribe_types(self.outcome.handlers())
        self.summary = SessionSummary()  # /summary, and the end of the session
        bus.subscribe_types(self.summary.handlers())
        self._skipping_data = False  # DATA was refused: skip content up to "."
        self.pipelining = False  # /pipeline on: do not wait for each reply (RFC 2920)
        self.one_write = False  # /pipeline group: and hold a group's commands for one write
        self._held: list[Line] = []  # /pipeline group: commands waiting for the line that ends their group
        self.raw = options.raw  # /raw on: typed lines are escapes for exact bytes, sent as they are
        self._auth: AuthController | None = None  # created (and auth.flow loaded) on first use
        self.tls_policy = tls_policy.TLSPolicy(
            options.tls, starttls=options.starttls,
            allow_plaintext_auth=bool(options.auth and options.auth.allow_plaintext_auth),
        )
        self.refused: tls_policy.Verdict | None = None  # the last line the policy refused (replay stops there)

    # -- the AUTH flow, and what it needs of its host ----------------------------

    @property
    def auth(self) -> AuthController:
        """The AUTH flow of this session, created the first time it is needed."""
        if self._auth is None:
            from ..auth.flow import AuthController

            self._auth = AuthController(self)
            # From now on the server's text is scrubbed of this session's secrets
            # in the event stream (a server may echo them back: 535 ... <base64>).
            self.bus.scrub = self._auth.redactor.scrub
        return self._auth

    @property
    def auth_options(self) -> AuthOptions:
        if self.options.auth is not None:
            return self.options.auth
        from ..auth.options import AuthOptions

        return AuthOptions()

    @property
    def interactive(self) -> bool:
        return self.context.interactive

    @property
    def peer(self) -> str | None:
        return self.connection.peer if self.connection is not None else None

    def emit(self, event: ev.Event) -> None:
        self.bus.emit(event)

    def error(self, message: str) -> None:
        self.context.error(message)

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str:
        return await self.context.prompt(label, secret=secret, default=default)

    async def send_command(
        self,
        line: Line | str,
        *,
        kind: LineKind = LineKind.COMMAND,
        shown: str | None = None,
        secret: bool = False,
        automatic: bool = False,
    ) -> Exchange | None:
        """The AUTH flow's (and replay's) way to send: a line of the kind given, then its reply."""
        if isinstance(line, str):
            line = Line.of(line, kind)
        return await self.command(line, shown=shown, secret=secret, automatic=automatic)

    # -- connection -----------------------------------------------------------

    async def open(self, target: Target) -> bool:
        """Connect, read the greeting, do --helo / --starttls. False on failure."""
        self.target = target
        for warning in self.tls_policy.before_connect(target):
            self.bus.emit(warning)
        connector = self.options.connector
        if connector is None:
            from ..client.connection import Connection

            connector = Connection.open
        if self._auth is not None:
            self._auth.connection_opened()
        self.bus.before_wait()  # connecting may take a while: the warnings above are shown first
        try:
            self.connection = await connector(
                target, self.bus, self.options.tls, self.options.timeout, self.session
            )
            await self._greeting(target)
        except (ConnectionFailed, ConnectionClosed, ReplyTimeout) as exc:
            self._failed(str(exc))
            return False
        if self.options.helo:
            exchange = await self._auto(f"EHLO {self.options.helo}")
            if exchange is None:
                return False
        return True

    async def _greeting(self, target: Target) -> None:
        """Wait for the greeting; when it is slow on plaintext, say the port may want TLS first (still waiting)."""
        assert self.connection is not None
        hint_after = GREETING_HINT_AFTER
        if target.implicit_tls or self.options.timeout <= hint_after:
            await self.connection.greeting()
            return
        try:
            await self.connection.next_exchange(timeout=hint_after)
            return
        except ReplyTimeout:
            self.bus.emit(ev.Warning(t(
                "runner.greeting_slow",
                "no greeting after {seconds:g} s: this port may expect TLS from the first byte (implicit TLS, as on 465); if so, connect with --tls or smtps://{where}. Still waiting, up to {timeout:g} s",
                seconds=hint_after, where=f"{target.host}:{target.port}", timeout=self.options.timeout),
                kind="plaintext-to-tls-port"))
        await self.connection.next_exchange(timeout=self.options.timeout - hint_after)

    async def close(self, quit_first: bool = True) -> None:
        conn = self.connection
        if self._held and not quit_first:
            dropped, self._held = len(self._held), []
            self.bus.emit(ev.Info(pipeline_group.dropped_note(dropped)))
        if conn is None or not conn.is_open:
            return
        await conn.poll()  # the server may have hung up already: then no QUIT is shown after the close
        if not conn.is_open:
            return
        if quit_first and self.session.phase not in (Phase.CLOSING, Phase.CLOSED):
            await self._auto("QUIT")
        await conn.close()

    @property
    def skipping_data(self) -> bool:
        """DATA was refused: message lines up to '.' are skipped (a lesson says so)."""
        return self._skipping_data

    @property
    def connected(self) -> bool:
        return self.connection is not None and self.connection.is_open

    # -- one line ---------------------------------------------------------------

    async def handle(self, typed: str | Line) -> Line | None:
        """Handle one line as described in the module docstring; returns it classified.

        A driver that needed to know what the line is first passes the
        :class:`Line` it got from :func:`classify`; a string is classified here.
        None: the line was message content after a refused DATA, skipped.
        """
        text = typed.text if isinstance(typed, Line) else typed
        if self._skipping_data:
            if text == ".":
                self._skipping_data = False
            return None
        line = typed if isinstance(typed, Line) else classify(text, self.session)
        if self.raw and line.kind in RAW_KINDS:
            await self.send_raw(line.text, line.kind)
            return line
        match line.kind:
            case LineKind.SHELL:
                from ..shell import registry  # a script without a /command never loads the registry

                self.bus.before_wait()  # a command may wait on anything (a DNS lookup, a file)
                if self.connection is not None and self.connection.is_open:
                    await self._flush_gathered(self.connection)  # what was typed before it is on the wire first
                try:
                    await registry.dispatch(self.context, text)
                except registry.UnknownCommand as exc:
                    self.context.error(str(exc))
            case LineKind.BLANK:
                pass
            case LineKind.REFUSED:
                self.context.error(line.refusal)
            case LineKind.DATA_LINE:
                await self._content_line(line, chunk=False)
            case LineKind.CHUNK_LINE:
                if await self._content_line(line, chunk=True):
                    if not self.session.chunk_remaining and not self.pipelining:
                        await self.await_replies()
            case LineKind.SASL_RESPONSE if self.options.auth_dialogue:
                await self.auth.on_response(line)
            case LineKind.COMMAND if line.verb == "AUTH" and self.options.auth_dialogue:
                # Checked here too, so a flow is refused before it asks for a password.
                if await self._allowed(line):
                    await self.auth.on_auth_command(line)
            case LineKind.COMMAND | LineKind.DATA_END | LineKind.SASL_RESPONSE:
                await self.command(line)
        return line

    async def command(
        self,
        line: Line | str,
        *,
        shown: str | None = None,
        secret: bool = False,
        automatic: bool = False,
    ) -> Exchange | None:
        """Send one command line and wait for its reply; None if it could not be done.

        A string is a command of the shell's own (``EHLO``, ``QUIT``, ``DATA``);
        a typed line comes classified.
        """
        if isinstance(line, str):
            line = Line.of(line)
        conn = self.connection
        if conn is None or not conn.is_open:
            self.context.error(t("drivers.runner.not_connected", "not connected: /connect HOST[:PORT] opens a connection"))
            return None
        if not await self._allowed(line, secret=secret):
            return None
        if line.entry is not None and line.entry.extension is not None:  # _note_unadvertised's first test, inline
            self._note_unadvertised(line)
        if self.one_write and self.pipelining and line.kind is LineKind.COMMAND:
            if not line.ends_group:
                self._held.append(line)
                self.bus.emit(ev.Info(pipeline_group.held_note(len(self._held))))
                return None
            if self._held:
                return await self._send_group(line, shown=shown, secret=secret, automatic=automatic)
        # Pipelining to a server that offers it, a line that does not end its group may wait for the
        # group's one write (script mode gathers; the REPL writes each line as typed): the '.' and the
        # verbs the catalogue lets stand anywhere in a group (MAIL, RCPT, RSET: RFC 2920 3.1), never a
        # verb it does not know (an extension's verb ends a group unless its RFC says otherwise). To a server that
        # did not offer PIPELINING each command still goes alone: the one write is /pipeline group's.
        more = (self.pipelining and not line.ends_group and (line.entry is not None or line.kind is LineKind.DATA_END)
                and self.session.advertised("PIPELINING"))
        try:
            await conn.send(line, shown=shown, secret=secret, automatic=automatic, more=more)
        except InjectionError as exc:
            self.context.error(str(exc))
            return None
        except (ConnectionFailed, ConnectionClosed) as exc:
            self._failed(str(exc))
            return None
        if self.session.chunk_remaining:
            self.bus.emit(ev.Info(t(
                "drivers.runner.bdat_chunk",
                "BDAT: now type the chunk, {count} byte(s): each line goes out raw with its CRLF (counted), a last line of exactly the bytes left goes without; the server answers once the chunk is complete",
                count=self.session.chunk_remaining)))
            return None
        if self.pipelining and not line.ends_group:
            return None  # its reply is shown when it comes; collected after the group
        return await self.await_replies()

    async def send_raw(self, text: str, kind: LineKind = LineKind.COMMAND, *,
                       automatic: bool = False) -> Exchange | None:
        """Raw mode: ``text``'s escapes sent as exactly those bytes, in one write (protocol/raw.py).

        Nothing is added but CRLF to a line without an ending: no dot-stuffing, no line-end
        normalisation. The replies awaited are the ones a strict server gives (CRLF ends a
        line); the TLS policy is asked about every verb a lenient server might read, and a
        credential is never sent raw (it would be shown and recorded as typed).
        """
        conn = self.connection
        if conn is None or not conn.is_open:
            self.context.error(t("runner.raw_not_connected", "not connected: the raw line was not sent"))
            return None
        try:
            wire = raw.wire_of(text)
        except raw.RawEscapeError as exc:
            self.context.error(str(exc))
            return None
        if self._held:
            await self.flush_group()  # /pipeline group's held commands were typed first: they go first
        session = self.session
        if session.chunk_remaining:
            reading = raw.Reading((), b"", False, ())  # BDAT chunk bytes: counted, never read as lines
        else:
            reading = conn.raw_reader.read(wire, in_data=session.phase is Phase.DATA,
                                           in_auth=session.phase is Phase.AUTH)
        problem = raw_checks.refusal(reading, session)
        if problem:
            self.context.error(problem)
            return None
        for line in raw_checks.policy_lines(reading):
            if not await self._allowed(line):
                return None
        try:
            await conn.send_raw(text, kind, wire, reading, automatic=automatic)
        except (ConnectionFailed, ConnectionClosed) as exc:
            self._failed(str(exc))
            return None
        answered = [w for w in reading.lines if w.gets_reply]
        if self.session.chunk_remaining or not answered:
            return None
        if self.pipelining and not any(raw_checks.ends_group(w) for w in answered):
            return None
        last = None
        for _ in answered if not self.pipelining else answered[:1]:
            last = await self.await_replies()
            if last is None:
                break
        return last

    async def _send_group(self, line: Line, *, shown: str | None, secret: bool, automatic: bool) -> Exchange | None:
        """/pipeline group: the held commands and ``line`` (which ends their group) in one write,
        then every reply, then which reply answered which command."""
        conn = self.connection
        assert conn is not None
        held, self._held = self._held, []
        group = [*held, line]
        replies = pipeline_group.Collector(self.bus, owed=len(self.session.pending))
        try:
            await conn.send_group(held, line, shown=shown, secret=secret, automatic=automatic)
        except (ConnectionFailed, ConnectionClosed) as exc:
            replies.stop()
            self._failed(str(exc))
            return None
        try:
            last = await self.await_replies()
        finally:
            replies.stop()
        for row in pipeline_group.pairing(group, replies.exchanges, shown=shown):
            self.bus.emit(ev.Info(row))
        return last

    async def flush_group(self) -> None:
        """Send what /pipeline group holds now, without waiting for a line that ends the group."""
        if not self._held:
            return
        last = self._held.pop()
        conn = self.connection
        if conn is None or not conn.is_open:
            dropped, self._held = len(self._held) + 1, []
            self.bus.emit(ev.Info(pipeline_group.dropped_note(dropped)))
            return
        await self._send_group(last, shown=None, secret=False, automatic=False)

    @property
    def held(self) -> int:
        """Commands /pipeline group holds for the next write."""
        return len(self._held)

    def _note_unadvertised(self, line: Line) -> None:
        """A verb of an extension the server did not offer (BDAT without CHUNKING): say so, send anyway.

        AUTH says the same through its own flow (with the mechanisms offered).
        """
        entry, caps = line.entry, self.session.capabilities
        if entry is None or entry.extension is None or line.verb == "AUTH" or caps is None or line.kind is not LineKind.COMMAND:
            return
        if not caps.has(entry.extension):
            self.bus.emit(ev.Info(t("runner.not_advertised",
                                    "the server did not advertise {extension} in its EHLO reply; sending {verb} anyway (it may answer 500 or 502)", extension=entry.extension, verb=line.verb)))

    async def _allowed(self, line: Line, *, secret: bool = False) -> bool:
        """Ask the policy and carry out its verdict; False: the line is not sent.

        Every driver's lines come through here (replay and lessons too), so the
        TLS and AUTH preconditions are the same everywhere; ``refused`` keeps
        the verdict so a driver that walks steps can stop at the first one.
        """
        verdict = self.tls_policy.before_send(self.session, line, interactive=self.context.interactive,
                                              secret=secret, peer=conn.peer if (conn := self.connection) else None)
        for event in verdict.events:
            self.bus.emit(event)
        if verdict.refusal is None:
            return True
        self.refused = verdict
        if verdict.rule == "tls":
            self._failed(verdict.refusal)
        else:
            self.context.error(verdict.refusal)
        if verdict.end_session:
            await self.close()
        return False

    async def await_replies(self) -> Exchange | None:
        """Wait for the reply to the last command, or, pipelining, for every reply
        still outstanding. Returns the last exchange; None if the session broke."""
        conn = self.connection
        if conn is None:
            return None
        last = None
        try:
            while True:
                last = await conn.reply()
                await self._after(last)
                # Pipelining: replies may have arrived (and been paired) while we
                # were not waiting; take them all, up to the last one outstanding.
                if not self.pipelining or not (self.session.pending or conn.queued):
                    break
        except (ConnectionFailed, ConnectionClosed) as exc:
            self._failed(str(exc))
            return None
        except ReplyTimeout as exc:
            await self._timed_out(conn, exc)
            return None
        return last

    async def send_file(self, path: str, chunk_size: int = FILE_CHUNK) -> Exchange | None:
        """DATA, then the file streamed as the message (dot-stuffed), then '.'."""
        try:
            handle = open(path, "rb")
        except OSError as exc:
            self.context.error(t("drivers.runner.cannot_read", "cannot read {path}: {reason}", path=path, reason=exc.strerror or exc))
            return None
        with handle:
            nul_at = _first_nul(handle, chunk_size)
            if nul_at is not None:
                # The rule for typed DATA lines, for files too: a NUL never goes out
                # (some servers drop it, and "\n\0.\n" would become the end of data).
                self.context.error(t("runner.data_file_nul",
                                     "{path}: the file holds a NUL byte (at byte {offset}), which is not sent in a message; nothing was sent", path=safe(path), offset=nul_at))
                return None
            # The shell sends DATA for /data (so it is shown as sent by smtpshell), and the
            # 354's "type the message" advice is not for this: the file is the message.
            with self._replies_unexplained():
                exchange = await self.command("DATA", automatic=True)
            if exchange is None or not isinstance(exchange.reply, Reply) or exchange.reply.code != 354:
                # The server's refusal is the news (and decides the exit status), not a usage error.
                self.bus.emit(ev.Info(t("drivers.runner.data_file_refused", "DATA was not accepted (no 354), so the file was not sent")))
                return exchange
            assert self.connection is not None
            self.bus.before_wait()  # the bar draws on the terminal: the lines before it first
            bar = progress.ProgressBar.on_terminal(safe(path), _size_of(handle))
            bytes(HEAP_HINT)  # see HEAP_HINT: the chunks reuse their memory
            try:
                await self.connection.send_message(_read_with_progress(handle, chunk_size, bar), path)
                final = await self.connection.next_exchange()
            except (ConnectionFailed, ConnectionClosed, ReplyTimeout) as exc:
                if bar is not None and bar.shown:
                    bar.finish()
                self._failed(str(exc))
                return None
            return final

    def _replies_unexplained(self) -> _Unexplained:
        """Show the replies that come meanwhile as they are, without explanation."""
        return _Unexplained(self.context)

    # -- internals ---------------------------------------------------------------

    async def _flush_gathered(self, conn: ConnectionCore) -> None:
        try:
            await conn.flush()
        except (ConnectionFailed, ConnectionClosed) as exc:
            self._failed(str(exc))

    async def _content_line(self, line: Line, *, chunk: bool) -> bool:
        """A DATA or BDAT (``chunk``) content line (no reply of its own); False if it did not go out."""
        conn = self.connection
        if conn is None or not conn.is_open:
            not_sent = (t("drivers.runner.chunk_line_not_sent", "the chunk line was not sent") if chunk
                        else t("drivers.runner.message_line_not_sent", "the message line was not sent"))
            self.context.error(t("drivers.runner.not_connected_content", "not connected: {what}", what=not_sent))
            return False
        try:
            if line.kind is LineKind.DATA_LINE:
                await conn.send_data_line(line)  # what send would do with it, without the hop
            else:
                await conn.send(line)
        except (InjectionError, ChunkTooLong) as exc:
            self.context.error(str(exc))
            return False
        except (ConnectionFailed, ConnectionClosed) as exc:
            self._failed(str(exc))
            return False
        return True

    async def _after(self, exchange: Exchange) -> None:
        """Follow-ups to a reply: skip refused DATA content, --starttls."""
        sent, reply = exchange.sent, exchange.reply
        for event in self.tls_policy.after_reply(self.session, exchange):
            self.bus.emit(event)
        if sent is None or not isinstance(reply, Reply):
            return
        if sent.verb == "DATA" and sent.kind is Kind.COMMAND and reply.code != 354:
            self._skipping_data = True
            self.bus.emit(ev.Info(t("drivers.runner.data_refused", "DATA was not accepted: the message lines up to '.' will not be sent")))
        if sent.verb == "STARTTLS" and sent.kind is Kind.COMMAND and not self.session.tls:
            # TLS was asked for: from now on AUTH and MAIL never go out in plaintext on this connection.
            self.tls_policy.tls_asked(t(
                "policy.starttls_failed",
                "STARTTLS was sent and answered {code}, so TLS did not start; reconnect and try again, or use --tls if the server has implicit TLS", code=reply.code))
            if reply.klass not in (4, 5) and reply.code != 220 and not self.options.starttls:
                self._failed(t("runner.starttls_no_tls", "STARTTLS answered {code}, not 220: TLS did not start",
                               code=reply.code))
        if (
            self.options.starttls
            and sent.verb in ("EHLO", "LHLO", "HELO")
            and sent.kind is Kind.COMMAND
            and not self.session.tls
        ):
            await self._upgrade(sent.text, reply)

    async def _upgrade(self, ehlo_line: str, reply: Reply) -> None:
        if reply.klass != 2 or not self.session.advertised("STARTTLS"):
            await self._tls_failed(t(
                "runner.starttls_not_offered",
                "--starttls: the server did not offer STARTTLS in its reply to {verb}, so TLS cannot start; not going on in plaintext", verb=ehlo_line.split(" ", 1)[0].upper()))
            return
        exchange = await self._auto("STARTTLS")
        if exchange is None:
            return
        if not self.session.tls:
            code = exchange.reply.code if isinstance(exchange.reply, Reply) else t("drivers.runner.no_reply", "no reply")
            await self._tls_failed(t(
                "runner.starttls_refused",
                "--starttls: the server answered STARTTLS with {code}, not 220; not going on in plaintext",
                code=code))
            return
        await self._auto(ehlo_line)

    async def _tls_failed(self, message: str) -> None:
        """TLS was asked for and did not start: say so; script mode stops the session (QUIT, exit 3)."""
        self._failed(message)
        self.tls_policy.tls_asked(message)
        if not self.context.interactive:
            await self.close()

    async def _timed_out(self, conn: ConnectionCore, exc: ReplyTimeout) -> None:
        """No reply in time: smtpshell (not the server) closes the session, and says so."""
        again = t("runner.timeout_again", " (/connect to start again)") if self.interactive else ""
        self._failed(t("runner.timeout", "{error}: a client timeout (--timeout); the session is out of step, so smtpshell closed the connection{again}", error=str(exc), again=again))
        await conn.close(reason=t("runner.timeout_closed", "closed by smtpshell after a client timeout (no reply within {seconds:g} s)", seconds=self.options.timeout))

    async def interrupted(self) -> None:
        """Ctrl-C in script mode: close the connection, saying who closed it."""
        conn = self.connection
        waiting = self.session.pending[-1].text if self.session.pending else ""
        what = t("runner.interrupted_waiting", " while waiting for the reply to {line!r}", line=waiting) if waiting else ""
        message = t("runner.interrupted", "interrupted (Ctrl-C){what}: smtpshell closed the connection, not the server", what=what)
        self.outcome.error = self.outcome.error or message
        self.context.error(message)
        if conn is not None and conn.is_open:
            await conn.close(reason=t("runner.interrupted_closed", "closed by smtpshell (Ctrl-C)"))

    async def _auto(self, line: str) -> Exchange | None:
        return await self.command(line, automatic=True)

    def _failed(self, message: str) -> None:
        self.outcome.error = self.outcome.error or message
        self.context.error(message)


def _first_nul(handle: BinaryIO, chunk_size: int) -> int | None:
    """The offset of the first NUL byte in the open file (read in chunks, in C), or None; rewinds."""
    try:
        # A regular file is searched in place (memchr over the page cache, no copy into
        # read() buffers: a whole extra pass of reads on a large file, issue 18), a window
        # at a time: the pages of a mapping count in the process's RSS while it is mapped,
        # so the whole file at once made a 1 GiB message a 1 GiB process.
        import mmap  # small; only /data FILE needs it

        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise ValueError("mmap refuses an empty file")
        for offset in range(0, size, NUL_WINDOW):
            with mmap.mmap(handle.fileno(), min(NUL_WINDOW, size - offset), access=mmap.ACCESS_READ,
                           offset=offset) as view:
                at = view.find(b"\0")
            if at >= 0:
                return offset + at
        return None
    except (OSError, ValueError, AttributeError):
        pass  # empty, a pipe, not a real file: read it as before
    offset = 0
    try:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            at = chunk.find(b"\0")
            if at >= 0:
                return offset + at
            offset += len(chunk)
        return None
    finally:
        handle.seek(0)
def _size_of(handle: BinaryIO) -> int:
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, ValueError):
        return 0


class _Unexplained:
    """``with``: explanations off for the replies meanwhile, then as they were.

    A class, not ``contextlib.contextmanager``: importing contextlib costs about a
    millisecond at every start, for this one use.
    """

    __slots__ = ("before", "context")

    def __init__(self, context: ShellContext) -> None:
        self.context = context

    def __enter__(self) -> None:
        self.before = self.context.render_options
        self.context.render_options = self.before._replace(explain="off")

    def __exit__(self, *exc: object) -> None:
        self.context.render_options = self.before


def _read_with_progress(handle: BinaryIO, chunk_size: int, bar: progress.ProgressBar | None) -> Iterator[bytes]:
    """The file in chunks, the bar moved as each is handed to the connection."""
    done = 0
    for chunk in iter(lambda: handle.read(chunk_size), b""):
        yield chunk
        done += len(chunk)
        if bar is not None:
            bar.update(done)
    if bar is not None:
        bar.finish()  # before the connection reports what it sent, so that starts on its own line

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
``ends_group`` in the catalogue).

The runner also does the few things the shell does on the user's behalf when
asked (``--helo``, ``--starttls``, QUIT at the end of a script) and marks them
as automatic so the screen says so.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from .. import events as ev
from .. import exitcodes
from ..client.core import ConnectionCore
from ..client.errors import ConnectionClosed, ConnectionFailed, ReplyTimeout
from ..client.target import Target
from ..client.tls_options import TLSOptions
from ..i18n import t
from ..protocol.commands import InjectionError
from ..protocol.data import ChunkTooLong
from ..protocol.line import Line, LineKind, classify
from ..protocol.replies import Reply
from ..protocol.session import Exchange, Kind, Phase, Session
from ..shell import registry
from ..transcript.summary import SessionSummary
from ..untrusted import safe
from . import progress, stages, tls_policy

if TYPE_CHECKING:
    from ..auth.flow import AuthController
    from ..auth.options import AuthOptions


@dataclass
class RunOptions:
    timeout: float = 30.0
    helo: str | None = None  # send EHLO <helo> right after the greeting
    starttls: bool = False  # upgrade right after the first EHLO
    tls: TLSOptions = field(default_factory=TLSOptions)
    # How to connect: Connection.open (asyncio, the default) or
    # BlockingConnection.open (script mode against a given server: no event loop).
    connector: Callable[..., Any] | None = None
    auth: AuthOptions | None = None  # --user, credential sources, plaintext-AUTH policy
    # The AUTH dialogue (decoded challenges, the shell answering them). Replay
    # turns it off: a transcript holds AUTH's wire lines one by one.
    auth_dialogue: bool = True
    exit_codes: str = "class"  # "stage": where the session failed (drivers/stages.py), for monitoring


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

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.ReplyReceived):
            self.worst = max(self.worst, event.reply.klass)
            self._note_reply(event)
        elif isinstance(event, ev.ProtocolErrorReceived) and event.exchange is not None:
            self.protocol_errors += 1
        elif isinstance(event, ev.Closed) and not event.clean:
            self.error = self.error or event.reason
        elif isinstance(event, ev.TLSStarted):
            self._tls_under_way = False

    def _note_reply(self, event: ev.ReplyReceived) -> None:
        sent, reply = event.exchange.sent, event.reply
        if sent is not None and sent.verb == "STARTTLS":
            self._tls_under_way = reply.code == 220
        if reply.klass >= 4 and self.failed_stage is None:
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
        context: "registry.ShellContext",
        session: Session | None = None,
    ) -> None:
        self.bus = bus
        self.options = options
        self.context = context
        self.session = session or Session()
        self.connection: ConnectionCore | None = None
        self.target: Target | None = None
        self.outcome = Outcome(by_stage=options.exit_codes == "stage")
        bus.subscribe(self.outcome)
        self.summary = SessionSummary()  # /summary, and the end of the session
        bus.subscribe(self.summary)
        self._skipping_data = False  # DATA was refused: skip content up to "."
        self.pipelining = False  # /pipeline on: do not wait for each reply (RFC 2920)
        self._auth: AuthController | None = None  # created (and auth.flow loaded) on first use
        self.tls_policy = tls_policy.TLSPolicy(options.tls)

    # -- the AUTH flow, and what it needs of its host ----------------------------

    @property
    def auth(self) -> AuthController:
        """The AUTH flow of this session, created the first time it is needed."""
        if self._auth is None:
            from ..auth.flow import AuthController

            self._auth = AuthController(self)
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
        try:
            self.connection = await connector(
                target, self.bus, self.options.tls, self.options.timeout, self.session
            )
            await self.connection.greeting()
        except (ConnectionFailed, ConnectionClosed, ReplyTimeout) as exc:
            self._failed(str(exc))
            return False
        if self.options.helo:
            exchange = await self._auto(f"EHLO {self.options.helo}")
            if exchange is None:
                return False
        return True

    async def close(self, quit_first: bool = True) -> None:
        conn = self.connection
        if conn is None or not conn.is_open:
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
        match line.kind:
            case LineKind.SHELL:
                try:
                    await registry.dispatch(self.context, text)
                except registry.UnknownCommand as exc:
                    self.context.error(str(exc))
            case LineKind.BLANK:
                pass
            case LineKind.REFUSED:
                self.context.error(line.refusal)
            case LineKind.DATA_LINE:
                await self._content_line(line, "the message line was not sent")
            case LineKind.CHUNK_LINE:
                if await self._content_line(line, "the chunk line was not sent"):
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
            self.context.error("not connected: /connect HOST[:PORT] opens a connection")
            return None
        if not await self._allowed(line):
            return None
        try:
            await conn.send(line, shown=shown, secret=secret, automatic=automatic)
        except InjectionError as exc:
            self.context.error(str(exc))
            return None
        except (ConnectionFailed, ConnectionClosed) as exc:
            self._failed(str(exc))
            return None
        if self.session.chunk_remaining:
            self.bus.emit(ev.Info(
                f"BDAT: now type the chunk, {self.session.chunk_remaining} byte(s): each line goes out raw "
                "with its CRLF (counted), a last line of exactly the bytes left goes without; "
                "the server answers once the chunk is complete"
            ))
            return None
        if self.pipelining and not line.ends_group:
            return None  # its reply is shown when it comes; collected after the group
        return await self.await_replies()

    async def _allowed(self, line: Line) -> bool:
        """Ask the TLS policy and carry out its verdict; False: the line is not sent."""
        verdict = self.tls_policy.before_send(self.session, line, interactive=self.context.interactive)
        for event in verdict.events:
            self.bus.emit(event)
        if verdict.refusal is None:
            return True
        self._failed(verdict.refusal)
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

    async def send_file(self, path: str, chunk_size: int = 256 * 1024) -> Exchange | None:
        """DATA, then the file streamed as the message (dot-stuffed), then '.'."""
        try:
            handle = open(path, "rb")
        except OSError as exc:
            self.context.error(f"cannot read {path}: {exc.strerror or exc}")
            return None
        with handle:
            # The shell sends DATA for /data (so it is shown as sent by smtpshell), and the
            # 354's "type the message" advice is not for this: the file is the message.
            with self._replies_unexplained():
                exchange = await self.command("DATA", automatic=True)
            if exchange is None or not isinstance(exchange.reply, Reply) or exchange.reply.code != 354:
                # The server's refusal is the news (and decides the exit status), not a usage error.
                self.bus.emit(ev.Info("DATA was not accepted (no 354), so the file was not sent"))
                return exchange
            assert self.connection is not None
            bar = progress.ProgressBar.on_terminal(safe(path), _size_of(handle))
            try:
                await self.connection.send_message(_read_with_progress(handle, chunk_size, bar), path)
                final = await self.connection.next_exchange()
            except (ConnectionFailed, ConnectionClosed, ReplyTimeout) as exc:
                if bar is not None and bar.shown:
                    bar.finish()
                self._failed(str(exc))
                return None
            return final

    @contextmanager
    def _replies_unexplained(self) -> Iterator[None]:
        """Show the replies that come meanwhile as they are, without explanation."""
        before = self.context.render_options
        self.context.render_options = dataclasses.replace(before, explain="off")
        try:
            yield
        finally:
            self.context.render_options = before

    # -- internals ---------------------------------------------------------------

    async def _content_line(self, line: Line, not_sent: str) -> bool:
        """A DATA or BDAT content line (no reply of its own); False if it did not go out."""
        conn = self.connection
        if conn is None or not conn.is_open:
            self.context.error(f"not connected: {not_sent}")
            return False
        try:
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
            self.bus.emit(ev.Info("DATA was not accepted: the message lines up to '.' will not be sent"))
        if (
            self.options.starttls
            and sent.verb in ("EHLO", "LHLO")
            and reply.klass == 2
            and not self.session.tls
        ):
            await self._upgrade(sent.text)

    async def _upgrade(self, ehlo_line: str) -> None:
        if not self.session.advertised("STARTTLS"):
            self._failed("--starttls: the server did not offer STARTTLS in its EHLO reply, so TLS cannot start")
            return
        exchange = await self._auto("STARTTLS")
        if exchange is None:
            return
        if not isinstance(exchange.reply, Reply) or exchange.reply.code != 220:
            self._failed("--starttls: the server refused STARTTLS; not going on in plaintext")
            return
        if self.session.tls:
            await self._auto(ehlo_line)

    async def _timed_out(self, conn: ConnectionCore, exc: ReplyTimeout) -> None:
        """No reply in time: smtpshell (not the server) closes the session, and says so."""
        again = t("runner.timeout_again", " (/connect to start again)") if self.interactive else ""
        self._failed(t("runner.timeout", "{error}: a client timeout (--timeout); the session is out of step, "
                       "so smtpshell closed the connection{again}", error=str(exc), again=again))
        await conn.close(reason=t("runner.timeout_closed", "closed by smtpshell after a client timeout "
                                  "(no reply within {seconds:g} s)", seconds=self.options.timeout))

    async def interrupted(self) -> None:
        """Ctrl-C in script mode: close the connection, saying who closed it."""
        conn = self.connection
        waiting = self.session.pending[-1].text if self.session.pending else ""
        what = t("runner.interrupted_waiting", " while waiting for the reply to {line!r}", line=waiting) if waiting else ""
        message = t("runner.interrupted", "interrupted (Ctrl-C){what}: smtpshell closed the connection, "
                    "not the server", what=what)
        self.outcome.error = self.outcome.error or message
        self.context.error(message)
        if conn is not None and conn.is_open:
            await conn.close(reason=t("runner.interrupted_closed", "closed by smtpshell (Ctrl-C)"))

    async def _auto(self, line: str) -> Exchange | None:
        return await self.command(line, automatic=True)

    def _failed(self, message: str) -> None:
        self.outcome.error = self.outcome.error or message
        self.context.error(message)


def _size_of(handle: BinaryIO) -> int:
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, ValueError):
        return 0


def _read_with_progress(handle: BinaryIO, chunk_size: int, bar: "progress.ProgressBar | None") -> Iterator[bytes]:
    """The file in chunks, the bar moved as each is handed to the connection."""
    done = 0
    for chunk in iter(lambda: handle.read(chunk_size), b""):
        yield chunk
        done += len(chunk)
        if bar is not None:
            bar.update(done)
    if bar is not None:
        bar.finish()  # before the connection reports what it sent, so that starts on its own line

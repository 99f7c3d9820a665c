"""The recorder: an event-bus listener that writes what happens as a transcript.

It listens to the same stream as the screen, so the file shows what the user
saw: ``C:`` for every line on the wire (as typed; message lines unstuffed),
``S:`` for every reply line (control characters escaped), ``**``/``!!`` for
TLS, closing and warnings. Lines that carried a credential are written as a
placeholder (:mod:`.placeholders`), never as the secret or its base64: the
recorder decides that itself from the AUTH exchange, not only from the event's
``secret`` flag, so a line mislabelled upstream still cannot leak.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from .. import events as ev
from ..i18n import t
from ..protocol.commands import CommandLine
from ..protocol.line import LineKind
from ..protocol.raw import escape as raw_escape
from ..untrusted import safe
from .match import escape
from .model import CLIENT, CLIENT_RAW, DATA_FILE_NOTE, MAGIC, NOTE, SERVER, TLS_NOTE, UNASKED_NOTE, WARNING
from .placeholders import CREDENTIALS, PASSWORD, SECRET, USERNAME, decode_challenge
from .summary import SessionSummary

# What an AUTH command's initial response is written as, per mechanism.
INITIAL = {"PLAIN": CREDENTIALS, "LOGIN": USERNAME}


class RecordError(Exception):
    """The transcript file cannot be written; str() is one line for the user."""


class Recorder:
    def __init__(self, out: TextIO, path: str = "") -> None:
        self.out = out
        self.path = path
        self.lines_written = 0
        self._mechanism: str | None = None  # the SASL mechanism in progress
        self._challenge = ""  # the last 334 challenge, decoded and lower-cased
        self._responses = 0  # SASL responses sent in this exchange
        self._closed = False
        self._seen_close = False
        self._unsubscribe: Any = None
        self.summary = SessionSummary()  # written as comments when the connection closes
        self._awaiting = 0  # C: lines written whose reply has not come yet (0 or 1)
        self._held: list[tuple[list[str], bool]] = []  # pipelined lines held back: (lines, gets a reply)

    # -- life cycle ---------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> Recorder:
        try:
            handle = open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n")
        except OSError as exc:
            raise RecordError(t("transcript.record.cannot_open", "cannot record to {path}: {reason}", path=path, reason=exc.strerror or exc)) from None
        return cls(handle, str(path))

    def attach(self, bus: ev.EventBus) -> Recorder:
        self._unsubscribe = bus.subscribe(self)
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if not self._closed:
            self._release(everything=True)
            self._closed = True
            self.out.close()

    def write_header(self, server: str, *, implicit_tls: bool, mid_session: str = "", title: str = "") -> None:
        now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        self._put(MAGIC)
        if title:
            self._put(f"#: title: {title}")
        self._put(f"#: server: {server}")
        self._put(f"#: tls: {'implicit' if implicit_tls else 'none'}")
        self._put(f"#: date: {now}")
        self._put(f"#: tool: smtpshell {__version__}")
        if mid_session:
            self._put(f"#: started: {mid_session}")
        self._put("")

    # -- the listener ---------------------------------------------------------------

    def __call__(self, event: ev.Event) -> None:
        if self._closed:
            return
        self.summary(event)
        if isinstance(event, ev.LineSent):
            self._line_sent(event)
        elif isinstance(event, ev.ReplyReceived):
            self._reply(event)
        elif isinstance(event, ev.DataSent):
            # The markers (**, "message from", "TLS started") are the file format and stay as they are;
            # the words after them are for the reader, in the session's language.
            self._put(f"{NOTE} {DATA_FILE_NOTE} {safe(event.source)}: " + t("transcript.record.data", "{bytes} bytes, {lines} lines (content not recorded)",
                                                                            bytes=event.bytes_in, lines=event.lines))
        elif isinstance(event, ev.TLSStarted):
            i = event.info
            self._put(f"{NOTE} {TLS_NOTE}: " + t("transcript.record.tls", "{version} {cipher}; certificate {verify}",
                                                 version=i.version, cipher=i.cipher, verify=i.verify_note))
        elif isinstance(event, ev.ProtocolErrorReceived):
            self._put(f"{WARNING} {safe(event.error.message)}")
            if event.exchange is not None and event.exchange.sent is not None:
                self._answered()  # it stood in for the reply
        elif isinstance(event, ev.Warning):
            self._put(f"{WARNING} {safe(event.message)}")
        elif isinstance(event, ev.Info):
            # What the shell explained on screen (a decoded challenge, a skipped message):
            # the screen never holds a secret, so neither does this.
            self._put(f"{NOTE} {safe(event.message)}")
        elif isinstance(event, ev.Connected) and self._seen_close:
            # A new connection in the same recording (/connect): replay cannot follow it, but the reader can.
            self._put(f"{NOTE} " + t("transcript.record.connected", "connected to {host}:{port} (a new connection)",
                                     host=safe(event.host), port=event.port))
        elif isinstance(event, ev.Closed):
            self._release(everything=True)  # pipelined lines that never got a reply: still sent
            self._seen_close = True
            self._put(f"{NOTE} " + t("transcript.record.closed", "connection closed: {reason}", reason=safe(event.reason)))
            self._put("")
            for line in self.summary.lines():  # a comment: replay and lessons read past it
                self._put(f"# {line}")
            self.out.flush()

    def _line_sent(self, event: ev.LineSent) -> None:
        """A C: line, written at once, or held while earlier pipelined lines still await their
        replies: a transcript pairs a reply with the C: line just before it, so a group sent
        without waiting (/pipeline) is written line, reply, line, reply, and replays one by one."""
        lines = ["# (sent by smtpshell on the user's behalf)"] if event.automatic else []
        if event.raw:
            # The exact bytes, as escapes: replay sends them again in one write. Raw mode never
            # sends a credential (drivers/raw_checks.py), so nothing here is secret. How many
            # replies one raw write gets is the server's to say: no holding back around it.
            self._release(everything=True)
            for line in (*lines, f"{CLIENT_RAW} {raw_escape(event.wire)}"):
                self._put(line)
            self._awaiting = 0
            return
        text = self._client_text(event)  # now: the AUTH state it reads is the one this line was sent in
        lines.append(f"{CLIENT} {text}" if text else CLIENT)
        gets_reply = event.kind.pending is not None
        if self._held or (self._awaiting and gets_reply):  # a BDAT chunk's lines follow BDAT at once
            self._held.append((lines, gets_reply))
            return
        for line in lines:
            self._put(line)
        self._awaiting = int(gets_reply)

    def _answered(self) -> None:
        self._awaiting = max(0, self._awaiting - 1)
        if not self._awaiting:
            self._release()

    def _release(self, *, everything: bool = False) -> None:
        """Write held lines, up to the next one that awaits a reply (or all of them)."""
        while self._held:
            lines, gets_reply = self._held.pop(0)
            for line in lines:
                self._put(line)
            if gets_reply and not everything:
                self._awaiting = 1
                return
        self._awaiting = 0

    def _reply(self, event: ev.ReplyReceived) -> None:
        reply = event.reply
        if event.exchange.sent is None:
            # Nothing was waiting for it (a lenient server answering smuggled commands, say):
            # a note keeps it apart from the reply before it, as a step of its own.
            self._put(f"{NOTE} {UNASKED_NOTE}")
        lines = reply.lines or ("",)
        for i, line in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            text = escape(safe(line))  # a '*' in the server's text is not a wildcard
            self._put(f"{SERVER} {reply.code}{sep}{text}" if text else f"{SERVER} {reply.code}{sep.strip()}")
        if reply.code == 334:
            self._challenge = decode_challenge(lines[0]).strip().lower()
        else:
            self._mechanism = None
            self._challenge = ""
        if event.exchange.sent is not None:
            self._answered()

    def _client_text(self, event: ev.LineSent) -> str:
        """The line as written: as shown, or a placeholder where a secret was."""
        if event.kind is LineKind.SASL_RESPONSE:
            return self._sasl_response(event)
        if event.kind is LineKind.COMMAND:
            cmd = CommandLine.parse(event.shown)
            if cmd.verb == "AUTH":
                words = cmd.args.split()
                self._mechanism = words[0].upper() if words else None
                self._challenge = ""
                self._responses = 1 if len(words) > 1 else 0
                if len(words) > 1 or event.secret:
                    # An initial response: PLAIN's holds the password, LOGIN's the user name.
                    verb = event.shown.split(" ")[0]
                    return f"{verb} {words[0] if words else ''} {INITIAL.get(self._mechanism or '', SECRET)}"
        if event.secret:
            return SECRET
        return event.shown  # as typed: the user's own text goes back on the wire unchanged

    def _sasl_response(self, event: ev.LineSent) -> str:
        answered, self._responses = self._responses, self._responses + 1
        if event.shown.strip() == "*":
            return "*"  # cancelling is not a secret
        if self._mechanism == "LOGIN":
            # The same rule as the SASL code: a challenge mentioning "pass" asks for the password.
            if "pass" in self._challenge:
                return PASSWORD
            if answered == 0:
                # The user name in base64 is not a secret: kept as sent, so the file replays as is.
                return USERNAME if event.secret else event.shown
            return SECRET
        if self._mechanism == "PLAIN":
            return CREDENTIALS
        return SECRET

    def _put(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()
        self.lines_written += 1


def start_recording(path: str | Path, bus: ev.EventBus, *, target: Any = None, session: Any = None,
                    title: str = "") -> Recorder:
    """Open ``path``, write the header, and listen to ``bus``. Raises RecordError."""
    recorder = Recorder.open(path)
    mid = ""
    if session is not None and getattr(session, "phase", None) is not None and session.phase.value not in ("connecting", "closed"):
        if session.tls:
            mid = t("transcript.record.mid_session_tls", "mid-session (phase: {phase}, inside TLS)", phase=session.phase.value)
        else:
            mid = t("transcript.record.mid_session", "mid-session (phase: {phase})", phase=session.phase.value)
    server = str(target) if target is not None else t("transcript.record.not_connected", "(not connected)")
    recorder.write_header(server, implicit_tls=bool(getattr(target, "implicit_tls", False)), mid_session=mid, title=title)
    return recorder.attach(bus)

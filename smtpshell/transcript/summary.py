"""The summary of one connection, built from the event stream (a bus listener).

What a person wants at the end of a session, in a few lines: the envelopes
(sender, accepted and refused recipients, the message's fate and the queue id
from ``250 ... queued as X``), TLS (version and certificate status), AUTH
(mechanism and result), who closed the connection, and the time spent per
stage. The REPL prints it when the shell ends, ``/summary`` shows it at any
time, and the recorder writes it into the transcript as comments. It listens
to the same stream as the screen, so it can only say what was shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .. import events as ev
from ..i18n import t
from ..protocol.envelope import address_of
from ..protocol.line import LineKind
from ..protocol.replies import Reply, queue_id
from ..protocol.session import Kind, Pending
from ..records import TYPE_CHECKING
from ..untrusted import safe

if TYPE_CHECKING:
    from typing import Any


# Which stage a reply's time counts for: the verb it answered (see drivers/stages.py for exit codes).
_STAGE_OF_VERB = {"EHLO": "EHLO", "HELO": "EHLO", "LHLO": "EHLO", "STARTTLS": "TLS", "AUTH": "AUTH",
                  "MAIL": "MAIL", "RCPT": "RCPT", "DATA": "DATA", "BDAT": "DATA"}
STAGES = ("connect", "greeting", "EHLO", "TLS", "AUTH", "MAIL", "RCPT", "DATA", "other")


class Envelope:
    """One MAIL FROM the server accepted, and what became of it.

    How it ended is kept as facts (``ended``, the reply's code and lines); the words are made
    when the summary is read (:attr:`result`, :attr:`queue_id`), not once a message, in the
    language of the moment."""

    __slots__ = ("sender", "accepted", "refused", "ended", "code", "reply_lines")

    def __init__(self, sender: str) -> None:
        self.sender = sender
        self.accepted: list[str] = []
        self.refused: list[tuple[str, int]] = []  # (address, code)
        self.ended = ""  # "" while open; one of ENDINGS
        self.code = 0  # the reply that ended it
        self.reply_lines: tuple[str, ...] = ()

    @property
    def result(self) -> str:
        """What became of it, in words ("" while it is open)."""
        if self.ended == ACCEPTED:
            return t("summary.message_accepted", "accepted ({code})", code=self.code)
        if self.ended == REFUSED:
            return t("summary.message_refused", "refused ({code})", code=self.code)
        if self.ended == RESET:
            return t("summary.reset", "reset before it was sent (RSET)")
        if self.ended == NOT_SENT:
            return t("summary.not_sent", "not sent")
        return ""

    @property
    def queue_id(self) -> str:
        """The id an accepting server gave it (``250 ... queued as X``), or ""."""
        if self.ended != ACCEPTED:
            return ""
        found = queue_id(" ".join(self.reply_lines))
        return safe(found) if found else ""


ACCEPTED, REFUSED, RESET, NOT_SENT = ENDINGS = ("accepted", "refused", "reset", "not sent")


class SessionSummary:
    """Listens to one bus; :meth:`lines` says what happened on the current (or last) connection."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_type = self.handlers()  # for __call__ (a listener of every event, e.g. the recorder's)
        self._reset()

    def _reset(self) -> None:
        self.server = ""
        self.envelopes: list[Envelope] = []
        self.tls = ""  # "TLSv1.3, certificate verified against ..."
        self.auth_mechanism = ""
        self.auth_result = ""
        self.closed = ""
        self.stage_seconds: dict[str, float] = {}
        self._started: float | None = None
        self._sent_at = 0.0  # when the last line went out (pipelined replies share it)
        self._tls_asked_at: float | None = None

    # -- the listener -------------------------------------------------------------

    def __call__(self, event: ev.Event) -> None:
        handler = self._by_type.get(type(event))
        if handler is not None:
            handler(event)

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """What it listens to, by event type (EventBus.subscribe_types): one call per event, no
        isinstance chain (a session is mostly the lines sent and their replies)."""
        return {ev.LineSent: self._line_sent, ev.ReplyReceived: self._reply, ev.Connecting: self._connecting,
                ev.Connected: self._connected, ev.DataSent: self._data_sent, ev.TLSStarted: self._tls_started,
                ev.Closed: self._closed}

    def _line_sent(self, event: ev.LineSent) -> None:
        kind = event.kind
        if kind is LineKind.DATA_LINE:
            return  # message content: a reply is timed from the '.' that always follows it
        self._sent_at = self._clock()
        if kind is LineKind.COMMAND and event.shown.lstrip()[:4].upper() == "AUTH":
            self._auth_sent(event)

    def _connecting(self, event: ev.Connecting) -> None:
        self._reset()
        self.server = f"{safe(event.host)}:{event.port}"
        self._started = self._clock()

    def _connected(self, event: ev.Connected) -> None:
        if self._started is not None:
            now = self._clock()
            self._add("connect", now - self._started)
            self._started = now  # the greeting is timed from here

    def _data_sent(self, event: ev.DataSent) -> None:
        self._sent_at = self._clock()

    def _tls_started(self, event: ev.TLSStarted) -> None:
        info = event.info
        self.tls = t("summary.tls_value", "{version}, certificate {status}", version=info.version,
                     status=info.verify_note)
        if self._tls_asked_at is not None:
            self._add("TLS", self._clock() - self._tls_asked_at)
            self._tls_asked_at = None

    def _closed(self, event: ev.Closed) -> None:
        self.closed = safe(event.reason)
        for envelope in self.envelopes:
            if not envelope.ended:
                envelope.ended = NOT_SENT

    def _auth_sent(self, event: ev.LineSent) -> None:
        words = event.shown.split()
        if words and words[0].upper() == "AUTH":
            self.auth_mechanism = safe(words[1].upper()) if len(words) > 1 else ""
            self.auth_result = ""

    def _reply(self, event: ev.ReplyReceived) -> None:
        now = self._clock()
        sent, reply = event.exchange.sent, event.exchange.reply
        assert isinstance(reply, Reply)  # what ReplyReceived.reply says, without its property call
        if sent is None or sent.kind is Kind.GREETING:
            if self._started is not None:
                self._add("greeting", now - self._started)
                self._started = None
            return
        # _stage and _add, inline: every reply comes here.
        kind = sent.kind
        stage = "DATA" if kind is Kind.DATA_END else "AUTH" if kind is Kind.AUTH_RESPONSE else _STAGE_OF_VERB.get(sent.verb, "other")
        seconds = self.stage_seconds
        seconds[stage] = seconds.get(stage, 0.0) + max(now - self._sent_at, 0.0)
        if sent.verb == "STARTTLS" and reply.code == 220:
            self._tls_asked_at = now  # the handshake counts as TLS too
        if stage == "AUTH" and reply.code != 334:
            self.auth_result = (t("summary.auth_ok", "accepted ({code})", code=reply.code) if reply.code == 235
                                else t("summary.auth_refused", "refused ({code})", code=reply.code))
            return
        klass = reply.code // 100
        if sent.verb == "MAIL" and sent.kind is Kind.COMMAND and klass == 2:
            self.envelopes.append(Envelope(safe(address_of(sent.text) or "")))
            return
        envelopes = self.envelopes  # the open envelope (_open), asked once: every reply asks
        current = envelopes[-1] if envelopes and not envelopes[-1].ended else None
        if current is None:
            return
        if sent.verb == "RCPT":
            address = safe(address_of(sent.text) or "")
            if klass == 2:
                current.accepted.append(address)
            else:
                current.refused.append((address, reply.code))
        elif sent.verb == "RSET":
            current.ended = RESET
        elif self._ends_message(sent, reply.code):
            current.ended, current.code, current.reply_lines = ACCEPTED if klass == 2 else REFUSED, reply.code, reply.lines

    @property
    def _open(self) -> Envelope | None:
        if self.envelopes and not self.envelopes[-1].ended:
            return self.envelopes[-1]
        return None

    @staticmethod
    def _ends_message(sent: Pending, code: int) -> bool:
        if sent.kind is Kind.DATA_END:
            return True
        if sent.verb == "DATA":
            return code // 100 != 3  # DATA refused: the message did not go
        if sent.verb == "BDAT":
            return code // 100 != 2 or "LAST" in sent.text.upper().split()
        return False

    def _add(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + max(seconds, 0.0)

    # -- what it says ---------------------------------------------------------------

    def lines(self) -> list[str]:
        """The summary, one fact a line (no colour; the callers style it)."""
        if not self.server:
            return [t("summary.nothing", "no session yet")]
        out = [t("summary.title", "session summary ({server})", server=self.server)]
        if not self.envelopes:
            out.append("  " + t("summary.no_envelope", "no message: MAIL FROM was never accepted"))
        for number, envelope in enumerate(self.envelopes, 1):
            out.append("  " + t("summary.envelope", "message {number}: from <{sender}>: {result}",
                                number=number, sender=envelope.sender,
                                result=envelope.result or t("summary.open", "still open")))
            found = envelope.queue_id
            if found:
                out.append("    " + t("summary.queue_id", "queue id: {queue_id}", queue_id=found))
            accepted = ", ".join(f"<{a}>" for a in envelope.accepted) or "-"
            out.append("    " + t("summary.accepted", "recipients accepted: {list}", list=accepted))
            if envelope.refused:
                refused = ", ".join(f"<{a}> ({code})" for a, code in envelope.refused)
                out.append("    " + t("summary.refused", "recipients refused: {list}", list=refused))
        out.append("  " + t("summary.tls", "TLS: {tls}", tls=self.tls or t("summary.no_tls", "none (plaintext)")))
        if self.auth_mechanism or self.auth_result:
            out.append("  " + t("summary.auth", "AUTH: {mechanism} {result}", mechanism=self.auth_mechanism or "?",
                                result=self.auth_result or t("summary.auth_unfinished", "unfinished")))
        else:
            out.append("  " + t("summary.no_auth", "AUTH: not used"))
        if self.closed:
            out.append("  " + t("summary.closed", "connection: {reason}", reason=self.closed))
        timed = [f"{_stage_name(stage)} {_duration(self.stage_seconds[stage])}" for stage in STAGES if stage in self.stage_seconds]
        if timed:
            out.append("  " + t("summary.times", "time per stage: {times}", times=t("summary.times.separator", ", ").join(timed)))
        return out


def _stage_name(stage: str) -> str:
    """The stage as said in the summary: the protocol's own words stay, the others are translated."""
    words = {"connect": t("summary.stage.connect", "connect"), "greeting": t("summary.stage.greeting", "greeting"),
             "other": t("summary.stage.other", "other")}
    return words.get(stage, stage)


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"

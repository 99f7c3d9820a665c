"""The class feed: every connection to the practice server as a session of C:/S: lines, for the web view.

The server side of a conversation is mirrored into a sans-I/O
:class:`~smtpshell.protocol.session.Session`, so each reply is explained by the
same renderer as the shell (:func:`smtpshell.render.styled.render_reply`).

Secrets never enter the feed: a client line is redacted *before* it is stored
or published. After a client ``AUTH`` command, every client line until the
server's final (non-334) answer is a SASL response and is replaced by a
placeholder; an initial response on the AUTH line itself is replaced too.
Everything else a client sent is escaped with :func:`~smtpshell.untrusted.safe`.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..i18n import t
from ..protocol.commands import CommandLine
from ..protocol.replies import Reply, ReplyParser
from ..protocol.session import Kind, Pending, Phase, Session
from ..render.styled import answers_of, render_reply
from ..transcript.placeholders import CREDENTIALS, PASSWORD, SECRET, USERNAME
from ..untrusted import safe

MAX_SESSIONS = 2_000  # newest sessions kept
MAX_LINES = 400  # lines kept per session (a long DATA is cut, with a note)
MAX_DATA_LINES = 40  # message lines shown per DATA
MAX_LINE_CHARS = 1_000

Fragments = list[list[str]]  # [[css class, text], ...]
FeedListener = Callable[[dict[str, Any]], None]


def _initial_placeholder(mechanism: str) -> str:
    return {"PLAIN": CREDENTIALS, "LOGIN": USERNAME}.get(mechanism, SECRET)


@dataclass
class ClassSession:
    """One client connection as the web view shows it."""

    id: int
    peer: str
    scenario: str
    started: str
    helo: str = ""
    login: str = ""
    tls: str = ""
    open: bool = True
    lines: list[Fragments] = field(default_factory=list)
    dropped: int = 0
    mirror: Session = field(default_factory=Session)
    parser: ReplyParser = field(default_factory=ReplyParser)
    partial: bytearray = field(default_factory=bytearray)
    in_sasl: bool = False
    sasl_answers: int = 0
    sasl_mechanism: str = ""
    data_lines: int = 0

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "peer": self.peer, "helo": self.helo, "login": self.login, "tls": self.tls,
                "scenario": self.scenario, "started": self.started, "open": self.open,
                "lines": len(self.lines) + self.dropped}


class ClassFeed:
    """Sessions and their lines; listeners get each change as a small JSON-able dict."""

    def __init__(self, scenario: str) -> None:
        self.scenario = scenario
        self._ids = itertools.count(1)
        self.sessions: deque[ClassSession] = deque(maxlen=MAX_SESSIONS)
        self._by_id: dict[int, ClassSession] = {}
        self._listeners: list[FeedListener] = []

    def subscribe(self, listener: FeedListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, event: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            listener(event)

    def get(self, session_id: int) -> ClassSession | None:
        return self._by_id.get(session_id)

    # -- what the server tells the feed -------------------------------------------------

    def opened(self, peer: str) -> ClassSession:
        if len(self.sessions) == self.sessions.maxlen:
            self._by_id.pop(self.sessions[0].id, None)
        now = datetime.now(UTC).astimezone().strftime("%H:%M:%S")
        s = ClassSession(next(self._ids), safe(peer), self.scenario, now)
        s.mirror.connected()
        self.sessions.append(s)
        self._by_id[s.id] = s
        self.publish({"type": "session", "session": s.summary()})
        return s

    def client_bytes(self, s: ClassSession, data: bytes) -> None:
        """Bytes from the client (plaintext, after TLS): split into lines, redact, record."""
        s.partial += data
        while True:
            nl = s.partial.find(b"\n")
            if nl < 0:
                if len(s.partial) > MAX_LINE_CHARS * 4:  # a line with no end: show what came, once
                    del s.partial[MAX_LINE_CHARS:]
                return
            raw = bytes(s.partial[:nl]).rstrip(b"\r")
            del s.partial[: nl + 1]
            self._client_line(s, raw.decode("utf-8", "replace"))

    def server_bytes(self, s: ClassSession, data: bytes) -> None:
        for item in s.parser.feed(data):
            if isinstance(item, Reply):
                self._reply(s, item)
            else:
                self._add(s, [["error", "!! " + safe(item.message)]])

    def tls_started(self, s: ClassSession, description: str | None) -> None:
        s.mirror.tls_started()
        s.tls = safe(description or "TLS")
        self._add(s, [["tls", t("web.feed.tls", "** TLS started: {tls}", tls=s.tls)]])
        self._changed(s)

    def closed(self, s: ClassSession) -> None:
        s.open = False
        s.mirror.closed()
        self._add(s, [["info", t("web.feed.closed", "** connection closed")]])
        self._changed(s)

    def identified(self, s: ClassSession, helo: str, login: str | None) -> None:
        helo, login = safe(helo or ""), safe(login or "")
        if (helo, login) != (s.helo, s.login):
            s.helo, s.login = helo, login
            self._changed(s)

    # -- lines ---------------------------------------------------------------------------

    def _client_line(self, s: ClassSession, text: str) -> None:
        text = text[:MAX_LINE_CHARS]
        if s.mirror.phase is Phase.DATA:
            kind = Kind.DATA_END if text == "." else Kind.DATA_LINE
            if kind is Kind.DATA_LINE:
                s.data_lines += 1
                if s.data_lines > MAX_DATA_LINES:
                    if s.data_lines == MAX_DATA_LINES + 1:
                        self._add(s, [["note", t("web.feed.more_lines", "   (more message lines: see the mailbox)")]])
                    return
                self._add(s, [["sent-prefix", "C: "], ["sent", safe(text)]])
                return
            s.mirror.sent(Pending(Kind.DATA_END, "."))
            self._add(s, [["sent-prefix", "C: "], ["sent", "."]])
            return
        if s.in_sasl:
            shown = self._sasl_answer(s, text)
            s.mirror.sent(Pending(Kind.AUTH_RESPONSE, shown))
            self._add(s, [["sent-prefix", "C: "], ["secret", shown]])
            return
        shown = safe(text)
        command = CommandLine.parse(text)
        if command.verb == "AUTH":
            words = command.args.split()
            s.in_sasl, s.sasl_answers = True, 0
            s.sasl_mechanism = words[0].upper() if words else ""
            if len(words) > 1:
                s.sasl_answers = 1
                shown = f"{text.split(' ', 1)[0]} {safe(words[0])} {_initial_placeholder(s.sasl_mechanism)}"
        s.mirror.sent(Pending(Kind.COMMAND, shown, command.verb))
        self._add(s, [["sent-prefix", "C: "], ["sent", shown]])

    def _sasl_answer(self, s: ClassSession, text: str) -> str:
        if text.strip() == "*":
            return "*"  # cancelling is not a secret
        answered, s.sasl_answers = s.sasl_answers, s.sasl_answers + 1
        if s.sasl_mechanism == "LOGIN":
            return USERNAME if answered == 0 else PASSWORD
        if s.sasl_mechanism == "PLAIN":
            return CREDENTIALS
        return SECRET

    def _reply(self, s: ClassSession, reply: Reply) -> None:
        exchange = s.mirror.received(reply)
        if reply.code != 334:
            s.in_sasl = False
        if exchange.after is Phase.DATA:
            s.data_lines = 0
        try:
            styled = render_reply(reply, answers_of(exchange.sent), session=s.mirror)
        except Exception:  # an explanation must never lose a line of the feed
            styled = [("class:reply.prefix", "S: "), (f"class:reply.{reply.code // 100}xx", safe(reply.text)), ("", "\n")]
        line: Fragments = []
        for style, text in styled:
            if text == "\n":
                self._add(s, line)
                line = []
            else:
                line.append([_css(style), safe(text)])
        if line:
            self._add(s, line)

    def _add(self, s: ClassSession, line: Fragments) -> None:
        if len(s.lines) >= MAX_LINES:
            s.dropped += 1
            return
        s.lines.append(line)
        self.publish({"type": "line", "session": s.id, "index": len(s.lines) - 1, "line": line})

    def _changed(self, s: ClassSession) -> None:
        self.publish({"type": "session", "session": s.summary()})


def _css(style: str) -> str:
    """'class:reply.2xx class:reply.enhanced' -> 'reply-2xx reply-enhanced' (CSS class names)."""
    return " ".join(part.removeprefix("class:").replace(".", "-") for part in style.split() if part)

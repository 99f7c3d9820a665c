"""The SMTP session state machine (sans-I/O).

Theory of operation
-------------------
The session never decides what may be sent: the user is exploring, and a
server's answer to an out-of-order command is itself worth seeing. It only
*records* what was sent and what came back, and from that knows where the
conversation is, for hints, completion, rendering and the toolbar.

Every line that goes out is registered with :meth:`Session.sent` as a
:class:`Pending` entry; every reply (or protocol error standing in for one)
that comes back is matched with :meth:`Session.received` to the oldest
pending entry, in order, as RFC 2920 pipelining requires. The pair is an
:class:`Exchange`. What an exchange does to the state is looked up in one
table, :data:`TRANSITIONS`, keyed by (what was sent, reply class).

Phases::

    CONNECTING --220--> GREETED --EHLO/HELO 250--> IDENTIFIED --MAIL 250--> MAIL
        MAIL --RCPT 250--> RCPT --DATA 354--> DATA --"." reply--> IDENTIFIED
        RCPT --BDAT 250--> BDAT --BDAT LAST 250--> IDENTIFIED
        any --RSET 250--> IDENTIFIED (or GREETED if never identified)
        IDENTIFIED --STARTTLS 220--> TLS handshake --> GREETED (capabilities forgotten)
        IDENTIFIED --AUTH 334--> AUTH (each line is a SASL response) --235--> IDENTIFIED
        any --QUIT 221 / 421--> CLOSING;  connection lost --> CLOSED
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from . import catalogue, envelope
from .commands import CommandLine
from .ehlo import Capabilities
from .replies import ProtocolError, Reply


class Phase(enum.Enum):
    CONNECTING = "connecting"
    GREETED = "greeted"
    IDENTIFIED = "identified"
    MAIL = "sender given"
    RCPT = "recipients given"
    DATA = "writing message"
    BDAT = "sending chunks"
    AUTH = "authenticating"
    CLOSING = "closing"
    CLOSED = "closed"

    @property
    def in_transaction(self) -> bool:
        return self in (Phase.MAIL, Phase.RCPT, Phase.DATA, Phase.BDAT)


class Kind(enum.Enum):
    """What a line sent to the server is."""

    GREETING = "greeting"  # nothing sent: the connection itself awaits 220
    COMMAND = "command"
    DATA_LINE = "message line"  # content after 354; gets no reply of its own
    CHUNK_LINE = "chunk line"  # raw bytes of a BDAT chunk; no reply of its own
    DATA_END = "end of data"  # the lone "." after DATA content
    AUTH_RESPONSE = "SASL response"  # a line answering a 334 challenge


class Pending(NamedTuple):
    kind: Kind
    text: str = ""  # as shown (secrets already replaced by a placeholder)
    verb: str = ""

    @classmethod
    def command(cls, text: str) -> "Pending":
        return cls(Kind.COMMAND, text, CommandLine.parse(text).verb)


class Exchange(NamedTuple):
    """A reply paired with what it answers, and the state change it caused."""

    sent: Pending | None  # None: the server spoke unasked
    reply: Reply | ProtocolError
    before: Phase
    after: Phase


@dataclass
class Session:
    phase: Phase = Phase.CONNECTING
    tls: bool = False
    authenticated: bool = False
    auth_user: str | None = None
    capabilities: Capabilities | None = None
    previous_capabilities: Capabilities | None = None
    helo_name: str | None = None
    esmtp: bool = False  # identified with EHLO/LHLO rather than HELO
    sender: str | None = None
    recipients: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)  # every address used, for completion
    pending: deque[Pending] = field(default_factory=deque)
    last: Exchange | None = None
    chunk_remaining: int = 0  # bytes of a BDAT chunk still to be sent (RFC 3030)

    # -- input ------------------------------------------------------------

    def connected(self) -> None:
        """A new connection: everything but the address book starts over."""
        addresses = self.addresses
        self.__init__()  # type: ignore[misc]
        self.addresses = addresses
        self.pending.append(Pending(Kind.GREETING))

    def line_kind(self, line: str) -> Kind:
        """What the user's next line would be, given where the session is."""
        if self.phase is Phase.DATA:
            return Kind.DATA_END if line == "." else Kind.DATA_LINE
        if self.phase is Phase.AUTH:
            return Kind.AUTH_RESPONSE
        if self.chunk_remaining:
            return Kind.CHUNK_LINE
        return Kind.COMMAND

    @property
    def is_data_content(self) -> bool:
        """True while lines typed are message content, not commands."""
        return self.phase is Phase.DATA

    def sent(self, pending: Pending) -> None:
        self.pending.append(pending)
        if pending.kind is Kind.COMMAND:
            self._remember_address(pending)
            if pending.verb == "BDAT":
                # The server answers only once it has the whole chunk.
                self.chunk_remaining = bdat_size(pending.text) or 0

    def chunk_sent(self, nbytes: int) -> None:
        self.chunk_remaining = max(0, self.chunk_remaining - nbytes)

    def received(self, reply: Reply | ProtocolError) -> Exchange:
        sent = self.pending.popleft() if self.pending else None
        before = self.phase
        if isinstance(reply, Reply):
            if reply.code == 421:
                self.phase = Phase.CLOSING
            elif sent is not None:
                action = TRANSITIONS.get((_key(sent), reply.klass))
                if action is not None:
                    action(self, sent, reply)
        exchange = Exchange(sent, reply, before, self.phase)
        self.last = exchange
        return exchange

    def tls_started(self) -> None:
        """After a TLS handshake the server forgets everything (RFC 3207 4.2)."""
        self.tls = True
        self.previous_capabilities = self.capabilities or self.previous_capabilities
        self.capabilities = None
        self.helo_name = None
        self.esmtp = False
        self.authenticated = False
        self.auth_user = None
        self._reset_transaction()
        self.phase = Phase.GREETED

    def authenticated_as(self, user: str | None) -> None:
        self.authenticated = True
        self.auth_user = user

    def closed(self) -> None:
        self.phase = Phase.CLOSED
        self.pending.clear()
        self.chunk_remaining = 0

    # -- questions ----------------------------------------------------------

    def advertised(self, keyword: str) -> bool:
        return bool(self.capabilities and self.capabilities.has(keyword))

    def verb_available(self, verb: catalogue.Verb) -> bool:
        """Is the verb usable on this server now (extension advertised, TLS not yet on...)."""
        if verb.name == "STARTTLS" and self.tls:
            return False
        if verb.name == "AUTH" and self.authenticated:
            return False
        if verb.extension is None:
            return True
        return self.advertised(verb.extension)

    def legal_verbs(self) -> list[str]:
        """Verbs that make sense next, most useful first."""
        names = NEXT.get(self.phase, ())
        out = []
        for name in names:
            verb = catalogue.VERBS[name]
            if self.capabilities is None and verb.extension is not None:
                continue
            if self.verb_available(verb):
                out.append(name)
        return out

    def hint(self) -> str:
        """A short suggestion for what to do next."""
        make = HINTS.get(self.phase)
        return make(self) if make else ""

    # -- internals ---------------------------------------------------------

    def _reset_transaction(self) -> None:
        self.sender = None
        self.recipients = []

    def _remember_address(self, pending: Pending) -> None:
        if pending.verb not in ("MAIL", "RCPT"):
            return
        address = extract_address(pending.text)
        if address and address not in self.addresses:
            self.addresses.append(address)


def bdat_size(text: str) -> int | None:
    """The chunk size of a ``BDAT <size> [LAST]`` line, or None if it has none."""
    words = CommandLine.parse(text).args.split()
    if words and words[0].isdigit():
        return int(words[0])
    return None


def extract_address(text: str) -> str | None:
    """The address between < and > in a MAIL or RCPT line, if any (protocol.envelope reads it)."""
    return envelope.address_of(text)


def _key(sent: Pending) -> str:
    if sent.kind is Kind.COMMAND:
        return sent.verb
    return sent.kind.name


# -- the transition table ---------------------------------------------------

Action = Callable[[Session, Pending, Reply], None]


def _greeted(s: Session, sent: Pending, reply: Reply) -> None:
    s.phase = Phase.GREETED


def _identified_ehlo(s: Session, sent: Pending, reply: Reply) -> None:
    s.previous_capabilities = s.capabilities or s.previous_capabilities
    s.capabilities = Capabilities.from_reply(reply)
    s.helo_name = CommandLine.parse(sent.text).args.strip() or None
    s.esmtp = True
    s._reset_transaction()
    s.phase = Phase.IDENTIFIED


def _identified_helo(s: Session, sent: Pending, reply: Reply) -> None:
    s.previous_capabilities = s.capabilities or s.previous_capabilities
    s.capabilities = Capabilities(reply.lines[0].split(" ", 1)[0] if reply.lines else "", {})
    s.helo_name = CommandLine.parse(sent.text).args.strip() or None
    s.esmtp = False
    s._reset_transaction()
    s.phase = Phase.IDENTIFIED


def _mail_ok(s: Session, sent: Pending, reply: Reply) -> None:
    s.sender = extract_address(sent.text) or ""
    s.recipients = []
    s.phase = Phase.MAIL


def _rcpt_ok(s: Session, sent: Pending, reply: Reply) -> None:
    s.recipients.append(extract_address(sent.text) or "")
    if s.phase in (Phase.MAIL, Phase.RCPT):
        s.phase = Phase.RCPT


def _data_go_ahead(s: Session, sent: Pending, reply: Reply) -> None:
    s.phase = Phase.DATA


def _transaction_over(s: Session, sent: Pending, reply: Reply) -> None:
    # Success or failure, the transaction is finished (RFC 5321 4.1.1.4).
    s._reset_transaction()
    s.phase = Phase.IDENTIFIED if s.capabilities is not None else Phase.GREETED


def _bdat_ok(s: Session, sent: Pending, reply: Reply) -> None:
    if "LAST" in sent.text.upper().split():
        _transaction_over(s, sent, reply)
    else:
        s.phase = Phase.BDAT


def _auth_challenge(s: Session, sent: Pending, reply: Reply) -> None:
    s.phase = Phase.AUTH


def _auth_done(s: Session, sent: Pending, reply: Reply) -> None:
    s.authenticated = True
    s.phase = Phase.IDENTIFIED if s.capabilities is not None else Phase.GREETED


def _auth_failed(s: Session, sent: Pending, reply: Reply) -> None:
    if s.phase is Phase.AUTH:
        s.phase = Phase.IDENTIFIED if s.capabilities is not None else Phase.GREETED


def _closing(s: Session, sent: Pending, reply: Reply) -> None:
    s.phase = Phase.CLOSING


TRANSITIONS: dict[tuple[str, int], Action] = {
    ("GREETING", 2): _greeted,
    ("EHLO", 2): _identified_ehlo,
    ("LHLO", 2): _identified_ehlo,
    ("HELO", 2): _identified_helo,
    ("MAIL", 2): _mail_ok,
    ("RCPT", 2): _rcpt_ok,
    ("DATA", 3): _data_go_ahead,
    ("DATA_END", 2): _transaction_over,
    ("DATA_END", 4): _transaction_over,
    ("DATA_END", 5): _transaction_over,
    ("BDAT", 2): _bdat_ok,
    ("BDAT", 4): _transaction_over,
    ("BDAT", 5): _transaction_over,
    ("RSET", 2): _transaction_over,
    ("AUTH", 3): _auth_challenge,
    ("AUTH", 2): _auth_done,
    ("AUTH", 4): _auth_failed,
    ("AUTH", 5): _auth_failed,
    ("AUTH_RESPONSE", 3): _auth_challenge,
    ("AUTH_RESPONSE", 2): _auth_done,
    ("AUTH_RESPONSE", 4): _auth_failed,
    ("AUTH_RESPONSE", 5): _auth_failed,
    ("QUIT", 2): _closing,
}

# What to offer next, per phase, most useful first.
_ALWAYS = ("RSET", "NOOP", "HELP", "VRFY", "EXPN", "QUIT")
NEXT: dict[Phase, tuple[str, ...]] = {
    Phase.CONNECTING: ("QUIT",),
    Phase.GREETED: ("EHLO", "HELO", "LHLO", "NOOP", "HELP", "QUIT"),
    Phase.IDENTIFIED: ("MAIL", "STARTTLS", "AUTH", "EHLO", "ETRN", "XCLIENT", *_ALWAYS),
    Phase.MAIL: ("RCPT", *_ALWAYS),
    Phase.RCPT: ("RCPT", "DATA", "BDAT", *_ALWAYS),
    Phase.BDAT: ("BDAT", "RSET", "NOOP", "QUIT"),
    Phase.DATA: (),
    Phase.AUTH: (),
    Phase.CLOSING: (),
    Phase.CLOSED: (),
}


def _hint_identified(s: Session) -> str:
    if s.advertised("STARTTLS") and not s.tls:
        return "identified: STARTTLS to encrypt, or MAIL FROM:<you@example.org>"
    if s.advertised("AUTH") and not s.authenticated:
        return "identified: AUTH to log in, or MAIL FROM:<you@example.org>"
    return "identified: MAIL FROM:<you@example.org> starts a message"


HINTS: dict[Phase, Callable[[Session], str]] = {
    Phase.CONNECTING: lambda s: "waiting for the server's greeting",
    Phase.GREETED: lambda s: (
        "greeted again after TLS: say EHLO again" if s.tls and s.capabilities is None
        else "greeted: try EHLO <your name>"
    ),
    Phase.IDENTIFIED: _hint_identified,
    Phase.MAIL: lambda s: "sender accepted: RCPT TO:<someone@example.org>",
    Phase.RCPT: lambda s: f"{len(s.recipients)} recipient(s): another RCPT TO, or DATA",
    Phase.DATA: lambda s: "writing the message: a line with only '.' ends it",
    Phase.BDAT: lambda s: "sending chunks: BDAT <size> LAST sends the final one",
    Phase.AUTH: lambda s: "the server asked a question (334): answer it, or '*' to cancel",
    Phase.CLOSING: lambda s: "the server is closing the connection",
    Phase.CLOSED: lambda s: "disconnected: /connect to start again",
}

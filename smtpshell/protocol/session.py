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
:class:`Exchange`.

What an exchange does to the state is data, in one table,
:data:`TRANSITIONS`: ``(what was answered, reply code or class) -> Rule(next
phase, effect)``. A full code is looked up before its class, and the key
``ANY`` matches whatever was answered (421 closes the connection whatever it
answers, RFC 5321 3.8). Events that are not replies (the TLS handshake
finishing, the connection closing) are rows too, under the pseudo-keys
``TLS_STARTED`` and ``CLOSED`` with class 0, fed by :meth:`tls_started` and
:meth:`closed`. :func:`_apply` is the only code that changes the phase;
the effects are a small enum it interprets. docs/ARCHITECTURE.md shows the
table, generated from it (a test checks they agree).
"""

from __future__ import annotations

import enum
from collections import deque

from ..records import NamedTuple
from . import catalogue, envelope
from .commands import CommandLine
from .ehlo import Capabilities
from .replies import ProtocolError, Reply


class Phase(enum.Enum):
    # Members are singletons: hashed by identity, in C (Enum's own __hash__ is a Python call,
    # and phases and kinds are dictionary keys on every line).
    __hash__ = object.__hash__

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

    __hash__ = object.__hash__  # by identity, in C (see Phase)

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
    def command(cls, text: str) -> Pending:
        return cls(Kind.COMMAND, text, CommandLine.parse(text).verb)


class Exchange(NamedTuple):
    """A reply paired with what it answers, and the state change it caused."""

    sent: Pending | None  # None: the server spoke unasked
    reply: Reply | ProtocolError
    before: Phase
    after: Phase


class Session:
    """Where one SMTP session is (a plain class: dataclasses costs ms at every start)."""

    def __init__(self, phase: Phase = Phase.CONNECTING) -> None:
        self.phase = phase
        self.tls = False
        self.authenticated = False
        self.auth_user: str | None = None
        self.auth_attempt_user: str | None = None  # the user the AUTH flow is logging in as, if known
        self.capabilities: Capabilities | None = None
        self.previous_capabilities: Capabilities | None = None
        self.helo_name: str | None = None
        self.esmtp = False  # identified with EHLO/LHLO rather than HELO
        self.sender: str | None = None
        self.recipients: list[str] = []
        self.addresses: list[str] = []  # every address used, for completion
        self.pending: deque[Pending] = deque()
        self.last: Exchange | None = None
        self.chunk_remaining = 0  # bytes of a BDAT chunk still to be sent (RFC 3030)

    def __repr__(self) -> str:
        return f"Session(phase={self.phase.name}, tls={self.tls}, pending={len(self.pending)})"

    # -- input ------------------------------------------------------------

    def connected(self) -> None:
        """A new connection: everything but the address book starts over."""
        addresses = self.addresses
        self.__init__()  # type: ignore[misc]  # a reset in place: callers hold this Session object
        self.addresses = addresses
        self.pending.append(Pending(Kind.GREETING))

    def line_kind(self, line: str) -> Kind:
        """What the user's next line would be, given where the session is.

        The phase's half of the answer only: :func:`smtpshell.protocol.line.classify`
        is its one caller, and adds shell commands, blank lines and the CR/LF/NUL check.
        """
        # is_data_content, inline: asked for every line typed.
        if self.phase is Phase.DATA and not (self.pending and any(p.kind is Kind.DATA_END for p in self.pending)):
            return Kind.DATA_END if line == "." else Kind.DATA_LINE
        if self.phase is Phase.AUTH:
            return Kind.AUTH_RESPONSE
        if self.chunk_remaining:
            return Kind.CHUNK_LINE
        return Kind.COMMAND

    @property
    def is_data_content(self) -> bool:
        """True while lines typed are message content, not commands.

        Once the "." has gone out the content is over, even before its reply:
        a pipelining client sends the next MAIL with it (RFC 2920 3.1).
        """
        return self.phase is Phase.DATA and not (self.pending and any(p.kind is Kind.DATA_END for p in self.pending))

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
            # _key(sent), inline (asked for every reply; an Enum's .name is a Python call, so is _key)
            answered = "UNSOLICITED" if sent is None else sent.verb if sent.kind is Kind.COMMAND else _KIND_KEY[sent.kind]
            key = (answered, reply.code)
            rule = _RULES.get(key)
            if rule is None and key not in _RULES:
                if len(_RULES) >= RULES_KEPT:
                    _RULES.clear()  # verbs typed are the user's: the keys are bounded here
                rule = _RULES[key] = rule_for(answered, reply.code)  # a few keys a session
            if rule is not None:
                _apply(self, rule, sent, reply)
        exchange = Exchange(sent, reply, before, self.phase)
        self.last = exchange
        return exchange

    def tls_started(self) -> None:
        """After a TLS handshake the server forgets everything (RFC 3207 4.2)."""
        _apply(self, TRANSITIONS[(TLS_STARTED, 0)], None, None)

    def authenticated_as(self, user: str | None) -> None:
        """Set the login directly (tests, and states built without a real exchange)."""
        self.authenticated = True
        self.auth_user = user

    def closed(self) -> None:
        _apply(self, TRANSITIONS[(CLOSED, 0)], None, None)

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


extract_address = envelope.address_of  # the address between < and > in a MAIL or RCPT line, if any


def _key(sent: Pending) -> str:
    if sent.kind is Kind.COMMAND:
        return sent.verb
    return sent.kind.name


_KIND_KEY = {kind: kind.name for kind in Kind}  # _key's answer for what is not a command
RULES_KEPT = 1024
_RULES: dict[tuple[str, int], Rule | None] = {}  # rule_for's answers by (what was answered, code), kept


# -- the transition table ---------------------------------------------------


class Effect(enum.Enum):
    """What a transition records besides the phase; :func:`_apply` interprets each."""

    NONE = "-"
    RECORD_EHLO = "record the capabilities and the client's name (ESMTP); end any transaction"
    RECORD_HELO = "record the client's name (plain SMTP, no capabilities); end any transaction"
    RECORD_SENDER = "record the sender; no recipients yet"
    ADD_RECIPIENT = "add the recipient"
    END_TRANSACTION = "forget sender and recipients"
    BDAT_CHUNK = "after BDAT LAST: forget sender and recipients"
    AUTHENTICATED = "logged in, as the user the AUTH flow sent"
    FORGET_ALL = "forget capabilities, name, login and transaction (RFC 3207 4.2)"
    CLOSED = "nothing more is pending"


class Next(enum.Enum):
    """Targets that depend on the session rather than naming one phase."""

    UNCHANGED = "unchanged"
    IDENTIFIED_OR_GREETED = "IDENTIFIED (GREETED if never identified)"
    OUT_OF_AUTH = "back from AUTH if in it (else unchanged)"
    AFTER_BDAT = "BDAT, or IDENTIFIED after BDAT LAST"
    RCPT_IF_IN_TRANSACTION = "RCPT if a sender was given (else unchanged)"


class Rule(NamedTuple):
    next: Phase | Next
    effect: Effect = Effect.NONE


ANY = "ANY"  # matches whatever a reply answers
TLS_STARTED = "TLS_STARTED"  # pseudo-event: the handshake after STARTTLS's 220 finished
CLOSED = "CLOSED"  # pseudo-event: the connection is gone

_BACK = Next.IDENTIFIED_OR_GREETED

TRANSITIONS: dict[tuple[str, int], Rule] = {
    (ANY, 421): Rule(Phase.CLOSING),
    ("GREETING", 2): Rule(Phase.GREETED),
    ("EHLO", 2): Rule(Phase.IDENTIFIED, Effect.RECORD_EHLO),
    ("LHLO", 2): Rule(Phase.IDENTIFIED, Effect.RECORD_EHLO),
    ("HELO", 2): Rule(Phase.IDENTIFIED, Effect.RECORD_HELO),
    ("MAIL", 2): Rule(Phase.MAIL, Effect.RECORD_SENDER),
    ("RCPT", 2): Rule(Next.RCPT_IF_IN_TRANSACTION, Effect.ADD_RECIPIENT),
    ("DATA", 3): Rule(Phase.DATA),
    # Success or failure, the end of data finishes the transaction (RFC 5321 4.1.1.4).
    ("DATA_END", 2): Rule(_BACK, Effect.END_TRANSACTION),
    ("DATA_END", 4): Rule(_BACK, Effect.END_TRANSACTION),
    ("DATA_END", 5): Rule(_BACK, Effect.END_TRANSACTION),
    ("BDAT", 2): Rule(Next.AFTER_BDAT, Effect.BDAT_CHUNK),
    ("BDAT", 4): Rule(_BACK, Effect.END_TRANSACTION),
    ("BDAT", 5): Rule(_BACK, Effect.END_TRANSACTION),
    ("RSET", 2): Rule(_BACK, Effect.END_TRANSACTION),
    ("AUTH", 3): Rule(Phase.AUTH),
    ("AUTH", 2): Rule(_BACK, Effect.AUTHENTICATED),
    ("AUTH", 4): Rule(Next.OUT_OF_AUTH),
    ("AUTH", 5): Rule(Next.OUT_OF_AUTH),
    ("AUTH_RESPONSE", 3): Rule(Phase.AUTH),
    ("AUTH_RESPONSE", 2): Rule(_BACK, Effect.AUTHENTICATED),
    ("AUTH_RESPONSE", 4): Rule(Next.OUT_OF_AUTH),
    ("AUTH_RESPONSE", 5): Rule(Next.OUT_OF_AUTH),
    ("QUIT", 2): Rule(Phase.CLOSING),
    (TLS_STARTED, 0): Rule(Phase.GREETED, Effect.FORGET_ALL),
    (CLOSED, 0): Rule(Phase.CLOSED, Effect.CLOSED),
}


def rule_for(answered: str, code: int) -> Rule | None:
    """The row that applies: the full code before the class, a specific key before ``ANY``."""
    for key in ((ANY, code), (answered, code), (answered, code // 100)):
        rule = TRANSITIONS.get(key)
        if rule is not None:
            return rule
    return None


def _apply(s: Session, rule: Rule, sent: Pending | None, reply: Reply | None) -> None:
    """Carry out one rule: its effect first, then the phase it leads to."""
    effect = rule.effect
    text = sent.text if sent is not None else ""
    if effect is Effect.RECORD_EHLO and reply is not None:
        s.previous_capabilities = s.capabilities or s.previous_capabilities
        s.capabilities = Capabilities.from_reply(reply)
        s.helo_name = CommandLine.parse(text).args.strip() or None
        s.esmtp = True
        s._reset_transaction()
    elif effect is Effect.RECORD_HELO and reply is not None:
        s.previous_capabilities = s.capabilities or s.previous_capabilities
        s.capabilities = Capabilities(reply.lines[0].split(" ", 1)[0] if reply.lines else "", {})
        s.helo_name = CommandLine.parse(text).args.strip() or None
        s.esmtp = False
        s._reset_transaction()
    elif effect is Effect.RECORD_SENDER:
        s.sender = extract_address(text) or ""
        s.recipients = []
    elif effect is Effect.ADD_RECIPIENT:
        s.recipients.append(extract_address(text) or "")
    elif effect is Effect.END_TRANSACTION or (effect is Effect.BDAT_CHUNK and _is_last_chunk(text)):
        s._reset_transaction()
    elif effect is Effect.AUTHENTICATED:
        s.authenticated = True
        s.auth_user = s.auth_attempt_user
    elif effect is Effect.FORGET_ALL:
        s.tls = True
        s.previous_capabilities = s.capabilities or s.previous_capabilities
        s.capabilities = None
        s.helo_name = None
        s.esmtp = False
        s.authenticated = False
        s.auth_user = None
        s.auth_attempt_user = None
        s._reset_transaction()
    elif effect is Effect.CLOSED:
        s.pending.clear()
        s.chunk_remaining = 0
    target = rule.next
    s.phase = target if isinstance(target, Phase) else _target(s, target, text)


def _target(s: Session, target: Phase | Next, text: str) -> Phase:
    if isinstance(target, Phase):
        return target
    if target is Next.IDENTIFIED_OR_GREETED:
        return Phase.IDENTIFIED if s.capabilities is not None else Phase.GREETED
    if target is Next.OUT_OF_AUTH:
        return _target(s, Next.IDENTIFIED_OR_GREETED, text) if s.phase is Phase.AUTH else s.phase
    if target is Next.AFTER_BDAT:
        return _target(s, Next.IDENTIFIED_OR_GREETED, text) if _is_last_chunk(text) else Phase.BDAT
    if target is Next.RCPT_IF_IN_TRANSACTION:
        return Phase.RCPT if s.phase in (Phase.MAIL, Phase.RCPT) else s.phase
    return s.phase  # Next.UNCHANGED


def _is_last_chunk(text: str) -> bool:
    return "LAST" in text.upper().split()


def transition_table_markdown() -> str:
    """The table as Markdown, for docs/ARCHITECTURE.md (a test keeps the doc in step)."""
    rows = ["| answered | reply | next phase | effect |", "| --- | --- | --- | --- |"]
    for (answered, code), rule in TRANSITIONS.items():
        reply = "(event)" if code == 0 else (f"{code}xx" if code < 10 else str(code))
        target = rule.next.name if isinstance(rule.next, Phase) else rule.next.value
        rows.append(f"| {answered} | {reply} | {target} | {rule.effect.value} |")
    return "\n".join(rows)


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

"""The one event stream: everything that happens on the wire, as data.

The client emits these; the screen renderer, the transcript recorder and the
test helpers all consume the same stream, so what is shown, what is saved and
what is asserted cannot drift apart.

Events never hold a secret: a line that carried a password or token holds a
placeholder in ``shown`` and the wire bytes are not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .protocol.line import LineKind
from .protocol.replies import ProtocolError, Reply
from .protocol.session import Exchange
from .records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any, TypeVar

    Handler = Callable[[Any], None]  # a handler of one event type (subscribe_types)

SECRET_PLACEHOLDER = "<secret hidden>"


class Connecting(NamedTuple):
    host: str
    port: int
    implicit_tls: bool


class Connected(NamedTuple):
    host: str
    port: int
    peer: str  # "address:port" actually reached
    implicit_tls: bool


class LineSent(NamedTuple):
    """A line written to the server (CRLF not included in ``shown``)."""

    shown: str  # the text as typed, or with secrets replaced
    kind: LineKind  # COMMAND, DATA_LINE, DATA_END, CHUNK_LINE or SASL_RESPONSE
    nbytes: int
    secret: bool = False
    automatic: bool = False  # sent by the shell on the user's behalf (shown as such)
    note: str = ""  # e.g. "dot-stuffed: sent as '..foo'"
    # Raw mode (/raw on, C(raw): lines): the exact bytes written, and where a strict server
    # removes a stuffing dot. Empty for every other line. Raw mode never sends a secret.
    wire: bytes = b""
    stuffed: tuple[int, ...] = ()

    @property
    def raw(self) -> bool:
        return bool(self.wire)


class DataSent(NamedTuple):
    """Message content streamed from a file or editor, summarised."""

    source: str
    bytes_in: int
    bytes_sent: int
    lines: int
    stuffed: int
    preview: tuple[str, ...] = ()  # the first few lines, for the screen


class ReplyReceived(NamedTuple):
    exchange: Exchange

    @property
    def reply(self) -> Reply:
        assert isinstance(self.exchange.reply, Reply)
        return self.exchange.reply


class ProtocolErrorReceived(NamedTuple):
    error: ProtocolError
    exchange: Exchange | None = None  # set when the error stood in for a reply


class CertSummary(NamedTuple):
    """The parts of a certificate people look at."""

    subject: str
    issuer: str
    names: tuple[str, ...]  # subject alternative names
    not_before: str  # ISO 8601, UTC
    not_after: str
    days_left: int
    sha256: str  # colon-separated hex fingerprint
    key: str  # e.g. "RSA 2048", "EC secp256r1"
    self_signed: bool


class TLSInfo(NamedTuple):
    version: str  # "TLSv1.3"
    cipher: str
    bits: int
    sni: str | None
    alpn: str | None
    verified: bool  # False under --insecure
    verify_note: str  # "verified against the system CAs", "NOT verified (--insecure)"
    chain: tuple[CertSummary, ...] = ()  # as the server sent it, leaf first
    verified_chain: tuple[CertSummary, ...] = ()  # as verification built it (may add the local CA)
    sent_complete: bool = True  # False: this Python shows only the leaf of what was sent


class TLSStarted(NamedTuple):
    info: TLSInfo
    upgraded: bool  # True for STARTTLS, False for implicit TLS


class Warning(NamedTuple):
    message: str
    kind: str = "warning"  # e.g. "starttls-injection", "insecure", "timeout"
    detail: bytes = b""


class Info(NamedTuple):
    message: str


class Closed(NamedTuple):
    reason: str
    by_peer: bool
    clean: bool  # True after QUIT/221 or a local close


Event = (
    Connecting
    | Connected
    | LineSent
    | DataSent
    | ReplyReceived
    | ProtocolErrorReceived
    | TLSStarted
    | Warning
    | Info
    | Closed
)

Listener = Callable[[Event], None]
if TYPE_CHECKING:
    E = TypeVar("E")


def _nothing() -> None:
    """No listener holds output."""


class EventBus:
    """Fans events out to every listener, in the order they subscribed.

    A listener takes every event (:meth:`subscribe`) or only some types, each with its own
    handler (:meth:`subscribe_types`), so a listener that cares about replies is not called
    for the eight lines of every message. What an event type reaches is worked out once per
    type (a tuple, in subscription order) and looked up by ``type(event)`` on every emit:
    no isinstance chain per listener, no copy of the list per event.
    """

    def __init__(self) -> None:
        # Each subscription: a listener of every event, or a map from event type to handler.
        self._subscriptions: list[Listener | dict[type, Handler]] = []
        self._routes: dict[type, tuple[Handler, ...]] = {}
        # Set once a session handles secrets (the AUTH flow's redactor): text that
        # came from the server is scrubbed here, before any listener sees it, so
        # the screen, the recorder and every other view get the same clean text.
        # smtpshell's own words (Info, Warning) are never passed through it.
        self.scrub: Callable[[str], str] | None = None
        # Called right before the session may block (the connection waiting for the server or
        # for its socket, the runner starting a shell command): a listener that holds what it
        # shows, to write it in batches (script mode), writes it out here, so everything that
        # happened is on the screen while the session waits.
        self.before_wait: Callable[[], None] = _nothing
        # Called when the session starts waiting (the command is on the wire), before anything
        # is known of how long the wait will be: a listener that put work off so the command
        # went out sooner (script mode's rendering of the lines sent) does it here, while the
        # server works. It writes nothing: that is before_wait's, once a wait is felt.
        self.while_waiting: Callable[[], None] = _nothing

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener`` gets every event; returns the call that unsubscribes it."""
        return self._add(listener)

    def subscribe_types(self, handlers: Mapping[type, Handler]) -> Callable[[], None]:
        """Each handler gets the events of its type (or a subclass of it), and nothing else."""
        return self._add(dict(handlers))

    def _add(self, subscription: Listener | dict[type, Handler]) -> Callable[[], None]:
        self._subscriptions.append(subscription)
        self._routes.clear()

        def unsubscribe() -> None:
            self._subscriptions.remove(subscription)
            self._routes.clear()

        return unsubscribe

    def _route(self, kind: type) -> tuple[Handler, ...]:
        """The listeners an event of type ``kind`` reaches, in subscription order (then kept)."""
        route: list[Handler] = []
        for subscription in self._subscriptions:
            if not isinstance(subscription, dict):
                route.append(subscription)
                continue
            for handled, handler in subscription.items():
                if issubclass(kind, handled):
                    route.append(handler)
                    break
        found = self._routes[kind] = tuple(route)
        return found

    def emit(self, event: Event) -> None:
        if self.scrub is not None:
            event = scrubbed(event, self.scrub)
        route = self._routes.get(type(event))
        if route is None:
            route = self._route(type(event))
        for listener in route:
            try:
                listener(event)
            except Exception as exc:  # noqa: BLE001 - a safety net, see below
                # Events are emitted from inside asyncio callbacks: an exception
                # here would surface as an asyncio traceback and could cut the
                # connection. One listener's bug must not cost the session.
                self.listener_failed(listener, exc)

    def listener_failed(self, listener: Handler, exc: Exception) -> None:
        import sys

        name = getattr(listener, "__qualname__", type(listener).__name__)
        from .i18n import t

        sys.stderr.write("smtpshell: " + t("events.listener_failed", "internal error while showing an event ({name}: {error}); going on",
                                          name=name, error=exc) + "\n")


def _scrub_bytes(raw: bytes, scrub: Callable[[str], str]) -> bytes:
    text = raw.decode("utf-8", "surrogateescape")
    clean = scrub(text)
    return raw if clean == text else clean.encode("utf-8", "surrogateescape")


def scrubbed(event: Event, scrub: Callable[[str], str]) -> Event:
    """``event`` with the server's text (a reply, a protocol error) passed through ``scrub``."""
    if isinstance(event, ReplyReceived) and isinstance(event.exchange.reply, Reply):
        reply = event.exchange.reply
        lines = tuple(scrub(line) for line in reply.lines)
        if lines == reply.lines:
            return event
        clean = reply._replace(lines=lines, raw=_scrub_bytes(reply.raw, scrub))
        return ReplyReceived(event.exchange._replace(reply=clean))
    if isinstance(event, ProtocolErrorReceived):
        raw = _scrub_bytes(event.error.raw, scrub)
        if raw is event.error.raw:
            return event
        error = event.error._replace(raw=raw)
        exchange = event.exchange._replace(reply=error) if event.exchange is not None else None
        return ProtocolErrorReceived(error, exchange)
    return event


class EventLog:
    """A listener that keeps every event (tests, transcripts, /history)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

"""TLS rules the shell applies around the wire (never on it).

- ``--require-tls``: AUTH and MAIL are not sent until TLS is on. When the
  server's EHLO reply has no STARTTLS, the user is told at once that this may
  be a downgrade (someone in the middle can delete STARTTLS from the reply);
  in script mode the session stops there, before any AUTH or MAIL.
- Port advice: plaintext to 465 (which expects TLS from the first byte), and
  AUTH on the submission port 587 without TLS, are warned about. 587 does not
  imply --require-tls: people use smtpshell to see what a server does, and a
  warning keeps that possible while making the risk plain.

The runner calls :class:`TLSPolicy` at three points: before connecting
(:meth:`before_connect`), before sending a line (:meth:`before_send`) and after
each reply (:meth:`after_reply`). Each returns what it decided (events to show;
before a send, a :class:`Verdict`); the runner acts on it. The policy itself
shows nothing, refuses nothing and closes nothing.
"""

from __future__ import annotations

from .. import events as ev
from ..auth.safety import is_loopback, split_peer
from ..client.target import SMTPS_PORT, SUBMISSION_PORT, Target
from ..client.tls_options import TLSOptions
from ..i18n import t
from ..protocol.line import Line, LineKind
from ..protocol.replies import Reply
from ..protocol.session import Exchange, Kind, Session
from ..records import NamedTuple

# Verbs that must not go out in plaintext under --require-tls.
PROTECTED_VERBS = ("AUTH", "MAIL")


def _why_protected(verb: str) -> str:
    """Why ``verb`` must not go out in plaintext under --require-tls."""
    if verb == "AUTH":
        return t("drivers.policy.why_auth", "your user name and password would cross the network readable")
    return t("drivers.policy.why_mail", "the message and its addresses would cross the network readable")


def _downgrade() -> str:
    return t("drivers.policy.downgrade", "the server's EHLO reply does not offer STARTTLS, and --require-tls is on. Either this server has no TLS, or someone between you and it removed STARTTLS from the reply to keep the session readable (a downgrade attack). smtpshell will not send AUTH or MAIL in plaintext. Check the server's configuration, or try implicit TLS (--tls, port 465)")


def _plaintext_to_465() -> str:
    return t("drivers.policy.plaintext_465", "port 465 expects TLS from the first byte (implicit TLS, RFC 8314), and this connection is plaintext: the server is probably waiting for a TLS handshake and will not greet you. Use --tls or smtps://HOST")


def _auth_on_587_plain() -> str:
    return t("drivers.policy.auth_587", "AUTH on the submission port (587) without TLS: the password crosses the network readable. Type STARTTLS (and EHLO again) first; --require-tls makes smtpshell refuse this")


class Verdict(NamedTuple):
    """What the policy decided about one line, for the runner to carry out."""

    events: tuple[ev.Event, ...] = ()  # warnings to show, whatever the decision
    refusal: str | None = None  # why the line must not be sent; None: send it
    end_session: bool = False  # the refusal ends the session too (script mode: QUIT)
    rule: str = ""  # which precondition failed: "tls", "auth" (plaintext AUTH) or "secret"

    @property
    def allowed(self) -> bool:
        return self.refusal is None


_ALLOWED = Verdict()


class TLSPolicy:
    """The one set of preconditions every driver's lines pass (script, REPL, replay, lessons).

    TLS is *asked for* by ``--require-tls``, by ``--starttls``, and, for the
    rest of a connection, by a STARTTLS that was sent (typed, by --starttls,
    or a transcript's step): once asked for, AUTH and MAIL never go out in
    plaintext. Plaintext AUTH outside loopback is refused where nobody can be
    asked (not ``interactive``) unless ``allow_plaintext_auth``. A secret goes
    out only inside an AUTH exchange.
    """

    def __init__(self, options: TLSOptions, target: Target | None = None, starttls: bool = False,
                 allow_plaintext_auth: bool = False) -> None:
        self.options = options
        self.target = target
        self.starttls = starttls  # --starttls: TLS is asked for from the start
        self.allow_plaintext_auth = allow_plaintext_auth  # --allow-plaintext-auth
        self._warned: set[str] = set()
        self._asked_by: str | None = None  # why TLS is asked for on this connection (a STARTTLS was sent)

    @property
    def tls_required(self) -> bool:
        return self.options.require_tls or self.starttls or self._asked_by is not None

    def tls_asked(self, why: str) -> None:
        """TLS was asked for on this connection (a STARTTLS went out): no plaintext AUTH/MAIL from now on."""
        self._asked_by = self._asked_by or why

    def auth_address(self, peer: str | None) -> str:
        """Where AUTH would go: the peer actually reached, else the target host (a seam for tests)."""
        if peer:
            return split_peer(peer)
        return self.target.host if self.target is not None else ""

    def before_connect(self, target: Target) -> list[ev.Event]:
        """Warnings about the connection about to be made."""
        self.target = target
        self._warned.clear()
        self._asked_by = None
        if target.port == SMTPS_PORT and not target.implicit_tls:
            return [ev.Warning(_plaintext_to_465(), kind="plaintext-465")]
        return []

    def before_send(self, session: Session, line: Line, *, interactive: bool, secret: bool = False,
                    peer: str | None = None) -> Verdict:
        """The check before ``line`` goes out.

        In script mode (not ``interactive``) a TLS refusal ends the session, so
        the rest of a script written for an encrypted session is not sent either.
        """
        if not secret and line.verb not in PROTECTED_VERBS and line.kind is not LineKind.SASL_RESPONSE:
            return _ALLOWED  # nothing below concerns this line (every check is about AUTH, MAIL or a secret)
        events = tuple(self.warnings_before_send(session, line))
        if secret and line.kind is LineKind.COMMAND and line.verb != "AUTH":
            return Verdict(events, t(
                "policy.secret_outside_auth",
                "a secret was not sent: the server is not waiting for an AUTH answer (no 334 challenge), and a secret is only ever sent inside the AUTH exchange it belongs to"), rule="secret")
        reason = self.blocked(session, line)
        if reason is not None:
            return Verdict(events, reason, end_session=not interactive, rule="tls")
        if not interactive and not self.allow_plaintext_auth and not session.tls and (
            line.verb == "AUTH" or line.kind is LineKind.SASL_RESPONSE
        ):
            address = self.auth_address(peer)
            if address and not is_loopback(address):
                from ..auth.safety import plaintext_auth_decision

                decision = plaintext_auth_decision(address, tls=False, interactive=False, allowed=False)
                return Verdict(events, decision.message, rule="auth")
        return Verdict(events)

    def blocked(self, session: Session, line: Line) -> str | None:
        """Why ``line`` must not be sent now, or None."""
        verb = line.verb
        if verb not in PROTECTED_VERBS or session.tls or not self.tls_required:
            return None
        if self._asked_by is not None:
            how = self._asked_by
        elif session.capabilities is not None and not session.advertised("STARTTLS"):
            how = t("drivers.policy.how_downgrade", "the server did not offer STARTTLS (a possible downgrade: see above)")
        elif session.capabilities is not None:
            how = t("drivers.policy.how_starttls", "type STARTTLS first (the server offers it), then EHLO again")
        else:
            how = t("drivers.policy.how_ehlo", "say EHLO, then STARTTLS, then EHLO again")
        flag = "--require-tls" if self.options.require_tls else t("drivers.policy.tls_asked", "TLS was asked for")
        return t("policy.tls_required", "{verb} not sent: {flag} and this session is not encrypted ({why}); {how}",
                 verb=verb, flag=flag, why=_why_protected(verb), how=how)

    def warnings_before_send(self, session: Session, line: Line) -> list[ev.Event]:
        verb = line.verb
        if (
            verb == "AUTH"
            and not session.tls
            and self.target is not None
            and self.target.port == SUBMISSION_PORT
            and "auth-587" not in self._warned
        ):
            self._warned.add("auth-587")
            return [ev.Warning(_auth_on_587_plain(), kind="plaintext-auth")]
        return []

    def after_reply(self, session: Session, exchange: Exchange) -> list[ev.Event]:
        if not self.options.require_tls:
            return []  # the one warning here is --require-tls's
        sent, reply = exchange.sent, exchange.reply
        if sent is None or sent.kind is not Kind.COMMAND or not isinstance(reply, Reply):
            return []
        if (
            self.options.require_tls
            and sent.verb in ("EHLO", "LHLO", "HELO")
            and reply.klass == 2
            and not session.tls
            and not session.advertised("STARTTLS")
            and "downgrade" not in self._warned
        ):
            self._warned.add("downgrade")  # once per connection is enough
            return [ev.Warning(_downgrade(), kind="downgrade")]
        return []

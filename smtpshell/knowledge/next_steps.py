"""What to do next, from where the session is: the toolbar's one-line hint.

The session (protocol/) knows only facts: the phase, TLS, the capabilities,
the login. What those facts suggest to a person is knowledge, and goes
through i18n like every other text.
"""

from __future__ import annotations

from ..i18n import t
from ..protocol.session import Phase, Session


def next_step(session: Session) -> str:
    """A short suggestion for what to do next."""
    phase = session.phase
    if phase is Phase.GREETED:
        if session.tls and session.capabilities is None and session.previous_capabilities is not None:
            return t("next.greeted_after_tls", "greeted again after TLS: say EHLO again")
        return t("next.greeted", "greeted: try EHLO <your name>")
    if phase is Phase.IDENTIFIED:
        if session.advertised("STARTTLS") and not session.tls:
            return t("next.identified_starttls", "identified: STARTTLS to encrypt, or MAIL FROM:<you@example.org>")
        if session.advertised("AUTH") and not session.authenticated:
            return t("next.identified_auth", "identified: AUTH to log in, or MAIL FROM:<you@example.org>")
        return t("next.identified", "identified: MAIL FROM:<you@example.org> starts a message")
    if phase is Phase.RCPT:
        return t("next.rcpt", "{count} recipient(s): another RCPT TO, or DATA", count=len(session.recipients))
    key, default = _BY_PHASE[phase]
    return t(key, default)


_BY_PHASE: dict[Phase, tuple[str, str]] = {
    Phase.CONNECTING: ("next.connecting", "waiting for the server's greeting"),
    Phase.MAIL: ("next.mail", "sender accepted: RCPT TO:<someone@example.org>"),
    Phase.DATA: ("next.data", "writing the message: a line with only '.' ends it"),
    Phase.BDAT: ("next.bdat", "sending chunks: BDAT <size> LAST sends the final one"),
    Phase.AUTH: ("next.auth", "the server asked a question (334): answer it, or '*' to cancel"),
    Phase.CLOSING: ("next.closing", "the server is closing the connection"),
    Phase.CLOSED: ("next.closed", "disconnected: /connect to start again"),
}

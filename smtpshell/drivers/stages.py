"""Exit statuses by stage (``--exit-codes=stage``): where the session failed, for monitoring scripts.

The numbers 21 to 29 are swaks's, so checks written for swaks keep their
meaning; "could not connect" is 20 here (swaks uses 2, which smtpshell keeps
for usage errors). The stage of a failure is read from what the failing reply
answered; the first failure decides, as the session stops making sense there.
"""

from __future__ import annotations

from ..protocol.session import Kind, Pending

CONNECT = 20  # could not connect, or the connection was lost
GREETING = 21
EHLO = 22
MAIL = 23
RCPT = 24
DATA = 25
MESSAGE = 26  # the message itself, answered after the final "."
AUTH = 28
TLS = 29

NAMES = {CONNECT: "connect", GREETING: "greeting", EHLO: "EHLO", MAIL: "MAIL", RCPT: "RCPT", DATA: "DATA",
         MESSAGE: "message (after '.')", AUTH: "AUTH", TLS: "TLS"}

_BY_VERB = {"EHLO": EHLO, "HELO": EHLO, "LHLO": EHLO, "MAIL": MAIL, "RCPT": RCPT, "DATA": DATA, "BDAT": DATA,
            "AUTH": AUTH, "STARTTLS": TLS}


def stage_of(sent: Pending | None) -> int | None:
    """The stage a reply to ``sent`` belongs to, or None (RSET, NOOP, VRFY...: no stage of their own)."""
    if sent is None:
        return None
    if sent.kind is Kind.GREETING:
        return GREETING
    if sent.kind is Kind.DATA_END:
        return MESSAGE
    if sent.kind is Kind.AUTH_RESPONSE:
        return AUTH
    return _BY_VERB.get(sent.verb)

"""Basic three-digit reply codes: RFC 5321 section 4.2 and the extension RFCs.

Meanings are written for people learning or debugging SMTP; the titles
follow the RFC wording loosely. Codes that two extensions share (454, 530)
are explained generally here and precisely per command in
:mod:`.contexts`.
"""

from __future__ import annotations

from .model import CodeInfo

# RFC 5321 4.2.1: the first digit says how it went, the second what it is about.
CLASSES: dict[int, tuple[str, str]] = {
    1: ("positive preliminary", "an early 'go on' that SMTP never uses"),
    2: ("positive completion", "success: the command was accepted"),
    3: ("positive intermediate", "go on: the server waits for more from you"),
    4: ("transient negative completion", "temporary failure: the same command may work later"),
    5: ("permanent negative completion", "permanent failure: do not repeat it unchanged"),
}
CLASS_SOURCE = "RFC 5321 4.2.1"

SECOND_DIGIT: dict[int, str] = {
    0: "syntax",
    1: "information (status or help)",
    2: "the connection",
    3: "unspecified",
    4: "unspecified",
    5: "the mail system (mailboxes, the message)",
}

_R = "RFC 5321 4.2.2"
_AUTH = "RFC 4954 6"

CODES: tuple[CodeInfo, ...] = (
    CodeInfo(211, "system status", "a status report or help reply from the server", _R),
    CodeInfo(214, "help message", "help text meant for a human reader", _R),
    CodeInfo(220, "service ready", "the server is ready (the greeting, or the go-ahead for STARTTLS)", _R),
    CodeInfo(221, "closing", "the server says goodbye and closes the connection", _R),
    CodeInfo(235, "authentication succeeded", "you are logged in", _AUTH),
    CodeInfo(250, "OK", "the requested action was done", _R),
    CodeInfo(251, "user not local, will forward", "accepted: the server will pass the mail on to another address", _R),
    CodeInfo(252, "cannot verify, will try", "the server will not confirm the address but will accept mail for it", _R),
    CodeInfo(253, "ETRN started", "delivery of the queued messages for that domain has started", "RFC 1985 5"),
    CodeInfo(334, "server challenge", "the server asks an authentication question (base64); answer it or send '*'", _AUTH),
    CodeInfo(353, "PRDR: per-recipient replies follow", "content analysis has begun: one reply per recipient comes after the final '.'",
             "draft-hall-prdr 4"),
    CodeInfo(355, "CHECKPOINT: resume offset", "the server tells how much of an interrupted message it already holds", "RFC 1845 3"),
    CodeInfo(354, "start mail input", "send the message now and end it with a line holding only '.'", _R),
    CodeInfo(421, "service not available", "the server is shutting this connection down; try again later", _R),
    CodeInfo(422, "password transition needed (temporary)", "the account's password must be converted for this mechanism; log in once with PLAIN",
             "IANA SMTP Enhanced Status Codes registry (X.7.12)"),
    CodeInfo(430, "temporary failure (security)", "a temporary refusal the registry lists only beside an enhanced code, "
             "usually about authentication or policy: read the enhanced code and the text, and try again later",
             "IANA SMTP Enhanced Status Codes registry"),
    CodeInfo(432, "password transition needed", "log in once with PLAIN to convert your password for this mechanism", _AUTH),
    CodeInfo(450, "mailbox unavailable (temporary)", "the mailbox cannot be used right now (busy, or held back by policy)", _R),
    CodeInfo(451, "local error", "the server hit a problem of its own and gave up this command for now", _R),
    CodeInfo(452, "insufficient storage", "the server lacks room (or takes no more recipients) for now", _R),
    CodeInfo(453, "no mail (ATRN)", "there is no mail waiting for you to pick up", "RFC 2645 4"),
    CodeInfo(454, "TLS or authentication temporarily unavailable",
             "STARTTLS (RFC 3207) or AUTH (RFC 4954) cannot be done right now", "RFC 3207 4; RFC 4954 6"),
    CodeInfo(455, "parameters not accommodated", "the server cannot honour the MAIL/RCPT parameters right now", _R),
    CodeInfo(458, "ETRN: cannot queue", "the server cannot start delivery for that domain now", "RFC 1985 5"),
    CodeInfo(459, "ETRN: not allowed", "you may not ask for delivery of that domain's mail", "RFC 1985 5"),
    CodeInfo(500, "command unrecognized", "the server did not understand the line (unknown verb, or too long)", _R),
    CodeInfo(501, "syntax error in arguments", "the command is known but its arguments are malformed", _R),
    CodeInfo(502, "command not implemented", "the server does not offer this command", _R),
    CodeInfo(503, "bad sequence of commands", "the command is valid but not at this point of the conversation", _R),
    CodeInfo(504, "parameter not implemented", "the server does not support that argument or option", _R),
    CodeInfo(521, "does not accept mail", "this host never accepts mail at all", "RFC 7504 3"),
    CodeInfo(523, "encryption needed", "a secure (TLS) layer is needed before this can be done",
             "IANA SMTP Enhanced Status Codes registry (X.7.10)"),
    CodeInfo(524, "encryption required for the mechanism", "this AUTH mechanism is only allowed inside TLS",
             "IANA SMTP Enhanced Status Codes registry (X.7.11)"),
    CodeInfo(525, "user account disabled", "the account exists but is switched off: ask its administrator",
             "IANA SMTP Enhanced Status Codes registry (X.7.13)"),
    CodeInfo(530, "authentication or TLS required",
             "the server wants you to log in (RFC 4954) or to start TLS (RFC 3207) first", "RFC 4954 6; RFC 3207 4"),
    CodeInfo(533, "permanent failure (listed with an enhanced code)", "a permanent refusal the registry lists only beside an "
             "enhanced code: the enhanced code and the text say what it is about",
             "IANA SMTP Enhanced Status Codes registry"),
    CodeInfo(534, "mechanism too weak", "that AUTH mechanism is weaker than the server allows for you", _AUTH),
    CodeInfo(535, "credentials invalid", "the username or password (or token) was not accepted", _AUTH),
    CodeInfo(538, "encryption required for mechanism", "this AUTH mechanism is only allowed inside TLS", _AUTH),
    CodeInfo(550, "mailbox unavailable", "not done: the mailbox does not exist, is not accessible, or policy forbids it", _R),
    CodeInfo(551, "user not local", "the address is not handled here; the reply may name where to send instead", _R),
    CodeInfo(552, "storage exceeded", "not done: the message is too big for the server or the mailbox", _R),
    CodeInfo(553, "mailbox name not allowed", "the address is refused (bad syntax, or not allowed here)", _R),
    CodeInfo(554, "transaction failed", "the server refuses (at the greeting: no SMTP service for you)", _R),
    CodeInfo(555, "MAIL/RCPT parameters not recognized", "an ESMTP parameter you added is unknown or not implemented", _R),
    CodeInfo(556, "domain does not accept mail", "the recipient's domain declares that it takes no mail (null MX)", "RFC 7504 3"),
)

BY_CODE: dict[int, CodeInfo] = {c.code: c for c in CODES}

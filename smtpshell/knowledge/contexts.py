"""What a reply means given the command it answers.

Looked up by (what it answers, full code) first, then (what it answers,
class). ``ALIASES`` lets one command borrow another's entries (LHLO speaks
like EHLO; a line answering a 334 gets AUTH's explanations).
"""

from __future__ import annotations

from .model import ContextInfo as C

_R = "RFC 5321"
_TLS = "RFC 3207 4"
_AUTH = "RFC 4954"
_END_DATA = "type the message (headers, a blank line, the body), then a line holding only '.' to end it"

CONTEXTS: tuple[C, ...] = (
    # -- the greeting (nothing sent yet) ---------------------------------------
    C("GREETING", 220, "the server greets you and is ready: introduce yourself with EHLO", f"{_R} 3.1",
      "EHLO your.host.name"),
    C("GREETING", 421, "the server will not talk now (busy or shutting down) and closes the connection", f"{_R} 3.8", "try again later"),
    C("GREETING", 554, "the server refuses this connection: no SMTP service for you", f"{_R} 3.1",
      "your address may be blocked; the reply text often says why"),
    C("GREETING", 521, "this host accepts no mail at all", "RFC 7504 3", "mail goes to the domain's real MX hosts"),
    # -- EHLO / HELO -------------------------------------------------------------
    C("EHLO", 250, "the server knows you now; the lines after the first list its extensions", f"{_R} 4.1.1.1",
      "MAIL FROM:<you@example.org> starts a message"),
    C("HELO", 250, "the server knows you now (plain SMTP: no extensions are offered after HELO)", f"{_R} 4.1.1.1"),
    C("EHLO", 500, "the server does not speak extended SMTP", f"{_R} 4.1.4", "use HELO instead"),
    C("EHLO", 502, "the server does not speak extended SMTP", f"{_R} 4.1.4", "use HELO instead"),
    C("EHLO", 501, "the name after EHLO was refused", f"{_R} 4.1.1.1",
      "give a fully qualified host name or an address literal like [192.0.2.1]"),
    C("HELO", 501, "the name after HELO was refused", f"{_R} 4.1.1.1",
      "give a fully qualified host name or an address literal like [192.0.2.1]"),
    C("EHLO", 5, "the server refused your greeting", f"{_R} 4.1.1.1"),
    C("HELO", 5, "the server refused your greeting", f"{_R} 4.1.1.1"),
    # -- MAIL FROM ---------------------------------------------------------------
    C("MAIL", 250, "the sender is accepted: a new message has begun", f"{_R} 4.1.1.2",
      "now RCPT TO:<someone@example.org>"),
    C("MAIL", 550, "the sender address is refused (not allowed to send as it, or by policy)", f"{_R} 4.1.1.2"),
    C("MAIL", 553, "the sender address is refused (bad syntax or not allowed)", f"{_R} 4.1.1.2",
      "write it as MAIL FROM:<user@domain>"),
    C("MAIL", 552, "the size you declared is more than the server accepts", "RFC 1870 6"),
    C("MAIL", 452, "the server has no room for the message you declared, for now", "RFC 1870 6"),
    C("MAIL", 503, "MAIL is not possible now: EHLO first, or a message is already under way", f"{_R} 4.1.4",
      "EHLO first; RSET ends an open message"),
    C("MAIL", 501, "the MAIL command is malformed", f"{_R} 4.1.1.2", "the form is MAIL FROM:<user@domain>"),
    C("MAIL", 555, "a parameter after the address is unknown or not offered", f"{_R} 4.1.1.11",
      "use only parameters whose extension the EHLO reply lists"),
    C("MAIL", 530, "the server wants you to log in (or start TLS) before sending", f"{_AUTH} 6"),
    C("MAIL", 4, "the sender is not accepted for now", f"{_R} 4.2.1"),
    C("MAIL", 5, "the sender is refused", f"{_R} 4.2.1"),
    # -- RCPT TO -------------------------------------------------------------------
    C("RCPT", 250, "this recipient is accepted", f"{_R} 4.1.1.3", "another RCPT TO, or DATA to write the message"),
    C("RCPT", 251, "this recipient is accepted and will be forwarded elsewhere", f"{_R} 3.4"),
    C("RCPT", 252, "the recipient cannot be checked now but mail for it is accepted", f"{_R} 3.5.3"),
    C("RCPT", 550, "this recipient is refused: no such mailbox here, or not allowed by policy", f"{_R} 4.1.1.3",
      "check the address; the other recipients and the message are not affected"),
    C("RCPT", 551, "this recipient is not handled here", f"{_R} 3.4", "the reply may say where to send instead"),
    C("RCPT", 552, "this recipient's mailbox is over its size limit", f"{_R} 4.2.2"),
    C("RCPT", 553, "this recipient address is refused (bad syntax or not allowed)", f"{_R} 4.1.1.3",
      "write it as RCPT TO:<user@domain>"),
    C("RCPT", 554, "this recipient is refused by policy", f"{_R} 4.2.2"),
    C("RCPT", 556, "the recipient's domain accepts no mail at all (null MX)", "RFC 7504 3"),
    C("RCPT", 450, "this recipient is not accepted for now (busy mailbox, or greylisting)", f"{_R} 4.2.2",
      "try again in a few minutes"),
    C("RCPT", 451, "this recipient could not be handled for now", f"{_R} 4.2.2", "try again later"),
    C("RCPT", 452, "no more recipients for this message (or no room) for now", f"{_R} 4.5.3.1.10",
      "send the remaining recipients in another message"),
    C("RCPT", 503, "RCPT needs a sender first", f"{_R} 4.1.4", "MAIL FROM:<you@example.org> first"),
    C("RCPT", 501, "the RCPT command is malformed", f"{_R} 4.1.1.3", "the form is RCPT TO:<user@domain>"),
    C("RCPT", 555, "a parameter after the address is unknown or not offered", f"{_R} 4.1.1.11"),
    C("RCPT", 4, "this recipient is not accepted for now", f"{_R} 4.2.1"),
    C("RCPT", 5, "this recipient is refused", f"{_R} 4.2.1"),
    # -- DATA and the end of the message ---------------------------------------------
    C("DATA", 354, "the server waits for the message: " + _END_DATA, f"{_R} 4.1.1.4",
      "type the message; lines starting with '.' get an extra '.' on the wire (dot-stuffing), smtpshell adds it"),
    C("DATA", 503, "DATA needs at least one accepted recipient first", f"{_R} 4.1.4",
      "MAIL FROM, then RCPT TO, then DATA"),
    C("DATA", 554, "no valid recipients: there is nobody to send the message to", f"{_R} 3.3"),
    C("DATA", 4, "the server will not take a message now", f"{_R} 4.1.1.4"),
    C("DATA", 5, "the server will not take the message", f"{_R} 4.1.1.4"),
    C("DATA_END", 250, "the message is accepted: the server is now responsible for delivering it", f"{_R} 4.1.1.4",
      "MAIL FROM starts another message, QUIT ends the session"),
    C("DATA_END", 552, "the message is too big", "RFC 1870 6"),
    C("DATA_END", 554, "the message is refused (content or policy)", f"{_R} 4.1.1.4"),
    C("DATA_END", 4, "the message was not accepted this time", f"{_R} 4.1.1.4", "send the whole message again later"),
    C("DATA_END", 5, "the message is refused", f"{_R} 4.1.1.4"),
    # -- BDAT (CHUNKING) --------------------------------------------------------------
    C("BDAT", 250, "the chunk is accepted (with LAST: the whole message is accepted)", "RFC 3030 2"),
    C("BDAT", 503, "BDAT is not possible now (no recipients yet, or DATA was mixed in)", "RFC 3030 2"),
    C("BDAT", 4, "the chunk was refused for now; the message is abandoned", "RFC 3030 2"),
    C("BDAT", 5, "the chunk was refused; the message is abandoned", "RFC 3030 2"),
    # -- the small commands ----------------------------------------------------------
    C("RSET", 250, "the open message (if any) is discarded; you are still identified", f"{_R} 4.1.1.5"),
    C("NOOP", 250, "nothing done: the connection is alive", f"{_R} 4.1.1.9"),
    C("QUIT", 221, "the server closes the connection; the session is over", f"{_R} 4.1.1.10"),
    C("HELP", 214, "help text from the server", f"{_R} 4.1.1.8"),
    C("HELP", 502, "the server offers no help", f"{_R} 4.1.1.8"),
    C("VRFY", 250, "the address is a valid mailbox here", f"{_R} 3.5.1"),
    C("VRFY", 251, "the address is valid and forwarded elsewhere", f"{_R} 3.5.1"),
    C("VRFY", 252, "the server will not say whether the address exists (common, for privacy)", f"{_R} 3.5.3"),
    C("VRFY", 550, "no such mailbox here", f"{_R} 3.5.1"),
    C("VRFY", 553, "the name matches several mailboxes", f"{_R} 3.5.1"),
    C("VRFY", 502, "VRFY is switched off on this server (common, against address harvesting)", f"{_R} 3.5.3"),
    C("EXPN", 250, "the members of the list follow, one a line", f"{_R} 3.5.2"),
    C("EXPN", 252, "the server will not expand the list", f"{_R} 3.5.3"),
    C("EXPN", 502, "EXPN is switched off on this server (common, against address harvesting)", f"{_R} 3.5.3"),
    C("EXPN", 550, "no such list here", f"{_R} 3.5.2"),
    C("TURN", 502, "TURN is not offered (it was withdrawn as insecure)", f"{_R} 4.1.1"),
    # -- STARTTLS ---------------------------------------------------------------------
    # No hint: what to do after the handshake is said once, by the note that it succeeded.
    C("STARTTLS", 220, "go ahead: the TLS handshake starts now", _TLS),
    # Never "go on without TLS": a 454 on a connection that is already TLS (465) means TLS is on.
    C("STARTTLS", 454, "TLS is not available right now", _TLS,
      "try again later, or connect with implicit TLS (port 465); smtpshell does not drop to plaintext for you"),
    C("STARTTLS", 501, "STARTTLS takes no arguments", _TLS),
    C("STARTTLS", 502, "this server does not offer STARTTLS", _TLS),
    C("STARTTLS", 503, "STARTTLS is not possible now (already in TLS, or not after EHLO)", _TLS),
    # -- AUTH -------------------------------------------------------------------------
    C("AUTH", 334, "the server asks the next authentication question (base64)", f"{_AUTH} 4",
      "the answer goes in base64 (smtpshell asks you and encodes it, unless /auth manual); '*' cancels"),
    C("AUTH", 235, "you are logged in", f"{_AUTH} 4"),
    C("AUTH", 535, "login failed: the credentials were not accepted", f"{_AUTH} 6",
      "check the username (often the full address) and the password"),
    C("AUTH", 534, "this mechanism is too weak for your account", f"{_AUTH} 6", "try a stronger mechanism"),
    C("AUTH", 538, "this mechanism needs TLS", f"{_AUTH} 6", "STARTTLS, EHLO again, then AUTH"),
    C("AUTH", 432, "your password must be converted for this mechanism", f"{_AUTH} 6",
      "log in once with AUTH PLAIN (inside TLS)"),
    C("AUTH", 454, "authentication failed for a temporary reason on the server", f"{_AUTH} 6", "try again later"),
    C("AUTH", 504, "the server does not know that mechanism", f"{_AUTH} 4", "pick one the EHLO AUTH line lists"),
    C("AUTH", 503, "AUTH is not possible now (already logged in, or inside a message)", f"{_AUTH} 4"),
    C("AUTH", 550, "the login was refused: this account may not log in here (or may not use SMTP)", f"{_AUTH} 6"),
    C("AUTH", 4, "the login failed for now", f"{_AUTH} 6", "try again later"),
    C("AUTH", 5, "the login was refused", f"{_AUTH} 6"),
    C("AUTH", 501, "the exchange was cancelled or the base64 was malformed", f"{_AUTH} 4"),
    C("AUTH", 500, "an authentication line was too long", f"{_AUTH} 4"),
    C("AUTH", 530, "the server wants TLS before AUTH", _TLS, "STARTTLS, EHLO again, then AUTH"),
    # -- ETRN / ATRN ------------------------------------------------------------------
    C("ETRN", 250, "queued mail for that domain will be delivered", "RFC 1985 5"),
    C("ETRN", 251, "no mail is waiting for that domain", "RFC 1985 5"),
    C("ETRN", 252, "delivery of mail for that domain has started", "RFC 1985 5"),
    C("ETRN", 253, "delivery of the waiting messages for that domain has started", "RFC 1985 5"),
    C("ATRN", 250, "the roles turn: the server now delivers your waiting mail to you", "RFC 2645 4"),
    C("ATRN", 453, "there is no mail waiting for you", "RFC 2645 4"),
    # -- spoken unasked ---------------------------------------------------------------
    C("UNSOLICITED", 421, "the server closes the connection on its own (idle too long, or shutting down)",
      f"{_R} 3.8", "reconnect"),
)

ALIASES: dict[str, str] = {"LHLO": "EHLO", "AUTH_RESPONSE": "AUTH"}

INDEX: dict[tuple[str, int], C] = {(c.answers, c.code): c for c in CONTEXTS}

"""Practical hints for well-known situations and well-known server texts.

Matched on the code, the enhanced code and what the reply answers. What a
server says in its own words is in :mod:`.phrases` (read first by the engine);
the hints here are the code-only and enhanced-code-only fallbacks.
"""

from __future__ import annotations

from .model import HintInfo as H

_PF = "common server wording (Postfix, Exim, Exchange, Gmail)"

HINTS: tuple[H, ...] = (
    H("auth-required-code", "the server only accepts mail from logged-in users here",
      "AUTH first (STARTTLS before it if the server offers it)", "RFC 4954 6",
      codes=(530,), enhanced=("5.7.0",)),
    H("bad-credentials",
      "the username or password (or token) is wrong, or this account may not use this login method",
      "check the username (often the full e-mail address) and the password; providers with 2-factor login need an app password or OAuth",
      "RFC 4954 6",
      codes=(535,)),
    H("bad-credentials-enhanced",
      "the username or password (or token) is wrong",
      "check the username (often the full e-mail address) and the password",
      "RFC 4954 6", enhanced=("5.7.8",)),
    H("mechanism-needs-tls", "this login method is refused on an unencrypted connection",
      "STARTTLS, EHLO again, then AUTH", "RFC 4954 6", codes=(538,)),
    H("unknown-user-enhanced", "no mailbox of that name exists at the destination",
      "check the spelling of the address", "RFC 3463 3.3", enhanced=("5.1.1",)),
    H("dmarc-dkim", "the message failed sender authentication checks (DKIM, DMARC)",
      "sign the message with DKIM for the From: domain and check the domain's DMARC policy",
      "RFC 7372; RFC 7489", enhanced=("5.7.26", "5.7.20", "5.7.21", "5.7.22")),
    H("too-big", "the message is larger than the server accepts",
      "send a smaller message; the EHLO SIZE line shows the limit",
      "RFC 1870 6", enhanced=("5.3.4", "5.2.3", "4.3.4")),
    H("mailbox-full", "the recipient's mailbox is over quota",
      "try again later, or reach the recipient another way", "RFC 3463 3.4", enhanced=("4.2.2", "5.2.2")),
    H("too-many-recipients", "more recipients than the server takes in one message",
      "send the remaining recipients in another message", "RFC 5321 4.5.3.1.10; RFC 3463 3.7",
      enhanced=("4.5.3", "5.5.3")),
    H("smtputf8",
      "the address (or the headers) contain non-ASCII characters and the transaction did not declare SMTPUTF8",
      "add SMTPUTF8 to MAIL FROM if the server's EHLO lists it; otherwise use an ASCII address",
      "RFC 6531 3.5", enhanced=("5.6.7", "5.6.8", "5.6.9", "4.6.7")),
    H("sender-domain-enhanced",
      "the sender's domain does not exist or cannot receive mail",
      "use a sender address in a real, resolvable domain", "RFC 3463 3.3", enhanced=("4.1.8", "5.1.8")),
    H("greylisting-code",
      "probably greylisting: a temporary refusal on policy grounds, meant to be retried",
      "try again in a few minutes", "RFC 6647; RFC 3463 3.8",
      codes=(450, 451), enhanced=("4.7.1",)),
    H("sequence", "the command came at the wrong point of the conversation",
      "the usual order is EHLO, MAIL FROM, RCPT TO, DATA; RSET starts a message over", "RFC 5321 4.1.4",
      codes=(503,), general=True),
    H("not-implemented", "the server does not offer this command",
      "the EHLO reply lists what it offers", "RFC 5321 4.2.4", codes=(502,)),
    H("no-service", "the server refuses to serve you at all",
      "your IP address may be blocked; the reply text often names the reason", "RFC 5321 3.1",
      codes=(554,), answers=("GREETING",)),
)

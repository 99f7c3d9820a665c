"""EHLO keywords: the IANA "SMTP Service Extensions" registry, plus the
unregistered ones real servers advertise.

``decoder`` names a function in :mod:`.values` that turns the keyword's
parameters into words (SIZE 52428800 -> "50 MiB").
"""

from __future__ import annotations

from .model import KeywordInfo as K

REGISTRY = "IANA SMTP Service Extensions registry"

KEYWORDS: tuple[K, ...] = (
    # -- RFC 821 commands later made keywords -------------------------------------
    K("SEND", "send to terminal", "deliver to a logged-in user's terminal (long obsolete)", "RFC 821; deprecated by RFC 2821", obsolete=True),
    K("SOML", "send or mail", "terminal if logged in, else mailbox (long obsolete)", "RFC 821; deprecated by RFC 2821", obsolete=True),
    K("SAML", "send and mail", "terminal and mailbox (long obsolete)", "RFC 821; deprecated by RFC 2821", obsolete=True),
    K("EXPN", "expand a list", "the server answers EXPN: shows the members of a mailing list", "RFC 5321 3.5"),
    K("HELP", "help", "the server answers HELP with some help text", "RFC 5321 4.1.1.8"),
    K("TURN", "turn roles", "client and server swap roles (withdrawn: insecure)", "RFC 821; deprecated by RFC 2821", obsolete=True),
    K("VRFY", "verify an address", "the server answers VRFY (whether a mailbox exists)", "RFC 5321 3.5"),
    # -- extensions --------------------------------------------------------------------
    K("8BITMIME", "8-bit MIME", "message bodies may contain 8-bit bytes (MAIL ... BODY=8BITMIME)", "RFC 6152"),
    K("SIZE", "message size", "the largest message the server accepts; declare yours with MAIL ... SIZE=n", "RFC 1870", decoder="size"),
    K("VERB", "verbose", "verbose mode for debugging (Sendmail)", f"{REGISTRY} (Eric Allman)"),
    K("ONEX", "one message", "only one message per connection (Sendmail)", f"{REGISTRY} (Eric Allman)"),
    K("CHUNKING", "chunking", "the message may be sent in sized chunks with BDAT instead of DATA", "RFC 3030"),
    K("BINARYMIME", "binary MIME", "bodies may be raw binary (BODY=BINARYMIME, sent with BDAT)", "RFC 3030"),
    K("CHECKPOINT", "checkpoint/restart", "an interrupted transfer can resume where it stopped (MAIL ... TRANSID=)", "RFC 1845"),
    K("DELIVERBY", "deliver by", "you may ask for delivery within a time limit (MAIL ... BY=)", "RFC 2852", decoder="deliverby"),
    K("PIPELINING", "pipelining", "you may send several commands without waiting for each reply", "RFC 2920"),
    K("DSN", "delivery status notifications", "you may ask for success/failure/delay reports (NOTIFY=, RET=, ENVID=, ORCPT=)", "RFC 3461"),
    K("ETRN", "remote queue start", "you may ask the server to deliver mail queued for your domain (ETRN domain)", "RFC 1985"),
    K("ENHANCEDSTATUSCODES", "enhanced status codes", "replies carry an x.y.z code that says more precisely what happened", "RFC 2034"),
    K("STARTTLS", "STARTTLS", "the connection can be encrypted: send STARTTLS", "RFC 3207"),
    K("NO-SOLICITING", "no soliciting", "the server refuses solicitations matching the listed keywords", "RFC 3865", decoder="list"),
    K("MTRK", "message tracking", "you may ask to track the message later (MAIL ... MTRK=)", "RFC 3885"),
    K("AUTH", "authentication", "you may log in with AUTH <mechanism>", "RFC 4954", decoder="auth"),
    K("ATRN", "authenticated TURN", "after login the server can deliver your waiting mail over this connection", "RFC 2645"),
    K("BURL", "message by URL", "the message may be fetched from a URL (IMAP) instead of sent with DATA", "RFC 4468", decoder="list"),
    K("FUTURERELEASE", "future release", "you may ask the server to hold the message until a later time", "RFC 4865", decoder="futurerelease"),
    K("CONPERM", "content conversion permission", "you may say whether the content may be converted (MAIL ... CONPERM=)", "RFC 4141"),
    K("CONNEG", "content negotiation", "the server can negotiate content conversion with recipients", "RFC 4141"),
    K("MT-PRIORITY", "message priority", "you may give the message a priority (MAIL ... MT-PRIORITY=)", "RFC 6710", decoder="priority"),
    K("RRVS", "require recipient valid since", "you may ask that the recipient mailbox has not changed hands since a date", "RFC 7293"),
    K("SMTPUTF8", "internationalised mail", "addresses and headers may be UTF-8 (MAIL ... SMTPUTF8)", "RFC 6531"),
    K("UTF8SMTP", "internationalised mail (experimental, old)", "the experimental predecessor of SMTPUTF8", "RFC 5336 (obsoleted by RFC 6531)", obsolete=True),
    K("REQUIRETLS", "require TLS", "you may demand TLS on every hop of the message's way (MAIL ... REQUIRETLS)", "RFC 8689"),
    K("LIMITS", "server limits", "the server states its limits up front", "RFC 9422", decoder="limits"),
    K("SUBMITTER", "responsible submitter", "you may name the responsible submitter (MAIL ... SUBMITTER=), for Sender ID", "RFC 4405"),
    # -- unregistered, but seen on real servers -------------------------------------
    K("XCLIENT", "XCLIENT (Postfix)", "a trusted client may override the connection's address, name and login (for proxies and tests)",
      "Postfix XCLIENT_README", registered=False, decoder="attributes"),
    K("XFORWARD", "XFORWARD (Postfix)", "a trusted proxy may pass on the original client's details for logging",
      "Postfix XFORWARD_README", registered=False, decoder="attributes"),
    K("PRDR", "per-recipient data responses", "after the message, each recipient gets its own accept/reject reply",
      "draft-hall-prdr (Exim, Postfix-compatible servers)", registered=False),
    K("X-EXPS", "Exchange server-to-server login", "Microsoft Exchange's AUTH variant for its own servers",
      "Microsoft Exchange (unregistered)", registered=False, decoder="auth"),
    K("AUTH=", "AUTH (old form)", "the pre-standard 'AUTH=LOGIN PLAIN' line old Outlook clients need; same mechanisms as AUTH",
      "draft form of RFC 2554, kept for old clients (unregistered)", registered=False, decoder="auth"),
    K("XEXCH50", "Exchange 5.0 properties", "Microsoft Exchange passes internal message properties between its servers",
      "Microsoft Exchange (unregistered)", registered=False),
    K("X-LINK2STATE", "Exchange link state", "Microsoft Exchange routing information between its servers",
      "Microsoft Exchange (unregistered)", registered=False),
    K("X-ANONYMOUSTLS", "Exchange anonymous TLS", "Microsoft Exchange's TLS between its own servers",
      "Microsoft Exchange (unregistered)", registered=False),
    K("XVERP", "variable envelope return path", "Postfix/qmail: bounces can be tied to each recipient (MAIL ... XVERP)",
      "Postfix VERP_README (unregistered)", registered=False),
    K("XRDST", "Exchange redirect", "Microsoft Exchange redirect support between its servers", "Microsoft Exchange (unregistered)",
      registered=False),
    K("XSHADOW", "Exchange shadow redundancy", "Microsoft Exchange keeps a shadow copy until delivery is confirmed",
      "Microsoft Exchange (unregistered)", registered=False),
)

BY_KEYWORD: dict[str, K] = {k.keyword: k for k in KEYWORDS}


def find(keyword: str, params: tuple[str, ...] = ()) -> tuple[K | None, tuple[str, ...]]:
    """The entry for a keyword as advertised, handling the old 'AUTH=LOGIN' form."""
    key = keyword.upper()
    if key in BY_KEYWORD:
        return BY_KEYWORD[key], params
    if "=" in key:
        name, _, first = key.partition("=")
        extra = (first, *params) if first else params
        entry = BY_KEYWORD.get(name + "=") or BY_KEYWORD.get(name)
        if entry is not None:
            return entry, extra
    return None, params

"""The IANA "SMTP Enhanced Status Codes" registry: classes, subjects, details.

An enhanced code is class.subject.detail (RFC 3463 2): the class repeats the
reply's first digit (2 success, 4 persistent transient failure, 5 permanent
failure), the subject says what area the problem is in, the detail narrows
it down. A detail the registry does not list is still explained by its class
and subject.
"""

from __future__ import annotations

import re

from .model import EnhancedInfo as E

REGISTRY = "IANA SMTP Enhanced Status Codes registry"

CLASSES: dict[int, tuple[str, str]] = {
    2: ("success", "the action was completed"),
    4: ("persistent transient failure", "not done now; the same thing may work later"),
    5: ("permanent failure", "not done, and it will not work unchanged"),
}

SUBJECTS: dict[int, tuple[str, str]] = {
    0: ("other or undefined", "no more precise area is given"),
    1: ("addressing", "about an address (sender or recipient)"),
    2: ("mailbox", "about the recipient's mailbox"),
    3: ("mail system", "about the receiving mail system as a whole"),
    4: ("network and routing", "about the network or the route to the destination"),
    5: ("mail delivery protocol", "about the SMTP conversation itself"),
    6: ("message content or media", "about the message's content or format"),
    7: ("security or policy", "about security, authentication or the server's policy"),
}
CLASS_SOURCE = "RFC 3463 2"
SUBJECT_SOURCE = "RFC 3463 2"

_B = "RFC 3463"
DETAILS: tuple[E, ...] = (
    E(0, 0, "other undefined status", "no further detail is given", f"{_B} 3.1"),
    # X.1 addressing
    E(1, 0, "other address status", "something about an address is wrong", f"{_B} 3.2"),
    E(1, 1, "bad destination mailbox address", "the mailbox named on the left of @ does not exist there", f"{_B} 3.2"),
    E(1, 2, "bad destination system address", "the domain on the right of @ does not exist or takes no mail", f"{_B} 3.2"),
    E(1, 3, "bad destination mailbox address syntax", "the recipient address is not written correctly", f"{_B} 3.2"),
    E(1, 4, "destination mailbox address ambiguous", "the address matches more than one mailbox", f"{_B} 3.2"),
    E(1, 5, "destination address valid", "the recipient address is fine (a success detail)", f"{_B} 3.2"),
    E(1, 6, "destination mailbox has moved", "the mailbox moved away and no forwarding address is known", f"{_B} 3.2"),
    E(1, 7, "bad sender's mailbox address syntax", "the sender address is not written correctly", f"{_B} 3.2"),
    E(1, 8, "bad sender's system address", "the sender's domain does not exist or cannot receive replies", f"{_B} 3.2"),
    E(1, 9, "message relayed to non-compliant mailer", "delivered to a system that cannot send delivery status notices", "RFC 3886"),
    E(1, 10, "recipient address has null MX", "the recipient's domain publishes a null MX: it accepts no mail", "RFC 7505"),
    # X.2 mailbox
    E(2, 0, "other or undefined mailbox status", "the mailbox exists but something about it is wrong", f"{_B} 3.3"),
    E(2, 1, "mailbox disabled", "the mailbox exists but does not take mail now", f"{_B} 3.3"),
    E(2, 2, "mailbox full", "the recipient is over quota", f"{_B} 3.3"),
    E(2, 3, "message length exceeds administrative limit", "the message is larger than this mailbox may receive", f"{_B} 3.3"),
    E(2, 4, "mailing list expansion problem", "the address is a list that could not be expanded", f"{_B} 3.3"),
    # X.3 mail system
    E(3, 0, "other or undefined mail system status", "the receiving system has a problem of its own", f"{_B} 3.4"),
    E(3, 1, "mail system full", "the receiving system is out of storage", f"{_B} 3.4"),
    E(3, 2, "system not accepting network messages", "the system takes no mail now (for instance it is shutting down)", f"{_B} 3.4"),
    E(3, 3, "system not capable of selected features", "a feature the message needs is not supported there", f"{_B} 3.4"),
    E(3, 4, "message too big for system", "the message is larger than the system accepts at all", f"{_B} 3.4"),
    E(3, 5, "system incorrectly configured", "the receiving system is misconfigured", f"{_B} 3.4"),
    E(3, 6, "requested priority was changed", "accepted, but at a different priority than asked (MT-PRIORITY)", "RFC 6710"),
    # X.4 network and routing
    E(4, 0, "other or undefined network or routing status", "something went wrong on the way", f"{_B} 3.5"),
    E(4, 1, "no answer from host", "the next server did not answer", f"{_B} 3.5"),
    E(4, 2, "bad connection", "the connection to the next server broke", f"{_B} 3.5"),
    E(4, 3, "directory server failure", "a lookup (often DNS) failed", f"{_B} 3.5"),
    E(4, 4, "unable to route", "no route to the destination could be found (often no MX/A record)", f"{_B} 3.5"),
    E(4, 5, "mail system congestion", "the system is overloaded", f"{_B} 3.5"),
    E(4, 6, "routing loop detected", "the message went round in circles (too many Received: lines)", f"{_B} 3.5"),
    E(4, 7, "delivery time expired", "the message waited in the queue too long", f"{_B} 3.5"),
    # X.5 mail delivery protocol
    E(5, 0, "other or undefined protocol status", "something about the SMTP exchange is wrong", f"{_B} 3.6"),
    E(5, 1, "invalid command", "the command is unknown or not allowed now", f"{_B} 3.6"),
    E(5, 2, "syntax error", "the command's syntax is wrong", f"{_B} 3.6"),
    E(5, 3, "too many recipients", "more recipients than the server takes in one message", f"{_B} 3.6"),
    E(5, 4, "invalid command arguments", "the command is valid but an argument is not", f"{_B} 3.6"),
    E(5, 5, "wrong protocol version", "the two sides disagree on the protocol version", f"{_B} 3.6"),
    E(5, 6, "authentication exchange line too long", "an AUTH line was longer than the server accepts", "RFC 4954 6"),
    # X.6 message content or media
    E(6, 0, "other or undefined media error", "something about the content is wrong", f"{_B} 3.7"),
    E(6, 1, "media not supported", "a content type or encoding is not supported", f"{_B} 3.7"),
    E(6, 2, "conversion required and prohibited", "the content would need converting but that is forbidden", f"{_B} 3.7"),
    E(6, 3, "conversion required but not supported", "the content would need converting and that cannot be done", f"{_B} 3.7"),
    E(6, 4, "conversion with loss performed", "delivered, but converted with some loss", f"{_B} 3.7"),
    E(6, 5, "conversion failed", "a needed conversion did not work", f"{_B} 3.7"),
    E(6, 6, "message content not available", "content referenced by URL (BURL) could not be fetched", "RFC 4468"),
    E(6, 7, "non-ASCII addresses not permitted", "an internationalised (UTF-8) address is not allowed for that sender or recipient", "RFC 6531"),
    E(6, 8, "UTF-8 reply required but not permitted", "the answer would need UTF-8 but the client did not ask for SMTPUTF8", "RFC 6531"),
    E(6, 9, "UTF-8 message cannot be transferred", "a message with UTF-8 headers cannot reach some recipients and is refused", "RFC 6531"),
    E(6, 10, "UTF-8 reply required (deprecated duplicate of X.6.8)", "registered twice; means the same as X.6.8", "RFC 6531"),
    # X.7 security or policy
    E(7, 0, "other or undefined security status", "a security or policy reason, not described further", f"{_B} 3.8"),
    E(7, 1, "delivery not authorized, message refused", "you are not allowed to send this (policy: relaying, a block list, filtering)", f"{_B} 3.8"),
    E(7, 2, "mailing list expansion prohibited", "you may not send to that list", f"{_B} 3.8"),
    E(7, 3, "security conversion required but not possible", "a needed security conversion cannot be done", f"{_B} 3.8"),
    E(7, 4, "security features not supported", "a security feature the message needs is not supported", f"{_B} 3.8"),
    E(7, 5, "cryptographic failure", "a key needed to check or decrypt the message was missing or bad", f"{_B} 3.8"),
    E(7, 6, "cryptographic algorithm not supported", "the message uses an algorithm the server cannot handle", f"{_B} 3.8"),
    E(7, 7, "message integrity failure", "the message was found altered or corrupted", f"{_B} 3.8"),
    E(7, 8, "authentication credentials invalid", "the login failed: wrong username, password or token", "RFC 4954 6"),
    E(7, 9, "authentication mechanism too weak", "the chosen AUTH mechanism is weaker than allowed for you", "RFC 4954 6"),
    E(7, 10, "encryption needed", "a secure (TLS) layer is needed for that authentication", "RFC 5248"),
    E(7, 11, "encryption required for requested mechanism", "that AUTH mechanism is only allowed inside TLS", "RFC 4954 6"),
    E(7, 12, "password transition needed", "log in once with PLAIN to enable this mechanism", "RFC 4954 6"),
    E(7, 13, "user account disabled", "the account exists but is switched off (ask its administrator)", "RFC 5248"),
    E(7, 14, "trust relationship required", "the server needs a configured trust with a third party (BURL)", "RFC 5248"),
    E(7, 15, "priority level too low", "the message's priority is below what the server accepts now", "RFC 6710"),
    E(7, 16, "message too big for the specified priority", "at this priority the message is too large", "RFC 6710"),
    E(7, 17, "mailbox owner has changed", "the mailbox changed hands since the date given (RRVS)", "RFC 7293"),
    E(7, 18, "domain owner has changed", "the recipient's domain changed hands since the date given (RRVS)", "RFC 7293"),
    E(7, 19, "RRVS test cannot be completed", "the server cannot tell whether the mailbox changed hands", "RFC 7293"),
    E(7, 20, "no passing DKIM signature found", "the message carries no valid DKIM signature", "RFC 7372"),
    E(7, 21, "no acceptable DKIM signature found", "DKIM signatures pass but none is acceptable to the receiver", "RFC 7372"),
    E(7, 22, "no valid author-matched DKIM signature", "no valid DKIM signature matches the From: domain", "RFC 7372"),
    E(7, 23, "SPF validation failed", "the sending IP is not allowed by the sender domain's SPF record", "RFC 7372"),
    E(7, 24, "SPF validation error", "checking SPF failed (a DNS or record error)", "RFC 7372"),
    E(7, 25, "reverse DNS validation failed", "the client's IP address has no matching reverse DNS name", "RFC 7372"),
    E(7, 26, "multiple authentication checks failed", "more than one check (SPF, DKIM, DMARC...) failed", "RFC 7372"),
    E(7, 27, "sender address has null MX", "the sender's domain accepts no mail, so bounces could not return", "RFC 7505"),
    E(7, 28, "mail flood detected", "the message looks like part of a flood of similar messages", f"{REGISTRY} (draft-levine-mailbomb-header)"),
    E(7, 29, "ARC validation failure", "the message's ARC (authenticated received chain) did not validate", "RFC 8617"),
    E(7, 30, "REQUIRETLS support required", "the message demands TLS all the way and the next hop cannot promise it", "RFC 8689"),
)

BY_KEY: dict[str, E] = {e.key: e for e in DETAILS}

# The registry words its details as final refusals. With class 4 they mean "not now": 4.7.1 is
# greylisting or a temporary block far more often than a refusal (RFC 3463 2: the class says
# whether the same message may go later). These details get words of their own; the others are
# prefixed "for now".
TRANSIENT: dict[str, tuple[str, str]] = {
    "7.1": ("not authorized for now", "not accepted for now on policy grounds: greylisting, a rate limit or a temporary block; retry later"),
    "7.0": ("security or policy, for now", "a temporary security or policy refusal (often a rate or reputation limit); retry later"),
    "2.1": ("mailbox not taking mail for now", "the mailbox does not take mail right now (busy, rate-limited); retry later"),
    "3.2": ("system not accepting mail for now", "the receiving system takes no mail right now; retry later"),
    "1.1": ("mailbox not confirmed for now", "the server cannot confirm the mailbox right now; retry later"),
}

# Details that are successes in their own right; any other 2.X.Y only says which area succeeded.
SUCCESS_DETAILS = frozenset({"1.5", "3.6", "6.4"})


_CODE_RE = re.compile(r"^([245xX])\.(\d{1,3})\.(\d{1,3})$")


def parse(code: str) -> tuple[int | None, int, int] | None:
    """'5.1.1' -> (5, 1, 1); 'X.1.1' -> (None, 1, 1); otherwise None."""
    m = _CODE_RE.match(code.strip())
    if not m:
        return None
    klass = None if m.group(1) in "xX" else int(m.group(1))
    return klass, int(m.group(2)), int(m.group(3))

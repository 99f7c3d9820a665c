"""STARTTLS rules (RFC 3207) as data and small pure functions.

- Only a 220 reply starts the handshake. Anything else leaves the session in
  plaintext, and the user is told so with what the code means here.
- Plaintext the server sends between its 220 and its first TLS record is not a
  reply: it is discarded and reported (STARTTLS response injection,
  CVE-2011-0411). :func:`tls_record_start` finds where TLS begins in a segment.
"""

from __future__ import annotations

from ..untrusted import safe_bytes

from ..protocol.replies import ProtocolError, Reply

GO_AHEAD = 220

_STAYS_PLAIN = "no TLS handshake was started; the session stays in plaintext (nothing is encrypted)"

# What a refusal of STARTTLS means, by code.
REFUSALS: dict[int, str] = {
    454: "the server cannot start TLS right now (temporary: often no certificate is "
    "configured, or TLS is switched off); try again later, or ask its administrator",
    502: "the server does not implement STARTTLS (it should not have offered it; check its EHLO reply)",
    500: "the server did not recognise the command",
    501: "STARTTLS takes no arguments: type it alone",
    503: "bad sequence: say EHLO first (or TLS is already on)",
    530: "the server refuses this now (it may want something else first)",
    554: "the server refuses TLS for this connection",
}

_CLASS_MEANING = {
    2: "RFC 3207 says the go-ahead is 220; smtpshell starts TLS only on 220",
    4: "a temporary refusal: try again later",
    5: "a permanent refusal",
}


def refusal_message(reply: Reply | ProtocolError) -> str:
    """Why no handshake follows this reply to STARTTLS, in plain words."""
    if not isinstance(reply, Reply):
        return f"STARTTLS got no valid reply: {_STAYS_PLAIN}"
    meaning = REFUSALS.get(reply.code) or _CLASS_MEANING.get(reply.klass, "not a go-ahead")
    return f"STARTTLS answered {reply.code}, not 220: {_STAYS_PLAIN}. {meaning[0].upper()}{meaning[1:]}."


ALREADY_TLS = (
    "the server said 220 to STARTTLS although TLS is already on; smtpshell does not start "
    "a second handshake inside the first"
)

SAY_EHLO_AGAIN = (
    "TLS is on. The server has forgotten the EHLO and everything it offered before "
    "(RFC 3207 section 4.2): say EHLO again to see what it offers inside TLS"
)

INSECURE = (
    "this session is NOT verified (--insecure): the certificate was not checked, so anyone "
    "in the middle could be reading and changing everything; do not send real passwords"
)



def keylog_note(path: str) -> str:
    return (
        f"TLS session keys appended to {path} (--keylog / SSLKEYLOGFILE), for Wireshark: "
        "anyone with this file can decrypt a capture of this session"
    )


# Where injected plaintext was found, for the warning.
SAME_SEGMENT = "in the same packet as its 220"
PARTIAL_LINE = "as an unfinished line after its 220"
LATER_SEGMENT = "in a later packet, before its first TLS record"


def injection_message(nbytes: int, where: str) -> str:
    return (
        f"discarded {nbytes} byte(s) the server sent after its 220 to STARTTLS and before the "
        f"TLS handshake ({where}). A server never does this; an attacker in the middle might "
        "(STARTTLS response injection). They were not treated as replies."
    )


def plaintext_instead_of_tls(raw: bytes, where: str) -> str:
    """Implicit TLS, and the server spoke plaintext: say so at once instead of timing out."""
    shown = safe_bytes(raw.split(b"\n", 1)[0].rstrip(b"\r")[:60])
    return (
        f"{where} answered in plaintext ('{shown}'), not TLS: this port does not use implicit "
        "TLS. Connect without --tls / smtps:// and type STARTTLS to upgrade"
    )


_RECORD_TYPES = {21, 22}  # alert, handshake: what a server's first record can be
_MAX_RECORD = 16384 + 2048


def tls_record_start(data: bytes) -> int | None:
    """Offset of the first plausible TLS record header in ``data``, or None.

    A server's first record after our ClientHello is a handshake record holding
    a ServerHello (type 2), or an alert of 2 bytes. Anything before it is
    plaintext. A false match only makes the handshake fail, never turns
    plaintext into a reply, so a simple check is safe.
    """
    for i in range(len(data)):
        if data[i] not in _RECORD_TYPES:
            continue
        header = data[i : i + 6]
        if len(header) >= 2 and header[1] != 3:
            continue
        if len(header) >= 3 and header[2] > 4:
            continue
        if len(header) >= 5:
            length = int.from_bytes(header[3:5], "big")
            if length == 0 or length > _MAX_RECORD:
                continue
            if data[i] == 21 and length != 2:
                continue
        if len(header) >= 6 and data[i] == 22 and header[5] != 2:
            continue
        return i
    return None

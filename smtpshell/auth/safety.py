"""Should AUTH go ahead on this connection? The plaintext-AUTH decision.

Pure: it looks at an address and a few flags, never at the network, so it is
tested for hosts outside loopback without connecting anywhere.
"""

from __future__ import annotations

import enum

from ..i18n import t
from ..records import NamedTuple


class Verdict(enum.Enum):
    GO = "go"  # encrypted, or loopback: nobody can listen in
    ASK = "ask"  # interactive: warn, explain, ask for confirmation
    GO_WITH_WARNING = "go-with-warning"  # allowed by --allow-plaintext-auth
    REFUSE = "refuse"  # script mode without the flag


class Decision(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    verdict: Verdict
    message: str = ""  # the warning or refusal, for the user


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8, ::1, IPv4-mapped loopback and the name localhost."""
    host = address.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress  # only when an address is looked at (AUTH, --require-tls): not at every start

    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # a name we did not resolve: assume it is remote
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def plaintext_auth_decision(address: str, *, tls: bool, interactive: bool, allowed: bool) -> Decision:
    """Whether AUTH may be sent to ``address`` now, and what to tell the user."""
    if tls or is_loopback(address):
        return Decision(Verdict.GO)
    risk = t("auth.safety.risk", "the connection is not encrypted, so anyone on the network path between here and {host} can read the credentials (base64 is an encoding, not encryption)",
             host=address)
    if allowed:
        return Decision(Verdict.GO_WITH_WARNING, t("auth.safety.allowed", "AUTH without TLS to {address} (--allow-plaintext-auth): {risk}",
                                                   address=address, risk=risk))
    if interactive:
        return Decision(Verdict.ASK, t("auth.safety.ask", "AUTH without TLS to {address}: {risk}. Use STARTTLS first (or connect with --tls) if the server offers it.",
                                       address=address, risk=risk))
    return Decision(Verdict.REFUSE, t("auth.safety.refused", "refused: AUTH without TLS to {address}; {risk}. Nothing was sent. Use --starttls or --tls, or pass --allow-plaintext-auth if you accept the risk",
                                      address=address, risk=risk))


def split_peer(peer: str) -> str:
    """'1.2.3.4:25' or '[::1]:25' (as in events.Connected.peer) -> the address."""
    if peer.startswith("["):
        return peer[1:].split("]", 1)[0]
    return peer.rsplit(":", 1)[0] if peer.count(":") == 1 else peer

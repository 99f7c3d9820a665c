"""Where mail for a domain goes: the MX lookup of RFC 5321 section 5.1.

Direct delivery (the tutorial's first flow) connects to the recipient
domain's own mail server, found in DNS:

- the MX records, lowest preference first (equal preferences are kept in name
  order rather than shuffled, so a lesson replays the same way every time);
- no MX at all: the domain's own A/AAAA addresses are the "implicit MX";
- a null MX (RFC 7505: one MX, preference 0, exchange ".") means the domain
  takes no mail at all: there is nothing to connect to.

:func:`order_mx` is the pure part (records in, plan out); :func:`lookup` asks
a DNS server with dnspython, which is imported only here, only when --mx or
/mx is used.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..i18n import t
from .target import BadTarget

if TYPE_CHECKING:  # dnspython is imported when a lookup happens, not with this module
    import dns.resolver

DNS_PORT = 53
DEFAULT_DNS_TIMEOUT = 5.0


class MxLookupFailed(Exception):
    """DNS could not say where the domain's mail goes; str() is one line for the user."""


class Route(enum.Enum):
    MX = "mx"  # the domain publishes MX records
    IMPLICIT = "implicit"  # no MX: the domain's A/AAAA (RFC 5321 5.1)
    NULL = "null"  # null MX (RFC 7505): the domain takes no mail


@dataclass(frozen=True)
class MxHost:
    preference: int
    name: str  # the exchange, without the trailing dot
    addresses: tuple[str, ...] = ()
    alias_of: str | None = None  # the name was a CNAME to this one (RFC 5321 5.1 forbids it; followed)
    problem: str = ""  # why it has no address, when it has none


@dataclass(frozen=True)
class MxPlan:
    domain: str
    route: Route
    hosts: tuple[MxHost, ...] = field(default=())


@dataclass(frozen=True)
class Resolver:
    """The DNS server to ask (--resolver IP[:PORT]); None: the system's."""

    address: str | None = None
    port: int = DNS_PORT
    timeout: float = DEFAULT_DNS_TIMEOUT


def parse_resolver(text: str) -> Resolver:
    """'127.0.0.1', '127.0.0.1:5353', '[::1]:5353' or '::1'. Raises BadTarget."""
    import ipaddress

    spec = text.strip()
    port = DNS_PORT
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), text)
    elif spec.count(":") == 1:
        host, _, port_text = spec.partition(":")
        port = _port(port_text, text)
    else:
        host = spec
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise BadTarget(t("mx.resolver.bad", "--resolver {text}: give the DNS server as an IP address, optionally with :PORT (e.g. 127.0.0.1:5353)", text=text)) from None
    return Resolver(host, port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise BadTarget(t("mx.resolver.port", "--resolver {text}: the port is a number from 1 to 65535", text=whole))
    return int(text)


def domain_of(text: str) -> str:
    """'user@Example.COM.' -> 'example.com' (an address or a domain, as --mx takes it)."""
    domain = text.strip().rpartition("@")[2].strip().rstrip(".").lower()
    if not domain or any(ch.isspace() for ch in domain) or ".." in domain:
        raise BadTarget(t("mx.domain.bad", "--mx {text}: give a domain (example.org) or an address (user@example.org)",
                          text=text))
    return domain


def order_mx(domain: str, records: Iterable[tuple[int, str]]) -> MxPlan | None:
    """The plan for MX records given as (preference, exchange); None when there are none.

    A null MX is recognised as RFC 7505 says: the only record, exchange ".".
    """
    cleaned = [(pref, name.rstrip(".").lower()) for pref, name in records]
    if not cleaned:
        return None
    if len(cleaned) == 1 and cleaned[0][1] == "":
        return MxPlan(domain, Route.NULL)
    hosts = tuple(MxHost(pref, name) for pref, name in sorted(set(cleaned)) if name)
    return MxPlan(domain, Route.MX, hosts)


# -- asking DNS (dnspython) ----------------------------------------------------------


def lookup(domain: str, resolver: Resolver = Resolver()) -> MxPlan:
    """The MX plan for ``domain``, every host with its addresses. Raises MxLookupFailed."""
    dns_resolver = _resolver(resolver)
    records = _query(dns_resolver, domain, "MX", resolver)
    if records is None:  # no MX: the domain itself is the implicit MX (RFC 5321 5.1)
        host = _with_addresses(dns_resolver, MxHost(0, domain), resolver)
        if not host.addresses:
            raise MxLookupFailed(t("mx.none", "{domain} has no MX record and no address (A/AAAA): there is no server to deliver to", domain=domain))
        return MxPlan(domain, Route.IMPLICIT, (host,))
    plan = order_mx(domain, ((r.preference, r.exchange.to_text()) for r in records))
    assert plan is not None  # the answer held at least one record
    if plan.route is Route.NULL:
        return plan
    hosts = tuple(_with_addresses(dns_resolver, host, resolver) for host in plan.hosts)
    return MxPlan(domain, Route.MX, hosts)


def _resolver(resolver: Resolver) -> dns.resolver.Resolver:
    import dns.resolver

    if resolver.address is None:
        try:
            dns_resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise MxLookupFailed(t("mx.no_system_resolver", "this system has no DNS server configured: give one with --resolver IP[:PORT]")) from None
    else:
        dns_resolver = dns.resolver.Resolver(configure=False)
        dns_resolver.nameservers = [resolver.address]
        dns_resolver.port = resolver.port
    dns_resolver.lifetime = resolver.timeout
    return dns_resolver


def _server_name(resolver: Resolver) -> str:
    if resolver.address is None:
        return t("mx.system_resolver", "the system's DNS server")
    host = f"[{resolver.address}]" if ":" in resolver.address else resolver.address
    return f"{host}:{resolver.port}"


def _query(dns_resolver: dns.resolver.Resolver, name: str, rdtype: str,
           resolver: Resolver) -> dns.resolver.Answer | None:
    """The answer, or None when the name exists but has no record of that type."""
    import dns.exception
    import dns.resolver

    try:
        return dns_resolver.resolve(name, rdtype, search=False)
    except dns.resolver.NoAnswer:
        return None
    except dns.resolver.NXDOMAIN:
        raise MxLookupFailed(t("mx.nxdomain", "{name} does not exist in DNS (NXDOMAIN): check the spelling",
                               name=name)) from None
    except dns.resolver.NoNameservers:
        raise MxLookupFailed(t("mx.servfail", "the DNS server {server} failed to answer for {name} ({rdtype}): SERVFAIL; try again later or another --resolver",
                               server=_server_name(resolver), name=name, rdtype=rdtype)) from None
    except dns.exception.Timeout:
        raise MxLookupFailed(t("mx.timeout", "no answer from the DNS server {server} for {name} ({rdtype}) within {seconds:g} s; check --resolver",
                               server=_server_name(resolver), name=name, rdtype=rdtype,
                               seconds=resolver.timeout)) from None
    except dns.exception.DNSException as exc:
        raise MxLookupFailed(t("mx.dns_error", "DNS lookup of {name} ({rdtype}) failed: {reason}",
                               name=name, rdtype=rdtype, reason=exc)) from None


def _with_addresses(dns_resolver: dns.resolver.Resolver, host: MxHost, resolver: Resolver) -> MxHost:
    """The host with its IPv4 then IPv6 addresses (a failure is kept as its problem, not raised)."""
    addresses: list[str] = []
    alias_of: str | None = None
    problems: list[str] = []
    for rdtype in ("A", "AAAA"):
        try:
            answer = _query(dns_resolver, host.name, rdtype, resolver)
        except MxLookupFailed as exc:
            problems.append(str(exc))
            continue
        if answer is None:
            continue
        canonical = answer.canonical_name.to_text().rstrip(".").lower()
        if canonical != host.name:
            alias_of = canonical
        addresses.extend(r.address for r in answer)
    problem = "" if addresses else (problems[0] if problems else
                                    t("mx.host.no_address", "{name} has no address (A/AAAA)", name=host.name))
    return MxHost(host.preference, host.name, tuple(dict.fromkeys(addresses)), alias_of, problem)

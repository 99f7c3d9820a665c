"""Direct delivery: show an MX plan, then connect to its best reachable host.

:class:`MxConnector` stands in for the session's connector (the runner calls
it exactly as it calls ``Connection.open``), so the session itself is the
normal one: the only difference is that opening it walks the MX hosts in
order, each attempt on screen with its result, until one answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .. import events as ev
from ..i18n import t
from ..untrusted import safe
from .errors import ConnectionFailed
from .mx import MxHost, MxPlan, Route
from .target import SMTP_PORT, Target
from .tls_options import TLSOptions


def describe(plan: MxPlan) -> list[str]:
    """The plan in words, one line each: the records, then what direct delivery means."""
    if plan.route is Route.NULL:
        return [null_mx_message(plan.domain)]
    lines: list[str] = []
    if plan.route is Route.IMPLICIT:
        lines.append(t("mx.plan.implicit", "{domain} has no MX record: its own address is the implicit MX (RFC 5321 5.1)", domain=safe(plan.domain)))
    else:
        lines.append(t("mx.plan.head", "MX records of {domain}, best (lowest preference) first:",
                       domain=safe(plan.domain)))
    for host in plan.hosts:
        lines.append(_host_line(host))
    lines.append(t("mx.explain.direct", "this is direct delivery: you talk to the recipient's own server, which accepts mail only for its own users (no AUTH, no relaying)."))
    lines.append(t("mx.explain.refusals", "many such servers refuse mail from home or cloud IP addresses (no matching PTR name, an SPF record that does not list you, DNS blocklists): that is why direct delivery often fails from a laptop."))
    return lines


def null_mx_message(domain: str) -> str:
    return t("mx.null", "{domain} takes no mail: its only MX is the null MX \"0 .\" (RFC 7505); nothing to connect to", domain=safe(domain))


def _host_line(host: MxHost) -> str:
    addresses = ", ".join(safe(a) for a in host.addresses) or safe(host.problem)
    alias = t("mx.plan.alias", " (a CNAME to {name}: RFC 5321 5.1 says an MX must not name an alias; followed)",
              name=safe(host.alias_of)) if host.alias_of else ""
    return t("mx.plan.host", "  {preference:>5}  {name}  {addresses}{alias}", preference=host.preference,
             name=safe(host.name), addresses=addresses, alias=alias)


@dataclasses.dataclass(frozen=True)
class Attempt:
    host: MxHost
    address: str
    target: Target


def attempts(plan: MxPlan, port: int = SMTP_PORT, implicit_tls: bool = False) -> list[Attempt]:
    """Every (host, address) to try, in order; hosts without an address are skipped."""
    return [Attempt(host, address, Target(address, port, implicit_tls))
            for host in plan.hosts for address in host.addresses]


class MxConnector:
    """A connector (see RunOptions.connector) that walks an MX plan for its own target.

    Any other target (``/connect`` later in the same REPL) goes straight to
    ``inner``, so the plan applies only to the session it was made for.
    """

    def __init__(self, plan: MxPlan, port: int, inner: Callable[..., Any] | None = None, *,
                 implicit_tls: bool = False) -> None:
        self.plan = plan
        self.attempts = attempts(plan, port, implicit_tls)  # --tls: TLS from the first byte on every MX
        self.inner = inner
        self.target = self.attempts[0].target if self.attempts else Target(plan.domain, port, implicit_tls)
        self._described = False

    async def __call__(self, target: Target, bus: ev.EventBus, tls: TLSOptions | None = None,
                       timeout: float = 30.0, session: Any = None) -> Any:
        inner = self.inner
        if inner is None:
            from .connection import Connection

            inner = Connection.open
        if target != self.target:
            return await inner(target, bus, tls, timeout, session)
        if not self._described:  # once per session, not again on /reconnect
            for line in describe(self.plan):
                bus.emit(ev.Info(line))
            self._described = True
        tls = tls or TLSOptions()
        for number, attempt in enumerate(self.attempts, 1):
            name = safe(attempt.host.name)
            bus.emit(ev.Info(t("mx.try", "MX {number}/{total}: {name} (preference {preference}) at {address}",
                               number=number, total=len(self.attempts), name=name,
                               preference=attempt.host.preference, address=safe(attempt.address))))
            # The certificate to check is the MX host's, not its address's (--sni still wins).
            host_tls = tls._replace(sni=tls.sni or attempt.host.name)
            try:
                connection = await inner(attempt.target, bus, host_tls, timeout, session)
            except ConnectionFailed as exc:
                more = number < len(self.attempts)
                bus.emit(ev.Warning(t("mx.failed", "{name} cannot be reached: {reason}{next}", name=name,
                                      reason=safe(str(exc)),
                                      next=t("mx.failed.next", "; trying the next MX") if more else "")))
                continue
            bus.emit(ev.Info(t("mx.reached", "reached {name}, MX of {domain}", name=name,
                               domain=safe(self.plan.domain))))
            return connection
        raise ConnectionFailed(t("mx.all_failed", "no mail server of {domain} could be reached ({count} tried)", domain=safe(self.plan.domain), count=len(self.attempts)))

"""/mx DOMAIN [PORT]: direct delivery from the REPL (look up the MX, connect to the best reachable one).

Each attempt is an ordinary ``/connect`` to one MX address, so the session
that results is the shell's normal one; what this command adds is the order
(RFC 5321 5.1, see :mod:`smtpshell.client.mx`) and saying what it tried.
The DNS server and default port come from ``--resolver``/``--port`` when the
shell was started with them (see :func:`use_defaults`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..client.mx import MxLookupFailed, Resolver, Route, domain_of
from ..client.mx_route import attempts, describe, null_mx_message
from ..client.target import SMTP_PORT, BadTarget
from ..i18n import t
from ..records import TYPE_CHECKING
from ..untrusted import safe
from .registry import command

if TYPE_CHECKING:
    from .context import ShellContext


@dataclass(frozen=True)
class MxDefaults:
    resolver: Resolver = field(default_factory=Resolver)
    port: int = SMTP_PORT


_defaults = MxDefaults()


def use_defaults(defaults: MxDefaults) -> None:
    """What --resolver and --port said at start-up, for every later /mx."""
    global _defaults
    _defaults = defaults


def _parse(args: str) -> tuple[str, int]:
    words = args.split()
    if not words or len(words) > 2:
        raise BadTarget(t("mx.cmd.usage", "/mx needs a DOMAIN (or user@DOMAIN) and optionally a PORT"))
    port = _defaults.port
    if len(words) == 2:
        if not words[1].isdigit() or not 0 < int(words[1]) < 65536:
            raise BadTarget(t("mx.cmd.port", "/mx {domain} PORT: the port is a number from 1 to 65535",
                              domain=safe(words[0])))
        port = int(words[1])
    return domain_of(words[0]), port


@command("mx", lambda: t("shell.mx.summary", "direct delivery: look up DOMAIN's MX records and connect to its best reachable mail server"),
         usage="DOMAIN [PORT]", interactive_only=True,
         details=lambda: t("shell.mx.details", "Follows RFC 5321 5.1: MX by preference, the domain's own address when it has no MX, and stops at a null MX (RFC 7505). The DNS server is --resolver's, or the system's."))
async def mx_command(ctx: ShellContext, args: str) -> None:
    import asyncio  # interactive only: script mode never loads it

    from ..client.mx import lookup

    try:
        domain, port = _parse(args)
    except BadTarget as exc:
        ctx.error(str(exc))
        return
    try:
        plan = await asyncio.to_thread(lookup, domain, _defaults.resolver)
    except MxLookupFailed as exc:
        ctx.error(safe(str(exc)))
        return
    if plan.route is Route.NULL:
        ctx.error(null_mx_message(domain))
        return
    for line in describe(plan):
        _info(ctx, line)
    tries = attempts(plan, port)
    for number, attempt in enumerate(tries, 1):
        _info(ctx, t("mx.try", "MX {number}/{total}: {name} (preference {preference}) at {address}",
                     number=number, total=len(tries), name=safe(attempt.host.name),
                     preference=attempt.host.preference, address=safe(attempt.address)))
        await ctx.connect(str(attempt.target))
        if ctx.runner is not None and ctx.runner.connected:
            _info(ctx, t("mx.reached", "reached {name}, MX of {domain}", name=safe(attempt.host.name),
                         domain=safe(domain)))
            return
        if number < len(tries):
            _info(ctx, t("mx.cmd.next", "{name} cannot be reached; trying the next MX", name=safe(attempt.host.name)))
    ctx.error(t("mx.all_failed", "no mail server of {domain} could be reached ({count} tried)",
                domain=safe(domain), count=len(tries)))


def _info(ctx: ShellContext, text: str) -> None:
    ctx.print([("class:info", f"** {text}"), ("", "\n")])

"""``--mx DOMAIN``: look the domain's mail servers up before the session starts.

The lookup happens here, once, before any driver exists; what comes out is a
connector (:class:`~smtpshell.client.mx_route.MxConnector`) and the target it
answers for, so the script driver and the REPL run the ordinary session and
only the opening differs. dnspython is imported by the lookup, only on this path.
"""

from __future__ import annotations

import sys

from .. import exitcodes
from ..client.target import SMTP_PORT, SMTPS_PORT, BadTarget, Target
from ..i18n import t
from ..options import UsageError
from ..records import TYPE_CHECKING
from ..untrusted import safe

if TYPE_CHECKING:
    import argparse

    from ..arg_spec import ArgumentSpec

if TYPE_CHECKING:
    from ..client.mx import Resolver
    from .runner import RunOptions

# client.mx and client.mx_route are imported by the functions of a --mx session only:
# cli.py imports this module for add_mx_arguments on every start.


class NoDelivery(Exception):
    """The domain cannot be delivered to (null MX, DNS failure); ``status`` is the exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def add_mx_arguments(parser: argparse.ArgumentParser | ArgumentSpec) -> None:
    g = parser.add_argument_group(t("cli.mx.group", "direct delivery"))
    g.add_argument("--mx", metavar="DOMAIN",
                   help=t("drivers.mx.help.mx", "deliver directly: look up the MX of DOMAIN (or of user@DOMAIN) and connect to its best reachable mail server (instead of TARGET)"))
    g.add_argument("--resolver", metavar="IP[:PORT]", help=t("drivers.mx.help.resolver", "with --mx: the DNS server to ask (default: the system's)"))
    g.add_argument("--port", type=int, metavar="PORT",
                   help=t("drivers.mx.help.port", "with --mx: the port to connect to on each MX host (default {smtp}, {smtps} with --tls)",
                          smtp=SMTP_PORT, smtps=SMTPS_PORT))


def resolver_of(args: argparse.Namespace) -> Resolver:
    """--resolver as a Resolver (the system's when not given). Raises UsageError."""
    from ..client.mx import Resolver, parse_resolver

    if not args.resolver:
        return Resolver()
    try:
        return parse_resolver(args.resolver)
    except BadTarget as exc:
        raise UsageError(str(exc)) from None


def mx_port(args: argparse.Namespace) -> int:
    default = SMTPS_PORT if getattr(args, "tls", False) else SMTP_PORT
    port = args.port if args.port is not None else default
    if not 0 < port < 65536:
        raise UsageError(t("cli.mx.port", "--port {port}: a number from 1 to 65535", port=port))
    return port


def check_mx_flags(args: argparse.Namespace) -> None:
    if args.mx and args.target:
        raise UsageError(t("cli.mx.and_target", "give either TARGET or --mx DOMAIN, not both"))
    if not args.mx and args.port is not None and args.target:
        raise UsageError(t("cli.mx.port_target", "--port goes with --mx; with a TARGET write HOST:PORT"))


def remember_for_repl(args: argparse.Namespace) -> None:
    """--resolver and --port also serve every /mx typed later in the REPL."""
    if args.resolver or args.port is not None:
        from ..shell.mx_cmd import MxDefaults, use_defaults

        use_defaults(MxDefaults(resolver_of(args), mx_port(args)))


def plan_session(args: argparse.Namespace, options: RunOptions) -> tuple[Target, RunOptions]:
    """The target and options of a --mx session. Raises UsageError or NoDelivery."""
    import dataclasses

    from ..client.mx import MxLookupFailed, Route, domain_of, lookup
    from ..client.mx_route import MxConnector, null_mx_message

    try:
        domain = domain_of(args.mx)
    except BadTarget as exc:
        raise UsageError(str(exc)) from None
    try:
        plan = lookup(domain, dataclasses.replace(resolver_of(args), timeout=min(args.timeout, 10.0)))
    except MxLookupFailed as exc:
        raise NoDelivery(safe(str(exc)), exitcodes.CONNECTION) from None
    if plan.route is Route.NULL:
        raise NoDelivery(null_mx_message(domain), exitcodes.PERMANENT)
    connector = MxConnector(plan, mx_port(args), inner=options.connector, implicit_tls=bool(args.tls))
    return connector.target, options._replace(connector=connector)


def report(problem: NoDelivery) -> int:
    sys.stderr.write(f"smtpshell: {problem}\n")  # the message comes translated from client.mx
    return problem.status

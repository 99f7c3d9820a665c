"""``smtpshell serve``: the practice server for a classroom, and the ``--scenario`` flag of the default run.

    smtpshell serve                      # 127.0.0.1:2525 (STARTTLS) and :4650 (implicit TLS)
    smtpshell serve --host 0.0.0.0       # let the class in
    smtpshell serve --scenario starttls-injection --greylisting --user carol:secret

Every message received is printed as it arrives; Ctrl-C stops the server (status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from pathlib import Path

from ..i18n import t
from .certs import CertificateError
from .config import DEFAULT_SIZE_LIMIT, DEFAULT_SLOW_DELAY, ConfigError, PracticeConfig, parse_user, read_users_file
from .live import summary_lines
from .practice import PracticeServer, ServerError, default_store_dir
from .scenarios import SCENARIOS, Scenario, parse_scenario
from .store import StoredMessage

DEFAULT_PORT = 2525
DEFAULT_TLS_PORT = 4650
EMBEDDED_IDLE_TIMEOUT = 1800.0

# Exit statuses (the same numbers as smtpshell.exitcodes).
OK, USAGE, FAILED = 0, 2, 3


def _scenario(text: str) -> Scenario:
    try:
        return parse_scenario(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _scenario_help() -> str:
    return "; ".join(f"{s.value}: {info.summary}" for s, info in SCENARIOS.items())


def add_scenario_argument(parser: argparse.ArgumentParser, *, listed_below: bool = False) -> None:
    """``--scenario NAME``: how the practice server (mis)behaves, for a security lesson."""
    names = t("server.help.scenario_below", "the list is below") if listed_below else _scenario_help()
    parser.add_argument(
        "--scenario", type=_scenario, default=Scenario.NORMAL, metavar="NAME",
        help=t("server.help.scenario", "how the practice server (mis)behaves, for a security lesson (default normal; {names})", names=names),
    )


def config_from_main_args(args: argparse.Namespace) -> PracticeConfig:
    """The embedded server of the default run: free loopback ports, messages in memory.

    ``args.scenario`` may be a Scenario (from :func:`add_scenario_argument`) or
    the plain string of a lighter ``--scenario`` flag. Raises ConfigError.
    """
    scenario = getattr(args, "scenario", None) or Scenario.NORMAL
    if not isinstance(scenario, Scenario):
        try:
            scenario = parse_scenario(str(scenario))
        except ValueError as exc:
            raise ConfigError(t("server.config.scenario", "--scenario: {problem}", problem=exc)) from None
    # Newcomers read and think between commands: half an hour before the 421.
    return PracticeConfig(scenario=scenario, idle_timeout=EMBEDDED_IDLE_TIMEOUT, web=getattr(args, "web", None))


def web_help() -> str:
    return t("server.help.web", "also serve the read-only class view (mailboxes, live sessions, the practice CA, a JSON API) on [HOST:]PORT; HOST defaults to the server's own (loopback unless --host)")


def add_web_argument(parser: argparse.ArgumentParser) -> None:
    """``--web [HOST:]PORT``: the class view (server/web.py), for ``serve`` and the default run."""
    parser.add_argument("--web", metavar="[HOST:]PORT", help=web_help())


def open_to_network_warning(host: str) -> str | None:
    """The warning for a server reachable from other machines (None on loopback)."""
    if host in ("127.0.0.1", "::1", "localhost") or host.startswith("127."):
        return None
    return t("server.open_to_network", "listening on {host}: anyone who can reach this machine can connect (and read the class view, if on); use it on a classroom network only, with the practice logins", host=host)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        t("server.help.epilog", "Every message received is printed here as it arrives. Ctrl-C stops the server.") + "\n"
        + t("server.help.scenarios", "Scenarios:") + "\n"
        + "\n".join(f"  {s.value:<20} {i.summary}" for s, i in SCENARIOS.items())
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    net = parser.add_argument_group(t("server.help.group.where", "where"))
    net.add_argument("--host", default="127.0.0.1",
                     help=t("server.help.host", "address to listen on (default 127.0.0.1; 0.0.0.0 lets a classroom in)"))
    net.add_argument("--port", type=_port, default=DEFAULT_PORT,
                     help=t("server.help.port", "plain SMTP port, with STARTTLS (default {port}; 0 picks a free one)", port=DEFAULT_PORT))
    net.add_argument("--tls-port", type=_port, default=DEFAULT_TLS_PORT,
                     help=t("server.help.tls_port", "implicit-TLS port (default {port}; 0 picks a free one)", port=DEFAULT_TLS_PORT))
    net.add_argument("--no-tls-port", action="store_true", help=t("server.help.no_tls_port", "do not open the implicit-TLS port"))
    net.add_argument("--hostname", default="mx.practice.test", help=t("server.help.hostname", "name in the greeting and the certificate"))
    add_web_argument(net)  # type: ignore[arg-type]  # an argument group takes add_argument like a parser
    tls = parser.add_argument_group(t("server.help.group.certificate", "certificate"))
    tls.add_argument("--cert", type=Path, metavar="FILE",
                     help=t("server.help.cert", "server certificate (PEM; default: one made on first run in the state directory)"))
    tls.add_argument("--key", type=Path, metavar="FILE", help=t("server.help.key", "its private key (PEM), if not in --cert"))
    who = parser.add_argument_group(t("server.help.group.users", "mail and users"))
    who.add_argument("--domain", action="append", metavar="DOMAIN",
                     help=t("server.help.domain", "a domain this server takes mail for (repeatable; default practice.test)"))
    who.add_argument("--user", action="append", metavar="NAME:PASSWORD",
                     help=t("server.help.user", "a login (repeatable; replaces the demo users alice and bob)"))
    who.add_argument("--users", type=Path, metavar="FILE", help=t("server.help.users", "logins from FILE, one NAME:PASSWORD a line"))
    who.add_argument("--size-limit", type=_positive_int, default=DEFAULT_SIZE_LIMIT, metavar="BYTES",
                     help=t("server.help.size_limit", "largest message accepted, advertised with SIZE (default {size})", size=DEFAULT_SIZE_LIMIT))
    who.add_argument("--allow-plain-auth", action="store_true",
                     help=t("server.help.allow_plain_auth", "allow AUTH without TLS (default: 530 5.7.0 until STARTTLS)"))
    who.add_argument("--greylisting", action="store_true",
                     help=t("server.help.greylisting", "turn away the first try of each sender/recipient (451 4.7.1)"))
    who.add_argument("--greylist-delay", type=float, default=0.0, metavar="SECONDS",
                     help=t("server.help.greylist_delay", "how long a greylisted sender must wait before a retry passes (default 0)"))
    who.add_argument("--no-vrfy", action="store_true", help=t("server.help.no_vrfy", "VRFY answers 252 (cannot verify) instead of the truth"))
    who.add_argument("--no-expn", action="store_true", help=t("server.help.no_expn", "EXPN answers 502 instead of expanding lists"))
    store = parser.add_argument_group(t("server.help.group.storage", "storage"))
    store.add_argument("--maildir", type=Path, metavar="DIR",
                       help=t("server.help.maildir", "store messages in this maildir (default: maildir/ in the state directory)"))
    store.add_argument("--no-store", action="store_true", help=t("server.help.no_store", "keep messages in memory only"))
    store.add_argument("--state-dir", type=Path, metavar="DIR",
                       help=t("server.help.state_dir", "where the certificate and maildir live (default $XDG_STATE_HOME/smtpshell)"))
    lesson = parser.add_argument_group(t("server.help.group.lesson", "lesson"))
    add_scenario_argument(lesson, listed_below=True)  # type: ignore[arg-type]  # a group, as above
    lesson.add_argument("--slow-delay", type=float, default=DEFAULT_SLOW_DELAY, metavar="SECONDS",
                        help=t("server.help.slow_delay", "pause before each reply in the slow scenario (default {seconds})", seconds=f"{DEFAULT_SLOW_DELAY:g}"))


def config_from_args(args: argparse.Namespace) -> PracticeConfig:
    """``serve``'s flags as a PracticeConfig. Raises ConfigError with one line for the user."""
    users: dict[str, str] = {}
    if args.users:
        users.update(read_users_file(args.users))
    for spec in args.user or ():
        name, password = parse_user(spec)
        users[name] = password
    if args.key and not args.cert:
        raise ConfigError(t("server.config.key_needs_cert", "--key needs --cert"))
    for flag, path in (("--cert", args.cert), ("--key", args.key)):
        if path is not None and not path.is_file():
            raise ConfigError(t("server.config.no_such_file", "{flag} {path}: no such file", flag=flag, path=path))
    state = args.state_dir
    store_dir = None
    if not args.no_store:
        store_dir = args.maildir or ((state / "maildir") if state else default_store_dir())
    config = PracticeConfig(
        scenario=args.scenario,
        host=args.host,
        port=args.port,
        tls_port=None if args.no_tls_port else args.tls_port,
        hostname=args.hostname,
        size_limit=args.size_limit,
        auth_requires_tls=not args.allow_plain_auth,
        greylisting=args.greylisting,
        greylist_delay=max(args.greylist_delay, 0.0),
        vrfy=not args.no_vrfy,
        expn=not args.no_expn,
        slow_delay=max(args.slow_delay, 0.0),
        state_dir=state,
        cert_file=args.cert,
        key_file=args.key,
        store_dir=store_dir,
        web=args.web,
    )
    if args.domain:
        config.domains = tuple(d.strip().lower() for d in args.domain if d.strip())
    if users:
        config.users = users
    return config


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ConfigError as exc:
        sys.stderr.write(f"smtpshell serve: {exc}\n")
        return USAGE
    try:
        return asyncio.run(serve(config))
    except KeyboardInterrupt:  # only where signal handlers cannot be installed
        _say(t("server.stopped", "stopped"))
        return OK


async def serve(config: PracticeConfig, stop: asyncio.Event | None = None) -> int:
    """Run until ``stop`` is set, SIGINT or SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        try:
            server = await PracticeServer(config, on_message=_print_message).start()
        except (ServerError, CertificateError) as exc:
            sys.stderr.write(f"smtpshell serve: {exc}\n")
            return FAILED
        except OSError as exc:  # the maildir cannot be made
            if exc.filename:
                problem = t("server.cannot_use_file", "cannot use {path}: {reason}", path=exc.filename, reason=exc.strerror or exc)
            else:
                problem = t("server.cannot_use", "cannot use: {reason}", reason=exc.strerror or exc)
            sys.stderr.write(f"smtpshell serve: {problem}\n")
            return FAILED
        try:
            warning = open_to_network_warning(server.host)
            if warning is None and server.web is not None:
                warning = open_to_network_warning(server.web.host)
            if warning:
                _say(t("server.warning", "warning: {warning}", warning=warning))
            for line in server.welcome_lines():
                _say(line)
            _say(t("server.students_connect", "students connect with: {command}",
                   command=f"smtpshell {_reachable(server.host, server.port)} --cafile {server.ca_file}"))
            _say(t("server.waiting", "waiting for mail; Ctrl-C stops the server"))
            await stop.wait()
        finally:
            await server.stop()
        _say(t("server.stopped_after", "stopped after {count} message(s)", count=server.mailbox.count))
        return OK
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _reachable(host: str, port: int) -> str:
    """host:port as a student types it (a wildcard address is reached by the machine's name)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _print_message(message: StoredMessage) -> None:
    # One write a message (it was one a line): the teacher's screen under a class's load.
    sys.stdout.write("\n".join(summary_lines(message)) + "\n")
    sys.stdout.flush()


def _say(line: str) -> None:
    print(f"** {line}", flush=True)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("server.arg.not_port", "{text} is not a port number", text=repr(text))) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(t("server.arg.port_range", "{value} is not a port number (0-65535)", value=value))
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("server.arg.not_number", "{text} is not a whole number", text=repr(text))) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(t("server.arg.positive", "must be more than 0"))
    return value


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m smtpshell.server.command``)."""
    parser = argparse.ArgumentParser(prog="smtpshell serve", description=t("server.help.description", "run the practice SMTP server"))
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

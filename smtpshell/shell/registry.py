"""The shell-command registry.

Shell commands start with ``/``: no SMTP verb does, and inside DATA nothing is
interpreted but the end-of-data line, so message content can never be taken
for one. A command is registered once with :func:`command` and dispatched by
:func:`dispatch`; an unknown name is an error the user sees, never a silent no-op.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable

from ..i18n import t
from ..protocol.line import SHELL_PREFIX
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from .context import ShellContext

    Handler = Callable[[ShellContext, str], Awaitable[None]]

PREFIX = SHELL_PREFIX


class UnknownCommand(LookupError):
    pass


# A command's summary and details are read when shown, not when registered: the
# language may change after the module is imported (a test, a lesson), and
# ``lambda: t(KEY, ENGLISH)`` keeps the key and its English together in the source.
Text = str | Callable[[], str]


def _text(value: Text) -> str:
    return value if isinstance(value, str) else value()


class ArgKind(enum.Enum):
    """What a shell command's argument is: ui.completion has one completer per kind."""

    NONE = "none"  # nothing to offer (no argument, a number, or text that must not be guessed)
    FILE = "file"  # a file name
    VERB = "verb"  # an SMTP verb or a /command (/help)
    CODE = "code"  # a reply code, an enhanced code, an EHLO keyword or 'last' (/explain)
    LEVEL = "level"  # full, brief or off (/level)
    TARGET = "target"  # HOST[:PORT] or smtp:// / smtps:// (/connect)
    ON_OFF = "on-off"  # on or off (/raw)
    PIPELINE_MODE = "pipeline-mode"  # on, group or off (/pipeline)
    AUTH_MODE = "auth-mode"  # auto or manual (/auth)
    MECHANISM = "mechanism"  # a SASL mechanism (/login)


class ShellCommand(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    name: str
    handler: Handler
    summary_text: Text  # one line, in the current language when read (see ``summary``)
    usage: str = ""  # argument syntax, e.g. "FILE"
    aliases: tuple[str, ...] = ()
    arg_kind: ArgKind = ArgKind.NONE  # what completes after it
    interactive_only: bool = False  # not offered in script mode
    details_text: Text = ""

    @property
    def summary(self) -> str:
        return _text(self.summary_text)

    @property
    def details(self) -> str:
        return _text(self.details_text)


COMMANDS: dict[str, ShellCommand] = {}
_ALIASES: dict[str, str] = {}


def command(
    name: str,
    summary: Text,
    *,
    usage: str = "",
    aliases: tuple[str, ...] = (),
    arg_kind: ArgKind = ArgKind.NONE,
    interactive_only: bool = False,
    details: Text = "",
) -> Callable[[Handler], Handler]:
    """Register a shell command. The decorated coroutine gets (context, argument text).

    ``summary`` and ``details`` are ``lambda: t(KEY, ENGLISH)`` so that they are
    translated when shown (a plain string is taken as it is)."""

    def register(handler: Handler) -> Handler:
        if name in COMMANDS or name in _ALIASES:
            raise ValueError(f"shell command /{name} registered twice")
        COMMANDS[name] = ShellCommand(
            name, handler, summary, usage, aliases, arg_kind, interactive_only, details
        )
        for alias in aliases:
            _ALIASES[alias] = name
        return handler

    return register


def load_all() -> dict[str, ShellCommand]:
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    return COMMANDS


# Which module registers each name (aliases too), so running one /command in a
# script loads that module only (load_all costs tens of ms: sasl, knowledge,
# ssl, the recorder). A test checks this map against what load_all registers;
# a name missing here still works, through load_all.
COMMAND_HOMES: dict[str, str] = {
    **dict.fromkeys(("help", "h", "?", "data", "quit", "exit", "q", "pipeline"), "smtpshell.shell.core"),
    **dict.fromkeys(("b64", "unb64", "auth", "login"), "smtpshell.shell.auth_cmds"),
    **dict.fromkeys(("connect", "reconnect", "clear", "history"), "smtpshell.shell.session_cmds"),
    "tls": "smtpshell.shell.tls_cmds",
    **dict.fromkeys(("explain", "why", "level"), "smtpshell.shell.explain"),
    **dict.fromkeys(("mailbox", "inbox"), "smtpshell.shell.mailbox"),
    "record": "smtpshell.shell.record",
    "mx": "smtpshell.shell.mx_cmd",
    "summary": "smtpshell.shell.summary",
    "raw": "smtpshell.shell.raw_cmd",
}
# The modules whose import registers commands, in the order of /help: read from the one map
# above, so a new command is one entry there (a test checks the map against the registry).
COMMAND_MODULES: list[str] = list(dict.fromkeys(COMMAND_HOMES.values()))


def resolve(name: str) -> ShellCommand:
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in COMMANDS:
        raise UnknownCommand(t("shell.registry.unknown", "unknown shell command /{name}: /help lists them", name=name))
    return COMMANDS[key]


def split(line: str) -> tuple[str, str]:
    """'/data msg.eml' -> ('data', 'msg.eml')."""
    body = line[len(PREFIX) :].strip()
    name, _, args = body.partition(" ")
    return name, args.strip()


def is_shell_command(line: str) -> bool:
    """For callers with a bare string (the REPL's out-of-step hold); the runner reads ``Line.kind``."""
    return line.startswith(PREFIX)


async def dispatch(ctx: ShellContext, line: str) -> None:
    """Run one ``/command`` line. Unknown names raise :class:`UnknownCommand`."""
    name, args = split(line)
    home = COMMAND_HOMES.get(name.lower())
    if home is None:
        load_all()
    else:
        importlib.import_module(home)
    cmd = resolve(name)
    if cmd.interactive_only and not ctx.interactive:
        raise UnknownCommand(t("shell.registry.interactive_only", "/{name} works only in the interactive shell",
                                 name=cmd.name))
    await cmd.handler(ctx, args)

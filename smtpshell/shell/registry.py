"""The shell-command registry.

Shell commands start with ``/``: no SMTP verb does, and inside DATA nothing is
interpreted but the end-of-data line, so message content can never be taken
for one. A command is registered once with :func:`command` and dispatched by
:func:`dispatch`; an unknown name is an error the user sees, never a silent no-op.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..client.core import ConnectionCore as Connection
    from ..protocol.session import Session
    from ..render.styled import StyledText

PREFIX = "/"

# Modules whose import registers commands. Order is the order of /help.
COMMAND_MODULES = [
    "smtpshell.shell.core",
    "smtpshell.shell.auth_cmds",
    "smtpshell.shell.session_cmds",
    "smtpshell.shell.tls_cmds",
    "smtpshell.shell.explain",
    "smtpshell.shell.mailbox",
    "smtpshell.shell.record",
]


class UnknownCommand(LookupError):
    pass


class ShellContext(Protocol):
    """What a shell command may use; each driver (script, REPL) provides one."""

    interactive: bool

    @property
    def connection(self) -> "Connection | None": ...

    @property
    def session(self) -> "Session": ...

    def print(self, text: "StyledText") -> None: ...

    def error(self, message: str) -> None: ...

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str: ...

    async def connect(self, target: str | None) -> None: ...

    async def quit(self) -> None: ...

    @property
    def extras(self) -> dict[str, Any]:
        """Driver-specific things (the embedded practice server, the config...)."""
        ...


Handler = Callable[[ShellContext, str], Awaitable[None]]


@dataclass(frozen=True)
class ShellCommand:
    name: str
    handler: Handler
    summary: str
    usage: str = ""  # argument syntax, e.g. "FILE"
    aliases: tuple[str, ...] = ()
    arg_kind: str = ""  # what completes after it: "file", "verb", "code", "" (nothing)
    interactive_only: bool = False  # not offered in script mode
    details: str = field(default="", compare=False)


COMMANDS: dict[str, ShellCommand] = {}
_ALIASES: dict[str, str] = {}


def command(
    name: str,
    summary: str,
    *,
    usage: str = "",
    aliases: tuple[str, ...] = (),
    arg_kind: str = "",
    interactive_only: bool = False,
    details: str = "",
) -> Callable[[Handler], Handler]:
    """Register a shell command. The decorated coroutine gets (context, argument text)."""

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
}


def resolve(name: str) -> ShellCommand:
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in COMMANDS:
        raise UnknownCommand(f"unknown shell command /{name}: /help lists them")
    return COMMANDS[key]


def split(line: str) -> tuple[str, str]:
    """'/data msg.eml' -> ('data', 'msg.eml')."""
    body = line[len(PREFIX) :].strip()
    name, _, args = body.partition(" ")
    return name, args.strip()


def is_shell_command(line: str) -> bool:
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
        raise UnknownCommand(f"/{cmd.name} works only in the interactive shell")
    await cmd.handler(ctx, args)

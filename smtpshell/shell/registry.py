"""The shell-command registry.

Shell commands start with ``/``: no SMTP verb does, and inside DATA nothing is
interpreted but the end-of-data line, so message content can never be taken
for one. A command is registered once with :func:`command` and dispatched by
:func:`dispatch`; an unknown name is an error the user sees, never a silent no-op.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol

from ..i18n import t
from ..protocol.line import SHELL_PREFIX

if TYPE_CHECKING:
    from ..auth.flow import AuthController
    from ..client.core import ConnectionCore as Connection
    from ..client.target import Target
    from ..config import Config
    from ..events import EventBus
    from ..protocol.session import Exchange, Session
    from ..render.styled import RenderOptions, StyledText
    from ..server import PracticeServer
    from ..transcript.recorder import Recorder
    from ..transcript.summary import SessionSummary

PREFIX = SHELL_PREFIX


class UnknownCommand(LookupError):
    pass


class ShellRunner(Protocol):
    """The session a shell command drives (``drivers.runner.SessionRunner`` is one)."""

    pipelining: bool  # /pipeline on|off|group
    one_write: bool  # /pipeline group: each group in one write
    raw: bool  # /raw on|off
    bus: EventBus
    summary: SessionSummary  # /summary: what happened on this connection

    @property
    def session(self) -> Session: ...

    @property
    def connection(self) -> Connection | None: ...

    @property
    def target(self) -> Target | None: ...

    @property
    def connected(self) -> bool: ...

    @property
    def auth(self) -> AuthController:
        """The AUTH flow (/auth, /login), created on first use."""
        ...

    async def send_file(self, path: str, chunk_size: int = ...) -> Exchange | None: ...

    async def await_replies(self) -> Exchange | None: ...

    async def flush_group(self) -> None:
        """/pipeline group: send the held commands now."""
        ...

    @property
    def held(self) -> int:
        """Commands /pipeline group holds for the next write."""
        ...

    async def close(self, quit_first: bool = True) -> None: ...


class ShellContext(Protocol):
    """What a shell command may use; each driver (script, REPL, lesson) provides one.

    Every member is real in every driver: where a driver has nothing to do
    (``clear_screen`` in script mode) it does nothing, and commands never ask
    whether a member exists.
    """

    interactive: bool
    render_options: RenderOptions  # how replies are explained now; /level sets it
    recorder: Recorder | None  # the running /record (or --record), if any

    @property
    def runner(self) -> ShellRunner | None:
        """The session's runner; None only before the driver has built it."""
        ...

    @property
    def connection(self) -> Connection | None: ...

    @property
    def session(self) -> Session: ...

    @property
    def practice_server(self) -> PracticeServer | None:
        """The embedded practice server (the default run), for /mailbox."""
        ...

    @property
    def config(self) -> Config | None: ...

    def print(self, text: StyledText) -> None: ...

    def error(self, message: str) -> None: ...

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str: ...

    async def connect(self, target: str | None) -> None: ...

    async def quit(self) -> None: ...

    def clear_screen(self) -> None: ...

    def history_lines(self) -> list[str]:
        """What the user typed, oldest first (secrets are never kept)."""
        ...


Handler = Callable[[ShellContext, str], Awaitable[None]]
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

"""What a shell command drives and may use: the Protocols its handler is written against.

Kept apart from :mod:`.registry` because a ``Protocol`` needs :mod:`typing` at run
time, and the registry is on every script session's path: only type checkers and the
tests that list the members (tests/test_context_members.py) import this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

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

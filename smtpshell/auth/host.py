"""What the AUTH flow needs from whoever runs it: a small interface, no driver.

:class:`~smtpshell.drivers.runner.SessionRunner` implements it (and owns the
flow, created on first use), so ``auth/`` never imports ``drivers/``. Tests
may implement it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..protocol.line import Line, LineKind

if TYPE_CHECKING:
    from .. import events as ev
    from ..client.target import Target
    from ..protocol.session import Exchange, Session
    from .options import AuthOptions


class AuthHost(Protocol):
    """The session the AUTH flow talks through."""

    @property
    def session(self) -> Session: ...

    @property
    def target(self) -> Target | None: ...

    @property
    def peer(self) -> str | None:
        """``address:port`` actually reached, or None before a connection."""
        ...

    @property
    def connected(self) -> bool: ...

    @property
    def interactive(self) -> bool:
        """Can the user be asked (a hidden password prompt, a yes/no)?"""
        ...

    @property
    def auth_options(self) -> AuthOptions: ...

    async def send_command(
        self,
        line: Line | str,
        *,
        kind: LineKind = LineKind.COMMAND,
        shown: str | None = None,
        secret: bool = False,
        automatic: bool = False,
    ) -> Exchange | None:
        """Send one line (through the TLS policy) and wait for its reply; None if it was not done."""
        ...

    def emit(self, event: ev.Event) -> None: ...

    def error(self, message: str) -> None:
        """Report a line that was not carried out (script mode counts it)."""
        ...

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str: ...

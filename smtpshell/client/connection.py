"""The asyncio shell around :class:`~.core.ConnectionCore`.

:class:`Connection` is an :class:`asyncio.Protocol`: the event loop calls
``data_received`` and the other callbacks, the core does the rest (see
:mod:`.core` for the theory of operation). What this module adds is how to
connect, and how to wait: every change a waiter may care about (an exchange, the
STARTTLS gate, the end of the connection) sets one :class:`asyncio.Event`, and
each waiter re-checks its own condition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .core import DEFAULT_TIMEOUT, ConnectionCore
from .errors import ConnectionClosed, ConnectionFailed, ReplyTimeout, connect_error

__all__ = ["Connection", "ConnectionClosed", "ConnectionFailed", "ReplyTimeout", "DEFAULT_TIMEOUT"]


class Connection(ConnectionCore, asyncio.Protocol):
    """One SMTP connection in an asyncio event loop."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # the same signature as ConnectionCore
        self._changed = asyncio.Event()
        self._can_write = asyncio.Event()
        self._can_write.set()

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                await loop.create_connection(lambda: self, self.target.host, self.target.port)
        except OSError as exc:  # TimeoutError included
            raise ConnectionFailed(connect_error(self.target, exc, self.timeout)) from None

    # -- waiting ----------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            if not ready():
                self.bus.while_waiting()
            while not ready():
                self._changed.clear()
                self.bus.before_wait()
                await self._changed.wait()

    async def _writable(self) -> None:
        if not self._can_write.is_set():
            self.bus.before_wait()  # the server is not reading: what is held is shown while we wait
            await self._can_write.wait()

    async def _after_close(self) -> None:
        await asyncio.sleep(0)  # let the loop deliver connection_lost

    # -- flow control (asyncio.Protocol) -------------------------------------------

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._can_write.set()

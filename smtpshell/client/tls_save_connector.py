"""--tls-save FILE: a connector wrapper that saves the server's certificates when TLS starts.

Apart from :mod:`.tls_save` because it opens connections (and the connection
module reads the chain through :mod:`.tls_save`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import events as ev
from .tls_save import save_chain


class SaveChainConnector:
    """A connector wrapper for --tls-save: when TLS starts on its connection, save the chain."""

    def __init__(self, path: str, inner: Callable[..., Any] | None = None) -> None:
        self.path = path
        self.inner = inner

    async def __call__(self, target: Any, bus: ev.EventBus, *args: Any) -> Any:
        inner = self.inner
        if inner is None:
            from .connection import Connection

            inner = Connection.open
        connection = await inner(target, bus, *args)
        if connection.tls_info is not None:  # implicit TLS: the handshake is already done
            bus.emit(save_chain(connection, self.path))

        def on_event(event: ev.Event) -> None:
            if isinstance(event, ev.TLSStarted) and connection.is_open:
                bus.emit(save_chain(connection, self.path))

        bus.subscribe(on_event)
        return connection

"""The client: one connection, plain, implicit TLS or upgraded by STARTTLS.

:mod:`.core` holds the connection logic (TLS and STARTTLS in :mod:`.starttls`);
:mod:`.connection` runs it in asyncio, :mod:`.blocking` over a blocking socket.
:mod:`.errors` names how a connection fails, next to :mod:`.target`. Names load on first use (PEP 562), so
that importing ``smtpshell.client.target`` does not import asyncio.
"""

from __future__ import annotations

from ..lazy import import_module  # not importlib: it imports warnings, at every start
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .connection import Connection
    from .errors import ConnectionClosed, ConnectionFailed, ReplyTimeout
    from .target import BadTarget, Target, parse_target
    from .tls_options import TLSOptions

_WHERE = {
    "Connection": ".connection",
    "ConnectionClosed": ".errors",
    "ConnectionFailed": ".errors",
    "ReplyTimeout": ".errors",
    "TLSOptions": ".tls_options",
    "BadTarget": ".target",
    "Target": ".target",
    "parse_target": ".target",
}

__all__ = [
    "BadTarget",
    "Connection",
    "ConnectionClosed",
    "ConnectionFailed",
    "ReplyTimeout",
    "TLSOptions",
    "Target",
    "parse_target",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name], __name__), name)

"""The asyncio client: one connection, plain, implicit TLS or upgraded by STARTTLS."""

from .connection import (
    Connection,
    ConnectionClosed,
    ConnectionFailed,
    ReplyTimeout,
)
from .target import BadTarget, Target, parse_target
from .tls import TLSOptions

__all__ = [
    "Connection",
    "ConnectionClosed",
    "ConnectionFailed",
    "ReplyTimeout",
    "TLSOptions",
    "BadTarget",
    "parse_target",
    "Target",
]

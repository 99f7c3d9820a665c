"""The sans-I/O SMTP core: no sockets, no asyncio, no terminal.

Bytes in, events out (:mod:`.replies`); commands in, bytes out
(:mod:`.commands`, :mod:`.data`); what happened and what is legal next
(:mod:`.session`); what every verb is (:mod:`.catalogue`).
"""

from .commands import CommandLine, InjectionError, check_line
from .data import DataEncoder, encode_message, stuff_line
from .ehlo import Capabilities
from .replies import ProtocolError, Reply, ReplyParser
from .session import Exchange, Kind, Pending, Phase, Session

__all__ = [
    "Capabilities",
    "CommandLine",
    "DataEncoder",
    "Exchange",
    "InjectionError",
    "Kind",
    "Pending",
    "Phase",
    "ProtocolError",
    "Reply",
    "ReplyParser",
    "Session",
    "check_line",
    "encode_message",
    "stuff_line",
]

"""The sans-I/O SMTP core: no sockets, no asyncio, no terminal.

What a typed line is (:mod:`.line`); bytes in, events out (:mod:`.replies`);
commands in, bytes out (:mod:`.commands`, :mod:`.data`); what happened and what is legal next
(:mod:`.session`); what every verb is (:mod:`.catalogue`).
"""

from .commands import CommandLine, InjectionError, check_line
from .data import DataEncoder, encode_message, stuff_line
from .ehlo import Capabilities
from .line import Line, LineKind, classify
from .replies import ProtocolError, Reply, ReplyParser
from .session import Exchange, Kind, Pending, Phase, Session

__all__ = [
    "Capabilities",
    "CommandLine",
    "DataEncoder",
    "Exchange",
    "InjectionError",
    "Kind",
    "Line",
    "LineKind",
    "Pending",
    "Phase",
    "ProtocolError",
    "Reply",
    "ReplyParser",
    "Session",
    "check_line",
    "classify",
    "encode_message",
    "stuff_line",
]

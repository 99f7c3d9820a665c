"""Why a connection failed or ended: the exceptions the drivers catch, and the words for a failed connect.

Next to :mod:`.target` (where a connection is going) and below :mod:`.core`,
so a driver can name these without loading the connection.
"""

from __future__ import annotations

from ..i18n import t
from .target import Target


class ConnectionFailed(Exception):
    """Connecting (or the TLS handshake) failed; str() is one line for the user."""


class ConnectionClosed(Exception):
    """The connection is gone; str() says why."""


class ReplyTimeout(Exception):
    """No reply came within the timeout."""


def server_closed() -> str:
    """The reason when the server closed the connection without a word (compared, so one function)."""
    return t("client.closed.by_server", "the server closed the connection")




def connect_error(target: Target, exc: OSError | None, timeout: float) -> str:
    """One line for a failed connect; ``exc`` None means it timed out."""
    import socket

    if exc is None or isinstance(exc, TimeoutError):
        return t("client.connect.timeout", "could not connect to {target}: no answer within {seconds} s (is a firewall dropping the connection? try --timeout)",
                 target=target, seconds=f"{timeout:g}")
    if isinstance(exc, socket.gaierror):
        return t("client.connect.no_host", "cannot find host {host}: {reason} (check the name)", host=repr(target.host), reason=exc.strerror or exc)
    if isinstance(exc, ConnectionRefusedError):
        return t("client.connect.refused", "connection to {target} refused: nothing is listening there (is the server running? is the port right?)",
                 target=target)
    reason = exc.strerror or str(exc)
    return t("client.connect.failed", "could not connect to {target}: {reason}", target=target, reason=reason)

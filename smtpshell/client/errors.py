"""Why a connection failed or ended: the exceptions the drivers catch, and the words for a failed connect.

Next to :mod:`.target` (where a connection is going) and below :mod:`.core`,
so a driver can name these without loading the connection.
"""

from __future__ import annotations

from .target import Target


class ConnectionFailed(Exception):
    """Connecting (or the TLS handshake) failed; str() is one line for the user."""


class ConnectionClosed(Exception):
    """The connection is gone; str() says why."""


class ReplyTimeout(Exception):
    """No reply came within the timeout."""




def connect_error(target: Target, exc: OSError | None, timeout: float) -> str:
    """One line for a failed connect; ``exc`` None means it timed out."""
    import socket

    if exc is None or isinstance(exc, TimeoutError):
        return (
            f"could not connect to {target}: no answer within {timeout:g} s "
            "(is a firewall dropping the connection? try --timeout)"
        )
    if isinstance(exc, socket.gaierror):
        return f"cannot find host {target.host!r}: {exc.strerror or exc} (check the name)"
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"connection to {target} refused: nothing is listening there "
            "(is the server running? is the port right?)"
        )
    reason = exc.strerror or str(exc)
    return f"could not connect to {target}: {reason}"

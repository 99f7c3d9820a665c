"""AUTH: the flow a session host runs, credentials, the plaintext-AUTH decision, redaction.

The SASL steps themselves are sans-I/O, in :mod:`smtpshell.protocol.sasl`.
The flow talks to its session through :class:`~.host.AuthHost` and never
imports a driver. Names are loaded on first use (PEP 562): every run builds a
runner, few runs authenticate, and the flow's modules cost start-up time.
"""

from __future__ import annotations

from ..lazy import import_module  # not importlib: it imports warnings, at every start
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .flow import AuthController
    from .host import AuthHost
    from .options import AuthOptions

_WHERE = {
    "AuthController": ".flow",
    "AuthHost": ".host",
    "AuthOptions": ".options",
}

__all__ = ["AuthController", "AuthHost", "AuthOptions"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name], __name__), name)

"""AUTH: the flow the driver runs, credentials, the plaintext-AUTH decision, redaction.

The SASL steps themselves are sans-I/O, in :mod:`smtpshell.protocol.sasl`.
Names are loaded on first use (PEP 562): every run builds a runner, few runs
authenticate, and the flow's modules cost start-up time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .flow import AuthController, controller_of, install_handlers
    from .options import AuthOptions

_WHERE = {
    "AuthController": ".flow",
    "controller_of": ".flow",
    "install_handlers": ".flow",
    "AuthOptions": ".options",
}

__all__ = ["AuthController", "AuthOptions", "controller_of", "install_handlers"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name], __name__), name)


async def load_on_first_use(runner: Any, line: str) -> None:
    """The runner's AUTH handler until the first AUTH: installs the real flow, then runs it."""
    from .flow import install_handlers

    controller = install_handlers(runner)
    await controller.on_auth_command(runner, line)

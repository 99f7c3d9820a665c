"""AUTH: the flow the driver runs, credentials, the plaintext-AUTH decision, redaction.

The SASL steps themselves are sans-I/O, in :mod:`smtpshell.protocol.sasl`.
"""

from .flow import AuthController, controller_of, install_handlers
from .options import AuthOptions

__all__ = ["AuthController", "AuthOptions", "controller_of", "install_handlers"]

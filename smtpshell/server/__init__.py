"""The practice SMTP server (aiosmtpd): the default run, ``smtpshell serve`` and the tests use it."""

from .config import ConfigError, PracticeConfig, PracticeServerError
from .practice import PracticeServer, ServerError
from .scenarios import SCENARIOS, Scenario
from .store import Mailbox, StoredMessage

__all__ = [
    "ConfigError",
    "Mailbox",
    "PracticeConfig",
    "PracticeServer",
    "PracticeServerError",
    "SCENARIOS",
    "Scenario",
    "ServerError",
    "StoredMessage",
]

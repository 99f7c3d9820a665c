"""What the practice server does: one dataclass, filled from flags or by the embedded run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import t
from .scenarios import Scenario

DEFAULT_DOMAINS = ("practice.test",)
# Demo accounts: easy to type, printed in the welcome text on purpose.
DEFAULT_USERS = {"alice": "wonderland", "bob": "builder"}
# Mailboxes that exist without an account (they receive mail, cannot log in).
DEFAULT_MAILBOXES = ("carol", "postmaster", "teacher")
# Mailing lists, for EXPN (and as recipients: mail to a list is accepted).
DEFAULT_LISTS = {"students": ("alice", "bob", "carol")}
DEFAULT_SIZE_LIMIT = 10 * 1024 * 1024
DEFAULT_SLOW_DELAY = 3.0


class PracticeServerError(Exception):
    """The practice server cannot be configured or started; str() is one line for the user."""


class ConfigError(PracticeServerError, ValueError):
    """A setting cannot be used."""


@dataclass
class PracticeConfig:
    scenario: Scenario = Scenario.NORMAL
    host: str = "127.0.0.1"
    port: int = 0  # plain + STARTTLS; 0 picks a free port
    tls_port: int | None = 0  # implicit TLS; 0 picks a free port, None turns it off
    hostname: str = "mx.practice.test"  # the name in the greeting and the certificate
    domains: tuple[str, ...] = DEFAULT_DOMAINS
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    mailboxes: tuple[str, ...] = DEFAULT_MAILBOXES
    lists: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LISTS))
    size_limit: int = DEFAULT_SIZE_LIMIT
    auth_requires_tls: bool = True  # AUTH only after STARTTLS (530 5.7.0 otherwise)
    greylisting: bool = False
    greylist_delay: float = 0.0  # seconds before a retry is accepted
    vrfy: bool = True  # VRFY answers truthfully (False: 252, cannot verify)
    expn: bool = True  # EXPN expands lists (False: 502)
    slow_delay: float = DEFAULT_SLOW_DELAY  # the "slow" scenario's pause before each reply
    state_dir: Path | None = None  # None: $XDG_STATE_HOME/smtpshell
    cert_file: Path | None = None  # None: generate (once) in the state dir
    key_file: Path | None = None
    store_dir: Path | None = None  # a maildir; None keeps messages in memory only
    idle_timeout: float = 300.0
    web: str | None = None  # "[HOST:]PORT" of the class view (server/web.py); None: no web view

    def local_domain(self, domain: str) -> bool:
        return domain.lower() in {d.lower() for d in self.domains}

    def local_names(self) -> set[str]:
        """Every local part that receives mail."""
        return {n.lower() for n in (*self.users, *self.mailboxes, *self.lists)}

    def address(self, local: str) -> str:
        return f"{local}@{self.domains[0]}"


def parse_user(spec: str) -> tuple[str, str]:
    """'alice:secret' -> ('alice', 'secret')."""
    name, sep, password = spec.partition(":")
    name = name.strip()
    if not sep or not name or not password or "@" in name or " " in name:
        raise ConfigError(t("server.config.bad_user", "bad user {name}: write NAME:PASSWORD (a name without '@' or spaces)",
                            name=repr(spec.split(':', 1)[0])))
    return name, password


def read_users_file(path: Path) -> dict[str, str]:
    """One NAME:PASSWORD a line; blank lines and '#' comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(t("server.config.users_unreadable", "cannot read the users file {path}: {reason}",
                            path=path, reason=exc.strerror or exc)) from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            name, password = parse_user(line)
        except ConfigError as exc:
            raise ConfigError(t("server.config.users_line", "{path} line {number}: {problem}", path=path, number=number, problem=exc)) from None
        users[name] = password
    if not users:
        raise ConfigError(t("server.config.users_empty", "the users file {path} has no NAME:PASSWORD line", path=path))
    return users

"""Secrets in transcripts: placeholders instead of credentials, and rebuilding them.

A recorded transcript never holds a password, a token or their base64. The
line that carried one is written with a placeholder that says what it was, so
replay can rebuild it from the user's answer or an environment variable:

==================  ==================================================  ====================
placeholder         stands for (what goes on the wire)                  taken from
==================  ==================================================  ====================
``<username>``      base64 of the user name (AUTH LOGIN)                SMTPSHELL_USER
``<password>``      base64 of the password (AUTH LOGIN)                 SMTPSHELL_PASSWORD
``<credentials>``   base64 of NUL user NUL password (AUTH PLAIN)        both of the above
``<secret>``        something smtpshell cannot rebuild (other SASL)     (replay stops there)
==================  ==================================================  ====================
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..events import SECRET_PLACEHOLDER
from ..i18n import t

USERNAME = "<username>"
PASSWORD = "<password>"
CREDENTIALS = "<credentials>"
SECRET = "<secret>"

PLACEHOLDERS = (USERNAME, PASSWORD, CREDENTIALS, SECRET, SECRET_PLACEHOLDER)
SECRET_PLACEHOLDERS = (PASSWORD, CREDENTIALS, SECRET, SECRET_PLACEHOLDER)  # hidden when typed
USERNAME_ENV = "SMTPSHELL_USER"  # the same variables as the AUTH flow (smtpshell.auth.options)
PASSWORD_ENV = "SMTPSHELL_PASSWORD"


class SecretUnavailable(Exception):
    """A placeholder cannot be filled in; str() says how to provide it."""


def placeholder_in(line: str) -> str | None:
    """The placeholder a transcript line holds ('<password>' or 'AUTH PLAIN <credentials>')."""
    words = line.split(" ")
    last = words[-1] if words else ""
    if line in PLACEHOLDERS:
        return line
    if len(words) >= 2 and words[0].upper() == "AUTH" and last in PLACEHOLDERS:
        return last
    return None


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_challenge(text: str) -> str:
    """A 334 challenge decoded ('VXNlcm5hbWU6' -> 'Username:'), '' if it is not base64."""
    try:
        return base64.b64decode(text.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


Ask = Callable[[str, bool], Awaitable[str]]  # (label, hidden) -> answer


@dataclass
class SecretSource:
    """Where replay and lessons get the user name and password: given, environment, or asked."""

    username: str | None = None
    password: str | None = None
    ask: Ask | None = None  # None: do not ask (no terminal)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    async def get_username(self) -> str:
        if self.username is None:
            self.username = self.environ.get(USERNAME_ENV) or await self._ask(
                t("transcript.secret.user_name", "user name"), False, USERNAME_ENV)
        return self.username

    async def get_password(self) -> str:
        if self.password is None:
            self.password = self.environ.get(PASSWORD_ENV) or await self._ask(
                t("transcript.secret.password", "password"), True, PASSWORD_ENV)
        return self.password

    async def _ask(self, what: str, hidden: bool, variable: str) -> str:
        if self.ask is None:
            raise SecretUnavailable(t("transcript.secret.needed", "the transcript needs a {what}: set {variable} (or run on a terminal to be asked)",
                                      what=what, variable=variable))
        answer = await self.ask(t("transcript.secret.ask", "{what} for AUTH: ", what=what), hidden)
        if not answer:
            raise SecretUnavailable(t("transcript.secret.none", "no {what} given", what=what))
        return answer

    async def fill(self, line: str) -> str:
        """The wire text for a transcript line with a placeholder."""
        token = placeholder_in(line)
        if token is None:
            return line
        if token == USERNAME:
            value = b64(await self.get_username())
        elif token == PASSWORD:
            value = b64(await self.get_password())
        elif token == CREDENTIALS:
            user = await self.get_username()
            value = b64(f"\0{user}\0{await self.get_password()}")
        else:
            raise SecretUnavailable(t("transcript.secret.unknown", "{token} stands for a secret smtpshell cannot rebuild; edit the transcript to use {username}, {password} or {credentials} (AUTH LOGIN or PLAIN)",
                                      token=token, username=USERNAME, password=PASSWORD, credentials=CREDENTIALS))
        return line[: len(line) - len(token)] + value

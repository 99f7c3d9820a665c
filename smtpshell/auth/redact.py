"""Redaction helpers: the forms a secret can take, and scrubbing text of them.

Events never hold a secret by construction (the flow gives ``Connection.send``
a placeholder). This is the second line of defence for free text, such as an
error message built from an exception: every secret the flow handles is
registered here, with its base64 forms, and :meth:`Redactor.scrub` replaces
any of them before the text is shown.
"""

from __future__ import annotations

import base64

PLACEHOLDER = "<secret hidden>"
MIN_LENGTH = 3  # shorter strings would blot out ordinary text


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def secret_forms(*, user: str = "", password: str | None = None, token: str | None = None, authzid: str = "") -> set[str]:
    """Every string that would give a secret away: the value, its base64, and
    the base64 of each SASL string built from it (PLAIN, XOAUTH2, OAUTHBEARER)."""
    forms: set[str] = set()
    if password:
        forms |= {password, b64(password), b64(f"{authzid}\0{user}\0{password}")}
    if token:
        forms |= {token, b64(token), b64(f"user={user}\x01auth=Bearer {token}\x01\x01")}
    return {f for f in forms if len(f) >= MIN_LENGTH}


class Redactor:
    """Knows the secrets of a session; scrubs them out of text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secret form(s))"

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= MIN_LENGTH:
                self._secrets.add(value)
                self._secrets.add(b64(value))

    def scrub(self, text: str) -> str:
        # Longest first, so a secret inside a longer one is replaced as part of it.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, PLACEHOLDER)
        return text

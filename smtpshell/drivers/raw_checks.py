"""Raw mode's checks before a write: what may never go out raw, and what the TLS policy must see.

Raw mode sends bytes as typed, but the shell's promises still hold (docs/security.md):

- a credential is never sent raw: the screen and a transcript show raw lines as typed, so an
  AUTH initial response or an answer to a 334 would be shown and recorded in the clear;
- STARTTLS must be the last line of its write: whatever follows it would go out in plaintext
  before the handshake (the write gate of client/starttls.py holds only later writes);
- every verb a server might read in the bytes, a lenient one included (split at a bare CR or
  LF too), goes past the TLS policy, so ``--require-tls`` still keeps MAIL and AUTH back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..i18n import t
from ..protocol import catalogue
from ..protocol.line import Line, LineKind
from ..protocol.raw import Reading, WireLine, command_words
from ..protocol.secrets import is_secret_line
from ..protocol.session import Kind, Phase, Session


def refusal(reading: Reading, session: Session) -> str:
    """Why this raw write must not go out ("" if it may)."""
    commands = [line.text for line in reading.commands]
    if reading.partial and not reading.in_data:
        commands.append(reading.partial.decode("utf-8", "surrogateescape"))  # a lenient server may read it
    for line in reading.lines:
        if line.kind is Kind.AUTH_RESPONSE and line.text.strip() != "*":
            return _no_secrets()
    if any(is_secret_line(piece) for text in commands for piece in re.split(r"\r\n|\r|\n", text)):
        return _no_secrets()
    if reading.partial and session.phase is Phase.AUTH and reading.partial.strip() != b"*":
        return _no_secrets()
    for line in reading.commands:
        if line.verb == "STARTTLS" and (line is not reading.lines[-1] or reading.partial):
            return t("raw.starttls_last", "raw mode: STARTTLS must be the last line of a write (what follows it would go out in plaintext before the handshake); nothing was sent")
    return ""


def _no_secrets() -> str:
    return t("raw.no_secrets", "raw mode does not send credentials (a raw line is shown and recorded as typed): /raw off, then AUTH or /login; nothing was sent")


def policy_lines(reading: Reading) -> Iterator[Line]:
    """A command :class:`Line` for every verb a server might read in the write, for the TLS policy."""
    for line in reading.commands:
        for verb in command_words(line.text) or [line.verb]:
            yield Line(line.text, LineKind.COMMAND, verb, catalogue.lookup(verb))


def ends_group(line: WireLine) -> bool:
    """Must a pipelining client wait for every reply after this line (RFC 2920 3.1)?"""
    if line.kind is not Kind.COMMAND:
        return True
    entry = catalogue.lookup(line.verb)
    return entry is not None and entry.ends_group

"""Command history in ``$XDG_STATE_HOME/smtpshell/history`` (mode 0600).

A line is kept only if :func:`should_keep` says so: never a line that may
carry a credential (``protocol.secrets.is_secret_line``: an AUTH initial
response, any answer typed in the AUTH phase), never message content typed
in DATA. Lines typed at a password prompt never get here: that prompt has no
history at all. A secret is not kept in memory either, so the up arrow cannot
bring it back to the screen.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from prompt_toolkit.history import FileHistory

from ..protocol.secrets import is_secret_line
from ..protocol.session import Phase, Session, extract_address
from ..protocol.commands import CommandLine
from ..protocol import catalogue
from ..protocol.catalogue import ArgShape

FILE_MODE = 0o600


def _verb_takes(line: str, shape: ArgShape) -> bool:
    """Is ``line`` a verb whose argument has this shape (the catalogue says)?"""
    entry = catalogue.lookup(CommandLine.parse(line).verb)
    return entry is not None and entry.argument is shape


def should_keep(line: str, session: Session | None) -> bool:
    """May ``line`` (typed in ``session``'s current phase) go into the history?"""
    if not line.strip():
        return False
    if session is not None and session.phase in (Phase.DATA, Phase.AUTH):
        return False  # message content, SASL answers
    lines = line.split("\n")
    if len(lines) > 1 and any(_verb_takes(part, ArgShape.MECHANISM) for part in lines):
        return False  # a pasted AUTH exchange: the lines after it are SASL answers
    return not any(is_secret_line(part, session) for part in lines)


def history_path(state_dir: Path) -> Path:
    return state_dir / "history"


def prepare(path: Path) -> None:
    """Create the file (and its folder) private to the user, and fix the mode if it drifted."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.close(fd)
    if (os.stat(path).st_mode & 0o777) != FILE_MODE:
        os.chmod(path, FILE_MODE)


class SecretSafeHistory(FileHistory):
    """A FileHistory that asks ``keep(line)`` before remembering anything."""

    def __init__(self, path: Path, keep: Callable[[str], bool]) -> None:
        prepare(path)
        super().__init__(str(path))
        self.keep = keep

    def append_string(self, string: str) -> None:
        if self.keep(string):
            super().append_string(string)

    def store_string(self, string: str) -> None:
        if self.keep(string):
            super().store_string(string)


def addresses_in(lines: Iterable[str]) -> list[str]:
    """Addresses used in MAIL FROM / RCPT TO lines, newest first, once each."""
    seen: dict[str, None] = {}
    for line in lines:
        if _verb_takes(line, ArgShape.ENVELOPE):
            address = extract_address(line)
            if address:
                seen.setdefault(address, None)
    return list(seen)

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

from ..i18n import t
from ..private_files import LinkRefused, private_dir, touch_private
from ..protocol.secrets import is_secret_line
from ..protocol.session import Phase, Session, extract_address
from ..protocol.commands import CommandLine
from ..untrusted import safe

FILE_MODE = 0o600


def should_keep(line: str, session: Session | None) -> bool:
    """May ``line`` (typed in ``session``'s current phase) go into the history?"""
    if not line.strip():
        return False
    if session is not None and session.phase in (Phase.DATA, Phase.AUTH):
        return False  # message content, SASL answers
    lines = line.split("\n")
    if len(lines) > 1 and any(CommandLine.parse(part).verb == "AUTH" for part in lines):
        return False  # a pasted AUTH exchange: the lines after it are SASL answers
    return not any(is_secret_line(part, session) for part in lines)


def history_path(state_dir: Path) -> Path:
    return state_dir / "history"


def prepare(path: Path) -> None:
    """Create the file (and its folder) private to the user, and fix the mode if it drifted.

    Raises :class:`~smtpshell.private_files.LinkRefused` for a symbolic link at
    the path: it is neither followed nor its target chmod'ed.
    """
    private_dir(path.parent)
    touch_private(path)


class SecretSafeHistory(FileHistory):
    """A FileHistory that asks ``keep(line)`` before remembering anything."""

    def __init__(self, path: Path, keep: Callable[[str], bool]) -> None:
        self.keep = keep
        self.problem: str | None = None  # why the history is not kept in the file (shown once)
        try:
            prepare(path)
        except LinkRefused:
            self.problem = t("history.link", "{path} is a symbolic link; smtpshell does not follow links for the "
                             "history: this session's history is not saved", path=safe(str(path)))
        except OSError as exc:
            self.problem = t("history.unwritable", "cannot use the history file {path} ({reason}); this "
                             "session's history is not saved", path=safe(str(path)), reason=exc.strerror or exc)
        super().__init__(str(path))

    def load_history_strings(self):  # type: ignore[no-untyped-def]
        if self.problem is not None:
            return iter(())  # never read through the link
        return super().load_history_strings()

    def append_string(self, string: str) -> None:
        if self.keep(string):
            super().append_string(string)

    def store_string(self, string: str) -> None:
        if self.problem is None and self.keep(string):
            super().store_string(string)


def addresses_in(lines: Iterable[str]) -> list[str]:
    """Addresses used in MAIL FROM / RCPT TO lines, newest first, once each."""
    seen: dict[str, None] = {}
    for line in lines:
        if CommandLine.parse(line).verb in ("MAIL", "RCPT"):
            address = extract_address(line)
            if address:
                seen.setdefault(address, None)
    return list(seen)

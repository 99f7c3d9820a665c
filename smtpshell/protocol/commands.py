"""What a typed line is, before it goes on the wire.

The shell sends what the user typed, plus CRLF. The one thing it refuses is a
line that would smuggle a second command: CR, LF or NUL inside a line would
put bytes on the wire that the user did not see as a separate command.
"""

from __future__ import annotations

from ..i18n import t
from ..records import NamedTuple
from . import catalogue

FORBIDDEN = {"\r": "CR", "\n": "LF", "\x00": "NUL"}


class InjectionError(ValueError):
    """A line holds CR, LF or NUL; sending it would inject another command."""


def injection_message(found: list[str]) -> str:
    """The one line saying why a line holding ``found`` (["CR", "NUL"]) was not sent."""
    return t("protocol.injection", "refused: the line holds {found}, which would put a second command on the wire; nothing was sent (type each command on its own line)",
             found=t("protocol.injection.and", " and ").join(found))


def check_line(line: str) -> None:
    """Raise :class:`InjectionError` if ``line`` holds CR, LF or NUL."""
    found = [name for ch, name in FORBIDDEN.items() if ch in line]
    if found:
        raise InjectionError(injection_message(found))


class CommandLine(NamedTuple):
    """A command line split into its verb and the rest, as typed."""

    text: str
    verb: str  # upper-cased first word ("" for an empty line)
    args: str  # everything after the first space, as typed

    @classmethod
    def parse(cls, text: str) -> CommandLine:
        stripped = text.lstrip()
        verb, _, args = stripped.partition(" ")
        return cls(text, verb.upper(), args)

    @property
    def known(self) -> bool:
        return catalogue.lookup(self.verb) is not None

    def encode(self) -> bytes:
        """The bytes to send: the line exactly as typed, plus CRLF."""
        check_line(self.text)
        return self.text.encode("utf-8") + b"\r\n"

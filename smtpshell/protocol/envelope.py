"""The one reader of MAIL and RCPT arguments: ``FROM:<path> [PARAM[=value] ...]``.

It reads what is typed, finished or not, and says where each part sits, so
the lexer colours from it, the completer finds the cursor's slot from it and
the session takes the address from it. It never rejects: a part that is
missing is None, a part that is malformed is there as typed and the caller
judges it (the lexer marks it, the server answers 501).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..records import NamedTuple

# The keyword runs to its first ':' (FROM:, TO:) or, if there is none, is the whole first word.
# Patterns, compiled on first use (re caches them), not at import: a session without
# MAIL or RCPT never needs them, and each compile costs at start-up (issue 18).
_KEYWORD = r"(\s*)(\S*?:|\S*)(\s*)"
_WORD = r"\S+"


class Piece(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    """A run of the argument text and where it starts in it."""

    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class EnvelopeArgument(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    """The parts of a MAIL or RCPT argument, positions counted in the argument text."""

    keyword: Piece | None  # "FROM:" as typed, or whatever word stands there
    path: Piece | None  # "<addr>", "<addr" (no '>' yet) or a bare word; None after a keyword with no ':'
    rest: Piece | None  # everything after the path (the parameters), or after a keyword with no ':'

    @property
    def has_colon(self) -> bool:
        return self.keyword is not None and self.keyword.text.endswith(":")

    @property
    def path_closed(self) -> bool:
        return self.path is not None and self.path.text.startswith("<") and self.path.text.endswith(">")

    @property
    def address(self) -> str | None:
        """The address between '<' and '>', or None (no path, unclosed, or the null path '<>')."""
        if not self.path_closed or self.path is None:
            return None
        return self.path.text[1:-1] or None

    def parameters(self) -> list[Piece]:
        """The words after a closed path: ``SIZE=100``, ``SMTPUTF8``..."""
        if self.rest is None or not self.path_closed:
            return []
        return [Piece(self.rest.start + m.start(), m.group()) for m in re.finditer(_WORD, self.rest.text)]


def parse(argument: str) -> EnvelopeArgument:
    """Split the text after ``MAIL``/``RCPT`` (leading space included or not)."""
    m = re.match(_KEYWORD, argument)
    assert m is not None  # every part of the pattern may be empty
    keyword = Piece(m.start(2), m.group(2)) if m.group(2) else None
    if keyword is None or not keyword.text.endswith(":"):
        # "MAIL FROM <a@b>": without the colon the rest is not a path.
        after = m.end(2)
        return EnvelopeArgument(keyword, None, Piece(after, argument[after:]) if after < len(argument) else None)
    at = m.end()
    tail = argument[at:]
    if not tail:
        return EnvelopeArgument(keyword, None, None)
    if tail.startswith("<"):
        close = tail.find(">")
        length = len(tail) if close < 0 else close + 1
    else:
        word = re.match(_WORD, tail)
        assert word is not None  # tail starts after the whitespace the keyword pattern took
        length = word.end()
    path = Piece(at, tail[:length])
    rest = Piece(path.end, argument[path.end :]) if path.end < len(argument) else None
    return EnvelopeArgument(keyword, path, rest)


@lru_cache(maxsize=256)
def address_of(line: str) -> str | None:
    """The address of a whole ``MAIL FROM:<a@b> ...`` / ``RCPT TO:<a@b>`` line, if it has one.

    Kept for the last few lines (pure, and asked about each line several times: the
    session, the summary and the renderer all read the address of the same MAIL)."""
    _, _, argument = line.lstrip().partition(" ")
    return parse(argument).address

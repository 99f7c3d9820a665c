"""Compare a real reply with the expected ``S:`` lines of a transcript.

Rules (documented in docs/transcripts.md):

- the reply code must be the expected one, always;
- the text of each line is a pattern: ``*`` matches any run of characters
  (host names, queue IDs, dates vary), ``\\*`` is a literal asterisk and
  ``\\\\`` a backslash (the recorder writes them so; any other backslash is itself);
- an expected line whose text is ``...`` matches any number of lines (zero or
  more), e.g. the middle of an EHLO reply;
- with ``codes_only`` the texts are not compared at all.

Server text is compared the way it is shown and recorded: control characters
escaped (:func:`smtpshell.untrusted.safe`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..protocol.replies import ProtocolError, Reply
from ..untrusted import safe
from .model import Expected


@dataclass(frozen=True)
class Difference:
    """Why a reply did not match, in words for the report."""

    reason: str
    expected: tuple[str, ...]
    actual: tuple[str, ...]


def reply_lines(reply: Reply) -> tuple[str, ...]:
    """The reply as 'CODE text' lines, as recorded and compared."""
    return tuple(f"{reply.code} {safe(line)}".rstrip() for line in reply.lines) or (str(reply.code),)


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\\\\|\\\*|\*)", pattern)
    regex = "".join(_TOKENS.get(part, re.escape(part)) for part in parts)
    return re.compile(regex, re.DOTALL)


# '\\' is a backslash, '\*' an asterisk, '*' any text; any other '\' is itself.
_TOKENS = {"*": ".*", "\\*": re.escape("*"), "\\\\": re.escape("\\")}


def text_matches(pattern: str, text: str) -> bool:
    return _compile(pattern).fullmatch(text) is not None


def escape(text: str) -> str:
    """Server text as a pattern that matches exactly it (what the recorder writes)."""
    out = []
    for i, ch in enumerate(text):
        if ch == "*":
            out.append("\\*")
        elif ch == "\\" and text[i + 1 : i + 2] in ("*", "\\"):
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def _lines_match(patterns: list[Expected], lines: list[str]) -> bool:
    """Patterns against lines, '...' spanning zero or more lines (small inputs: plain recursion)."""
    if not patterns:
        return not lines
    head, rest = patterns[0], patterns[1:]
    if head.any_lines:
        return any(_lines_match(rest, lines[i:]) for i in range(len(lines) + 1))
    return bool(lines) and text_matches(head.text, lines[0]) and _lines_match(rest, lines[1:])


def compare(
    expected: list[Expected], actual: Reply | ProtocolError | None, *, codes_only: bool = False
) -> Difference | None:
    """None when ``actual`` is what ``expected`` describes; else the difference."""
    shown = tuple(str(e) for e in expected)
    if actual is None:
        return Difference("no reply came", shown, ())
    if isinstance(actual, ProtocolError):
        return Difference(f"the server sent something that is not an SMTP reply: {actual.message}", shown,
                          (safe(actual.raw.decode("utf-8", "backslashreplace"))[:120],))
    got = reply_lines(actual)
    want_code = expected[0].code
    if actual.code != want_code:
        return Difference(f"reply code {actual.code} where the transcript has {want_code}", shown, got)
    if codes_only:
        return None
    texts = [safe(line) for line in actual.lines] or [""]
    if not _lines_match(list(expected), texts):
        return Difference("same code, different text", shown, got)
    return None

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

from dataclasses import dataclass
from functools import lru_cache

from ..i18n import t
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
def _segments(pattern: str) -> tuple[str, ...]:
    """The literal pieces between the pattern's wildcards: ``a*b\\*c`` -> ("a", "b*c").

    '\\\\' is a backslash, '\\*' an asterisk, '*' any text; any other '\\' is itself.
    """
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and pattern[i + 1 : i + 2] in ("*", "\\"):
            current.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    pieces.append("".join(current))
    return tuple(pieces)


def text_matches(pattern: str, text: str) -> bool:
    """Glob match, greedy and iterative: linear in ``text`` (no regex, no backtracking).

    The first piece must start the text and the last must end it; each piece
    between is taken at its leftmost place after the one before (the leftmost
    place never rules out a match that a later one would allow).
    """
    pieces = _segments(pattern)
    if len(pieces) == 1:
        return text == pieces[0]
    first, *middle, last = pieces
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    at, end = len(first), len(text) - len(last)
    for piece in middle:
        found = text.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


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


def _run_matches(run: list[Expected], lines: list[str], at: int) -> bool:
    return all(text_matches(pattern.text, lines[at + i]) for i, pattern in enumerate(run))


def _lines_match(patterns: list[Expected], lines: list[str]) -> bool:
    """Patterns against lines, '...' spanning zero or more lines; iterative, greedy like :func:`text_matches`.

    The runs of patterns between '...' are the pieces: the first is anchored at
    the first line, the last at the last line, each one between is taken at its
    leftmost place. No recursion, so a 1,000-line reply cannot exhaust the stack.
    """
    runs: list[list[Expected]] = [[]]
    for pattern in patterns:
        if pattern.any_lines:
            runs.append([])
        else:
            runs[-1].append(pattern)
    if len(runs) == 1:
        return len(runs[0]) == len(lines) and _run_matches(runs[0], lines, 0)
    first, *middle, last = runs
    if len(lines) < len(first) + len(last):
        return False
    if not _run_matches(first, lines, 0) or not _run_matches(last, lines, len(lines) - len(last)):
        return False
    at, end = len(first), len(lines) - len(last)
    for run in middle:
        while at + len(run) <= end and not _run_matches(run, lines, at):
            at += 1
        if at + len(run) > end:
            return False
        at += len(run)
    return True


def compare(
    expected: list[Expected], actual: Reply | ProtocolError | None, *, codes_only: bool = False
) -> Difference | None:
    """None when ``actual`` is what ``expected`` describes; else the difference."""
    shown = tuple(str(e) for e in expected)
    if actual is None:
        return Difference(t("transcript.diff.no_reply", "no reply came"), shown, ())
    if isinstance(actual, ProtocolError):
        return Difference(t("transcript.diff.not_smtp", "the server sent something that is not an SMTP reply: {problem}", problem=actual.message), shown,
                          (safe(actual.raw.decode("utf-8", "backslashreplace"))[:120],))
    got = reply_lines(actual)
    want_code = expected[0].code
    if actual.code != want_code:
        return Difference(t("transcript.diff.code", "reply code {code} where the transcript has {want}", code=actual.code, want=want_code), shown, got)
    if codes_only:
        return None
    texts = [safe(line) for line in actual.lines] or [""]
    if not _lines_match(list(expected), texts):
        return Difference(t("transcript.diff.text", "same code, different text"), shown, got)
    return None

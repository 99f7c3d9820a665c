"""Wrapping ``--help`` texts by what the terminal shows, for Chinese and the pseudo-locale.

argparse wraps with :mod:`textwrap`, which counts characters and breaks only
at spaces: a Chinese sentence (no spaces, two columns a character) would come
out as one line twice the terminal's width. Here a wide character takes two
columns and a line may break before any of them (never inside an English word
or a ``--flag``); full-width punctuation stays on the line it ends, an opening bracket
goes to the line of what it opens.

In the ``qps`` pseudo-locale a help text is ``⟦...⟧``: it is wrapped without
the marks and each line marked again, so every line on screen shows it came
through the catalogue. ASCII text goes to argparse's own wrapping unchanged.
"""

from __future__ import annotations

import re

from . import i18n

_TOKEN = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")
_NO_LINE_START = set("，。：；？！）、》」』】,.:;?!)")
_NO_LINE_END = set("（《「『【")


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (East Asian wide and full-width characters take two)."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int) -> list[str]:
    """``text`` as lines of at most ``columns`` columns (a longer single word keeps its own line)."""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(" ".join(text.split())):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = width(token)
        if line and used + size > columns and token not in _NO_LINE_START:
            carried = line[-1] if line[-1] in _NO_LINE_END else ""  # an opening bracket goes with what it opens
            lines.append(line[: len(line) - len(carried)].rstrip())
            line, used = carried, width(carried)
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _one_marked_text(text: str) -> bool:
    """The whole text is one ``⟦...⟧`` (a text with unmarked parts is left as it is, to be seen)."""
    return (text.startswith(i18n.MARK_OPEN) and text.endswith(i18n.MARK_CLOSE)
            and text.count(i18n.MARK_OPEN) == 1 and text.count(i18n.MARK_CLOSE) == 1)


def split_lines(text: str, columns: int) -> list[str] | None:
    """The help text's lines, or None when argparse's own wrapping is right (plain ASCII)."""
    if text.isascii():
        return None
    if i18n.is_pseudo() and _one_marked_text(text):
        inner = text[len(i18n.MARK_OPEN):-len(i18n.MARK_CLOSE)]
        return [f"{i18n.MARK_OPEN}{line}{i18n.MARK_CLOSE}" for line in wrap(inner, max(columns - 2, 10))]
    return wrap(text, columns)

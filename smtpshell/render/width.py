"""Display width: the columns text takes in a terminal, and wrapping to a width.

Everything that lays text out for a terminal measures it here, never with
``len()``: a Chinese character or a full-width comma takes two columns, a
combining mark none (:func:`cell_width`, from ``wcwidth``, which prompt_toolkit
itself uses, so the toolbar it draws and the lines we print agree).

Wrapping (:func:`wrap_spans`) breaks at spaces, never inside a word, and
between two CJK characters, never inside one (a character and the zero-width
marks after it are one cluster). Basic kinsoku: no line starts with closing
punctuation (，。）」...) and none ends with opening punctuation (（「...).
Only a word longer than the whole line is cut, at a cluster boundary.

:func:`wrap_styled` applies this to rendered styled text, line by line: a
line is wrapped only from its first *prose* fragment (an explanation, a hint,
a note, a warning...: :data:`PROSE`); what comes before it (the ``S: 250-SIZE``
of an EHLO row, the label of an ``/explain`` row) and the prose's own bullet
(``   ↳ ``) are the head, and continuation lines are indented to the end of
the head, so the text reads as a column. The server's own lines carry no
prose and are never changed. Like the rest of :mod:`smtpshell.render`, no
prompt_toolkit here: the REPL, script mode and ``smtpshell explain`` call it
with the terminal's width at the moment they print, so output after a resize
fits the new width.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache

from ..i18n import MARK_CLOSE, MARK_OPEN
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import TextIO

StyledText = list[tuple[str, str]]

# Styles whose text is ours, in sentences: these may be wrapped (see the module's docstring).
PROSE = frozenset({
    "class:explain", "class:explain.hint", "class:explain.title", "class:note", "class:info",
    "class:warning", "class:error", "class:tls", "class:insecure", "class:lesson",
    "class:ehlo.added", "class:ehlo.removed", "class:ehlo.changed", "class:help.text",
})

# Kinsoku (basic): never at the start of a line / never at the end of one.
NO_BREAK_BEFORE = frozenset("，。、；：？！）》」』】〉〕〗〙〛｝］’”…‥·・ー々〜～,.;:?!)]}%")
NO_BREAK_AFTER = frozenset("（《「『【〈〔〖〘〚｛［‘“([{")
MIN_INDENT = 2  # a continuation line is indented at least this much, so it reads as one
MIN_TEXT = 20  # columns a continuation line keeps for its text, however deep its head
ELLIPSIS = "…"
NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")  # spaces that hold their neighbours together

# A prose fragment's own bullet is part of the head: "   ↳ ", "   → ", "** ", "!! ", "     + ".
_BULLET = r"^\s*(?:[^\w\s]{1,3}\s+)?"  # compiled on first use (re caches it): wrapping is rare in a script


@cache
def char_width(ch: str) -> int:
    """Columns of one code point: 2 for wide, 0 for combining marks and controls, else 1."""
    from wcwidth import wcwidth  # its tables load on the first non-ASCII text: a script run never pays

    return max(wcwidth(ch), 0)


def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (what ``len()`` is not, for Chinese)."""
    if text.isascii():  # the common case, fast: one column a character, none for a control
        return len(text) if text.isprintable() else sum(1 for ch in text if " " <= ch <= "~")
    return sum(char_width(ch) for ch in text)


def clusters(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each character with the zero-width marks that follow it (combining
    accents, variation selectors, a zero-width joiner and what it joins): never split one."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (text[j - 1] == "\u200d" or (char_width(text[j]) == 0 and not text[j].isspace())):
            j += 1
        yield i, j
        i = j


class _Atom(NamedTuple):
    start: int
    end: int
    space: bool
    glued: tuple[int, ...] = ()  # where kinsoku alone holds it together: cut there first


def _atoms(text: str) -> list[_Atom]:
    """The text as unbreakable pieces. A line may break before any piece; after a space piece
    the space is dropped. Narrow non-space clusters run into one word; a wide cluster is a
    piece of its own; kinsoku glues punctuation to its neighbour."""
    atoms: list[_Atom] = []
    last_wide = False  # the last cluster of the last piece is wide (a break may follow it)
    glue_next = False  # the last piece ends with opening punctuation: the next one sticks to it
    for start, end in clusters(text):
        ch = text[start]
        space = ch.isspace() and ch not in NO_BREAK_SPACES
        wide = cell_width(text[start:end]) >= 2
        breakable = wide or last_wide
        if atoms and atoms[-1].space == space and (
            space or glue_next or ch in NO_BREAK_BEFORE or not breakable
        ):
            glued = atoms[-1].glued + ((start,) if breakable and not space else ())
            atoms[-1] = _Atom(atoms[-1].start, end, space, glued)  # the same word (or run of spaces)
        else:
            atoms.append(_Atom(start, end, space))
        last_wide = wide
        glue_next = not space and ch in NO_BREAK_AFTER
    return atoms


def _glue_cut(text: str, atom: _Atom, start: int, room: int) -> int | None:
    """The last place kinsoku alone holds a too-long piece together that leaves its start within
    ``room``: giving up kinsoku there is better than cutting a word."""
    fits = [p for p in atom.glued if start < p and cell_width(text[start:p]) <= room]
    return fits[-1] if fits else None


def _cut(text: str, start: int, end: int, room: int) -> int:
    """Where to cut a word too long for a whole line: after as many clusters as fit in ``room``
    (at least one, so wrapping always moves on)."""
    used, cut = 0, start
    for a, b in clusters(text[start:end]):
        w = cell_width(text[start + a:start + b])
        if used + w > room and cut > start:
            break
        used, cut = used + w, start + b
    return cut


def wrap_spans(text: str, width: int, first: int = 0, indent: int = 0) -> list[tuple[int, int]]:
    """Break ``text`` into lines of at most ``width`` columns: (start, end) of each line in
    ``text``, spaces at the breaks left out. The first line has ``first`` columns taken
    already (a head printed before it), the others ``indent`` (their indentation)."""
    lines: list[tuple[int, int]] = []
    line_start, line_end, used, taken = -1, -1, first, first  # taken: columns before the line's text
    pending = 0  # width of the spaces between the line's text and the next word
    for atom in _atoms(text):
        start, end, space = atom.start, atom.end, atom.space
        if space:
            if line_start >= 0:
                pending += cell_width(text[start:end])
            continue
        w = cell_width(text[start:end])
        if line_start >= 0:
            if used + pending + w <= width:
                line_end, used, pending = end, used + pending + w, 0
                continue
            lines.append((line_start, line_end))  # the word does not fit: a new line
            line_start, used, taken, pending = -1, indent, indent, 0
        elif w > width - taken and taken > indent:
            # A head's line with no text yet: a continuation line has more room for the word.
            lines.append((start, start))
            used, taken = indent, indent
        while w > width - taken:  # longer than a whole line: cut it, never elsewhere
            cut = _glue_cut(text, atom, start, width - taken) or _cut(text, start, end, width - taken)
            lines.append((start, cut))
            start, taken, used = cut, indent, indent
            w = cell_width(text[start:end])
            if start == end:
                break
        if start < end:
            line_start, line_end, used = start, end, taken + w
    if line_start >= 0:
        lines.append((line_start, line_end))
    return lines or [(0, 0)]


def hang_indent(head: int, width: int) -> int:
    """The indentation of continuation lines after a head of ``head`` columns: the head's
    width, at least :data:`MIN_INDENT`; but the text keeps :data:`MIN_TEXT` columns, or half
    a narrow line (an EHLO table's meaning column stays a column down to 48 columns)."""
    return min(max(head, MIN_INDENT), max(width - MIN_TEXT, width // 2, MIN_INDENT))


def wrap(text: str, width: int, first: int = 0, indent: int | None = None) -> list[str]:
    """``text`` as lines of at most ``width`` columns; continuation lines start with their
    indentation (``indent``, else :func:`hang_indent` of ``first``). The first line does not
    include the ``first`` columns of head it follows."""
    hang = hang_indent(first, width) if indent is None else indent
    spans = wrap_spans(text, width, first, hang)
    return [("" if i == 0 else " " * hang) + text[a:b] for i, (a, b) in enumerate(spans)]


def pad_to(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` display columns (``f"{text:<n}"`` counts
    characters, so Chinese labels came out too wide)."""
    return text + " " * max(0, columns - cell_width(text))


# -- styled text ------------------------------------------------------------------------


def _lines(fragments: StyledText) -> Iterator[tuple[StyledText, bool]]:
    """Styled text cut at its newlines: (fragments of the line, whether a newline ends it)."""
    line: StyledText = []
    for style, text in fragments:
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if part:
                line.append((style, part))
            if i < len(parts) - 1:
                yield line, True
                line = []
    if line:
        yield line, False


def _wrap_line(line: StyledText, width: int) -> StyledText:
    prose_at = next((i for i, (style, _) in enumerate(line) if style in PROSE), None)
    if prose_at is None or cell_width("".join(text for _, text in line)) <= width:
        return line
    head = line[:prose_at]
    body = line[prose_at:]
    first_style, first_text = body[0]
    bullet = re.match(_BULLET, first_text)
    bullet_text = bullet.group(0) if bullet else ""
    if bullet_text:
        head = [*head, (first_style, bullet_text)]
        body = [(first_style, first_text[len(bullet_text):]), *body[1:]]
    head_width = cell_width("".join(text for _, text in head))
    text = "".join(t for _, t in body)
    hang = hang_indent(head_width, width)
    # The pseudo-locale marks each line of our text ⟦so⟧: a row cut from a marked line is
    # closed and the next reopened, so every row on screen still shows it went through t().
    marked = MARK_OPEN in text
    spans = wrap_spans(text, width - 2 if marked else width, head_width, hang)
    out: StyledText = list(head)
    for n, (start, end) in enumerate(spans):
        row = _slice(body, start, end)
        if n:
            out += [("", "\n"), ("", " " * hang)]
            if marked and _inside_mark(text, start) and row:
                row.insert(0, (row[0][0], MARK_OPEN))
        if marked and n < len(spans) - 1 and _inside_mark(text, end) and row:
            row.append((row[-1][0], MARK_CLOSE))
        out += row
    return out


def _inside_mark(text: str, at: int) -> bool:
    return text.count(MARK_OPEN, 0, at) > text.count(MARK_CLOSE, 0, at)


def _slice(fragments: StyledText, start: int, end: int) -> StyledText:
    """The styled text between two offsets of its concatenated text."""
    out: StyledText = []
    at = 0
    for style, text in fragments:
        a, b = max(start - at, 0), min(end - at, len(text))
        if a < b:
            out.append((style, text[a:b]))
        at += len(text)
    return out


def wrap_styled(fragments: StyledText, width: int | None) -> StyledText:
    """Rendered text with each prose line wrapped to ``width`` columns (see the module's
    docstring); ``None`` (not a terminal) leaves it as it is, so logs keep whole lines."""
    if width is None or width < 1:
        return fragments
    out: StyledText = []
    for line, newline in _lines(fragments):
        out += _wrap_line(line, width)
        if newline:
            out.append(("", "\n"))
    return out


def fit(fragments: StyledText, width: int) -> StyledText:
    """Styled text cut to one line of ``width`` columns at a word (or CJK character) boundary,
    ending with an ellipsis when cut: the toolbar and the right prompt are one line."""
    total = cell_width("".join(text for _, text in fragments))
    if total <= width:
        return fragments
    text = "".join(t for _, t in fragments)
    room = max(width - cell_width(ELLIPSIS), 0)
    lead = len(text) - len(text.lstrip())
    spans = wrap_spans(text, room, first=cell_width(text[:lead]))
    end = spans[0][1] if spans else 0
    kept = _slice(fragments, 0, end)
    style = kept[-1][0] if kept else ""
    return [*kept, (style, ELLIPSIS)] if width >= cell_width(ELLIPSIS) else kept


def terminal_columns(stream: TextIO) -> int | None:
    """The width of the terminal ``stream`` writes to, now (it may have been resized), or
    None when it is not a terminal: a log or a pipe keeps whole lines."""
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns or None
    except (OSError, ValueError, AttributeError):
        return None


def wrap_text(text: str, width: int | None) -> str:
    """A plain line of ours (``** ...``, ``!! ...``) wrapped like prose, for what is written
    straight to a stream; ``None`` (not a terminal) leaves it whole."""
    return "".join(t for _, t in wrap_styled([("class:info", text)], width))


def keep_end(text: str, columns: int) -> str:
    """``text`` in at most ``columns`` columns, its start given up for an ellipsis (a file's
    path: its name, at the end, is what tells it apart)."""
    if cell_width(text) <= columns:
        return text
    kept, used = "", cell_width(ELLIPSIS)
    for start, end in reversed(list(clusters(text))):
        w = cell_width(text[start:end])
        if used + w > columns:
            break
        kept, used = text[start:end] + kept, used + w
    return ELLIPSIS + kept if columns >= cell_width(ELLIPSIS) else ""


def fit_text(text: str, width: int | None) -> str:
    """A status line redrawn in place with ``\\r`` cut like :func:`fit` to a window ``width``
    wide: wider, it would wrap and each redraw leave a row. The last column stays free: a
    row written to its end leaves the cursor waiting to wrap, which terminals treat apart."""
    return text if width is None else "".join(t for _, t in fit([("", text)], width - 1))


def whole_fragments(fragments: StyledText, width: int) -> StyledText:
    """The leading fragments that fit in ``width`` columns, each whole or not at all: the right
    prompt's few words say nothing cut in half, and what matters most comes first."""
    out: StyledText = []
    used = 0
    for style, text in fragments:
        used += cell_width(text)
        if used > width:
            break
        out.append((style, text))
    return out

"""prompt_toolkit glue for :mod:`.completion` and :mod:`.lexer`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from prompt_toolkit.styles.pygments import pygments_token_to_classname
from pygments.token import Whitespace

from ..protocol.session import Phase, Session
from .completion import Sources, complete
from .lexer import PieceLexer, SmtpAuthLexer, SmtpLexer, Tokens, lex_data_line, pieces, word_by_word_from


class SmtpCompleter(Completer):
    def __init__(self, session: Callable[[], Session], sources: Callable[[], Sources]) -> None:
        self._session = session
        self._sources = sources

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        slot, found = complete(document.text_before_cursor, None, self._session(), self._sources())
        for candidate in found:
            yield Completion(
                candidate.text,
                start_position=-len(slot.word),
                display=candidate.shown,
                display_meta=candidate.summary,
            )


class DataLexer(Lexer):
    """Message lines as email: headers until the first blank line, then body.

    prompt_toolkit asks for a new lexing of the whole buffer on every key, but
    only one line changed and only the lines on screen are drawn. So a line is
    lexed when it is asked for (``get_line``), and its fragments are kept by
    (text, in body?): a key in a 10,000-line paste lexes the line under the
    cursor, not the paste.
    """

    CACHE_LINES = 4096

    def __init__(self, in_body: Callable[[], bool]) -> None:
        self._in_body = in_body
        self._cache: dict[tuple[str, bool], StyleAndTextTuples] = {}
        self.lines_lexed = 0  # how many times a line went through the lexer (a test counts them)

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines
        starts_in_body = self._in_body()
        first_blank: list[int] = []  # found on first need (a C-speed scan), then kept

        def in_body(number: int) -> bool:
            if starts_in_body:
                return True
            if not first_blank:
                try:
                    first_blank.append(lines.index(""))
                except ValueError:
                    first_blank.append(len(lines))
            return first_blank[0] < number

        def get_line(number: int) -> StyleAndTextTuples:
            if not 0 <= number < len(lines):
                return []
            key = (lines[number], in_body(number))
            fragments = self._cache.get(key)
            if fragments is None:
                fragments = self._lex(*key)
                if len(self._cache) >= self.CACHE_LINES:
                    self._cache.clear()  # a new paste: start over rather than track ages
                self._cache[key] = fragments
            return fragments

        return get_line

    def _lex(self, line: str, in_body: bool) -> StyleAndTextTuples:
        self.lines_lexed += 1
        return [(f"class:{pygments_token_to_classname(token)}", text)
                for _, token, text in lex_data_line(line, in_body)]


_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # str.splitlines' besides "\n"
_WHITESPACE = f"class:{pygments_token_to_classname(Whitespace)}"


class _Lexed:
    """One command line's fragments, and where its word-by-word pieces begin (for reuse)."""

    def __init__(self, line: str, plan: tuple[int, object, PieceLexer] | None,
                 fragments: StyleAndTextTuples, piece_starts: list[int], piece_fragments: list[int]) -> None:
        self.line = line
        self.plan = plan
        self.fragments = fragments
        self.piece_starts = piece_starts  # offset in ``line`` of each piece of the word-by-word part
        self.piece_fragments = piece_fragments  # index in ``fragments`` of each piece's first one


class CommandLexer(Lexer):
    """Command lines as SMTP (what ``PygmentsLexer(SmtpLexer)`` shows), lexed from the change on.

    prompt_toolkit asks for a new lexing of the whole buffer on every key, and
    ``PygmentsLexer`` lexes the whole text each time: a key at the end of a
    10,000-character line lexed the 2,800 tokens before it again. Past its verb
    (MAIL and RCPT: past the path) a line is lexed word by word
    (``lexer.word_by_word_from``), so the pieces before the one a key changed keep
    their fragments, and only the rest is lexed: the work per key is the change,
    not the line. A test holds the fragments equal to PygmentsLexer's.
    """

    CACHE_LINES = 64

    def __init__(self) -> None:
        self._last: _Lexed | None = None
        self._cache: dict[str, StyleAndTextTuples] = {}
        self._whole = SmtpLexer()
        self._pasted = PygmentsLexer(SmtpLexer)
        self.tokens_lexed = 0  # tokens that went through the lexer (a test counts them)

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines
        if len(lines) > 1 and _OTHER_LINE_BREAKS.search(document.text):
            # Pygments' lines end at CR, VT, FF... too, and "\r\n" is one token across two
            # of prompt_toolkit's lines: such a paste is lexed whole, as before.
            return self._pasted.lex_document(document)
        last = len(lines) - 1

        def get_line(number: int) -> StyleAndTextTuples:
            if not 0 <= number <= last:
                return []
            fragments = self.line_fragments(lines[number])
            if last == 0:
                return fragments
            # Lexed whole, the "\n" between two lines is a token that ends one and starts the next.
            return [*([(_WHITESPACE, "")] if number else []), *fragments, *([(_WHITESPACE, "")] if number < last else [])]

        return get_line

    def line_fragments(self, line: str) -> StyleAndTextTuples:
        fragments = self._cache.get(line)
        if fragments is None:
            fragments = self._lex(line)
            if len(self._cache) >= self.CACHE_LINES:
                self._cache.clear()
            self._cache[line] = fragments
        return fragments

    def _lex(self, line: str) -> StyleAndTextTuples:
        plan = word_by_word_from(line) if line.splitlines() == [line] else None  # a VT or FF splits a line for Pygments
        if plan is None:
            self._last = None
            return self._styled(self._whole.get_tokens_unprocessed(line))
        at, verb, piece_lexer = plan
        last = self._last
        keep = 0
        if last is not None and last.plan == plan and line.startswith(last.line[:at]):
            keep = _pieces_kept(last, line)
        if keep and last is not None:
            fragments = last.fragments[: last.piece_fragments[keep]]
            starts, firsts = last.piece_starts[:keep], last.piece_fragments[:keep]
            start = last.piece_starts[keep]
        else:  # the part before the pieces, lexed (the generator stops there)
            fragments = self._styled(_before(self._whole.get_tokens_unprocessed(line), at))
            starts, firsts, start = [], [], at
        for offset, piece, space in pieces(line[start:], start):
            starts.append(offset)
            firsts.append(len(fragments))
            fragments += self._styled(piece_lexer(piece, offset, space, verb))
        self._last = _Lexed(line, plan, fragments, starts, firsts)
        return fragments

    def _styled(self, tokens: Tokens) -> StyleAndTextTuples:
        out: StyleAndTextTuples = []
        for _, token, text in tokens:
            out.append((_classname(token), text))
            self.tokens_lexed += 1
        return out


def _pieces_kept(last: _Lexed, line: str) -> int:
    """How many of the last line's pieces ``line`` has unchanged.

    ``line`` reads as the last line up to the start of piece ``lo`` (the largest such,
    by bisection: a prefix of a prefix is a prefix). Pieces before ``lo - 1`` are the
    same; piece ``lo - 1`` may go on (more spaces, more of the word), so it is lexed
    again with what follows.
    """
    starts = last.piece_starts
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if line.startswith(last.line[: starts[mid]]):
            lo = mid
        else:
            hi = mid - 1
    return max(lo - 1, 0)


def _before(tokens: Tokens, at: int) -> Tokens:
    for token in tokens:
        if token[0] >= at:
            return
        yield token


_CLASSNAMES: dict[object, str] = {}


def _classname(token: object) -> str:
    name = _CLASSNAMES.get(token)
    if name is None:
        name = _CLASSNAMES[token] = f"class:{pygments_token_to_classname(token)}"
    return name


def phase_lexer(session: Callable[[], Session], in_body: Callable[[], bool] = lambda: False) -> Lexer:
    """Command lines as SMTP, SASL answers as base64, DATA content as email."""
    by_phase: dict[Phase, Lexer] = {
        Phase.DATA: DataLexer(in_body),
        Phase.AUTH: PygmentsLexer(SmtpAuthLexer),
    }
    command = CommandLexer()
    return DynamicLexer(lambda: by_phase.get(session().phase, command))

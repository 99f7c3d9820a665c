"""prompt_toolkit glue for :mod:`.completion` and :mod:`.lexer`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import DynamicLexer, Lexer, PygmentsLexer
from prompt_toolkit.styles.pygments import pygments_token_to_classname

from ..protocol.session import Phase, Session
from .completion import Sources, complete
from .lexer import SmtpAuthLexer, SmtpLexer, lex_data_line


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


def phase_lexer(session: Callable[[], Session], in_body: Callable[[], bool] = lambda: False) -> Lexer:
    """Command lines as SMTP, SASL answers as base64, DATA content as email."""
    by_phase: dict[Phase, Lexer] = {
        Phase.DATA: DataLexer(in_body),
        Phase.AUTH: PygmentsLexer(SmtpAuthLexer),
    }
    command = PygmentsLexer(SmtpLexer)
    return DynamicLexer(lambda: by_phase.get(session().phase, command))

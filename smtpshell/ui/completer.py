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
    """Message lines as email: headers until the first blank line, then body."""

    def __init__(self, in_body: Callable[[], bool]) -> None:
        self._in_body = in_body

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines: list[StyleAndTextTuples] = []
        in_body = self._in_body()
        for line in document.lines:
            lines.append([(f"class:{pygments_token_to_classname(token)}", text)
                          for _, token, text in lex_data_line(line, in_body)])
            in_body = in_body or line == ""

        def get_line(number: int) -> StyleAndTextTuples:
            return lines[number] if 0 <= number < len(lines) else []

        return get_line


def phase_lexer(session: Callable[[], Session], in_body: Callable[[], bool] = lambda: False) -> Lexer:
    """Command lines as SMTP, SASL answers as base64, DATA content as email."""
    by_phase: dict[Phase, Lexer] = {
        Phase.DATA: DataLexer(in_body),
        Phase.AUTH: PygmentsLexer(SmtpAuthLexer),
    }
    command = PygmentsLexer(SmtpLexer)
    return DynamicLexer(lambda: by_phase.get(session().phase, command))

"""A Pygments lexer for SMTP command lines (``pygmentize -l smtp``).

Tokens: the verb (``Keyword``; an unknown verb is ``Error``), ``FROM:``/``TO:``
(``Keyword.Pseudo``; a missing colon is ``Error``), the address in angle
brackets (``Name.Variable`` between ``Punctuation``), ESMTP parameters
(``Name.Attribute`` ``=`` value), AUTH mechanisms (``Name.Constant``), base64
blobs (``String.Other``), numbers, and shell commands (``Name.Function``).
Arguments a verb does not take are ``Error`` too, so a mistake shows before
it is sent. The verb table is the command catalogue; nothing is repeated here.

Option ``mode``: ``"command"`` (default), ``"auth"`` (each line is a base64
SASL answer) or ``"data"`` (message content: handed to Pygments' email lexer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pygments.lexer import Lexer
from pygments.token import (
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
    _TokenType,
)

from ..protocol import catalogue, envelope
from ..protocol.catalogue import ArgShape

Tokens = Iterator[tuple[int, _TokenType, str]]
# The tokens of one piece of a line (a run of spaces, or a word) at a position, for a verb.
PieceLexer = Callable[[str, int, bool, "catalogue.Verb | None"], Tokens]

_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


class SmtpLexer(Lexer):
    name = "SMTP"
    aliases = ["smtp"]
    filenames = ["*.smtp"]
    mimetypes = ["text/x-smtp"]

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.mode = str(options.get("mode", "command"))
        self._email: Lexer | None = None

    def get_tokens_unprocessed(self, text: str) -> Tokens:
        if self.mode == "data":
            yield from self._data(text)
            return
        offset = 0
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            if self.mode == "auth":
                yield from _auth_response(offset, body)
            else:
                yield from lex_line(body, offset)
            if len(line) > len(body):
                yield offset + len(body), Whitespace, line[len(body) :]
            offset += len(line)

    def _data(self, text: str) -> Tokens:
        if self._email is None:
            from pygments.lexers.email import EmailLexer

            self._email = EmailLexer()
        yield from self._email.get_tokens_unprocessed(text)


def lex_line(line: str, offset: int = 0) -> Tokens:
    """Tokens of one command line (no line end)."""
    words = _split(line)
    if not words:
        if line:
            yield offset, Whitespace, line
        return
    pos, first = words[0]
    if pos:
        yield offset, Whitespace, line[:pos]
    if first.startswith("/"):
        yield from _shell_command(line, words, offset)
        return
    verb = catalogue.lookup(first)
    if verb is not None:
        yield offset + pos, Keyword, first
    elif pos + len(first) == len(line) and _prefix_of_verb(first):
        yield offset + pos, Text, first  # still being typed: not wrong yet
        return
    else:
        yield offset + pos, Error, first
    rest_at = pos + len(first)
    rest = line[rest_at:]
    if not rest:
        return
    lexer = _ARGUMENT_LEXERS[verb.argument] if verb is not None else _plain_arguments
    yield from lexer(rest, offset + rest_at, verb)


def _prefix_of_verb(word: str) -> bool:
    upper = word.upper()
    return any(name.startswith(upper) for name in catalogue.VERBS)


def lex_data_line(line: str, in_body: bool) -> Tokens:
    """One line of message content, highlighted by Pygments' email lexer.

    ``in_body``: a blank line has already ended the headers. The lone '.'
    that ends DATA is a Keyword; a line that will be dot-stuffed starts with
    a String.Escape dot.

    A body line that is not blank is one Text token: that is what the email
    lexer makes of it (a property test holds the two equal), so it is returned
    without running the lexer, at any length.
    """
    if line == ".":
        yield 0, Keyword, line
        return
    at = 0
    if line.startswith("."):
        yield 0, String.Escape, "."
        at = 1
    if in_body and line[at:].strip():
        yield at, Text, line[at:]
        return
    yield from _email_tokens(line, at, in_body)


_EMAIL_LEXER: list[Lexer] = []  # one EmailLexer for every line (building one costs more than lexing a line)


def _email_lexer() -> Lexer:
    if not _EMAIL_LEXER:
        from pygments.lexers.email import EmailLexer

        _EMAIL_LEXER.append(EmailLexer())
    return _EMAIL_LEXER[0]


def _email_tokens(line: str, at: int, in_body: bool) -> Tokens:
    """``line[at:]`` through the email lexer, with the context the line has."""
    # The email lexer reads whole messages: give it the context this line has.
    prefix = "X-Context: 1\n\n" if in_body else ""
    document = prefix + line[at:] + "\n"
    for index, token, value in _email_lexer().get_tokens_unprocessed(document):
        start = index - len(prefix)
        end = start + len(value)
        if end <= 0 or start >= len(line) - at:
            continue
        lo, hi = max(start, 0), min(end, len(line) - at)
        yield at + lo, token, value[lo - start : hi - start]


def _split(line: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _WORD.finditer(line)]


def pieces(text: str, offset: int) -> Iterator[tuple[int, str, bool]]:
    """(position, piece, is_space) over ``text``: its runs of spaces and its words."""
    pos = 0
    while pos < len(text):
        m = _SPACE.match(text, pos) or _WORD.match(text, pos)
        assert m is not None
        yield offset + pos, m.group(), m.group()[0].isspace()
        pos = m.end()


def _shell_command(line: str, words: list[tuple[int, str]], offset: int) -> Tokens:
    from ..shell import registry

    pos, word = words[0]
    registry.load_all()
    try:
        registry.resolve(word[1:])
        known = True
    except registry.UnknownCommand:
        known = False
    yield offset + pos, Name.Function if known else Error, word
    end = pos + len(word)
    if end < len(line):
        yield offset + end, Text, line[end:]


def lex_pieces(rest: str, offset: int, verb: catalogue.Verb | None, piece_lexer: PieceLexer) -> Tokens:
    """The word-by-word part of a line: each piece's tokens depend on that piece alone.

    That is what lets ``ui.completer.CommandLexer`` keep the pieces before a
    key and lex only from the piece it changed (see :func:`word_by_word_from`).
    """
    for at, piece, space in pieces(rest, offset):
        yield from piece_lexer(piece, at, space, verb)


def _no_argument_piece(piece: str, at: int, space: bool, verb: catalogue.Verb | None) -> Tokens:
    yield at, Whitespace if space else Error, piece


def _plain_piece(piece: str, at: int, space: bool, verb: catalogue.Verb | None) -> Tokens:
    if space:
        yield at, Whitespace, piece
    elif piece.isdigit():
        yield at, Number, piece
    elif verb is not None and piece.upper() in verb.arguments:
        yield at, Keyword.Pseudo, piece
    else:
        yield at, Name, piece


def _attribute_piece(piece: str, at: int, space: bool, verb: catalogue.Verb | None) -> Tokens:
    if space:
        yield at, Whitespace, piece
    elif "=" in piece:
        yield from _parameter(piece, at)
    else:
        yield at, Name, piece


def _parameter_piece(piece: str, at: int, space: bool, verb: catalogue.Verb | None) -> Tokens:
    if space:
        yield at, Whitespace, piece
    else:
        yield from _parameter(piece, at)


def _no_arguments(rest: str, offset: int, verb: catalogue.Verb | None) -> Tokens:
    yield from lex_pieces(rest, offset, verb, _no_argument_piece)


def _plain_arguments(rest: str, offset: int, verb: catalogue.Verb | None) -> Tokens:
    yield from lex_pieces(rest, offset, verb, _plain_piece)


def _attributes(rest: str, offset: int, verb: catalogue.Verb | None) -> Tokens:
    """NAME=value words (XCLIENT, XFORWARD)."""
    yield from lex_pieces(rest, offset, verb, _attribute_piece)


def _envelope(rest: str, offset: int, verb: catalogue.Verb | None) -> Tokens:
    """FROM:<address> [PARAM[=value] ...] and TO:<address> ..., as protocol.envelope reads them."""
    assert verb is not None and verb.keyword is not None
    parts = envelope.parse(rest)
    at = 0
    if parts.keyword is not None:
        if parts.keyword.start:
            yield offset, Whitespace, rest[: parts.keyword.start]
        good = parts.keyword.text.upper() == verb.keyword
        yield offset + parts.keyword.start, Keyword.Pseudo if good else Error, parts.keyword.text
        at = parts.keyword.end
    if not parts.has_colon:
        # "MAIL FROM <a@b>": the rest cannot be read as a path either.
        yield from _plain_arguments(rest[at:], offset + at, None)
        return
    if parts.path is None:
        if at < len(rest):
            yield offset + at, Whitespace, rest[at:]
        return
    if parts.path.start > at:
        yield offset + at, Whitespace, rest[at : parts.path.start]
    yield from _path(parts.path, offset)
    yield from lex_pieces(rest[parts.path.end :], offset + parts.path.end, verb, _parameter_piece)


def word_by_word_from(line: str) -> tuple[int, catalogue.Verb | None, PieceLexer] | None:
    """Where the word-by-word part of a command line starts, with its verb and piece lexer.

    From there on :func:`lex_line` yields ``lex_pieces(line[at:], at, verb, piece_lexer)``,
    and what it yields before depends on ``line[:at]`` only. None for a line with no such
    part (one word, a shell command, AUTH, an address not yet closed): those are short, or
    a few tokens, and are lexed whole. This follows :func:`lex_line` step by step; a
    property test holds the two equal.
    """
    first = _WORD.search(line)
    if first is None or first.group().startswith("/") or first.end() == len(line):
        return None
    rest_at = first.end()
    verb = catalogue.lookup(first.group())
    if verb is None:
        return rest_at, None, _plain_piece
    shape = verb.argument
    if shape is ArgShape.ENVELOPE:
        parts = envelope.parse(line[rest_at:])
        if not parts.has_colon:
            return rest_at + (parts.keyword.end if parts.keyword is not None else 0), None, _plain_piece
        if parts.path is None:
            return None
        return rest_at + parts.path.end, verb, _parameter_piece
    piece_lexer = _PIECE_LEXERS.get(shape)
    return None if piece_lexer is None else (rest_at, verb, piece_lexer)


def _path(path: envelope.Piece, offset: int) -> Tokens:
    at = offset + path.start
    if not path.text.startswith("<"):
        yield at, Error, path.text  # an address without <>
    elif not path.text.endswith(">"):
        yield at, Error, path.text  # no closing '>'
    else:
        yield at, Punctuation, "<"
        if len(path.text) > 2:
            yield at + 1, Name.Variable, path.text[1:-1]
        yield at + len(path.text) - 1, Punctuation, ">"


def _parameter(piece: str, at: int) -> Tokens:
    name, eq, value = piece.partition("=")
    yield at, Name.Attribute, name
    if eq:
        yield at + len(name), Operator, eq
        if value:
            yield at + len(name) + 1, Number if value.lstrip("-").isdigit() else String, value


def _auth(rest: str, offset: int, verb: catalogue.Verb | None) -> Tokens:
    """AUTH <mechanism> [<initial response>]."""
    index = 0
    for at, piece, space in pieces(rest, offset):
        if space:
            yield at, Whitespace, piece
            continue
        if index == 0:
            yield at, Name.Constant, piece
        elif index == 1:
            yield at, String.Other if _BASE64.match(piece) or piece == "=" else Error, piece
        else:
            yield at, Error, piece  # AUTH takes at most two arguments
        index += 1


def _auth_response(offset: int, line: str) -> Tokens:
    """A line answering a 334 challenge: base64, or '*' to cancel."""
    if not line:
        return
    stripped = line.strip()
    if stripped == "*":
        yield offset, Keyword, line
    elif _BASE64.match(stripped):
        yield offset, String.Other, line
    else:
        yield offset, Error, line


# One lexer per argument shape of the catalogue; a shape without one fails here, at import.
_ARGUMENT_LEXERS = {
    ArgShape.NONE: _no_arguments,
    ArgShape.DOMAIN: _plain_arguments,
    ArgShape.ENVELOPE: _envelope,
    ArgShape.MECHANISM: _auth,
    ArgShape.ATTRIBUTES: _attributes,
    ArgShape.CHUNK_SIZE: _plain_arguments,
    ArgShape.TOPIC: _plain_arguments,
    ArgShape.TEXT: _plain_arguments,
}
# The shapes lexed word by word from the first argument on (AUTH counts its words; MAIL
# and RCPT are word by word after the path: word_by_word_from).
_PIECE_LEXERS: dict[ArgShape, PieceLexer] = {
    ArgShape.NONE: _no_argument_piece,
    ArgShape.DOMAIN: _plain_piece,
    ArgShape.ATTRIBUTES: _attribute_piece,
    ArgShape.CHUNK_SIZE: _plain_piece,
    ArgShape.TOPIC: _plain_piece,
    ArgShape.TEXT: _plain_piece,
}
if set(_ARGUMENT_LEXERS) != set(ArgShape):
    raise RuntimeError(f"ui.lexer: no lexer for {set(ArgShape) - set(_ARGUMENT_LEXERS)}")


class SmtpAuthLexer(SmtpLexer):
    """SmtpLexer in ``auth`` mode (prompt_toolkit builds lexers from a class)."""

    name = "SMTP SASL response"
    aliases = ["smtp-auth"]
    filenames = []
    mimetypes = []

    def __init__(self, **options: object) -> None:
        super().__init__(**{**options, "mode": "auth"})

"""What one typed line is, decided once (sans-I/O).

:func:`classify` turns a line the user gave and the session it is given in
into a :class:`Line`: its kind, its verb and catalogue entry when it is a
command, and why it must not be sent when it holds CR, LF or NUL. The
runner makes one ``match line.kind:`` on it, and everything below (the TLS
policy, the pipelining rule, the connection) reads the same ``Line`` instead
of deciding again.

The order of the questions is the shell's grammar:

1. inside DATA (after 354) every line is message content, and a lone ``.``
   ends it; inside a BDAT chunk every line is raw chunk bytes;
2. ``/name ...`` is a shell command;
3. while the server waits for a SASL response (after 334), a line is that
   response, even an empty one;
4. a blank line is nothing;
5. anything else is an SMTP command, sent as typed.

A line that would go on the wire and holds CR, LF or NUL is
:attr:`LineKind.REFUSED`: it would smuggle a second command.
"""

from __future__ import annotations

import enum

from ..i18n import t
from ..records import NamedTuple
from . import catalogue
from .commands import FORBIDDEN, CommandLine, injection_message
from .session import Kind, Session

SHELL_PREFIX = "/"


class LineKind(enum.Enum):
    """What a line is. The last five go on the wire (``LineSent.kind``)."""

    __hash__ = object.__hash__  # by identity, in C (see session.Phase)

    SHELL = "shell command"  # /help, /data FILE, ...: never sent
    BLANK = "blank"  # an empty line outside DATA: nothing to do
    REFUSED = "refused"  # holds CR, LF or NUL: never sent
    COMMAND = "command"
    DATA_LINE = "message line"  # content after 354, dot-stuffed; no reply of its own
    DATA_END = "end of data"  # the lone "." after DATA content
    CHUNK_LINE = "chunk line"  # raw bytes of a BDAT chunk; no reply of its own
    SASL_RESPONSE = "SASL response"  # a line answering a 334 challenge

    @property
    def pending(self) -> Kind | None:
        """The session's record of a line of this kind, or None if it gets no reply of its own."""
        return PENDING_KIND.get(self)


PENDING_KIND = {
    LineKind.COMMAND: Kind.COMMAND,
    LineKind.DATA_END: Kind.DATA_END,
    LineKind.SASL_RESPONSE: Kind.AUTH_RESPONSE,
}

_FROM_SESSION = {
    Kind.DATA_LINE: LineKind.DATA_LINE,
    Kind.DATA_END: LineKind.DATA_END,
    Kind.CHUNK_LINE: LineKind.CHUNK_LINE,
    Kind.AUTH_RESPONSE: LineKind.SASL_RESPONSE,
}


class Line(NamedTuple):
    """One classified line; see the module docstring."""

    text: str  # as typed, never changed
    kind: LineKind
    verb: str = ""  # upper-cased first word of a COMMAND ("" otherwise)
    entry: catalogue.Verb | None = None  # the catalogue's entry for ``verb``, if it has one
    refusal: str = ""  # REFUSED: the one line that says why nothing was sent

    @property
    def args(self) -> str:
        """Everything after the verb, as typed (COMMAND lines)."""
        return CommandLine.parse(self.text).args if self.verb else ""

    @property
    def ends_group(self) -> bool:
        """Must a pipelining client wait for every reply after this line (RFC 2920 3.1)?

        The end of a message (".") does not: "the actual transfer of message
        content is explicitly allowed to be the first command in a group", so the
        next MAIL, RCPT and DATA go with it, one round trip per message. Other
        lines that are not commands (SASL answers) are answered before anything
        else can go, so they end a group.
        """
        if self.kind is LineKind.DATA_END:
            return False
        if self.kind is not LineKind.COMMAND:
            return True
        return self.entry is not None and self.entry.ends_group

    @classmethod
    def of(cls, text: str, kind: LineKind = LineKind.COMMAND) -> Line:
        """A line whose kind the caller knows (the shell's own lines: EHLO, QUIT, SASL answers).

        Only the CR/LF/NUL check is made: nothing is classified. A line is a function of its
        text and kind, and a session sends the same few lines again and again (1,000 messages
        are a dozen distinct lines), so the lines made are kept (a bounded number of them).
        """
        known = _KNOWN[kind]
        line = known.get(text)
        if line is not None:
            return line
        problem = _injection(text)
        if problem:  # never kept: its words are in the language of the moment
            return cls(text, LineKind.REFUSED, refusal=problem)
        if kind is LineKind.COMMAND:
            verb = CommandLine.parse(text).verb
            line = cls(text, kind, verb, catalogue.lookup(verb))
        else:
            line = cls(text, kind)
        if len(text) <= LINE_KEPT_CHARS:  # a long line is rarely typed twice: memory stays small
            if len(known) >= LINES_KEPT:
                known.clear()  # a run of distinct lines (Subject: 1, 2 ...) starts over
            known[text] = line
        return line


LINES_KEPT = 256  # lines kept by Line.of, for each kind
LINE_KEPT_CHARS = 1000  # the longest line kept (RFC 5321's limit is 998 characters and CRLF)
_KNOWN: dict[LineKind, dict[str, Line]] = {kind: {} for kind in LineKind}


def classify(text: str, session: Session) -> Line:
    """What ``text`` is, typed now in ``session``: the one place that decides it."""
    where = session.line_kind(text)
    if where in (Kind.DATA_LINE, Kind.DATA_END, Kind.CHUNK_LINE):
        kind = _FROM_SESSION[where]
        return _KNOWN[kind].get(text) or Line.of(text, kind)  # Line.of's kept lines, asked first here
    if text.startswith(SHELL_PREFIX):
        return Line(text, LineKind.SHELL)
    if where is Kind.AUTH_RESPONSE:
        return Line.of(text, LineKind.SASL_RESPONSE)  # before the blank check: "" is a real answer
    if not text.strip():
        return Line(text, LineKind.BLANK)
    return _KNOWN[LineKind.COMMAND].get(text) or Line.of(text, LineKind.COMMAND)


# Bytes that came in go out as they came: script input is decoded with
# surrogateescape, so encoding the same way gives back every byte (8-bit
# bodies, a latin-1 address). A line that still cannot be encoded (a lone
# surrogate typed or pasted) cannot be sent as typed and is refused.
WIRE_ERRORS = "surrogateescape"


def wire_bytes(text: str) -> bytes:
    """``text`` as it goes on the wire (no CRLF): UTF-8, script bytes given back as they came."""
    return text.encode("utf-8", WIRE_ERRORS)


def _injection(text: str) -> str:
    if text.isprintable() and text.isascii():
        return ""  # the common line: no CR, LF or NUL, and it encodes (two C calls)
    found = [name for ch, name in FORBIDDEN.items() if ch in text]
    if found:
        return injection_message(found)
    if not text.isascii():
        try:
            wire_bytes(text)
        except UnicodeEncodeError as exc:
            return t("line.unencodable",
                     "refused: the line holds a character that cannot be sent as typed ({char}); nothing was sent",
                     char=f"U+{ord(text[exc.start]):04X}")
    return ""

"""Raw mode's wire (sans-I/O): escapes typed, the bytes they stand for, and how a strict server reads them.

In raw mode (``/raw on``, ``--raw``, a transcript's ``C(raw):`` line) a typed
line is a string of escapes for exact bytes:

=========  =====================================
``\\r``     CR (0x0d)
``\\n``     LF (0x0a)
``\\t``     TAB (0x09)
``\\\\``     one backslash
``\\xHH``   the byte HH (two hex digits): ``\\x00`` is NUL
=========  =====================================

Every other character is its UTF-8 bytes. A line that does not end in CR or
LF gets CRLF, so ``EHLO me`` is still one command; ``hello\\n.\\n`` goes out
exactly as those bytes. Nothing else is added: no dot-stuffing, no line-end
normalisation (that is the point: see docs/security.md, the smuggling table).

:class:`StrictReader` says what a server that follows RFC 5321 2.3.8 to the
letter makes of those bytes: only CRLF ends a line, inside DATA a line that is
``.`` ends the message. The session pairs replies with what *that* server
would answer; a server that reads the bytes differently (a bare LF as a line
end: SMTP smuggling) answers more or less, and the extra replies show as the
server speaking unasked.
"""

from __future__ import annotations

import re

from ..i18n import t
from ..records import NamedTuple
from .session import Kind

CRLF, LF, CR = b"\r\n", b"\n", b"\r"
# How each line end is drawn on screen in raw mode.
ENDING_MARKS = {CRLF: "\u21b5", LF: "\u240a", CR: "\u240d"}  # ↵ ␊ ␍
STUFFED_MARK = "\u00b7"  # ·: a dot added by dot-stuffing, which the server removes

_SIMPLE = {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}
# Compiled on first use (re caches them), not at import: only raw mode needs them.
_HEX = r"[0-9a-fA-F]{2}"
_VERB = rb"[A-Za-z][A-Za-z0-9-]*"


class RawEscapeError(ValueError):
    """A typed raw line holds an escape that means nothing; str() is one line for the user."""


def decode(text: str) -> bytes:
    """The bytes a raw line stands for (its escapes resolved), without the CRLF rule."""
    out = bytearray()
    i = 0
    while i < len(text):
        at = text.find("\\", i)
        if at < 0:
            out += text[i:].encode("utf-8", "surrogateescape")
            break
        out += text[i:at].encode("utf-8", "surrogateescape")
        code = text[at + 1: at + 2]
        if code in _SIMPLE:
            out += _SIMPLE[code]
            i = at + 2
        elif code == "x" and re.fullmatch(_HEX, text[at + 2: at + 4]):
            out.append(int(text[at + 2: at + 4], 16))
            i = at + 4
        else:
            shown = text[at: at + 4] if code == "x" else text[at: at + 2]
            raise RawEscapeError(t("raw.bad_escape", "raw mode: {escape} is not an escape (use \\r \\n \\t \\\\ or \\xHH); nothing was sent", escape=shown or "\\"))
    return bytes(out)


def with_ending(data: bytes) -> bytes:
    """``data`` as sent: CRLF added unless it already ends in CR or LF."""
    return data if data.endswith((CR, LF)) else data + CRLF


def wire_of(text: str) -> bytes:
    """A typed raw line's bytes on the wire. Raises RawEscapeError."""
    return with_ending(decode(text))


def _char(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if ch == "\t":
        return "\\t"
    if ch.isprintable() and not 0xDC80 <= ord(ch) <= 0xDCFF:
        return ch
    return "".join(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogateescape"))


def escape(data: bytes) -> str:
    """Bytes as raw-mode text, CR and LF included (``decode(escape(b)) == b``): a transcript's ``C(raw):``."""
    text = data.decode("utf-8", "surrogateescape")
    return "".join("\\r" if ch == "\r" else "\\n" if ch == "\n" else _char(ch) for ch in text)


def escape_visible(data: bytes) -> str:
    """Bytes of one segment, for the screen: like :func:`escape`, but CR and LF are left to the caller."""
    return "".join(_char(ch) for ch in data.decode("utf-8", "surrogateescape"))


class Segment(NamedTuple):
    """A piece of the wire up to and including one line end (CRLF, bare LF or bare CR)."""

    start: int  # offset in the bytes it was cut from
    body: bytes  # without its ending
    ending: bytes  # CRLF, LF, CR, or b"" (the bytes stopped mid-line)

    @property
    def mark(self) -> str:
        return ENDING_MARKS.get(self.ending, "")


def segments(data: bytes) -> list[Segment]:
    """``data`` cut after every line end any server might see: CRLF, a bare LF, a bare CR."""
    out: list[Segment] = []
    i = start = 0
    while i < len(data):
        byte = data[i: i + 1]
        if byte == CR and data[i + 1: i + 2] == LF:
            out.append(Segment(start, data[start:i], CRLF))
            i += 2
            start = i
        elif byte in (CR, LF):
            out.append(Segment(start, data[start:i], byte))
            i += 1
            start = i
        else:
            i += 1
    if start < len(data):
        out.append(Segment(start, data[start:], b""))
    return out


def bare_line_ends(data: bytes) -> int:
    """CRs not before an LF and LFs not after a CR: what only a lenient server ends a line at."""
    return data.count(CR) + data.count(LF) - 2 * data.count(CRLF)


class WireLine(NamedTuple):
    """One line as a strict server reads it (ended by CRLF)."""

    kind: Kind  # COMMAND, DATA_LINE, DATA_END or AUTH_RESPONSE
    text: str  # the line's bytes (surrogateescape), bare CR/LF and all
    start: int  # where it starts in the bytes of this write (negative: it began in an earlier one)
    verb: str = ""  # COMMAND: the upper-cased first word

    @property
    def gets_reply(self) -> bool:
        return self.kind is not Kind.DATA_LINE


class Reading(NamedTuple):
    """What :meth:`StrictReader.read` found in one write (nothing is committed until :meth:`commit`)."""

    lines: tuple[WireLine, ...]
    partial: bytes  # the unfinished line left at the end
    in_data: bool  # reading message content after this write
    stuffed: tuple[int, ...]  # offsets (in this write) of dots a strict server removes (RFC 5321 4.5.2)

    @property
    def commands(self) -> list[WireLine]:
        return [w for w in self.lines if w.kind is Kind.COMMAND]


class StrictReader:
    """The strict server's side of raw mode: the unfinished line it holds between writes."""

    def __init__(self) -> None:
        self.partial = b""

    def read(self, data: bytes, *, in_data: bool, in_auth: bool = False) -> Reading:
        """Split ``partial + data`` at CRLF only. ``in_data``: the session is reading message
        content (after 354); a ``DATA`` command inside the write is taken as answered 354."""
        buffer = self.partial + data
        offset = -len(self.partial)
        lines: list[WireLine] = []
        stuffed: list[int] = []
        pos = 0
        while True:
            end = buffer.find(CRLF, pos)
            if end < 0:
                break
            raw = buffer[pos:end]
            text = raw.decode("utf-8", "surrogateescape")
            start = pos + offset
            if in_data:
                if raw == b".":
                    lines.append(WireLine(Kind.DATA_END, ".", start))
                    in_data = False
                else:
                    if raw.startswith(b".") and start >= 0:
                        stuffed.append(start)
                    lines.append(WireLine(Kind.DATA_LINE, text, start))
            elif in_auth:
                lines.append(WireLine(Kind.AUTH_RESPONSE, text, start))
                in_auth = False
            else:
                match = re.match(_VERB, raw.lstrip(b" "))
                verb = match.group().decode().upper() if match else ""
                lines.append(WireLine(Kind.COMMAND, text, start, verb))
                in_data = verb == "DATA" and raw.strip().upper() == b"DATA"
            pos = end + 2
        return Reading(tuple(lines), buffer[pos:], in_data, tuple(stuffed))

    def commit(self, reading: Reading) -> None:
        self.partial = reading.partial

    def reset(self) -> None:
        """A line sent outside raw mode ends with CRLF: forget the unfinished one."""
        self.partial = b""


def command_words(text: str) -> list[str]:
    """The verbs a lenient server might see in one strict command line (split at bare CR and LF too)."""
    words = []
    for piece in re.split(r"\r\n|\r|\n", text):
        match = re.match(_VERB, piece.lstrip(" ").encode("utf-8", "surrogateescape"))
        if match:
            words.append(match.group().decode().upper())
    return words

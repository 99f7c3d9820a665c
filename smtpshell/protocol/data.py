"""DATA content encoding: CRLF line ends and dot-stuffing, streamed.

RFC 5321 4.5.2: a line of the message that starts with "." gets one more "."
so the server cannot mistake it for the end of data. Line ends are normalised
to CRLF (a bare CR or LF in the body is not allowed on the wire, 4.1.1.4).

:class:`DataEncoder` works on chunks of any size and keeps only the state it
needs between them (were we at the start of a line, was the last byte a CR),
so a file of any size streams through in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..i18n import t

END_OF_DATA = b".\r\n"
_CR, _LF, _DOT = 13, 10, 46


class DataEncoder:
    def __init__(self) -> None:
        self._at_line_start = True
        self._pending_cr = False
        self.stuffed = 0  # lines that got an extra "."
        self.lines = 0  # line ends written
        self.bytes_in = 0

    def encode(self, chunk: bytes) -> bytes:
        """Encode the next piece of the message (any split).

        As few passes over the bytes as the bytes API allows, all in C: a chunk
        already in CRLF form (the usual case for a saved message) is only
        checked (three counts, no copy); LF-only text is widened by one
        ``replace``; only mixed or bare-CR text pays for normalising first.
        Line and dot counts come from length differences, not extra passes.
        """
        if not chunk:
            return b""
        self.bytes_in += len(chunk)
        if self._pending_cr:
            # A CR ended the previous chunk: maybe a CRLF split across chunks.
            chunk = b"\r" + chunk
            self._pending_cr = False
        if chunk[-1] == _CR:
            chunk = chunk[:-1]
            self._pending_cr = True
            if not chunk:
                return b""
        if b"\r" not in chunk:  # LF only (memchr)
            out = chunk.replace(b"\n", b"\r\n")
            lines = len(out) - len(chunk)
        else:
            lines = chunk.count(b"\n")
            if chunk.count(b"\r\n") == lines and chunk.count(b"\r") == lines:
                out = chunk  # already CRLF throughout: nothing to rewrite
            else:
                lf = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                out = lf.replace(b"\n", b"\r\n")
                lines = len(out) - len(lf)
        stuffed = 0
        if b"\n." in out:
            # split + join: one search pass over the bytes; replace() makes two (a count
            # first, then the finds), and the 2-byte search is the slow part (issue 18).
            parts = out.split(b"\n.")
            out = b"\n..".join(parts)
            stuffed = len(parts) - 1
        if self._at_line_start and out[0] == _DOT:
            out = b"." + out
            stuffed += 1
        self.stuffed += stuffed
        self.lines += lines
        self._at_line_start = out[-1] == _LF
        return out

    def finish(self) -> bytes:
        """Close the message: a final line end if needed, then "." CRLF."""
        tail = b""
        if self._pending_cr:
            self._pending_cr = False
            self.lines += 1
            self._at_line_start = True
            tail = b"\r\n"
        if not self._at_line_start:
            tail += b"\r\n"
            self.lines += 1
        return tail + END_OF_DATA


def encode_message(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Encode a whole message, yielding wire bytes, ending with ``.`` CRLF."""
    encoder = DataEncoder()
    for chunk in chunks:
        out = encoder.encode(chunk)
        if out:
            yield out
    yield encoder.finish()


def stuff_line(line: str) -> tuple[bytes, bool]:
    """One typed DATA line on the wire: (bytes with CRLF, was it dot-stuffed)."""
    raw = line.encode("utf-8", "surrogateescape")  # bytes that came in go out as they came
    if raw.startswith(b"."):
        return b"." + raw + b"\r\n", True
    return raw + b"\r\n", False


class ChunkTooLong(ValueError):
    """A typed line does not fit in what is left of a BDAT chunk."""


def chunk_line(line: str, remaining: int) -> bytes:
    """One typed line of a BDAT chunk on the wire (RFC 3030: raw bytes, no dot-stuffing).

    The line goes out with CRLF; a line of exactly ``remaining`` bytes ends the
    chunk without one (so a chunk need not end with a line end). A line that
    would overrun the declared size is refused: the excess would be read by the
    server as the next command.
    """
    raw = line.encode("utf-8", "surrogateescape")
    if len(raw) == remaining:
        return raw
    if len(raw) + 2 <= remaining:
        return raw + b"\r\n"
    raise ChunkTooLong(t("protocol.chunk_too_long", "not sent: with its CRLF this line is {size} bytes, but only {remaining} byte(s) of the BDAT chunk are left (a line of exactly {remaining} bytes ends the chunk without CRLF)",
                         size=len(raw) + 2, remaining=remaining))

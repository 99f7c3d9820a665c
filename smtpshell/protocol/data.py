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
from ..lazy import lazy_pattern

END_OF_DATA = b".\r\n"
_CR, _LF, _DOT = 13, 10, 46


# A line end followed by a dot, in CRLF form: where a "." goes in (RFC 5321 4.5.2).
# sre's search for a literal prefix is a tight C loop and sub() joins in C: half the
# time of bytes.split + join on mail text, whose 2-byte search is the slow part (issue 18).
# Compiled by the first encoder, not at import (start-up pays for every regex made then).
_dot_pattern = lazy_pattern(rb"\r\n\.")


# Line ends are sparse in mail text (a line is tens of bytes) and dense in the worst case
# (1-character lines). The two CRLF checks below cost about the same at 16 bytes a line;
# a chunk's first KiB says which side it is on.
_SAMPLE = 1024
_DENSE = _SAMPLE // 16


class DataEncoder:
    def __init__(self) -> None:
        self._stuff = _dot_pattern().subn
        self._at_line_start = True
        self._pending_cr = False
        self.stuffed = 0  # lines that got an extra "."
        self.lines = 0  # line ends written
        self.bytes_in = 0

    def encode(self, chunk: bytes) -> bytes:
        """Encode the next piece of the message (any split).

        As few passes over the bytes as the bytes API allows, all in C: LF-only
        text is widened by one ``replace`` (memchr-driven); a chunk already in CRLF
        form (the usual case for a saved message) is checked without a rewrite and
        comes back as the same object unless a line starts with "."; only mixed or
        bare-CR text pays for normalising. Line and dot counts come from lengths and
        ``subn``, not extra passes.
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
            out, lines = _in_crlf_form(chunk)
        out, stuffed = self._stuff(b"\r\n..", out)
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


def _in_crlf_form(chunk: bytes) -> tuple[bytes, int]:
    """A chunk that holds a CR (and does not end with one), every line end made CRLF;
    and how many line ends it has. A chunk in CRLF form throughout comes back as it is."""
    if chunk.count(b"\n", 0, _SAMPLE) <= _DENSE:
        # Sparse: without its CRs and widened again it is itself only if every CR was
        # followed by an LF and every LF preceded by a CR. Both replaces find their
        # byte with memchr; the comparison is a memcmp.
        lf = chunk.replace(b"\r", b"")
        if lf.replace(b"\n", b"\r\n") == chunk:
            return chunk, len(chunk) - len(lf)
    else:
        # Dense (memchr would stop every few bytes): count the CRLFs, and the CRs and LFs
        # together by deleting them; in CRLF form there are two of those per CRLF.
        lines = chunk.count(b"\r\n")
        if len(chunk) - len(chunk.translate(None, b"\r\n")) == 2 * lines:
            return chunk, lines
    lf = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    out = lf.replace(b"\n", b"\r\n")
    return out, len(out) - len(lf)


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

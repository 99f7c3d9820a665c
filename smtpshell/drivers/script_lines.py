"""The lines of a script (``--script FILE``, or stdin that is not a terminal).

Read as bytes: a line ends at LF, and one CR before it is part of the end. Text mode
would also end a line at a bare CR ("universal newlines"), so ``MAIL FROM:<a@b>\\rRSET``
would become two commands; read as bytes the CR stays inside the line and the line is
refused. Bytes are decoded with surrogateescape, so bytes that are not UTF-8 go out
exactly as they came.

The input is read a block at a time and split in C: a script of 1,000 messages is 8,000
lines, and a Python loop over a file's lines cost more than sending them. A block holds
whole lines only; a multi-byte character never spans a LF, so decoding the block is
decoding each of its lines.

Reading from a pipe or a terminal may block until whoever feeds it writes more. A feeder
that waits for a reply before it writes the next command (``expect``, a coprocess) must
see that reply first, and script mode holds what it shows until the session waits: so
before a read that would block, :attr:`before_block` is called (the driver's "write what
is held"). A regular file never blocks and never calls it.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator

from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

BLOCK = 64 * 1024  # bytes read at a time


def _nothing() -> None:
    """Nothing is held."""


class ScriptLines:
    """An iterable of a script's lines (no line ends), from a binary or text stream."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.before_block: Callable[[], None] = _nothing  # set by the driver that holds output
        # A filter of the lines read (--quit-after's cut), applied as they are read: the source
        # stays this object, so the driver still finds before_block on it.
        self.cut: Callable[[Iterable[str]], Iterator[str]] | None = None

    def __iter__(self) -> Iterator[str]:
        with self.handle:
            lines = self._lines()
            yield from (lines if self.cut is None else self.cut(lines))

    def _lines(self) -> Iterator[str]:
        fd = _fileno(self.handle)
        if fd is None:  # a text stream handed in (tests, embedding): its lines as they come
            return _lines_of_stream(self.handle)
        return self._lines_of_fd(fd)

    def _lines_of_fd(self, fd: int) -> Iterator[str]:
        may_block = _may_block(fd)
        rest = b""
        while True:
            if may_block and not _readable(fd):
                self.before_block()
            block = os.read(fd, BLOCK)
            if not block:
                break
            end = block.rfind(b"\n")
            if end < 0:
                rest += block
                continue
            whole, rest = rest + block[: end + 1], block[end + 1 :]
            # Every CRLF is a line end here (a line holds no LF), so one replace removes the CR
            # of each and keeps any other CR inside its line ("a\r\r\n" is the line "a\r").
            lines = whole.decode("utf-8", "surrogateescape").replace("\r\n", "\n").split("\n")
            lines.pop()  # after the last LF: empty
            yield from lines
        if rest:
            yield rest.decode("utf-8", "surrogateescape")  # the last line, without a LF: kept whole


def _lines_of_stream(handle: Any) -> Iterator[str]:
    for raw in handle:
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        yield raw.decode("utf-8", "surrogateescape")


def _fileno(handle: Any) -> int | None:
    """The descriptor under a file smtpshell opened (or stdin's), read from here only; else None."""
    if not isinstance(handle, (io.BufferedReader, io.FileIO)):
        return None  # io.BytesIO, a text stream: read as it reads
    try:
        return handle.fileno()
    except (OSError, ValueError):
        return None


def _may_block(fd: int) -> bool:
    try:
        return not stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return True


def _readable(fd: int) -> bool:
    """Would a read of ``fd`` return at once (data, or the end)?"""
    if sys.platform == "win32":  # pragma: no cover - select takes sockets only there
        return False
    import select  # small; only a script from a pipe or a terminal needs it

    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False

"""Issue 18, the /data write path: work counted, never timed."""

from __future__ import annotations

import io
from pathlib import Path

from smtpshell.drivers.runner import _first_nul
from smtpshell.protocol import data


class CountingReader(io.BufferedReader):
    reads = 0

    def read(self, size: int | None = -1) -> bytes:
        type(self).reads += 1
        return super().read(size)


def _open(path: Path) -> CountingReader:
    CountingReader.reads = 0
    return CountingReader(io.FileIO(path, "rb"))


def test_nul_check_of_a_regular_file_reads_nothing(tmp_path: Path) -> None:
    # The check before /data FILE used to read the whole file once more (read() per chunk).
    path = tmp_path / "m.eml"
    path.write_bytes(b"line\n" * 100_000 + b"x\0y")
    with _open(path) as handle:
        assert _first_nul(handle, 4096) == 500_001
        assert handle.tell() == 0
    assert CountingReader.reads == 0


def test_nul_check_without_a_nul_and_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(b"no nul here\r\n" * 1000)
    with _open(path) as handle:
        assert _first_nul(handle, 4096) is None
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    with _open(empty) as handle:  # mmap refuses an empty file: read as before
        assert _first_nul(handle, 4096) is None


def test_dot_stuffing_is_one_search_pass(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # bytes.replace(b"\n.", ...) scans twice (a count, then the finds): split + join once.
    calls: list[str] = []

    class Spy(bytes):
        def replace(self, old, new, count=-1):  # type: ignore[no-untyped-def, override]
            calls.append(f"replace {old!r}")
            return Spy(bytes.replace(self, old, new, count))

        def split(self, sep=None, maxsplit=-1):  # type: ignore[no-untyped-def, override]
            calls.append(f"split {sep!r}")
            return bytes.split(self, sep, maxsplit)

    encoder = data.DataEncoder()
    out = encoder.encode(Spy(b"a\r\n.b\r\n.c\r\n"))
    assert out == b"a\r\n..b\r\n..c\r\n"
    assert encoder.stuffed == 2
    assert "replace b'\\n.'" not in calls


class NeedleSpy(bytes):
    """Records each search of the chunk for more than one byte (bytes' 2-byte search steps
    a byte or three at a time; a 1-byte one is memchr)."""

    searches: list[str] = []

    def _saw(self, name: str, needle: object) -> None:
        if isinstance(needle, bytes) and len(needle) > 1:
            NeedleSpy.searches.append(f"{name} {needle!r}")

    def count(self, sub, *args):  # type: ignore[no-untyped-def, override]
        self._saw("count", sub)
        return bytes.count(self, sub, *args)

    def find(self, sub, *args):  # type: ignore[no-untyped-def, override]
        self._saw("find", sub)
        return bytes.find(self, sub, *args)

    def replace(self, old, new, count=-1):  # type: ignore[no-untyped-def, override]
        self._saw("replace", old)
        return bytes.replace(self, old, new, count)

    def split(self, sep=None, maxsplit=-1):  # type: ignore[no-untyped-def, override]
        self._saw("split", sep)
        return bytes.split(self, sep, maxsplit)

    def __contains__(self, sub):  # type: ignore[no-untyped-def, override]
        self._saw("in", sub)
        return bytes.__contains__(self, sub)


def test_mail_text_is_checked_and_stuffed_without_a_two_byte_search() -> None:
    # A chunk in CRLF form was checked by counting b"\r\n" (and LF, and CR: three passes), and
    # the dots found by splitting on b"\n.": the 2-byte searches were most of a 100 MB send.
    text = b"a line of a message, as long as lines in mail are\r\n.a dotted one\r\n" * 1000
    for chunk in (text, text.replace(b"\r\n", b"\n")):
        NeedleSpy.searches = []
        encoder = data.DataEncoder()
        assert encoder.encode(NeedleSpy(chunk)) == text.replace(b"\r\n.", b"\r\n..")
        assert encoder.stuffed == 1000
        assert NeedleSpy.searches == []

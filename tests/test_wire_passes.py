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

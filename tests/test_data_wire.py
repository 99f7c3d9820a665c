"""/data FILE on the wire: the bytes a real server receives, and what sending them costs (counted).

The server here is a small threaded one that keeps every byte of each DATA body as it came
(dot-stuffing included, up to and with the final ".\\r\\n") and, under STARTTLS, the length
of every TLS record the client sent during the body: it reads the ciphertext itself (an
``ssl.SSLObject`` over memory BIOs) to see the record headers. smtpshell runs as a user
runs it, the installed command in script mode (the blocking connection).

Issue 18: a 100 MB message is sent in 64 KiB chunks whose memory is reused, in whole
16 KiB TLS records, and the NUL check before it maps the file a window at a time. The
counts below (records, page faults, peak memory) fail if any of that comes undone.
"""

from __future__ import annotations

import math
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_data import reference

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
CHUNK = 64 * 1024  # drivers.runner.FILE_CHUNK: where a file's chunks meet
TLS_RECORD = 16384


class RecordingServer(threading.Thread):
    """Answers every command; keeps each DATA body exactly as sent, and under TLS the
    record lengths that carried it. One connection at a time, as a script makes."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(daemon=True)
        self.tls = tls
        self.bodies: list[bytes] = []
        self.body_records: list[list[int]] = []  # per body: the length of each record read while it came
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    _Session(self, conn).serve()
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


class _Session:
    def __init__(self, server: RecordingServer, conn: socket.socket) -> None:
        self.server, self.conn = server, conn
        self.tls: ssl.SSLObject | None = None
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.raw = b""  # ciphertext not yet split into records
        self.records: list[int] = []

    def send(self, data: bytes) -> None:
        if self.tls is not None:
            self.tls.write(data)
            data = self.outgoing.read()
        self.conn.sendall(data)

    def receive(self) -> bytes:
        """The next plaintext (b"" at EOF)."""
        while True:
            if self.tls is not None and (plain := self.decrypted()):
                return plain  # what came with the last read (or with the handshake's end)
            data = self.conn.recv(1 << 20)
            if not data or self.tls is None:
                return data
            self.raw += data
            while len(self.raw) >= 5 and len(self.raw) >= 5 + int.from_bytes(self.raw[3:5], "big"):
                length = int.from_bytes(self.raw[3:5], "big")
                self.records.append(length)
                self.raw = self.raw[5 + length:]
            self.incoming.write(data)

    def decrypted(self) -> bytes:
        assert self.tls is not None
        plain = b""
        try:
            while True:
                plain += self.tls.read(1 << 20)
        except ssl.SSLWantReadError:
            return plain

    def handshake(self) -> None:
        assert self.server.tls is not None
        self.tls = self.server.tls.wrap_bio(self.incoming, self.outgoing, server_side=True)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.conn.sendall(self.outgoing.read())
                self.incoming.write(self.conn.recv(1 << 20))
        self.conn.sendall(self.outgoing.read())

    def serve(self) -> None:
        self.send(b"220 recorder ESMTP\r\n")
        buffer = b""
        while True:
            while b"\r\n" not in buffer:
                data = self.receive()
                if not data:
                    return
                buffer += data
            line, _, buffer = buffer.partition(b"\r\n")
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                offer = b"250-STARTTLS\r\n" if self.server.tls is not None and self.tls is None else b""
                self.send(b"250-recorder\r\n250-8BITMIME\r\n" + offer + b"250 SIZE 0\r\n")
            elif verb == b"STARTTLS":
                self.send(b"220 go ahead\r\n")
                self.handshake()
                buffer = b""
            elif verb == b"DATA":
                self.send(b"354 go ahead\r\n")
                buffer = self.body(buffer)
                self.send(b"250 2.0.0 kept\r\n")
            elif verb == b"QUIT":
                self.send(b"221 bye\r\n")
                return
            else:
                self.send(b"250 ok\r\n")

    def body(self, body: bytes) -> bytes:
        """Read up to and with CRLF . CRLF; keep the body (with its final ".\\r\\n"); return what follows."""
        self.records = []
        scanned = 0
        while True:
            at = (b"\r\n" + body).find(b"\r\n.\r\n", scanned)
            if at >= 0:
                end = at + 3
                self.server.bodies.append(body[:end])
                self.server.body_records.append(self.records)
                return body[end:]
            scanned = max(0, len(body) - 3)
            data = self.receive()
            if not data:
                raise OSError("closed inside DATA")
            body += data


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


@pytest.fixture
def tls_recorder(server_ssl_context: ssl.SSLContext) -> Iterator[RecordingServer]:
    server = RecordingServer(server_ssl_context)
    yield server
    server.close()


def send_file(address: str, path: Path, *tls: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [SMTPSHELL, address, "--explain", "off", "--timeout", "20", *tls, "-c", "EHLO x",
         "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>", "-c", f"/data {path}", "-c", "QUIT"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _at(body: bytearray, offset: int, piece: bytes) -> None:
    body[offset:offset + len(piece)] = piece


def messages() -> dict[str, bytes]:
    """Files of a few chunks, each with what a chunk's edge can split placed on one."""
    text = b"".join(b"Line %d of a message, long as lines in mail are.\n" % n for n in range(6000))
    lf = bytearray(b"Subject: lf\n\n" + text)
    _at(lf, CHUNK - 1, b"\n.")  # a dot line that starts a chunk
    dot_leading = b".starts with a dot\n" + b"".join(
        b".dotted %d\n..two %d\nplain\n" % (n, n) for n in range(9000)) + b".\n"
    crlf = bytearray(bytes(lf).replace(b"\n", b"\r\n"))
    _at(crlf, CHUNK - 1, b"\r\n")  # a CRLF split between two chunks
    mixed = bytearray(crlf)
    _at(mixed, 5000, b"bare\rCR")  # past the first KiB of the chunk that decides how it is checked
    _at(mixed, 2 * CHUNK + 300, b"a bare LF\n")
    _at(mixed, 3 * CHUNK - 1, b"\r.")  # a bare CR ending a chunk, then a dot
    dense = bytearray(b"a\r\n" * 120_000)  # 1-character lines: the dense check
    _at(dense, 70_000, b"\n\n")
    _at(dense, 2 * CHUNK + 1, b"\r\r")
    no_newline = bytes(text) + b"the last line has no line end"
    return {"lf": bytes(lf), "crlf": bytes(crlf), "mixed": bytes(mixed), "dot-leading": dot_leading,
            "dense": bytes(dense), "no-newline": no_newline, "bare-cr-end": bytes(text) + b"ends in a CR\r"}


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "starttls"])
def test_the_bytes_on_the_wire_are_the_reference_encoding(tls: bool, recorder: RecordingServer,
                                                          tls_recorder: RecordingServer, ca_file: str,
                                                          tmp_path: Path) -> None:
    server = tls_recorder if tls else recorder
    options = ("--starttls", "--cafile", ca_file) if tls else ()
    for name, content in messages().items():
        path = tmp_path / f"{name}.eml"
        path.write_bytes(content)
        send_file(server.address, path, *options)
        assert server.bodies[-1] == reference(content), name
    assert len(server.bodies) == len(messages())


def test_a_tls_body_goes_out_in_whole_records(tls_recorder: RecordingServer, ca_file: str, tmp_path: Path) -> None:
    # Each write used to be encrypted as whole records and a short one for its rest, which
    # the server reads and decrypts as one more (five records for a 64 KiB chunk).
    path = tmp_path / "big.eml"
    path.write_bytes(b"Subject: records\n\n" + b"A line of a message, long as lines are in mail.\n" * 90_000)
    send_file(tls_recorder.address, path, "--starttls", "--cafile", ca_file)
    body, records = tls_recorder.bodies[-1], tls_recorder.body_records[-1]
    assert body == reference(path.read_bytes())
    assert len(records) <= math.ceil(len(body) / TLS_RECORD) + 1, (len(records), len(body))
    assert len(set(records[:-2])) == 1  # all full but the last (the rest, and the end of data)


# Forks the command from a fresh small Python and prints its peak RSS (KiB) and minor page
# faults: Linux carries the high-water RSS across fork and exec, so a child of this test
# process would report the size of pytest (bench/_common.py peak_rss_kib does the same).
_USAGE = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    null = os.open(os.devnull, os.O_RDWR)\n"
    "    os.dup2(null, 0), os.dup2(null, 1), os.dup2(null, 2)\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, usage.ru_minflt)\n"
)


def usage_of_sending(address: str, path: Path) -> tuple[int, int]:
    """(peak RSS in KiB, minor page faults) of a script session that sends ``path``."""
    cmd = [SMTPSHELL, address, "--explain", "off", "--timeout", "20", "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>",
           "-c", "RCPT TO:<b@example.org>", "-c", f"/data {path}", "-c", "QUIT"]
    out = subprocess.run([sys.executable, "-S", "-c", _USAGE, *cmd], capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    assert out[0] == "0", out
    return int(out[1]), int(out[2])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap and Linux's fault counts")
def test_sending_a_file_neither_grows_the_process_nor_faults_per_chunk(recorder: RecordingServer,
                                                                       tmp_path: Path) -> None:
    small, big = tmp_path / "small.eml", tmp_path / "big.eml"
    small.write_bytes(b"Subject: small\n\nhello\n")
    line = b"A line of a message, long as lines are in mail.\n"
    big.write_bytes(b"Subject: big\n\n" + line * (48 * 1024 * 1024 // len(line)))
    usage_of_sending(recorder.address, small)  # the first run may compile what the others load
    rss_small, faults_small = usage_of_sending(recorder.address, small)
    rss_big, faults_big = usage_of_sending(recorder.address, big)
    assert len(recorder.bodies[-1]) > 48 * 1024 * 1024
    # The NUL check mapped the whole file (its pages count in RSS while mapped): +48 MiB.
    assert rss_big - rss_small < 12 * 1024, (rss_small, rss_big)
    # Chunks that got fresh heap pages each: a fault per 4 KiB of every copy, 12,000 or more
    # here. What is left is the NUL check's mapping of the file (a few hundred) and start-up.
    assert faults_big - faults_small < 3000, (faults_small, faults_big)

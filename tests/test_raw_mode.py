"""Issue 17, must-show 2: raw mode sends the bytes typed, shows every line end, and records and
replays them byte for byte. Real parts only: a scripted server on 127.0.0.1 that keeps every
byte it receives, the installed smtpshell in a pseudo-terminal, ``smtpshell replay`` as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell.protocol.raw import (
    RawEscapeError,
    StrictReader,
    decode,
    escape,
    segments,
    wire_of,
)
from smtpshell.protocol.session import Kind
from smtpshell.transcript import read_transcript
from tests.plugins.pty import DATA_PROMPT, plain
from tests.plugins.servers import RawWire, raw_server

SMTPSHELL = str(Path(sys.executable).parent / "smtpshell")




# -- the escapes, and what a strict server reads ----------------------------------------------


@pytest.mark.parametrize(("typed", "wire"), [
    ("EHLO me", b"EHLO me\r\n"),  # no ending typed: CRLF
    ("foo\\n.\\n", b"foo\n.\n"),  # an ending typed: nothing added
    ("a\\r.\\r", b"a\r.\r"),
    ("x\\x00y", b"x\x00y\r\n"),
    ("back\\\\slash\\t", b"back\\slash\t\r\n"),
    ("\\xe4\u4e2d", b"\xe4\xe4\xb8\xad\r\n"),  # \xHH is one byte; other text is UTF-8
])
def test_escapes_are_the_bytes_sent(typed: str, wire: bytes) -> None:
    assert wire_of(typed) == wire
    assert decode(escape(wire)) == wire  # what a transcript writes comes back byte for byte


@pytest.mark.parametrize("typed", ["\\q", "\\x4", "\\xZZ", "end\\"])
def test_a_bad_escape_is_one_line_not_a_traceback(typed: str) -> None:
    with pytest.raises(RawEscapeError, match="is not an escape"):
        wire_of(typed)


def test_every_line_end_is_a_segment() -> None:
    cut = segments(b"a\nb\r\nc\rd")
    assert [(s.body, s.ending) for s in cut] == [(b"a", b"\n"), (b"b", b"\r\n"), (b"c", b"\r"), (b"d", b"")]


def test_a_strict_server_ends_a_message_only_at_crlf_dot_crlf() -> None:
    reader = StrictReader()
    reading = reader.read(b"one\n.\nMAIL FROM:<x@y>\r\n..two\r\n.\r\nNOOP\r\n", in_data=True)
    kinds = [line.kind for line in reading.lines]
    assert kinds == [Kind.DATA_LINE, Kind.DATA_LINE, Kind.DATA_END, Kind.COMMAND]
    assert reading.lines[0].text == "one\n.\nMAIL FROM:<x@y>"  # the smuggled MAIL is message text
    assert reading.stuffed == (len(b"one\n.\nMAIL FROM:<x@y>\r\n"),)  # the dot the server removes
    assert not reading.in_data
    reader.commit(reader.read(b"half", in_data=False))
    assert reader.read(b"way\r\n", in_data=False).lines[0].text == "halfway"  # a line spans writes


# -- must-show 2: the pty, the bytes, the recording, the replay ---------------------------------


MESSAGE_TYPED = "Subject: raw\\n\\nbare LF here\\nand CRLF here"


def test_raw_mode_sends_a_bare_lf_inside_data_records_it_and_replays_it(shell_pty, scripted_server, tmp_path):
    wire = RawWire()
    server = raw_server(scripted_server, wire, ok=b"250 2.0.0 ok", bye=b"221 2.0.0 bye")
    recording = tmp_path / "raw.transcript"
    term = shell_pty(server.address, "--record", str(recording))
    term.prompt()
    term.line("/raw on")
    term.expect_text("raw mode on")
    term.prompt()
    for line in ("EHLO pty.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>"):
        term.line(line)
        term.expect(r"250 2\.0\.0 ok")
        term.prompt()
    term.line("DATA")
    term.prompt(DATA_PROMPT)
    term.line(MESSAGE_TYPED)
    term.expect_text("and CRLF here")
    term.prompt(DATA_PROMPT)
    term.line(".")
    term.expect_text("250 2.0.0 queued")
    term.prompt()
    term.line("QUIT")
    term.expect_text("221")
    term.prompt("closed> ")
    term.line("/quit")
    assert term.finish() == 0

    # The bytes arrived exactly: the bare LFs too, nothing normalised or added.
    assert wire.messages == [b"Subject: raw\n\nbare LF here\nand CRLF here\r\n"]
    assert b"Subject: raw\n\nbare LF here\nand CRLF here\r\n.\r\n" in wire.raw
    screen = plain(term.screen_log)
    assert "C(raw): bare LF here\u240a" in screen  # the bare LF drawn as ␊ ...
    assert "C(raw): and CRLF here\u21b5" in screen  # ... and the CRLF the shell added as ↵
    assert "S: 250 2.0.0 queued\u21b5" in screen  # received lines too

    text = recording.read_text(encoding="utf-8")
    assert "C(raw): Subject: raw\\n\\nbare LF here\\nand CRLF here\\r\\n" in text  # labelled raw, as escapes
    steps = read_transcript(recording).steps
    assert [s.raw for s in steps if s.line is not None].count(True) >= 5

    # Replaying the recording (as a user does) sends the same bytes, byte for byte.
    again = RawWire()
    second = raw_server(scripted_server, again, ok=b"250 2.0.0 ok", bye=b"221 2.0.0 bye")
    replay = subprocess.run([SMTPSHELL, "replay", str(recording), second.address],
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert bytes(again.raw) == bytes(wire.raw)
    assert again.messages == wire.messages


def test_without_raw_mode_the_same_line_is_text_and_no_bare_lf_goes_out(scripted_server, tmp_path):
    """The security promise holds: outside raw mode the escapes are just characters."""
    wire = RawWire()
    server = raw_server(scripted_server, wire, ok=b"250 2.0.0 ok", bye=b"221 2.0.0 bye")
    done = subprocess.run([SMTPSHELL, server.address, "-c", "EHLO me", "-c", "MAIL FROM:<a@example.org>",
                           "-c", "RCPT TO:<b@example.org>", "-c", "DATA", "-c", MESSAGE_TYPED, "-c", "."],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert wire.messages == [MESSAGE_TYPED.encode() + b"\r\n"]
    data = bytes(wire.raw)
    assert data.count(b"\n") == data.count(b"\r\n") and data.count(b"\r") == data.count(b"\r\n")


def test_raw_mode_never_sends_a_credential(scripted_server, tmp_path):
    wire = RawWire()
    server = raw_server(scripted_server, wire, ok=b"250 2.0.0 ok", bye=b"221 2.0.0 bye")
    done = subprocess.run([SMTPSHELL, "--raw", server.address, "-c", "EHLO me",
                           "-c", "NOOP\\nAUTH PLAIN AGFsaWNlAHNlY3JldA=="],
                          capture_output=True, text=True, timeout=60)
    assert "raw mode does not send credentials" in done.stderr
    assert b"AUTH" not in bytes(wire.raw) and done.returncode == 2


def test_raw_starttls_must_end_its_write(scripted_server):
    wire = RawWire()
    server = raw_server(scripted_server, wire, ok=b"250 2.0.0 ok", bye=b"221 2.0.0 bye")
    done = subprocess.run([SMTPSHELL, "--raw", server.address, "-c", "EHLO me", "-c", "STARTTLS\\r\\nEHLO me"],
                          capture_output=True, text=True, timeout=60)
    assert "STARTTLS must be the last line of a write" in done.stderr
    assert b"STARTTLS" not in bytes(wire.raw)

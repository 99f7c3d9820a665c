"""Issue 17, must-show 3: /pipeline group sends a MAIL/RCPT/DATA group in one write, as real
clients do, and so meets the refusal of a server that did not advertise PIPELINING (OpenSMTPD:
``500 5.5.1 Invalid command: Pipelining not supported``, then it closes). The scripted server
on 127.0.0.1 looks at each read: more than one command in it means the group came in one piece."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.plugins.servers import ServerThread

SMTPSHELL = str(Path(sys.executable).parent / "smtpshell")
REFUSAL = b"500 5.5.1 Invalid command: Pipelining not supported\r\n"
GROUP = ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "RCPT TO:<c@example.org>", "DATA"]


def opensmtpd_like(scripted_server: Callable[..., ServerThread], reads: list[list[bytes]], *,
                   pipelining: bool = False) -> ServerThread:
    """Answers one command per read; a read holding several (a pipelined group) is refused and
    the connection closed, unless PIPELINING was advertised. ``reads``: the lines of each read."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP OpenSMTPD\r\n")
        buffer, in_data = b"", False
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\r\n")
            if not lines:
                continue
            reads.append(lines)
            if len(lines) > 1 and not pipelining and not in_data:
                writer.write(REFUSAL)
                await writer.drain()
                return
            for line in lines:
                verb = line.split(b" ", 1)[0].upper()
                if in_data:
                    if line == b".":
                        writer.write(b"250 2.0.0 Ok: queued\r\n")
                        in_data = False
                    continue
                if verb == b"EHLO":
                    extra = b"250-PIPELINING\r\n" if pipelining else b""
                    writer.write(b"250-mx.test Hello\r\n" + extra + b"250-8BITMIME\r\n250 HELP\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    return
                elif verb == b"DATA":
                    in_data = True
                    writer.write(b"354 Enter mail, end with \".\" on a line by itself\r\n")
                else:
                    writer.write(b"250 2.0.0 Ok\r\n")
            await writer.drain()

    return scripted_server(script)


def run(address: str, *lines: str, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    args = [SMTPSHELL, address, "--explain", "off", *flags]
    for line in lines:
        args += ["-c", line]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_one_write_reproduces_the_refusal_of_unadvertised_pipelining(scripted_server):
    reads: list[list[bytes]] = []
    server = opensmtpd_like(scripted_server, reads)
    done = run(server.address, "EHLO client.test", "/pipeline group", *GROUP)
    out = done.stdout + done.stderr
    assert reads[-1] == [line.encode() for line in GROUP]  # the whole group in one read
    assert "500 5.5.1 Invalid command: Pipelining not supported" in out
    assert "did not advertise PIPELINING" in out  # said when the mode was chosen
    assert "4 commands in one write" in out
    # Which reply belongs to which command: the 500 answers MAIL; the rest got none.
    assert "MAIL FROM:<a@example.org>  ->  500 5.5.1 Invalid command: Pipelining not supported" in out
    assert "RCPT TO:<b@example.org>  ->  no reply (the connection closed first)" in out
    assert "DATA  ->  no reply (the connection closed first)" in out
    assert done.returncode != 0


def test_one_command_at_a_time_the_same_server_accepts_the_transaction(scripted_server):
    reads: list[list[bytes]] = []
    server = opensmtpd_like(scripted_server, reads)
    done = run(server.address, "EHLO client.test", *GROUP, ".")
    assert b"".join(b"".join(r) for r in reads).count(b"RCPT") == 2
    assert all(len(r) == 1 for r in reads)
    assert "Pipelining not supported" not in done.stdout
    assert "354 " in done.stdout


def test_one_write_against_a_pipelining_server_pairs_every_reply(scripted_server):
    reads: list[list[bytes]] = []
    server = opensmtpd_like(scripted_server, reads, pipelining=True)
    done = run(server.address, "EHLO client.test", "/pipeline group", *GROUP, "hello", ".", "/pipeline off")
    out = done.stdout + done.stderr
    assert [line.encode() for line in GROUP] in reads
    assert "RCPT TO:<c@example.org>  ->  250 2.0.0 Ok" in out
    assert 'DATA  ->  354 Enter mail, end with "." on a line by itself' in out
    assert "did not advertise" not in out
    assert done.returncode == 0, out


def test_held_commands_go_out_when_the_mode_changes(scripted_server):
    reads: list[list[bytes]] = []
    server = opensmtpd_like(scripted_server, reads, pipelining=True)
    done = run(server.address, "EHLO client.test", "/pipeline group", "MAIL FROM:<a@example.org>",
               "RCPT TO:<b@example.org>", "/pipeline off", "RSET")
    out = done.stdout + done.stderr
    assert "held for the group's one write (2 command(s) so far)" in out
    assert [b"MAIL FROM:<a@example.org>", b"RCPT TO:<b@example.org>"] in reads  # flushed by /pipeline off
    assert [b"RSET"] in reads
    assert done.returncode == 0, out


def test_a_recorded_group_pairs_each_line_with_its_reply_and_replays(scripted_server, tmp_path):
    """A transcript pairs a reply with the C: line just before it: the recorder writes a group that
    went out in one write as line, reply, line, reply (before, C: MAIL, C: RCPT, C: DATA came first,
    then S: 250, S: 250, S: 354: a file that could not even be read back)."""
    reads: list[list[bytes]] = []
    server = opensmtpd_like(scripted_server, reads, pipelining=True)
    recording = tmp_path / "group.transcript"
    done = run(server.address, "EHLO client.test", "/pipeline group", *GROUP, "hello", ".",
               flags=("--record", str(recording)))
    assert done.returncode == 0, done.stdout + done.stderr
    text = recording.read_text(encoding="utf-8")
    assert ("C: MAIL FROM:<a@example.org>\nS: 250 2.0.0 Ok\nC: RCPT TO:<b@example.org>\nS: 250 2.0.0 Ok\n"
            "C: RCPT TO:<c@example.org>\nS: 250 2.0.0 Ok\nC: DATA\nS: 354 ") in text
    again: list[list[bytes]] = []
    second = opensmtpd_like(scripted_server, again, pipelining=True)
    replay = subprocess.run([SMTPSHELL, "replay", str(recording), second.address],
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr


def test_a_raw_line_sends_the_held_group_first(scripted_server):
    reads: list[list[bytes]] = []
    server = opensmtpd_like(scripted_server, reads, pipelining=True)
    done = run(server.address, "EHLO client.test", "/pipeline group", "MAIL FROM:<a@example.org>", "/raw on",
               "RCPT TO:<b@example.org>")
    assert done.returncode == 0, done.stdout + done.stderr
    sent = [line for r in reads for line in r]
    assert sent.index(b"MAIL FROM:<a@example.org>") < sent.index(b"RCPT TO:<b@example.org>")

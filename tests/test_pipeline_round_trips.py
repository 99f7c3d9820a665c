"""Round trips per message with ``/pipeline on`` in script mode (issue 18: "with PIPELINING >= 3x
faster than smtplib against a server with latency").

A scripted server on 127.0.0.1 answers everything one read holds in one write, as a server with
latency does (bench/_common.py's Sink), and records each read. So its reads are the session's
round trips. smtplib makes four per message (MAIL, RCPT, DATA, the '.'). RFC 2920 3.1 allows one:
MAIL, RCPT and DATA without waiting; the message only after the 354; and "the actual transfer of
message content is explicitly allowed to be the first command in a group", so the message, its
'.' and the next MAIL, RCPT and DATA go in one write. Before, script mode wrote the '.' and each
command of the next group on its own: 4 writes a message, and a server that answers a read at a
time saw 2 or more round trips.

Counted, not timed: the difference between a 12- and a 6-message session (start-up, the greeting,
EHLO and QUIT do not count).
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smtpshell.client.blocking import BlockingConnection, run_blocking
from smtpshell.client.target import Target
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.render.styled import RenderOptions
from tests.plugins.servers import ServerThread

SMTPSHELL = str(Path(sys.executable).parent / "smtpshell")
MESSAGE = ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: n", "", "line one", "."]


def reads_answered_at_once(scripted_server: Callable[..., ServerThread], reads: list[list[bytes]], *,
                           pipelining: bool = True) -> ServerThread:
    """A server that answers every complete line of a read in one write; ``reads``: each read's lines."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 rtt.test ESMTP\r\n")
        buffer, in_data = b"", False
        while True:
            chunk = await reader.read(1 << 20)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\r\n")
            if not lines:
                continue
            reads.append(lines)
            out = []
            for line in lines:
                if in_data:
                    if line == b".":
                        out.append(b"250 2.0.0 queued\r\n")
                        in_data = False
                    continue
                verb = line.split(b" ", 1)[0].upper()
                if verb == b"EHLO":
                    out.append(b"250-rtt.test\r\n" + (b"250-PIPELINING\r\n" if pipelining else b"") + b"250 8BITMIME\r\n")
                elif verb == b"DATA":
                    out.append(b"354 go ahead\r\n")
                    in_data = True
                elif verb == b"QUIT":
                    writer.write(b"".join(out) + b"221 bye\r\n")
                    await writer.drain()
                    return
                else:
                    out.append(b"250 ok\r\n")
            writer.write(b"".join(out))
            await writer.drain()

    return scripted_server(script)


class Counted:
    """One scripted session: the client's writes and blocking reads, the server's reads, the output."""

    def __init__(self, scripted_server: Callable[..., ServerThread], messages: int, *, pipelining: bool = True,
                 record: str | None = None, first: tuple[str, ...] = ()) -> None:
        self.reads: list[list[bytes]] = []
        server = reads_answered_at_once(scripted_server, self.reads, pipelining=pipelining)
        lines = ["EHLO client.test", "/pipeline on", *first, *MESSAGE * messages]
        if record is not None:
            lines.insert(0, f"/record {record}")
        out, err = io.StringIO(), io.StringIO()
        self.waits = 0  # the reads that took bytes, polled or blocking: the client's round trips
        original = BlockingConnection._took

        def counting(conn: BlockingConnection, data: bytes) -> None:
            self.waits += 1
            original(conn, data)

        driver = ScriptDriver(lines, Target("127.0.0.1", server.port), RunOptions(connector=BlockingConnection.open),
                              out=out, err=err, render=RenderOptions(explain="off"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(BlockingConnection, "_took", counting)
            self.status = run_blocking(driver.run())
        assert driver.runner.connection is not None
        self.writes: int = driver.runner.connection.writes
        self.out, self.err = out.getvalue(), err.getvalue()


def per_message(scripted_server: Callable[..., ServerThread], what: str, **kwargs: Any) -> float:
    few, many = Counted(scripted_server, 6, **kwargs), Counted(scripted_server, 12, **kwargs)
    assert few.status == many.status == 0, many.out + many.err
    return (getattr(many, what) - getattr(few, what)) / 6


def test_a_pipelined_message_costs_one_write(scripted_server) -> None:  # type: ignore[no-untyped-def]
    assert per_message(scripted_server, "writes") == 1  # before: 4 (the '.', MAIL, RCPT and DATA each alone)


def test_a_pipelined_message_costs_one_round_trip(scripted_server) -> None:  # type: ignore[no-untyped-def]
    assert per_message(scripted_server, "waits") == 1  # the client blocks on the socket once a message
    session = Counted(scripted_server, 3)
    # The server's reads after EHLO: MAIL+RCPT+DATA, then each message with the next group, then the last
    # message with QUIT. One read each: one round trip a message.
    body = [b"Subject: n", b"", b"line one", b"."]
    group = [line.encode() for line in MESSAGE[:3]]
    assert session.reads[1:] == [group, body + group, body + group, body + [b"QUIT"]]


def test_every_line_is_still_shown_and_every_reply_paired(scripted_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    recording = tmp_path / "piped.transcript"
    session = Counted(scripted_server, 2, record=str(recording))
    out = session.out
    assert out.count("C: MAIL FROM:<a@example.org>\n") == 2 and out.count("C: DATA\n") == 2
    assert out.count("S: 354 go ahead") == 2 and out.count("S: 250 2.0.0 queued") == 2
    text = recording.read_text(encoding="utf-8")
    # In the recording each reply follows the line it answers, though the '.' and the next group went
    # out together and their replies came back together.
    assert ("C: .\nS: 250 2.0.0 queued\nC: MAIL FROM:<a@example.org>\nS: 250 ok\nC: RCPT TO:<b@example.org>\n"
            "S: 250 ok\nC: DATA\nS: 354 go ahead\n") in text
    again = reads_answered_at_once(scripted_server, [])
    replay = subprocess.run([SMTPSHELL, "replay", str(recording), again.address], capture_output=True, text=True,
                            timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr


def test_a_server_that_did_not_offer_pipelining_gets_one_write_per_command(scripted_server) -> None:  # type: ignore[no-untyped-def]
    # /pipeline on to a server without PIPELINING: each command still goes out on its own (the one
    # write of a whole group is /pipeline group's, and is what such servers refuse).
    assert per_message(scripted_server, "writes", pipelining=False) == 4


def test_a_verb_smtpshell_does_not_know_is_not_held_for_the_group(scripted_server) -> None:  # type: ignore[no-untyped-def]
    # RFC 2920 3.1: an extension's command ends a group unless its RFC says otherwise. A verb the
    # catalogue does not know is written at once, not kept with the MAIL after it.
    plain, with_unknown = Counted(scripted_server, 1), Counted(scripted_server, 1, first=("XYZZY",))
    assert with_unknown.status == 0, with_unknown.out + with_unknown.err
    assert with_unknown.writes == plain.writes + 1
    assert "C: XYZZY\n" in with_unknown.out


def test_a_shell_command_finds_the_lines_before_it_on_the_wire(scripted_server) -> None:  # type: ignore[no-untyped-def]
    # MAIL, then a /command, then the rest of the group: the MAIL is written before the /command
    # runs (it may wait on anything: a DNS lookup, a file), so the group takes one write more.
    plain = Counted(scripted_server, 1)
    split = Counted(scripted_server, 0, first=(MESSAGE[0], "/b64 hello", *MESSAGE[1:]))
    assert split.status == 0, split.out + split.err
    assert split.writes == plain.writes + 1


def test_pipeline_group_pairs_the_next_group_with_its_own_replies(scripted_server) -> None:  # type: ignore[no-untyped-def]
    # The '.' is answered in the same read as the next group (it does not end a group): its 250 is
    # the previous message's, not the MAIL's. Before, the second group's list said
    # "MAIL -> 250 2.0.0 queued" and "DATA -> 250 ok".
    session = Counted(scripted_server, 2, first=("/pipeline group",))
    assert session.status == 0, session.out + session.err
    out = session.out
    assert out.count("**   MAIL FROM:<a@example.org>  ->  250 ok\n") == 2, out
    assert out.count("**   DATA  ->  354 go ahead\n") == 2, out
    assert "->  250 2.0.0 queued" not in out

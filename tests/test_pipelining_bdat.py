"""PIPELINING (/pipeline) and BDAT chunks typed line by line, against scripted servers."""

from __future__ import annotations

import asyncio

import pytest

from smtpshell import exitcodes
from smtpshell.protocol import Pending, Session
from smtpshell.protocol.data import ChunkTooLong, chunk_line
from tests.plugins.servers import ServerThread, read_command
from tests.test_script_mode import run


def test_chunk_line_rules() -> None:
    assert chunk_line("abc", 10) == b"abc\r\n"
    assert chunk_line("abc", 3) == b"abc"  # exactly what is left: no CRLF
    with pytest.raises(ChunkTooLong, match="only 4 byte"):
        chunk_line("abc", 4)


def test_session_tracks_a_chunk() -> None:
    s = Session()
    s.connected()
    s.sent(Pending.command("BDAT 7 LAST"))
    assert s.chunk_remaining == 7
    s.chunk_sent(5)
    assert s.chunk_remaining == 2
    s.sent(Pending.command("BDAT x"))  # no size: nothing to collect
    assert s.chunk_remaining == 0


def test_bdat_chunk_typed_line_by_line(scripted_server) -> None:
    received: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 chunky ESMTP\r\n")
        await read_command(reader)
        writer.write(b"250-chunky\r\n250 CHUNKING\r\n")
        await read_command(reader)  # MAIL
        writer.write(b"250 ok\r\n")
        await read_command(reader)  # RCPT
        writer.write(b"250 ok\r\n")
        command = await read_command(reader)
        received.append(command)
        size = int(command.split()[1])
        received.append(await reader.readexactly(size))
        writer.write(b"250 2.0.0 %d octets received\r\n" % size)
        received.append(await read_command(reader))
        writer.write(b"221 bye\r\n")
        await writer.drain()

    prefix = ["-c", "EHLO me", "-c", "MAIL FROM:<a@x.test>", "-c", "RCPT TO:<b@x.test>"]
    # "Subject: x" CRLF is 12 bytes; ".ok" (no dot-stuffing in BDAT) is exactly the 3 left.
    server: ServerThread = scripted_server(script)
    result = run([server.address, *prefix, "-c", "BDAT 15 LAST", "-c", "Subject: x", "-c", ".ok", "-c", "QUIT"])
    assert result.returncode == exitcodes.OK, result.stdout + result.stderr
    assert received == [b"BDAT 15 LAST", b"Subject: x\r\n.ok", b"QUIT"]
    assert "chunk complete" in result.stdout
    assert "S: 250 2.0.0 15 octets received" in result.stdout

    # With 14 declared, ".ok" would overrun by one byte: refused, nothing of it sent.
    received.clear()
    server = scripted_server(script)
    result = run([server.address, *prefix, "-c", "BDAT 14 LAST", "-c", "Subject: x", "-c", ".ok",
                  "-c", "!!", "-c", "QUIT"])
    assert "only 2 byte(s)" in result.stderr
    assert received == [b"BDAT 14 LAST", b"Subject: x\r\n!!", b"QUIT"]
    assert result.returncode == exitcodes.USAGE  # a script line was refused


def test_pipelined_commands_go_out_before_any_reply(scripted_server) -> None:
    seen_before_first_reply: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 pipes ESMTP\r\n")
        await read_command(reader)
        writer.write(b"250-pipes\r\n250 PIPELINING\r\n")
        # Answer nothing until MAIL, RCPT, RCPT and DATA have all arrived.
        for _ in range(4):
            seen_before_first_reply.append(await read_command(reader))
        writer.write(b"250 sender ok\r\n250 rcpt ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n")
        while await read_command(reader) != b".":
            pass
        writer.write(b"250 queued\r\n")
        await read_command(reader)
        writer.write(b"221 bye\r\n")
        await writer.drain()

    server = scripted_server(script)
    result = run([server.address], stdin="EHLO me\n/pipeline on\nMAIL FROM:<a@x.test>\nRCPT TO:<b@x.test>\n"
                 "RCPT TO:<nobody@x.test>\nDATA\nSubject: p\n\nbody\n.\nQUIT\n", timeout=30)
    assert seen_before_first_reply == [b"MAIL FROM:<a@x.test>", b"RCPT TO:<b@x.test>",
                                       b"RCPT TO:<nobody@x.test>", b"DATA"]
    out = result.stdout
    # Each reply is paired with its own command, in order.
    assert out.index("S: 250 sender ok") < out.index("S: 250 rcpt ok") < out.index("S: 550 5.1.1") < out.index("S: 354")
    assert "S: 250 queued" in out
    assert result.returncode == exitcodes.PERMANENT  # the 550 counts


def test_without_pipelining_each_command_waits(scripted_server) -> None:
    order: list[str] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 strict ESMTP\r\n")
        for _ in range(3):
            order.append((await read_command(reader)).decode())
            await asyncio.sleep(0.05)  # a slow answer: a client that does not wait would run ahead
            order.append("reply")
            writer.write(b"250 ok\r\n")
        await read_command(reader)
        writer.write(b"221 bye\r\n")
        await writer.drain()

    server = scripted_server(script)
    result = run([server.address], stdin="EHLO me\nNOOP\nRSET\n")
    assert result.returncode == exitcodes.OK
    assert order == ["EHLO me", "reply", "NOOP", "reply", "RSET", "reply"]


async def test_pipelining_in_the_event_loop_pairs_every_reply(scripted_server) -> None:
    """In the asyncio shell (the REPL's), replies to pipelined commands arrive and are
    paired while the runner is not waiting; the group's end must still take them all,
    so a refused DATA is noticed and its message lines are not sent as commands."""
    import io

    from smtpshell.client import Target
    from smtpshell.drivers.runner import RunOptions
    from smtpshell.drivers.script import ScriptDriver

    received: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 quick ESMTP\r\n")
        while True:
            line = await read_command(reader)
            received.append(line)
            verb = line.split(b" ")[0].upper()
            answer = {b"EHLO": b"250-quick\r\n250 PIPELINING\r\n", b"RCPT": b"550 5.1.1 unknown\r\n",
                      b"DATA": b"503 5.5.1 no valid recipients\r\n", b"QUIT": b"221 bye\r\n"}.get(verb, b"250 ok\r\n")
            writer.write(answer)  # at once: before the client sends the next command
            await writer.drain()
            if verb == b"QUIT":
                return

    server = scripted_server(script)
    lines = ["EHLO me", "/pipeline on", "MAIL FROM:<a@x.test>", "RCPT TO:<b@x.test>", "DATA",
             "Subject: must not be sent", "", "body", ".", "NOOP"]
    driver = ScriptDriver([], Target("127.0.0.1", server.port), RunOptions(timeout=10),
                          out=io.StringIO(), err=io.StringIO())
    runner = driver.runner
    assert await runner.open(Target("127.0.0.1", server.port))
    for line in lines:  # typed one by one, as in the REPL: replies come in between
        await runner.handle(line)
        await asyncio.sleep(0.05)
    await runner.close()
    assert b"Subject: must not be sent" not in received and b"body" not in received
    assert received[-2:] == [b"NOOP", b"QUIT"]
    assert runner.outcome.exit_code() == exitcodes.PERMANENT


def test_the_next_message_goes_with_the_dot(scripted_server) -> None:
    # RFC 2920 3.1: message content may start a group. The server answers the "." only once
    # the next MAIL, RCPT and DATA have arrived: a client that waits for that reply first
    # would hang here (before: it did, and the session timed out).
    seen_before_dot_reply: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 pipes ESMTP\r\n")
        await read_command(reader)
        writer.write(b"250-pipes\r\n250 PIPELINING\r\n")
        for message in range(2):
            for _ in range(3):  # MAIL, RCPT, DATA
                seen = await read_command(reader)
                if message == 1:
                    seen_before_dot_reply.append(seen)
            if message == 1:
                writer.write(b"250 first queued\r\n")
            writer.write(b"250 sender ok\r\n250 rcpt ok\r\n354 go ahead\r\n")
            while await read_command(reader) != b".":
                pass
        writer.write(b"250 second queued\r\n")
        await read_command(reader)
        writer.write(b"221 bye\r\n")
        await writer.drain()

    server = scripted_server(script)
    message = "MAIL FROM:<a@x.test>\nRCPT TO:<b@x.test>\nDATA\nSubject: p\n\nbody\n.\n"
    result = run([server.address, "--timeout", "5"], stdin=f"EHLO me\n/pipeline on\n{message}{message}QUIT\n",
                 timeout=30)
    assert seen_before_dot_reply == [b"MAIL FROM:<a@x.test>", b"RCPT TO:<b@x.test>", b"DATA"], result.stdout
    out = result.stdout
    assert out.index("S: 250 first queued") < out.index("S: 250 second queued")
    assert result.returncode == exitcodes.OK, out + result.stderr

"""`smtpshell serve` as a teacher runs it: a real subprocess, real mail, Ctrl-C (SIGINT)."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from datetime import UTC
from pathlib import Path

import pytest

from smtpshell.protocol.replies import Reply
from smtpshell.server.store import StoredMessage
from tests.plugins.practice import PracticeClient, message

SERVE = [sys.executable, "-m", "smtpshell", "serve"]


async def read_until(stream: asyncio.StreamReader, pattern: str, seen: list[str], limit: float = 15) -> re.Match[str]:
    """Read lines until one matches; every line read goes into ``seen``."""
    async with asyncio.timeout(limit):
        while True:
            raw = await stream.readline()
            if not raw:
                raise AssertionError("serve ended early; output so far:\n" + "".join(seen))
            line = raw.decode("utf-8", "replace")
            seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found


async def start_serve(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *SERVE, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def test_serve_prints_each_message_and_ctrl_c_exits_0(tmp_path: Path) -> None:
    proc = await start_serve("--port", "0", "--tls-port", "0", "--state-dir", str(tmp_path))
    seen: list[str] = []
    try:
        assert proc.stdout is not None and proc.stderr is not None
        found = await read_until(proc.stdout, r"listening on 127\.0\.0\.1:(\d+) .* and 127\.0\.0\.1:(\d+)", seen)
        port = int(found.group(1))
        ca_file = tmp_path / "practice-ca.pem"
        await read_until(proc.stdout, r"waiting for mail", seen)
        assert f"students connect with: smtpshell 127.0.0.1:{port} --cafile {ca_file}" in "".join(seen)

        # A student sends a message, over STARTTLS verified with the server's CA file.
        client = await _client("127.0.0.1", port, str(ca_file))
        await client.starttls()
        await client.login("alice", "wonderland")
        reply = await client.send_mail("alice@practice.test", ["bob@practice.test"], message("homework \x1b[31m1"))
        assert isinstance(reply, Reply) and reply.code == 250
        await client.ok("QUIT", 221)

        await read_until(proc.stdout, r"message 1 from 127\.0\.0\.1", seen)
        header = seen[-1]
        assert "TLSv1" in header and "AUTH alice" in header
        await read_until(proc.stdout, r"RCPT TO:<bob@practice\.test>", seen)
        subject = await read_until(proc.stdout, r"Subject: (.*)", seen)
        assert subject.group(1).startswith("homework")
        assert "\x1b" not in "".join(seen)  # the escape the student sent is shown escaped, never raw
        assert len(list((tmp_path / "maildir" / "new").iterdir())) == 1

        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            rest, err = await proc.communicate()
        assert proc.returncode == 0
        assert b"Traceback" not in err and b"Traceback" not in rest
        assert b"stopped after 1 message(s)" in rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _client(host: str, port: int, ca_file: str) -> PracticeClient:
    from smtpshell import events as ev
    from smtpshell.client import Connection, Target, TLSOptions

    log = ev.EventLog()
    bus = ev.EventBus()
    bus.subscribe(log)
    conn = await Connection.open(Target(host, port), bus, TLSOptions(cafile=ca_file), timeout=10)
    client = PracticeClient(conn, log)
    assert (await conn.greeting()).reply.code == 220  # type: ignore[union-attr]
    await client.ok("EHLO student.test")
    return client


async def test_serve_sigterm_also_exits_0(tmp_path: Path) -> None:
    proc = await start_serve("--port", "0", "--no-tls-port", "--no-store", "--state-dir", str(tmp_path))
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        await read_until(proc.stdout, r"waiting for mail", seen)
        assert "implicit TLS" not in "".join(seen)
        assert "kept in memory only" in "".join(seen)
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            _, err = await proc.communicate()
        assert proc.returncode == 0 and b"Traceback" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_serve_port_in_use_is_one_line_and_status_3(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = await start_serve("--port", str(port), "--tls-port", "0", "--state-dir", str(tmp_path))
        async with asyncio.timeout(15):
            out, err = await proc.communicate()
    assert proc.returncode == 3
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "--port" in lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--user", "nopassword"], "write NAME:PASSWORD"),
        (["--users", "/nonexistent/users.txt"], "cannot read the users file"),
        (["--cert", "/nonexistent/cert.pem"], "no such file"),
        (["--key", "/nonexistent/key.pem"], "--key needs --cert"),
        (["--scenario", "nonsense"], "choose one of"),
        (["--port", "99999"], "not a port number"),
    ],
)
async def test_serve_bad_flags_are_one_clear_line(args: list[str], expected: str, tmp_path: Path) -> None:
    proc = await start_serve("--state-dir", str(tmp_path), *args)
    async with asyncio.timeout(15):
        _, err = await proc.communicate()
    assert proc.returncode == 2
    assert expected in err.decode()
    assert b"Traceback" not in err


async def test_serve_users_file(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("# the class\ndave:pw-one\n\nerin:pw-two\n")
    proc = await start_serve("--port", "0", "--no-tls-port", "--no-store", "--users", str(users),
                             "--state-dir", str(tmp_path))
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        await read_until(proc.stdout, r"waiting for mail", seen)
        text = "".join(seen)
        assert "dave / pw-one" in text and "erin / pw-two" in text and "alice" not in text
    finally:
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            await proc.communicate()
    assert proc.returncode == 0


def test_live_summary_escapes_client_text() -> None:
    from datetime import datetime

    from smtpshell.server.live import list_line, shown_parts, summary_lines

    msg = StoredMessage(
        number=7, queue_id="ABC", received_at=datetime.now(UTC), peer="127.0.0.1:1",
        helo="evil\x1b[2J", mail_from="a\x07@b.test", rcpt_tos=("bob@practice.test",), tls=None,
        auth_user=None, subject="hi \x1b]0;title\x07", size=3, data=b"Received: x\r\n\x1b[31mred\r\n",
    )
    for text in ["\n".join(summary_lines(msg)), list_line(msg), *shown_parts(msg)]:
        assert "\x1b" not in text and "\x07" not in text
    assert "message 7" in summary_lines(msg)[0]

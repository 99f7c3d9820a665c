"""Issue 15 in script mode: who closed the connection, and the session summary."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import pytest

from smtpshell import exitcodes
from tests.plugins.servers import read_command
from tests.test_script_mode import SMTPSHELL, run


async def _greets_then_never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 slow.test ESMTP\r\n")
    await writer.drain()
    await read_command(reader)  # NOOP: no answer, ever
    await asyncio.sleep(30)


def test_a_client_timeout_says_smtpshell_closed_the_connection(scripted_server) -> None:
    server = scripted_server(_greets_then_never_answers)
    result = run([server.address, "--timeout", "1", "-c", "NOOP"])
    assert result.returncode == exitcodes.CONNECTION
    everything = result.stdout + result.stderr
    assert "client timeout" in result.stderr
    assert "connection closed: closed by smtpshell after a client timeout" in result.stdout
    assert "the server closed" not in everything
    assert "/connect" not in everything  # script mode has no /connect


def test_ctrl_c_in_script_mode_says_who_closed_it(scripted_server) -> None:
    server = scripted_server(_greets_then_never_answers)
    # PYTHONFAULTHANDLER: if it ever hangs after Ctrl-C, SIGABRT below prints where it is.
    child = subprocess.Popen([SMTPSHELL, server.address, "-c", "NOOP", "-c", "NOOP"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    assert child.stdout is not None
    seen = ""
    while "C: NOOP" not in seen:
        line = child.stdout.readline()
        assert line, "smtpshell ended before sending NOOP"
        seen += line
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGABRT)
        out, err = child.communicate()
        pytest.fail(f"smtpshell did not end after Ctrl-C; where it was:\n{err[-4000:]}")
    assert child.returncode == exitcodes.INTERRUPTED
    assert "interrupted (Ctrl-C) while waiting for the reply to 'NOOP': smtpshell closed the connection" in err
    assert "the server closed" not in seen + out + err


SESSION = ("EHLO me\nMAIL FROM:<alice@practice.test>\nRCPT TO:<bob@practice.test>\nRCPT TO:<nobody@practice.test>\n"
           "DATA\nSubject: summary\n\nhello\n.\n/summary\nQUIT\n")


def test_summary_in_a_script_and_in_the_recorded_transcript(tmp_path: Path) -> None:
    record = tmp_path / "session.txt"
    result = run(["--record", str(record)], stdin=SESSION)  # the embedded practice server
    assert result.returncode == exitcodes.PERMANENT, result.stderr  # the refused recipient (550)
    out = result.stdout
    summary = out[out.index("** session summary"):]
    assert "message 1: from <alice@practice.test>: accepted (250)" in summary
    assert "queue id: " in summary
    assert "recipients accepted: <bob@practice.test>" in summary
    assert "recipients refused: <nobody@practice.test> (550)" in summary
    assert "TLS: none (plaintext)" in summary and "AUTH: not used" in summary
    assert "time per stage: connect" in summary
    queue_id = summary.split("queue id: ", 1)[1].split()[0]
    assert f"queued as {queue_id}" in out  # the id the server gave
    stored = record.read_text()
    assert f"#     queue id: {queue_id}" in stored
    assert "#   connection: closed after QUIT" in stored
    assert "session summary" not in result.stderr  # stderr is no terminal here: no summary printed twice


def test_a_refused_password_from_the_environment_is_named_and_not_resent(auth_server) -> None:
    result = run([auth_server.address, "--user", "alice", "--no-netrc", "-c", "EHLO x", "-c", "AUTH PLAIN",
                  "-c", "AUTH PLAIN"], env={"SMTPSHELL_PASSWORD": "not-the-password"})
    everything = result.stdout + result.stderr
    assert everything.count("S: 535") == 1, everything  # before: the same wrong password went out twice
    assert "the password came from $SMTPSHELL_PASSWORD and was refused" in everything
    assert "is not sent again" in result.stderr
    assert "not-the-password" not in everything

"""Recording from the command line (--record) and from the shell (/record FILE, /record stop)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from smtpshell.transcript import read_transcript

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SMTPSHELL, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_record_flag_then_replay_command(smtp_server, tmp_path: Path) -> None:
    path = tmp_path / "cli.transcript"
    done = _run("--record", str(path), "--helo", "client.example", "-c", "NOOP", "-c", "VRFY bob", smtp_server.address)
    assert done.returncode == 0, done.stderr
    text = path.read_text()
    # --helo's EHLO and the closing QUIT were sent by the shell: recorded, and marked as such.
    assert "# (sent by smtpshell on the user's behalf)\nC: EHLO client.example\n" in text
    assert "C: VRFY bob\nS: 252 " in text and "C: QUIT\nS: 221 Bye" in text
    # The screen and the file come from one event stream: every line sent is on both.
    for step in read_transcript(path).steps:
        if step.line is not None:
            assert f"C: {step.line}" in done.stdout
    replayed = _run("replay", str(path), smtp_server.address)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "OK, all 5 replies match" in replayed.stdout


def test_record_flag_with_an_unwritable_file_says_so_in_one_line(smtp_server, tmp_path: Path) -> None:
    done = _run("--record", str(tmp_path / "no" / "such" / "dir.transcript"), "-c", "NOOP", smtp_server.address)
    assert "cannot record to" in done.stderr and "Traceback" not in done.stderr
    # Caught before connecting (issue 15): a session that could not be recorded is not started.
    assert "C: NOOP" not in done.stdout and "connected" not in done.stdout
    assert done.returncode == 2


def test_record_shell_command_starts_and_stops(smtp_server, tmp_path: Path) -> None:
    path = tmp_path / "mid.transcript"
    done = _run("-c", "EHLO client.example", "-c", f"/record {path}", "-c", "NOOP", "-c", "/record stop",
                "-c", "RSET", smtp_server.address)
    assert done.returncode == 0, done.stderr
    assert f"recording to {path}" in done.stdout and "recording stopped" in done.stdout
    text = path.read_text()
    assert "#: started: mid-session (phase: identified)" in text
    assert "C: NOOP\nS: 250 OK" in text
    assert "EHLO" not in text.split("#: started")[1] and "RSET" not in text  # only what happened while recording
    again = _run("-c", "/record stop", smtp_server.address)
    assert "not recording" in again.stderr


def test_a_message_sent_with_data_file_is_noted_and_replay_says_it_cannot(smtp_server, tmp_path: Path) -> None:
    message = tmp_path / "msg.eml"
    message.write_text("Subject: from a file\n\nbody\n")
    path = tmp_path / "data.transcript"
    done = _run("--record", str(path), "-c", "EHLO me", "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>",
                "-c", f"/data {message}", smtp_server.address)
    assert done.returncode == 0, done.stderr
    text = path.read_text()
    assert "** message from" in text and "body" not in text
    replayed = _run("replay", str(path), smtp_server.address)
    assert replayed.returncode == 2
    assert "sent from a file (/data)" in replayed.stderr + replayed.stdout

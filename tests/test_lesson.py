"""Must-show 3: step through a lesson in a real pseudo-terminal, as a student would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from smtpshell.transcript import read_transcript
from smtpshell.transcript.lessons import find_lesson, list_lessons
from smtpshell.transcript.placeholders import placeholder_in
from tests.plugins.transcripts import TRANSCRIPTS

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def _spawn(*args: str) -> pexpect.spawn:
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", COLUMNS="200")
    env.pop("SMTPSHELL_PASSWORD", None)
    return pexpect.spawn(SMTPSHELL, ["lesson", *args, "--color", "never"], encoding="utf-8",
                         timeout=20, dimensions=(50, 200), env=env)


def test_stepping_through_the_auth_lesson_with_one_edited_line() -> None:
    lesson = read_transcript(TRANSCRIPTS / "04-auth-login.transcript")
    child = _spawn("04")
    transcript_of_screen: list[str] = []
    try:
        child.expect_exact("== Lesson 04-auth-login: Authenticated submission")
        child.expect_exact("Submission: instead of delivering")  # the introduction is shown
        for step in lesson.steps:
            if step.line is None:
                continue
            if placeholder_in(step.line):
                child.expect_exact("password for AUTH:")  # asked hidden, never pre-filled
                child.sendline("wonderland")
                child.expect_exact("S: 235 2.7.0 Authentication successful")
                transcript_of_screen.append(child.before)
                continue
            if step.comments:
                child.expect_exact(step.comments[0])  # the step is explained before the prompt
            child.expect_exact("lesson C:")
            if step.line.startswith("RCPT TO:"):
                # Edit the pre-filled line: Ctrl-U clears it, then type another recipient.
                child.send("\x15RCPT TO:<bob@practice.test>\r")
                child.expect_exact("C: RCPT TO:<bob@practice.test>\r\n")
                child.expect_exact("you changed the line, so the reply differs from the lesson's")
                child.expect_exact("retry C:")  # offered again: an empty line goes on
                child.send("\x15\r")
                child.expect_exact("(step skipped)")
                continue
            child.send("\r")  # Enter sends the pre-filled line as it is
            child.expect_exact(f"C: {step.line}\r\n")
        child.expect_exact("== Lesson complete: 9 of 10 replies as the lesson expected.")
        child.expect(pexpect.EOF)
        transcript_of_screen.append(child.before)
    finally:
        child.close()
    assert child.exitstatus == 0
    screen = "".join(transcript_of_screen)
    assert "d29uZGVybGFuZA" not in screen  # the password's base64 is never shown


def test_leaving_a_lesson_with_ctrl_d() -> None:
    child = _spawn("direct")
    try:
        child.expect_exact("== Lesson 01-direct-delivery")
        child.expect_exact("S: 220 mx.practice.test")
        child.expect_exact("✓ the reply the lesson expected")
        child.expect_exact("lesson C:")
        child.send("\r")
        child.expect_exact("S: 250 mx.practice.test")
        child.expect_exact("lesson C:")
        child.sendcontrol("d")
        child.expect_exact("You left the lesson.")
        child.expect_exact("== Lesson left early: 2 of 2 replies as the lesson expected.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_listing_and_finding_lessons() -> None:
    names = [lesson.name for lesson in list_lessons()]
    assert names[:6] == sorted(p.stem for p in TRANSCRIPTS.glob("*.transcript"))[:6]
    assert find_lesson("starttls").name == "02-starttls.transcript"
    with pytest.raises(LookupError, match="no lesson 'zzz'"):
        find_lesson("zzz")
    listed = subprocess.run([SMTPSHELL, "lesson"], capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0
    assert "01-direct-delivery  Direct delivery: HELO, MAIL FROM, RCPT TO, DATA, QUIT" in listed.stdout


def test_a_lesson_needs_a_terminal_and_says_so() -> None:
    done = subprocess.run([SMTPSHELL, "lesson", "01"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "lessons are interactive" in done.stderr and "smtpshell replay" in done.stderr
    missing = subprocess.run([SMTPSHELL, "lesson", "no-such-lesson"], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "no lesson 'no-such-lesson'" in missing.stderr
    assert "Traceback" not in missing.stderr + done.stderr


def test_a_step_whose_reply_differed_is_retried() -> None:
    child = _spawn("direct")
    try:
        child.expect_exact("== Lesson 01-direct-delivery")
        for _ in range(2):  # HELO, MAIL FROM: as written
            child.expect_exact("lesson C:")
            child.send("\r")
        child.expect_exact("lesson C: RCPT TO:<alice@practice.test>")
        child.send("\x15RCPT TO:<nobody@practice.test>\r")  # a typo: refused
        child.expect_exact("S: 550")
        child.expect_exact("the reply differs from the lesson's")
        child.expect_exact("retry C: RCPT TO:<alice@practice.test>")  # the lesson's line again
        child.send("\r")
        child.expect_exact("S: 250 2.1.5 <alice@practice.test>")
        child.expect_exact("✓ the reply the lesson expected")
        while True:  # the rest as written: DATA, the message, '.', QUIT
            index = child.expect_exact(["lesson C:", "== Lesson complete"])
            if index == 1:
                break
            child.send("\r")
        child.expect_exact(": 7 of 7 replies as the lesson expected.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_a_lesson_whose_tls_fails_ends_as_failed(tmp_path: Path) -> None:
    # Lesson 02 against the practice server without its CA: the certificate cannot be verified.
    server = subprocess.Popen([SMTPSHELL, "serve", "--port", "0", "--tls-port", "0", "--no-store"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        address = ""
        while not address:
            line = server.stdout.readline()
            assert line, "the practice server did not start"
            if "listening on" in line:
                address = line.split("listening on", 1)[1].split()[0].rstrip(",")
        child = _spawn("02", address)
        try:
            while child.expect_exact(["lesson C:", "== Lesson failed:"]) == 0:
                child.send("\r")  # EHLO, STARTTLS as written
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus != 0  # before: "4 of 4 replies as the lesson expected", exit 0
        assert "replies as the lesson expected." not in (child.before or "")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_lesson_whose_connection_is_refused_ends_as_failed() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    child = _spawn("01", f"127.0.0.1:{port}")
    try:
        child.expect_exact("== Lesson failed:")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus not in (0, None)
    assert "replies as the lesson expected." not in (child.before or "")


def test_skipping_a_step_is_not_called_a_changed_line() -> None:
    child = _spawn("05")
    try:
        child.expect_exact("lesson C:")
        child.send("\x15\r")  # the pre-filled line cleared: an empty line skips the step
        child.expect_exact("(step skipped)")
        child.expect_exact("lesson C:")  # the next step
        between = child.before or ""
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert "you changed the line" not in between  # before: a skipped step was judged as an edit

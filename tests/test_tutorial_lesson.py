"""The tutorial's own lesson (issue 14): the seed article's flows in its order, in four parts
(one connection each), in English and Chinese; `smtpshell lesson --lang zh_CN` lists and plays it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from smtpshell.transcript import read_transcript
from smtpshell.transcript.lessons import find_lesson, list_lessons, parts_of
from smtpshell.transcript.model import Transcript
from tests.plugins.transcripts import TRANSCRIPTS

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
FIRST = "09-tutorial"


def _verbs(t: Transcript) -> list[str]:
    """The commands a part sends, in order (message lines and AUTH answers left out)."""
    out, in_data = [], False
    for step in t.steps:
        line = step.line
        if line is None:
            continue
        if in_data:
            in_data = line != "."
            continue
        word = line.split(" ")[0].split(":")[0].upper()
        if word in ("HELO", "EHLO", "MAIL", "RCPT", "DATA", "QUIT", "AUTH", "STARTTLS"):
            out.append(word)
            in_data = word == "DATA" and any(e.code == 354 for e in step.expected)
        else:
            out.append(line)
    return out


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_tutorial_lesson_follows_the_seed_in_its_order(lang: str) -> None:
    parts = [read_transcript(info.path) for info in parts_of(FIRST, lang)]
    assert [p.name for p in parts] == [FIRST, "09-tutorial-2-auth-login", "09-tutorial-3-ssl-465", "09-tutorial-4-starttls"]
    if lang == "zh_CN":
        assert all(p.path is not None and p.path.parent.name == "zh_CN" for p in parts)
    direct, auth, ssl, starttls = parts
    # 1. direct delivery: helo, mail from, rcpt to, data, quit; a recipient elsewhere is refused
    assert _verbs(direct) == ["HELO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"]
    assert [e.code for s in direct.steps for e in s.expected[:1]][4] == 554
    assert not direct.implicit_tls
    # 2. ehlo, auth login, the user name's base64 typed by the student, the password, mail, rcpt, data, quit
    assert _verbs(auth) == ["EHLO", "AUTH", "YWxpY2U=", "<password>", "MAIL", "RCPT", "DATA", "QUIT"]
    assert "/b64 alice" in " ".join(auth.steps[3].comments) and "/auth manual" in " ".join(auth.steps[3].comments)
    # 3. SSL on 465: implicit TLS from the first byte, and smtpshell does the base64
    assert ssl.implicit_tls and _verbs(ssl)[:4] == ["EHLO", "AUTH", "<username>", "<password>"]
    assert "/auth auto" in " ".join(ssl.steps[2].comments)
    # 4. STARTTLS on the plain (submission) port: AUTH before it is a 5xx, then TLS, EHLO again, AUTH
    assert not starttls.implicit_tls
    assert _verbs(starttls)[:5] == ["EHLO", "AUTH", "STARTTLS", "EHLO", "AUTH"]
    assert starttls.steps[2].expected[0].code == 530 and starttls.steps[3].expects_tls
    assert "2xx" in " ".join(starttls.steps[2].comments) and "3xx" in " ".join(starttls.steps[2].comments)


def test_the_tutorial_is_listed_once_with_its_parts() -> None:
    for lang in ("en", "zh_CN"):
        names = [lesson.name for lesson in list_lessons(lang)]
        assert FIRST in names and not [n for n in names if n.startswith("09-tutorial-")]
    assert find_lesson("tutorial", lang="zh_CN") == TRANSCRIPTS / "zh_CN" / f"{FIRST}.transcript"


def _spawn(*args: str) -> pexpect.spawn:
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", COLUMNS="200")
    for name in ("SMTPSHELL_PASSWORD", "SMTPSHELL_USER", "SMTPSHELL_LANG", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env["LANG"] = "C.UTF-8"  # the language comes from --lang alone
    return pexpect.spawn(SMTPSHELL, ["lesson", *args, "--color", "never"], encoding="utf-8",
                         timeout=20, dimensions=(50, 200), env=env)


def test_smtpshell_lesson_lists_the_tutorial_in_chinese() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SMTPSHELL_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    listed = subprocess.run([SMTPSHELL, "lesson", "--lang", "zh_CN"], capture_output=True, text=True, timeout=30, env=env)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^  09-tutorial +教程之一：直接投递（HELO、MAIL FROM、RCPT TO、DATA、QUIT） （共 4 部分）$",
                     listed.stdout, re.M), listed.stdout
    assert "01-direct-delivery  直接投递：" in listed.stdout
    assert "09-tutorial-2" not in listed.stdout
    english = subprocess.run([SMTPSHELL, "lesson"], capture_output=True, text=True, timeout=30, env=env)
    assert "The tutorial, part 1: direct delivery" in english.stdout and "(4 parts)" in english.stdout


def test_playing_the_tutorial_in_chinese_notes_in_chinese_server_lines_unchanged() -> None:
    direct = read_transcript(TRANSCRIPTS / "zh_CN" / f"{FIRST}.transcript")
    auth = read_transcript(TRANSCRIPTS / "zh_CN" / "09-tutorial-2-auth-login.transcript")
    child = _spawn("--lang", "zh_CN", "tutorial")
    screen: list[str] = []
    try:
        child.expect_exact(f"{FIRST}: 教程之一：直接投递")
        child.expect_exact("本课程跟着 smtpshell 起源的那篇教程走")  # the Chinese introduction
        child.expect_exact("S: 220 mx.practice.test ESMTP smtpshell practice server")  # the server's words, as sent
        for step in direct.steps:
            if step.line is None:
                continue
            if step.comments:
                child.expect_exact(step.comments[0])  # each step's Chinese note, before its prompt
            child.expect_exact("课程 C:")  # the lesson prompt, in Chinese
            child.send("\r")
            child.expect_exact(f"C: {step.line}\r\n")
            if step.line.startswith("RCPT TO:<zhaoweikid"):
                child.expect_exact("S: 554 5.7.1 <zhaoweikid@163.com>: Relay access denied (this server only "
                                   "takes mail for practice.test unless you AUTH)")
        child.expect_exact("S: 221 2.0.0 mx.practice.test closing connection")
        screen.append(child.before)
        # Part 2 starts on a new connection, in Chinese too.
        child.expect_exact("第 2 部分（共 4 部分）：教程之二")
        child.expect_exact(auth.intro[0])
        child.expect_exact("S: 220 mx.practice.test ESMTP")
        for _ in ("EHLO", "AUTH LOGIN"):
            child.expect_exact("课程 C:")  # the lesson prompt, in Chinese
            child.send("\r")
        child.expect_exact("S: 334 VXNlciBOYW1lAA==")
        child.expect_exact("/b64 alice")  # the note asks for the base64 by hand first
        child.expect_exact("课程 C:")  # the lesson prompt, in Chinese
        child.send("\x15/b64 alice\r")  # Ctrl-U clears the pre-filled line
        child.expect_exact("YWxpY2U=\r\n")  # /b64 works at the lesson prompt; the step is offered again
        child.expect_exact("课程 C:")  # the lesson prompt, in Chinese
        child.send("\r")
        child.expect_exact("C: YWxpY2U=\r\n")
        child.expect_exact("S: 334 UGFzc3dvcmQA")
        child.expect_exact("AUTH 用的密码：")  # the prompt is in Chinese too
        child.sendline("wonderland")
        child.expect_exact("S: 235 2.7.0 Authentication successful")
        child.expect_exact("课程 C:")  # the lesson prompt, in Chinese
        screen.append(child.before)
        child.sendcontrol("d")  # leave during part 2: part 3 is not started
        child.expect(pexpect.EOF)
        screen.append(child.before)
    finally:
        child.close()
    assert child.exitstatus == 0
    text = "".join(screen)
    assert "第 3 部分" not in text
    assert "wonderland" not in text and "d29uZGVybGFuZA" not in text  # the password is never shown


def test_against_a_teachers_server_the_lesson_says_how_to_start_the_next_part() -> None:
    server = subprocess.Popen([SMTPSHELL, "serve", "--port", "0", "--tls-port", "0", "--no-store"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "listening on" in line:
                address = line.split("listening on", 1)[1].split()[0]
                break
        else:
            pytest.fail("the practice server did not start")
        direct = read_transcript(TRANSCRIPTS / "zh_CN" / f"{FIRST}.transcript")
        child = _spawn("--lang", "zh_CN", FIRST, address)
        try:
            for step in direct.steps:
                if step.line is not None:
                    child.expect_exact("课程 C:")  # the lesson prompt, in Chinese
                    child.send("\r")
            child.expect_exact(f"下一部分是 09-tutorial-2-auth-login：smtpshell lesson 09-tutorial-2-auth-login {address}")
            child.expect(pexpect.EOF)
            assert "第 2 部分" not in (child.before or "")  # not played against a server set up otherwise
        finally:
            child.close()
        assert child.exitstatus == 0
    finally:
        server.terminate()
        server.wait(timeout=10)

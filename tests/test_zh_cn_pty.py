"""Issue 14, must-show 1: a whole session in Simplified Chinese, in a pty, the server's lines unchanged.

``smtpshell --lang zh_CN`` (and ``LANG=zh_CN.UTF-8``) with no arguments, on
the embedded practice server: EHLO, STARTTLS, EHLO, AUTH LOGIN, MAIL, RCPT,
DATA, QUIT. Every explanation, note and prompt is in Chinese: no English word
is left on screen outside the server's replies, the wire, what was typed and
tokens that are no language's (the rule of tests/plugins/screen_marks.py,
here with Chinese allowed instead of marks: so a phase prompt may be its
protocol word, smtp> data> auth>), every ↳/→ annotation holds Chinese
characters, and so do the user name and password questions. The server's lines are the very ones the same session
shows in English.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

from tests.plugins.screen_marks import (
    Facts,
    ScreenTerminal,
    check_rows,
    is_cjk,
    practice_values,
    report,
    translated,
    unmarked,
)

USER, PASSWORD = "alice", "wonderland"  # the practice server's demo login
HOST = "127.0.0.1"
LANGS = [
    pytest.param(("--lang", "zh_CN"), {}, id="--lang zh_CN"),
    pytest.param((), {"LANG": "zh_CN.UTF-8"}, id="LANG=zh_CN.UTF-8"),
]


def session(screen_pty, tmp_path: Path, lang: str, args: tuple[str, ...], env: dict[str, str]) -> tuple[
        ScreenTerminal, Facts]:
    """The session of must-show 1, typed as a student would; the facts of what was not smtpshell's."""
    record = tmp_path / f"{lang}.transcript"
    term = screen_pty(*args, "--record", str(record), env=env)

    def prompt(english: str, timeout: float = 10) -> None:
        term.wait_prompt(translated(english, lang), timeout)

    prompt("smtp> ", timeout=20)
    for line, code in (("EHLO pty.test", "250 "), ("STARTTLS", "220 "), ("EHLO pty.test", "250 ")):
        term.line(line)
        term.expect_text(code)
        prompt("smtp> ")
    term.line("AUTH LOGIN")
    prompt(f"Username for {HOST}: ")
    term.line(USER)
    prompt(f"Password for {USER}@{HOST}: ")
    term.secret(PASSWORD)
    term.expect_text("235")
    prompt("smtp> ")
    for line in ("MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>"):
        term.line(line)
        term.expect_text("250")
        prompt("smtp> ")
    term.line("DATA")
    term.expect_text("354")
    prompt("data> ")
    term.line("你好，这是一封测试邮件。")
    prompt("data> ")
    term.line(".")
    term.expect_text("queued as")
    prompt("smtp> ")
    term.line("QUIT")
    term.expect_text("221")
    prompt("closed> ")
    term.line("/quit")
    assert term.finish() == 0
    facts = Facts(values=[USER, *practice_values()])
    facts.add_transcript(record)
    facts.add_certificate(Path(os.environ["XDG_STATE_HOME"]) / "smtpshell" / "practice-cert.pem")
    facts.client_lines.add(base64.b64encode(USER.encode()).decode())
    return term, facts


def server_rows(term: ScreenTerminal, facts: Facts) -> list[str]:
    """The server's text of each S: row, in order (queue ids, which change each run, as '*')."""
    out = []
    for row in term.rows():
        if row.startswith("S: "):
            text = re.split(r" {2,}", row[3:], maxsplit=1)[0]
            assert facts.is_server_line(text), f"an S: row that is not the server's text: {row!r}"
            out.append(re.sub(r"queued as \w+", "queued as *", text))
    return out


@pytest.mark.parametrize(("args", "env"), LANGS)
def test_a_session_in_chinese(screen_pty, tmp_path: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
    term, facts = session(screen_pty, tmp_path, "zh_CN", args, env)
    english, english_facts = session(screen_pty, tmp_path, "en", ("--lang", "en"), {})

    # The server's lines are the server's: the same as in the English session.
    assert server_rows(term, facts) == server_rows(english, english_facts)
    assert len(server_rows(term, facts)) > 15

    # No English word smtpshell wrote (the pseudo-locale's rule, with Chinese where the marks were).
    findings = unmarked(term, facts, allow=("neutral", "chinese"))
    assert not findings, report({term.command: findings})

    # Every explanation and prompt holds Chinese.
    rows = [row for row in term.rows() if row.strip()]
    notes = [row for row in rows if row.lstrip().startswith(("↳", "→"))]
    assert len(notes) >= 8, "the replies were explained"
    assert [row for row in notes if not any(is_cjk(ch) for ch in row)] == []
    # The questions hold Chinese; the phase prompts are protocol words (smtp>, data>, auth>: the rule
    # above lets them be), or Chinese (已断开>).
    asked = [translated(q, "zh_CN").strip() for q in (f"Username for {HOST}: ", f"Password for {USER}@{HOST}: ")]
    questions = [row for row in rows if any(row.startswith(q) for q in asked)]
    assert len(questions) == 2 and [row for row in questions if not any(is_cjk(ch) for ch in row)] == [], questions
    assert any(row.startswith(translated("closed> ", "zh_CN").rstrip()) for row in rows)


def test_the_english_session_is_english(screen_pty, tmp_path: Path) -> None:
    """The check above can fail: the same rule finds the English words of the English session."""
    term, facts = session(screen_pty, tmp_path, "en", ("--lang", "en"), {})
    findings = check_rows(term.rows(), facts, allow=("neutral", "chinese"))
    assert any("explanation" in " ".join(f.words) or "server" in f.words for f in findings)

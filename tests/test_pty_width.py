"""Explanations wrapped to the terminal, in a real pty, in English and Chinese (issue 14).

The installed ``smtpshell`` (the practice server, no arguments) runs in a pseudo-terminal of
80 or 60 columns drawn on a pyte screen; it says EHLO and has a RCPT refused. The same session
in script mode with its output piped (no terminal: whole lines) gives each explanation as one
line: on screen, every one must be there, broken only at a space or between two CJK characters
(never before closing or after opening punctuation), its continuation rows indented under its
text. A terminal's own wrapping of a line too long would start the next row at column 0: that
fails too. The Chinese runs use the shipped zh_CN catalogue.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from smtpshell.render.width import NO_BREAK_AFTER, NO_BREAK_BEFORE, cell_width, hang_indent
from tests.plugins.pty import SMTPSHELL, Screen

ROWS = 150  # the whole session stays on screen
COMMANDS = ["EHLO client.test", "MAIL FROM:<a@example.com>", "RCPT TO:<nobody@nowhere.invalid>"]

# Explanations as they are printed (an explanation's bullet, or an EHLO row's keyword and padding,
# is the head: continuation rows are indented to its width).
PROSE_LINE = re.compile(r"^(?:   [↳→] |S: 250[- ]\S+(?: \S+)*?\s{2,}(?=\S))")

@pytest.fixture
def zh_catalogue() -> dict[str, str]:
    """The environment for the Chinese runs: the shipped zh_CN catalogue, nothing added."""
    return {}


def whole_lines(lang: str, env: dict[str, str], after_greeting: bool = False) -> list[tuple[str, int]]:
    """The session's explanations in script mode, piped: one line each, with their heads' width."""
    args = ["--lang", lang, "--explain", "full", "--color", "never"]
    for command in [*COMMANDS, "QUIT"]:
        args += ["-c", command]
    result = subprocess.run([SMTPSHELL, *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NO_COLOR": "1", **env})
    session = result.stdout.split("C: QUIT", 1)[0]  # the pty session does not quit before it is read
    if after_greeting:
        session = session.split("C: EHLO", 1)[1]
    found = [(line, cell_width(m.group(0))) for line in session.splitlines() if (m := PROSE_LINE.match(line))]
    assert len(found) >= 10, result.stdout + result.stderr  # the EHLO table and the explanations
    return found


def follow(rows: list[str], at: int, line: str, head: int) -> str | None:
    """Why rows[at:] do not show ``line`` wrapped correctly; None when they do."""
    pos, j = len(rows[at]), at + 1
    while line[pos:].strip():
        if j >= len(rows):
            return "the screen ends before the line does"
        row = rows[j]
        indent = len(row) - len(row.lstrip(" "))
        if indent != head:
            return f"row {row!r} is indented {indent} columns, not {head} (a broken or unindented continuation)"
        piece = row[indent:]
        gap = pos + len(line[pos:]) - len(line[pos:].lstrip())
        if not line.startswith(piece, gap):
            return f"row {row!r} does not continue the line where the previous row stopped"
        # No space at the break: only between CJK characters, and not at punctuation (kinsoku).
        if gap == pos and cell_width(line[pos - 1]) < 2 and cell_width(line[pos]) < 2:
            return f"broken inside a word: {line[max(pos - 12, 0):pos]!r} / {line[pos:pos + 12]!r}"
        if gap == pos and (line[pos] in NO_BREAK_BEFORE or line[pos - 1] in NO_BREAK_AFTER):
            return f"broken at punctuation: {line[max(pos - 6, 0):pos]!r} / {line[pos:pos + 6]!r}"
        pos, j = gap + len(piece), j + 1
    return None


def assert_wrapped(rows: list[str], expected: list[tuple[str, int]], cols: int) -> None:
    assert all(cell_width(row) <= cols for row in rows)
    for line, head in expected:
        problems = [follow(rows, i, line, hang_indent(head, cols)) for i, row in enumerate(rows)
                    if len(row) > head and line.startswith(row)]
        assert problems and None in problems, (
            f"{line!r} is not shown wrapped at {cols} columns ({problems or 'not on screen'}):\n" + "\n".join(rows))


def run_session(shell_pty, cols: int, lang: str, env: dict[str, str]) -> Screen:  # type: ignore[no-untyped-def]
    screen = Screen(shell_pty("--lang", lang, env=env, rows=ROWS, cols=cols), ROWS, cols)
    screen.wait_for("smtp>")
    for command in COMMANDS:
        screen.line(command)
        screen.wait_for(command)
        screen.settle()
    screen.wait_for("5.7.1")
    screen.settle()
    return screen


@pytest.mark.parametrize("cols", [80, 60])
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_explanations_wrap_at_words_and_characters_with_indented_continuations(
        shell_pty, zh_catalogue, cols: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    expected = whole_lines(lang, zh_catalogue)
    wrapped = [line for line, head in expected if cell_width(line) > cols]
    assert wrapped, "nothing long enough to wrap: the test would prove nothing"
    if lang == "zh_CN":
        assert any("中继" in line for line in wrapped)  # the shipped Chinese is what is shown
    screen = run_session(shell_pty, cols, lang, zh_catalogue)
    assert_wrapped(screen.rows, expected, cols)
    # The toolbar is one row, cut (if at all) with an ellipsis, never by the terminal.
    toolbar = next(row for row in reversed(screen.rows) if row.strip())
    assert "│" in toolbar and cell_width(toolbar) <= cols
    if lang == "en" and cols == 60:  # " 127.0.0.1:PORT │ plaintext │ sender accepted: RCPT TO:<someone@...>"
        assert toolbar.endswith("…"), toolbar
        assert toolbar[:-1].split()[-1] in "plaintext │ sender accepted: RCPT TO:<someone@example.org>".split()
    screen.line("/quit")


def test_after_a_resize_explanations_wrap_to_the_new_width(shell_pty, zh_catalogue) -> None:  # type: ignore[no-untyped-def]
    expected = whole_lines("en", zh_catalogue, after_greeting=True)
    screen = run_session(shell_pty, 80, "en", zh_catalogue)
    assert_wrapped(screen.rows, expected, 80)
    screen.resize(ROWS, 50)
    screen.settle()
    screen.line("/clear")
    screen.settle()
    for command in ("RSET", *COMMANDS):
        screen.line(command)
        screen.wait_for(command)
        screen.settle()
    screen.wait_for("5.7.1")
    screen.settle()
    assert_wrapped(screen.rows, expected, 50)
    assert any(cell_width(line) > 50 for line, _ in expected)
    screen.line("/quit")


async def _never_answers_noop(reader, writer) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from tests.plugins.servers import read_command

    writer.write(b"220 slow.test ESMTP\r\n")
    await writer.drain()
    await read_command(reader)  # NOOP: no answer, ever
    await asyncio.sleep(30)


def test_the_waiting_line_stays_one_row_in_a_narrow_window(shell_pty, scripted_server) -> None:  # type: ignore[no-untyped-def]
    # Redrawn in place with "\r" twice a second: wider than the window, each redraw would leave a row.
    server = scripted_server(_never_answers_noop)
    screen = Screen(shell_pty(server.address, rows=30, cols=40), 30, 40)
    screen.wait_for("smtp>")
    screen.line("NOOP")
    screen.wait_for("waiting for the reply")
    screen.wait_for(" 3 s")  # a few redraws
    rows = [row for row in screen.rows if "waiting" in row or "Ctrl-C" in row or "stops" in row]
    assert len(rows) == 1 and rows[0].endswith("…"), screen.text
    screen.child.sendintr()
    screen.wait_for("stopped waiting")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_smtpshell_explain_wraps_each_row_under_its_text(shell_pty, zh_catalogue, lang: str) -> None:  # type: ignore[no-untyped-def]
    args = ["explain", "--lang", lang, "550", "5.7.1"]
    piped = subprocess.run([SMTPSHELL, *args], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "NO_COLOR": "1", **zh_catalogue}).stdout
    # "  meaning    text", and a row's further lines under its text: the label is the head.
    rows = [(line, cell_width(m.group(0))) for line in piped.splitlines() if (m := re.match(r"^(?:  \S+ +| {13})(?=\S)", line))]
    assert any(cell_width(line) > 60 for line, _ in rows), piped
    screen = Screen(shell_pty(*args, env=zh_catalogue, rows=ROWS, cols=60), ROWS, 60)
    screen.wait_for("RFC 5321")
    screen.settle()
    assert_wrapped(screen.rows, rows, 60)
    if lang == "zh_CN":  # labels padded in columns: each row's text starts at column 13
        assert "  含义       未执行" in screen.text and "  增强状态码 5.7.1" in screen.text, screen.text

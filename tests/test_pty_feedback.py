"""Issue 15, "say what is happening, once": the installed smtpshell in a real pty.

While a reply is awaited a line in the toolbar's place says so, with the
seconds; /data of a 20 MB file draws a progress bar; a typed line is not
echoed a second time as its C: line.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.plugins.pty import plain
from tests.plugins.servers import read_command


async def _never_answers_noop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 slow.test ESMTP\r\n")
    await writer.drain()
    await read_command(reader)  # NOOP: no answer, ever
    await asyncio.sleep(30)


def test_the_toolbar_says_a_reply_is_awaited_and_for_how_long(shell_pty, scripted_server):
    server = scripted_server(_never_answers_noop)
    term = shell_pty(server.address)
    term.prompt()
    term.line("NOOP")
    term.expect_text("waiting for the reply to 'NOOP'")
    # The seconds count up while the wait lasts (no claim on how fast: it is redrawn, that is all).
    term.expect(r"\u2502 [1-9][0-9]* s \u2502 Ctrl-C stops waiting")
    term.child.sendintr()
    term.expect_text("out of step")
    term.prompt()


def test_data_of_a_20_mb_file_shows_a_progress_bar(shell_pty, smtp_server, tmp_path: Path):
    message = tmp_path / "big.eml"
    line = b"x" * 98 + b"\r\n"
    message.write_bytes(b"Subject: big\r\n\r\n" + line * (20 * 1000 * 1000 // len(line)))
    term = shell_pty(smtp_server.address)
    term.prompt()
    for typed in ("EHLO pty.test", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>"):
        term.line(typed)
        term.expect(r"250 ")
        term.prompt()
    term.line(f"/data {message}")
    term.expect_styled("C: DATA")  # the shell sent it, so it shows it
    term.expect(r"\[#{24}\] 100%  19\.1 MiB of 19\.1 MiB  [0-9.]+ (?:KiB|MiB)/s  in [0-9]+:[0-9]{2}")
    term.expect_text("bytes sent]")
    term.expect(r"250 ")
    term.prompt()
    shown = plain(term.screen_log)
    after_data = shown[shown.rindex("C: DATA"):]
    assert "type the message" not in after_data  # the 354's advice is not for /data
    assert len(smtp_server.messages[0].content) > 19_000_000


def test_a_typed_line_is_not_shown_twice(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.line("NOOP")
    term.expect(r"250 ")
    term.prompt()
    assert not re.search(r"C: (?:\x1b\[[0-9;]*m)*NOOP", term.screen_log)  # the prompt line already says it
    term.line("/quit")
    term.expect_styled("C: QUIT")  # sent by the shell for /quit: shown, marked as such
    term.expect_text("sent by smtpshell")


def test_help_in_a_15_row_terminal_goes_through_the_pager(shell_pty, smtp_server):
    # The default pager ($PAGER unset: less -R); LESS gives it a prompt the test can see.
    term = shell_pty(smtp_server.address, rows=15, env={"PAGER": "", "LESS": "-Ppaged-by-less"})
    term.prompt()
    term.line("/help")
    term.expect_text("paged-by-less")  # before: /help scrolled past, its start lost
    term.type("q")
    term.prompt()
    term.line("/level brief")  # a short answer is printed as it is
    term.prompt()
    assert plain(term.screen_log).count("paged-by-less") == 1


def _to_data(term) -> None:  # type: ignore[no-untyped-def]
    term.prompt()
    for typed in ("EHLO pty.test", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>"):
        term.line(typed)
        term.expect(r"250 ")
        term.prompt()
    term.line("DATA")
    term.prompt("data> ")


def test_a_large_paste_shows_a_progress_bar(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    _to_data(term)
    body = "Subject: pasted\n\n" + "".join(f"line {i:05d} " + "y" * 88 + "\n" for i in range(3000)) + ".\n"
    term.type("\x1b[200~" + body + "\x1b[201~")
    term.type("\r")
    term.expect(r"paste \[#{24}\] 100%", timeout=60)  # the '.' and its 250 came before the bar's end
    term.prompt()
    assert "250 " in plain(term.screen_log.rsplit("data>", 1)[-1])
    assert smtp_server.messages[0].content.count(b"\r\nline ") == 3000  # every pasted line arrived


def test_script_mode_on_a_terminal_shows_the_progress_bar_and_never_pages(smtp_server, tmp_path: Path):
    import os
    import sys

    import pexpect

    message = tmp_path / "big.eml"
    line = b"y" * 98 + b"\r\n"
    message.write_bytes(b"Subject: big\r\n\r\n" + line * (5 * 1000 * 1000 // len(line)))
    smtpshell = str(Path(sys.executable).with_name("smtpshell"))
    env = dict(os.environ, TERM="xterm", PAGER="", LESS="-Ppaged-by-less")
    args = [smtp_server.address, "--color", "never", "-c", "EHLO pty.test", "-c", "MAIL FROM:<alice@example.org>",
            "-c", "RCPT TO:<bob@example.org>", "-c", f"/data {message}", "-c", "/help", "-c", "QUIT"]
    child = pexpect.spawn(smtpshell, args, encoding="utf-8", timeout=30, dimensions=(15, 100), env=env)
    child.expect(pexpect.EOF)  # /help in 15 rows did not stop in a pager waiting for a key
    child.close()
    shown = child.before or ""
    assert re.search(r"\[#{24}\] 100%\s+4\.8 MiB of 4\.8 MiB", shown), shown[-2000:]  # on a terminal: the bar
    assert "paged-by-less" not in shown and "/data FILE" in shown  # /help printed whole, no pager
    assert child.exitstatus == 0
    assert len(smtp_server.messages[0].content) > 4_000_000


def test_a_large_paste_in_data_is_held_above_the_prompt_until_enter(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    _to_data(term)
    body = "Subject: held\n\n" + "".join(f"line {i:05d}\n" for i in range(1500)) + "tail"
    term.type("\x1b[200~" + body + "\x1b[201~")
    term.expect_text("1502 pasted lines are held, not sent yet")  # before: all 1,503 lines in the buffer
    term.type(" end\r")  # the unfinished last line stayed in the buffer, and is typed on
    term.prompt("data> ", timeout=30)
    term.line(".")
    term.expect(r"250 ")
    content = smtp_server.messages[0].content
    assert content.count(b"\r\nline ") == 1500 and b"\r\ntail end\r\n" in content


def test_ctrl_c_drops_a_held_paste(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    _to_data(term)
    term.type("\x1b[200~" + "".join(f"line {i}\n" for i in range(1200)) + "\x1b[201~")
    term.expect_text("1200 pasted lines are held")
    term.type("\x03")
    term.expect_text("the 1200 held pasted lines were dropped")
    term.line("only this")
    term.prompt("data> ")
    term.line(".")
    term.expect(r"250 ")
    assert b"line " not in smtp_server.messages[0].content
    assert b"only this" in smtp_server.messages[0].content

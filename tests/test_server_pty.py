"""Must-show 1: a fresh `smtpshell` (no arguments) in a real pseudo-terminal.

It starts the embedded practice server, connects, a message is typed in and
sent, and /mailbox shows it with the headers the server added.
"""

from __future__ import annotations

from tests.plugins.pty import DATA_PROMPT, PROMPT, plain


def test_fresh_run_sends_a_message_and_mailbox_shows_it(shell_pty) -> None:
    term = shell_pty()  # no host: the embedded practice server
    welcome = plain(term.prompt(PROMPT, timeout=20))
    assert "practice SMTP server" in welcome
    assert "alice / wonderland" in welcome  # the demo credentials
    assert "bob@practice.test" in welcome  # which addresses it accepts
    assert "220 " in welcome  # connected: the greeting is on screen

    for line in ("EHLO pty.test", "MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>"):
        term.line(line)
        term.expect(r"250 ")
        term.prompt()
    term.line("DATA")
    term.expect_text("354")
    term.prompt(DATA_PROMPT)
    for line in ("Subject: typed in a terminal", "", "Hello Bob, from the pty."):
        term.line(line)
        term.prompt(DATA_PROMPT)
    term.line(".")
    term.expect_text("OK: queued as")
    term.prompt()

    term.line("/mailbox")
    term.expect_text("typed in a terminal")
    assert "1 message(s) received" in plain(term.screen_log)
    assert "alice@practice.test -> bob@practice.test" in plain(term.screen_log)
    term.prompt()
    term.line("/mailbox 1")
    term.expect_text("Hello Bob, from the pty.")
    shown = plain(term.screen_log)
    assert "Return-Path: <alice@practice.test>" in shown
    assert "Received: from pty.test" in shown
    assert "by mx.practice.test (smtpshell practice server)" in shown
    term.prompt()

    term.line("QUIT")
    term.expect_text("221")
    term.prompt("closed> ")  # QUIT ends the session, not the shell
    term.line("/quit")
    assert term.finish() == 0

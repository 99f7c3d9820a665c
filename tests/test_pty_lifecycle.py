"""Issue 15, "nobody gets stuck": the installed smtpshell in a real pty, typed as a person would.

A password typed and refused is forgotten (the next AUTH asks again); QUIT ends
the session, not the shell, so /mailbox still shows the mail just sent.
"""

from __future__ import annotations

from tests.plugins.pty import DATA_PROMPT, PROMPT, plain
from tests.plugins.servers import USERS


def test_a_refused_password_is_asked_for_again(shell_pty, auth_server):
    term = shell_pty(auth_server.address, "--no-netrc")
    term.prompt()
    term.line("EHLO pty.test")
    term.expect(r"250 ")
    term.prompt()
    term.line("AUTH LOGIN")
    term.expect_text("Username for")
    term.line("alice")
    term.expect_text("Password for alice@")
    term.line("not-the-password")
    term.expect_text("535")
    term.expect_text("is forgotten")
    term.prompt()
    term.line("AUTH LOGIN")
    term.expect_text("Username for")  # asked again, the last name offered for editing
    term.line("")
    term.expect_text("Password for alice@")  # before the fix: the wrong password went out again, unasked
    term.line(USERS["alice"])
    term.expect_text("235")
    term.prompt()
    screen = plain(term.screen_log)
    assert "not-the-password" not in screen and USERS["alice"] not in screen
    term.line("/quit")
    assert term.finish() == 0


def test_quit_then_mailbox_in_the_embedded_session(shell_pty):
    term = shell_pty()  # the embedded practice server
    term.prompt(PROMPT, timeout=20)
    for line in ("EHLO pty.test", "MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>"):
        term.line(line)
        term.expect(r"250 ")
        term.prompt()
    term.line("DATA")
    term.prompt(DATA_PROMPT)
    for line in ("Subject: kept after QUIT", "", "still here."):
        term.line(line)
        term.prompt(DATA_PROMPT)
    term.line(".")
    term.expect_text("queued as")
    term.prompt()
    term.line("QUIT")
    term.expect_text("221")
    term.expect_text("the session is closed")
    term.prompt("closed> ")  # before: QUIT ended the program, and the practice server with it
    term.line("/mailbox")
    term.expect_text("kept after QUIT")
    term.prompt("closed> ")
    # said once per connection (before: once from the command, once more from the close event)
    assert plain(term.screen_log).count("the session is closed") == 1
    term.child.sendcontrol("d")
    assert term.finish() == 0


def test_the_summary_on_demand_and_at_the_end(shell_pty):
    term = shell_pty()
    term.prompt(PROMPT, timeout=20)
    for line in ("EHLO pty.test", "MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>"):
        term.line(line)
        term.expect(r"250 ")
        term.prompt()
    term.line("RCPT TO:<nobody@practice.test>")
    term.expect(r"550 ")
    term.prompt()
    term.line("DATA")
    term.prompt(DATA_PROMPT)
    term.line("Subject: summed up")
    term.prompt(DATA_PROMPT)
    term.line(".")
    term.expect_text("queued as")
    term.prompt()
    queue_id = plain(term.screen_log).split("queued as ", 1)[1].split()[0]
    term.line("/summary")
    term.expect_text("session summary")
    term.expect_text(f"queue id: {queue_id}")
    term.prompt()
    shown = plain(term.screen_log)
    assert "recipients accepted: <bob@practice.test>" in shown
    assert "recipients refused: <nobody@practice.test> (550)" in shown
    assert "AUTH: not used" in shown
    term.child.sendcontrol("d")
    term.expect_text("221")
    term.expect_text("session summary")  # again, at the end, with who closed the connection
    term.expect_text("connection: closed after QUIT")
    assert term.finish() == 0


def test_the_banner_says_how_to_reach_implicit_tls_and_it_works(shell_pty):
    term = shell_pty()
    banner = plain(term.prompt(PROMPT, timeout=20))
    assert "'smtpshell --tls'" in banner
    url = banner.split("implicit TLS: /connect ", 1)[1].split()[0]
    assert url.startswith("smtps://127.0.0.1:")
    term.line("EHLO pty.test")  # so a stale "after TLS" state would have something to remember
    term.expect(r"250 ")
    term.prompt()
    term.line(f"/connect {url}")
    term.expect_text("(implicit TLS)")
    term.expect_text("TLS started")
    term.prompt()
    term.expect_styled("greeted: try EHLO")
    assert "again after TLS" not in plain(term.screen_log)
    term.line("/quit")
    assert term.finish() == 0


def test_after_reconnect_a_refused_password_is_asked_for_again(shell_pty, auth_server):
    term = shell_pty(auth_server.address, "--no-netrc")
    term.prompt()
    term.line("EHLO pty.test")
    term.expect(r"250 ")
    term.prompt()
    term.line("/login PLAIN")
    term.expect_text("Username for")
    term.line("alice")
    term.expect_text("Password for alice@")
    term.line("wrong-one")
    term.expect_text("535")
    term.prompt()
    term.line("/reconnect")  # a new connection: the refused password must not come back with it
    term.expect(r"220 ")
    term.prompt()
    term.line("EHLO pty.test")
    term.expect(r"250 ")
    term.prompt()
    term.line("AUTH PLAIN")
    term.expect_text("Username for")
    term.line("")
    term.expect_text("Password for alice@")  # asked, not re-sent
    term.line(USERS["alice"])
    term.expect_text("235")
    term.prompt()
    assert "wrong-one" not in plain(term.screen_log)
    term.line("/quit")
    assert term.finish() == 0

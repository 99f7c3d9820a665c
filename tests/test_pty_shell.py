"""End to end: the installed smtpshell in a real pseudo-terminal, typed at as a person would."""

from __future__ import annotations

import asyncio
import re

from tests.plugins.pty import DATA_PROMPT, PROMPT, plain
from tests.plugins.servers import read_command

# An SGR sequence with a foreground colour right before the text (a menu entry has a space first).
COLOURED_VERB = r"\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;5;\d+|38;2;\d+;\d+;\d+)[0-9;]*m{}"
MECHANISMS_NOT_OFFERED = ("CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256")


def test_tab_completes_a_verb(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.type("EH")
    term.expect_text("EHLO")  # the menu offers it (completion runs while typing)
    term.type("\t")
    term.expect(COLOURED_VERB.format("EHLO"))  # now in the line, highlighted as a verb
    term.line(" pty.test")
    term.expect_styled("EHLO pty.test")  # the line as sent: the completed verb (no C: echo of a typed line)
    term.expect(r"250[ -]")
    term.prompt()


def test_tab_typed_at_full_speed_still_completes(shell_pty, smtp_server):
    # "EH" and Tab in one write, as a fast typist or a paste does: the Tab must
    # not be lost while the completion-while-typing task is still pending.
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.type("EH\t")
    term.line(" fast.test")
    term.expect_styled("EHLO fast.test")
    term.expect(r"250[ -]")
    term.prompt()
    assert smtp_server.messages == []  # nothing but EHLO went out


def test_auth_tab_offers_exactly_the_advertised_mechanisms(shell_pty, auth_server):
    term = shell_pty(auth_server.address)
    term.prompt()
    term.line("EHLO pty.test")
    advertised = term.expect(r"250 ")
    assert re.search(r"AUTH\s+LOGIN PLAIN", plain(advertised))
    term.prompt()
    term.type("AUTH ")
    offered = term.expect_text("PLAIN") + "PLAIN"  # the menu, while typing
    term.type("\t")
    offered += term.expect(COLOURED_VERB.format("LOGIN")) + term.settle(0.5)  # the first one, inserted
    shown = plain(offered)
    assert "LOGIN" in shown
    for name in MECHANISMS_NOT_OFFERED:
        assert name not in shown, f"{name} offered, but the server did not advertise it"
    term.type("\x03")  # Ctrl-C clears the line
    term.line("QUIT")
    term.expect_text("221")
    term.prompt("closed> ")  # QUIT ends the session, not the shell
    term.line("/quit")
    assert term.finish() == 0


def test_typed_verb_is_coloured(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.type("NOOP")
    term.expect(COLOURED_VERB.format("NOOP"))
    # prompt_toolkit redraws only the cells that changed, so how the toolbar's text arrives depends
    # on how the keystrokes were split; Ctrl-L redraws the whole screen, so the text arrives whole.
    term.type("\x0c")
    term.expect_styled("do nothing; the server answers 250")  # the toolbar: what the verb does
    term.line("")
    term.expect_text("250")
    term.prompt()


def test_toolbar_shows_where_and_what_next(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()  # (the toolbar is drawn below the prompt, after it)
    term.expect_styled(f"{smtp_server.address} \u2502 plaintext \u2502 greeted: try EHLO")
    term.line("EHLO pty.test")
    term.expect(r"250 ")
    term.prompt()
    term.expect_styled("plaintext \u2502 identified: MAIL FROM:<you@example.org>")


def test_unknown_verb_is_marked(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.type("FROB x")
    # Error style: red and underlined (the theme's pygments.error).
    term.expect(r"\x1b\[[0-9;]*(?:31|91)[0-9;]*mFROB")
    term.type("\x03")
    term.line("QUIT")
    term.expect_text("221")
    term.prompt("closed> ")  # QUIT ends the session, not the shell
    term.line("/quit")
    assert term.finish() == 0


def test_data_session_with_leading_dots_arrives_intact(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    for line in ("EHLO pty.test", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>"):
        term.line(line)
        term.expect(r"250 ")
        term.prompt()
    term.line("DATA")
    term.expect_text("354")
    term.prompt(DATA_PROMPT)
    for line in ("Subject: dots", "", ".hidden", "..two", "last"):
        term.line(line)
        term.prompt(DATA_PROMPT)
    term.line(".")
    term.expect_text("queued")
    term.prompt(PROMPT)
    assert plain(term.screen_log).count("dot-stuffed") == 2  # the shell said what it did
    assert smtp_server.messages[0].content == b"Subject: dots\r\n\r\n.hidden\r\n..two\r\nlast\r\n"
    assert smtp_server.messages[0].rcpt_tos == ["bob@example.org"]


def test_ctrl_d_sends_quit_shows_221_and_exits_0(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.line("EHLO pty.test")
    term.expect(r"250 ")
    term.prompt()
    term.child.sendcontrol("d")
    term.expect_text("QUIT")
    term.expect(r"221 ")
    assert term.finish() == 0


def test_ctrl_d_in_a_transaction_asks_first(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    for line in ("EHLO pty.test", "MAIL FROM:<alice@example.org>"):
        term.line(line)
        term.expect(r"250 ")
        term.prompt()
    term.child.sendcontrol("d")
    term.expect_text("quit anyway?")
    term.line("n")
    term.prompt()  # still here, transaction intact
    term.line("RCPT TO:<bob@example.org>")
    term.expect(r"250 ")
    term.prompt()
    term.child.sendcontrol("d")
    term.expect_text("quit anyway?")
    term.line("y")
    term.expect(r"221 ")
    assert term.finish() == 0


def test_server_closing_while_idle_is_shown_without_a_keypress(shell_pty, scripted_server):
    async def idle_timeout(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hostile.test ESMTP\r\n")
        await writer.drain()
        await asyncio.sleep(1.0)
        writer.write(b"421 4.4.2 hostile.test idle timeout, closing\r\n")
        await writer.drain()

    server = scripted_server(idle_timeout)
    term = shell_pty(server.address)
    term.prompt()
    # Nothing is typed from here on.
    term.expect_text("421")
    term.expect_text("connection closed")
    term.prompt("closed> ")


def test_ctrl_c_while_waiting_says_out_of_step(shell_pty, scripted_server):
    async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 slow.test ESMTP\r\n")
        await writer.drain()
        await read_command(reader)  # NOOP: no answer, ever
        await asyncio.sleep(30)

    server = scripted_server(never_answers)
    term = shell_pty(server.address)
    term.prompt()
    term.line("NOOP")
    term.expect_text("waiting for the reply to 'NOOP'")
    term.child.sendintr()
    term.expect_text("out of step")
    term.prompt()
    term.line("NOOP")
    term.expect_text("not sent")
    term.prompt()
    term.line("/reconnect")
    term.expect_styled("220 slow.test")  # a fresh session
    term.prompt()
    term.line("/quit")
    term.expect_text("QUIT")
    term.child.sendintr()  # no reply to QUIT comes from this server either
    assert term.finish() == 0


def test_slash_help_lists_commands_and_verbs(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address, env={"PAGER": "cat"})  # all of it on screen (it is longer than 30 rows)
    term.prompt()
    term.line("/help")
    term.expect_text("Shell commands")
    text = plain(term.prompt())
    for name in ("/connect", "/reconnect", "/history", "/clear", "/quit", "EHLO", "STARTTLS"):
        assert name in text
    term.line("/nonsense")
    term.expect_text("unknown shell command /nonsense")
    term.prompt()


def test_ctrl_l_and_slash_clear_clear_the_screen(shell_pty, smtp_server):
    term = shell_pty(smtp_server.address)
    term.prompt()
    term.child.sendcontrol("l")
    term.expect_text("\x1b[2J")  # erase display
    term.prompt()
    term.line("/clear")
    term.expect_text("\x1b[2J")
    term.prompt()


def test_ctrl_x_ctrl_e_composes_the_message_in_the_editor(shell_pty, smtp_server, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'Subject: from the editor\\n\\n.dotted\\nbody\\n.\\n' > \"$1\"\n")
    editor.chmod(0o755)
    term = shell_pty(smtp_server.address, env={"EDITOR": str(editor), "VISUAL": str(editor)})
    term.prompt()
    for line in ("EHLO pty.test", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>"):
        term.line(line)
        term.expect(r"250 ")
        term.prompt()
    term.line("DATA")
    term.expect_text("354")
    term.prompt(DATA_PROMPT)
    term.child.sendcontrol("x")
    term.child.sendcontrol("e")
    term.expect_text("queued")  # the editor's message, ending with '.', went out at once
    term.prompt(PROMPT)
    assert "dot-stuffed" in plain(term.screen_log)
    assert smtp_server.messages[0].content == b"Subject: from the editor\r\n\r\n.dotted\r\nbody\r\n"

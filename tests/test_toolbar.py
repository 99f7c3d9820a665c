"""Toolbar and right prompt: what they show in each state."""

from __future__ import annotations

from smtpshell.ui.toolbar import LOCK, Where, right_prompt, toolbar
from tests.plugins.pty import EHLO_BARE, EHLO_FULL, session_at

HERE = Where(address="mx.test:25")


def text(fragments) -> str:
    return "".join(t for _, t in fragments)


def styles(fragments) -> set[str]:
    return {s for s, _ in fragments}


def test_greeted_plaintext_shows_host_phase_and_hint():
    shown = text(toolbar(session_at(), HERE))
    assert "mx.test:25" in shown
    assert "plaintext" in shown
    assert "greeted" in shown
    assert "greeted: try EHLO" in shown


def test_syntax_of_the_verb_being_typed():
    session = session_at(("EHLO x", EHLO_FULL))
    assert "MAIL FROM:<reverse-path> [parameters]" in text(toolbar(session, HERE, "MAIL FR"))
    assert "RCPT TO:<forward-path>" in text(toolbar(session, HERE, "rcpt"))
    assert "identified" in text(toolbar(session, HERE, ""))


def test_unadvertised_verb_is_flagged():
    session = session_at(("EHLO x", EHLO_BARE))
    shown = toolbar(session, HERE, "STARTTLS")
    assert "STARTTLS not available on this server now" in text(shown)
    assert "class:toolbar.warning" in styles(shown)


def test_tls_lock_version_and_user():
    session = session_at(("EHLO x", EHLO_FULL))
    session.tls_started()
    session.authenticated_as("alice")
    shown = text(toolbar(session, Where("mx.test:587", tls_version="TLSv1.3")))
    assert f"{LOCK} TLSv1.3" in shown
    assert "user alice" in shown
    assert "plaintext" not in shown
    unverified = toolbar(session, Where("mx.test:587", tls_version="TLSv1.2", tls_verified=False))
    assert "NOT VERIFIED (--insecure)" in text(unverified)
    assert "class:toolbar.insecure" in styles(unverified)
    assert LOCK not in text(unverified)  # no padlock for a connection nobody vouched for
    marked = right_prompt(session, Where("mx.test:587", tls_version="TLSv1.2", tls_verified=False))
    assert "unverified" in text(marked) and "class:rprompt.insecure" in styles(marked)


def test_user_name_from_the_server_side_is_made_safe():
    session = session_at(("EHLO x", EHLO_FULL))
    session.authenticated_as("eve\x1b[31m")
    assert "\x1b" not in text(toolbar(session, HERE))


def test_shell_command_usage_and_unknown_command():
    session = session_at()
    assert "/connect HOST[:PORT]" in text(toolbar(session, HERE, "/connect"))
    assert "no shell command /nope" in text(toolbar(session, HERE, "/nope"))


def test_data_phase_hint_ignores_what_is_typed():
    session = session_at(("EHLO x", EHLO_FULL), ("MAIL FROM:<a@b>", b"250 ok\r\n"),
                         ("RCPT TO:<c@d>", b"250 ok\r\n"), ("DATA", b"354 go\r\n"))
    shown = text(toolbar(session, HERE, "MAIL FROM:<x@y>"))
    assert "writing the message" in shown
    assert "a line with only '.' ends it" in shown
    assert "reverse-path" not in shown


def test_disconnected():
    session = session_at()
    session.closed()
    assert "disconnected" in text(toolbar(session, Where("mx.test:25", connected=False)))
    assert text(right_prompt(session, Where("mx.test:25", connected=False))) == "disconnected"


def test_right_prompt_shows_phase_and_lock():
    session = session_at(("EHLO x", EHLO_FULL))
    assert text(right_prompt(session, HERE)) == "identified"
    session.tls_started()
    assert text(right_prompt(session, HERE)) == f"{LOCK} greeted"


def test_the_phase_is_said_once():
    shown = text(toolbar(session_at(), HERE))
    assert shown.count("greeted") == 1  # "greeted: try EHLO", not "greeted | greeted: try EHLO"
    typing = text(toolbar(session_at(("EHLO x", EHLO_FULL)), HERE, "MAIL FR"))
    assert "identified" in typing  # the syntax of the verb says nothing of the phase: it is shown


async def test_no_greeted_again_after_an_implicit_tls_connect(smtp_server, implicit_tls_server, ca_file):
    from smtpshell import events as ev
    from smtpshell.client.connection import Connection
    from smtpshell.client.target import Target
    from smtpshell.client.tls_options import TLSOptions
    from smtpshell.knowledge.next_steps import next_step
    from smtpshell.protocol.session import Session

    session = Session()  # one shell: a plain session with EHLO, then /connect smtps://...
    plain_conn = await Connection.open(Target("127.0.0.1", smtp_server.port), ev.EventBus(), TLSOptions(),
                                       timeout=10, session=session)
    await plain_conn.greeting()
    await plain_conn.command("EHLO client.test")
    await plain_conn.close()
    conn = await Connection.open(Target("127.0.0.1", implicit_tls_server.port, implicit_tls=True), ev.EventBus(),
                                 TLSOptions(cafile=ca_file), timeout=10, session=session)
    await conn.greeting()
    assert session.tls
    assert next_step(session) == "greeted: try EHLO <your name>"
    assert "after TLS" not in text(toolbar(session, Where("127.0.0.1:465", tls_version="TLSv1.3")))
    await conn.close()


def test_raw_mode_and_pipelining_stay_on_screen_while_on():
    session = session_at(("EHLO x", EHLO_FULL))
    plain = text(toolbar(session, HERE))
    assert "RAW" not in plain and "pipelining" not in plain
    shown = text(toolbar(session, Where("mx.test:25", raw=True, pipelining="group")))
    assert "RAW: escapes are bytes" in shown and "pipelining group" in shown  # before: nothing said raw was on

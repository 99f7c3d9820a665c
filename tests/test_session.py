"""The session state machine: transitions, pairing, hints."""

from __future__ import annotations

from smtpshell.protocol import Kind, Pending, Phase, Reply, ReplyParser, Session
from smtpshell.protocol.replies import ProtocolError


def reply(wire: bytes) -> Reply:
    (r,) = ReplyParser().feed(wire)
    assert isinstance(r, Reply)
    return r


EHLO = b"250-mx.test\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250-AUTH LOGIN PLAIN\r\n250 CHUNKING\r\n"


def greeted() -> Session:
    s = Session()
    s.connected()
    s.received(reply(b"220 mx.test ESMTP\r\n"))
    return s


def say(s: Session, line: str, wire: bytes, kind: Kind = Kind.COMMAND) -> None:
    s.sent(Pending.command(line) if kind is Kind.COMMAND else Pending(kind, line))
    s.received(reply(wire))


def test_full_transaction() -> None:
    s = greeted()
    assert s.phase is Phase.GREETED
    assert s.legal_verbs()[0] == "EHLO"
    say(s, "EHLO me", EHLO)
    assert s.phase is Phase.IDENTIFIED
    assert s.capabilities is not None and s.capabilities.auth_mechanisms == ("LOGIN", "PLAIN")
    assert s.capabilities.size_limit == 1000
    assert s.helo_name == "me"
    assert "STARTTLS" in s.legal_verbs()
    say(s, "MAIL FROM:<a@x>", b"250 ok\r\n")
    assert s.phase is Phase.MAIL and s.sender == "a@x"
    say(s, "RCPT TO:<b@y>", b"250 ok\r\n")
    say(s, "RCPT TO:<c@y>", b"550 5.1.1 no\r\n")
    assert s.phase is Phase.RCPT and s.recipients == ["b@y"]
    assert s.addresses == ["a@x", "b@y", "c@y"]
    say(s, "DATA", b"354 go\r\n")
    assert s.phase is Phase.DATA and s.is_data_content
    assert s.line_kind("Subject: x") is Kind.DATA_LINE
    assert s.line_kind(".") is Kind.DATA_END
    say(s, ".", b"250 queued\r\n", Kind.DATA_END)
    assert s.phase is Phase.IDENTIFIED and s.recipients == []


def test_pipelined_replies_pair_in_order() -> None:
    s = greeted()
    say(s, "EHLO me", EHLO)
    s.sent(Pending.command("MAIL FROM:<a@x>"))
    s.sent(Pending.command("RCPT TO:<b@y>"))
    s.sent(Pending.command("DATA"))
    first = s.received(reply(b"250 ok\r\n"))
    second = s.received(reply(b"250 ok\r\n"))
    third = s.received(reply(b"354 go\r\n"))
    assert [e.sent.verb for e in (first, second, third) if e.sent] == ["MAIL", "RCPT", "DATA"]
    assert s.phase is Phase.DATA


def test_starttls_forgets_capabilities() -> None:
    s = greeted()
    say(s, "EHLO me", EHLO)
    say(s, "STARTTLS", b"220 go ahead\r\n")
    s.tls_started()
    assert s.tls and s.capabilities is None and s.phase is Phase.GREETED
    assert s.previous_capabilities is not None
    assert "STARTTLS" not in s.legal_verbs()
    from smtpshell.knowledge.next_steps import next_step

    assert "again" in next_step(s)


def test_auth_phases() -> None:
    s = greeted()
    say(s, "EHLO me", EHLO)
    say(s, "AUTH LOGIN", b"334 VXNlcm5hbWU6\r\n")
    assert s.phase is Phase.AUTH
    assert s.line_kind("YWxpY2U=") is Kind.AUTH_RESPONSE
    say(s, "<user>", b"334 UGFzc3dvcmQ6\r\n", Kind.AUTH_RESPONSE)
    say(s, "<password>", b"235 2.7.0 ok\r\n", Kind.AUTH_RESPONSE)
    assert s.authenticated and s.phase is Phase.IDENTIFIED
    assert "AUTH" not in s.legal_verbs()


def test_refused_data_keeps_the_phase_and_421_closes() -> None:
    s = greeted()
    say(s, "EHLO me", EHLO)
    say(s, "DATA", b"503 5.5.1 need RCPT\r\n")
    assert s.phase is Phase.IDENTIFIED
    say(s, "NOOP", b"421 4.4.2 idle too long\r\n")
    assert s.phase is Phase.CLOSING


def test_garbage_answers_the_pending_command() -> None:
    s = greeted()
    s.sent(Pending.command("EHLO me"))
    ex = s.received(ProtocolError("bad"))
    assert ex.sent is not None and ex.sent.verb == "EHLO"
    assert s.pending == type(s.pending)()
    assert s.phase is Phase.GREETED


def test_unsolicited_reply_has_no_command() -> None:
    s = greeted()
    ex = s.received(reply(b"421 bye\r\n"))
    assert ex.sent is None and s.phase is Phase.CLOSING


def test_old_auth_equals_form() -> None:
    s = greeted()
    say(s, "EHLO me", b"250-mx\r\n250 AUTH=LOGIN PLAIN\r\n")
    assert s.capabilities is not None and s.capabilities.auth_mechanisms == ("LOGIN", "PLAIN")


def test_bdat_flow() -> None:
    s = greeted()
    say(s, "EHLO me", EHLO)
    say(s, "MAIL FROM:<a@x>", b"250 ok\r\n")
    say(s, "RCPT TO:<b@y>", b"250 ok\r\n")
    say(s, "BDAT 10", b"250 got 10\r\n")
    assert s.phase is Phase.BDAT
    say(s, "BDAT 5 LAST", b"250 queued\r\n")
    assert s.phase is Phase.IDENTIFIED


def test_the_architecture_doc_shows_the_transition_table_as_it_is() -> None:
    """docs/ARCHITECTURE.md's table is generated from TRANSITIONS: they cannot drift apart."""
    import pathlib

    from smtpshell.protocol.session import transition_table_markdown

    doc = (pathlib.Path(__file__).parent.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- transitions:begin -->\n", 1)[1].split("\n<!-- transitions:end -->", 1)[0]
    assert shown == transition_table_markdown()


def test_421_closes_the_session_whatever_it_answers_and_tls_forgets_the_login() -> None:
    s = greeted()
    say(s, "EHLO me", EHLO)
    say(s, "MAIL FROM:<a@b.example>", b"250 ok\r\n")
    say(s, "RCPT TO:<c@d.example>", b"421 4.3.2 shutting down\r\n")
    assert s.phase is Phase.CLOSING
    t = greeted()
    say(t, "EHLO me", EHLO)
    t.authenticated_as("alice")
    t.tls_started()
    assert (t.phase, t.authenticated, t.auth_user, t.capabilities) == (Phase.GREETED, False, None, None)


def test_after_the_dot_lines_are_commands_again_before_its_reply() -> None:
    # RFC 2920 3.1: the message content may start a group, so MAIL, RCPT and DATA go with the "."
    from smtpshell.protocol.session import Kind, Pending, Phase, Session

    s = Session(Phase.DATA)
    assert s.line_kind("MAIL FROM:<a@b>") is Kind.DATA_LINE
    s.sent(Pending(Kind.DATA_END, "."))
    assert not s.is_data_content and s.line_kind("MAIL FROM:<a@b>") is Kind.COMMAND
    s.sent(Pending.command("MAIL FROM:<a@b>"))
    assert s.line_kind("RCPT TO:<c@d>") is Kind.COMMAND  # before: content again, once MAIL was pending

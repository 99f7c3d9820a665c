"""The explanation engine's order of evidence and the patterns issue 13 lists.

Each case is a reply the old engine explained wrongly (the corpus in tests/data/replies/ holds
the real ones with their sources); here the session facts are varied too, through the renderer
with a real Session, as the shell does it.
"""

from __future__ import annotations

import pytest

from smtpshell import knowledge
from smtpshell.knowledge import Facts, Step
from smtpshell.protocol.replies import ReplyParser
from smtpshell.protocol.session import Pending, Session
from smtpshell.render.styled import RenderOptions, render_reply


def shown(raw: bytes, sent: Pending, session: Session | None = None) -> str:
    (reply,) = ReplyParser().feed(raw)
    out = render_reply(reply, sent.verb, RenderOptions(explain="full"), session or Session(), sent=sent)
    return "".join(text for _, text in out)


def logged_in(user: str) -> Session:
    session = Session()
    session.authenticated, session.auth_user, session.tls = True, user, True
    return session


def test_sender_must_equal_the_login_names_both_addresses() -> None:
    out = shown(b"553 Mail from must equal authorized user\r\n", Pending.command("MAIL FROM:<boss@163.com>"),
                logged_in("me@163.com"))
    assert "<boss@163.com>" in out and "me@163.com" in out and "logged in" in out
    assert "try again later" not in out


@pytest.mark.parametrize("text", [
    "mail from address must be same as authorization user",
    "Envolope sender mismatch with login user",
    "\"MAIL FROM\" doesn't conform with authentication",
    "Sender address rejected: not owned by user me@example.org",
    "发信人必须与登录用户一致",
])
def test_the_wordings_of_sender_must_equal_the_login(text: str) -> None:
    exp = knowledge.explain_reply(501, None, "MAIL", text)
    assert "logged in" in exp.cause and "syntax" not in exp.cause, exp


def test_relay_denied_right_after_a_login_is_not_log_in_first() -> None:
    out = shown(b"554 5.7.1 <x@elsewhere.example>: Relay access denied\r\n", Pending.command("RCPT TO:<x@elsewhere.example>"),
                logged_in("me@example.org"))
    assert "although you are logged in" in out and "log in (AUTH)" not in out


def test_454_to_starttls_inside_tls_never_says_go_on_without_tls() -> None:
    session = Session()
    session.tls = True
    for raw in (b"454 Command not permitted when TLS active\r\n", b"454 4.7.0 TLS not available due to local problem\r\n"):
        out = shown(raw, Pending.command("STARTTLS"), session)
        assert "already on" in out and "without tls" not in out.lower(), out
    plain = shown(b"454 4.7.0 TLS not available due to local problem\r\n", Pending.command("STARTTLS"))
    assert "without tls" not in plain.lower() and "plaintext" in plain


@pytest.mark.parametrize("verb", ["MAIL", "RCPT", "DATA"])
def test_421_after_a_command_closes_the_connection(verb: str) -> None:
    out = shown(b"421 4.3.2 Service shutting down\r\n", Pending.command(verb))
    assert "closes the connection" in out and "not accepted for now" not in out


def test_503_need_ehlo_and_auth_first_asks_for_a_login() -> None:
    out = shown(b"503 Error: need EHLO and AUTH first !\r\n", Pending.command("MAIL FROM:<a@qq.com>"))
    assert "log in" in out and "the usual order is EHLO, MAIL FROM" not in out


def test_the_text_wins_and_the_loose_code_is_named() -> None:
    exp = knowledge.explain_reply(556, None, "RCPT", "the number of RCPTs is over size")
    assert "too many recipients" in exp.cause and "556 used loosely" in exp.cause and "null mx" not in exp.cause.lower()
    assert exp.loose and "loosely" in exp.detail
    assert not knowledge.explain_reply(556, None, "RCPT", "domain does not accept mail").loose


def test_a_phrase_split_across_lines_is_found() -> None:
    exp = knowledge.explain_reply(550, None, "RCPT", "sorry, relaying\naccess denied here")
    assert exp.evidence[0].key == "relay-denied"


def test_the_order_of_evidence() -> None:
    exp = knowledge.explain_reply(550, "5.7.1", "RCPT", "Relay access denied", facts=Facts())
    steps = [e.step for e in exp.evidence]
    assert steps[0] is Step.TEXT
    words = [i for i, s in enumerate(steps) if s <= Step.PROVIDER]
    codes = [i for i, s in enumerate(steps) if s >= Step.ENHANCED]
    assert max(words) < min(codes)  # the server's words (and the provider's) before any code
    assert steps[-1] in (Step.CODE, Step.CLASS) and Step.CONTEXT in steps


def test_enhanced_codes_are_read_with_their_class() -> None:
    assert "for now" in knowledge.explain_enhanced("4.7.1").short
    assert "refused" not in knowledge.explain_enhanced("4.7.1").summary
    ok = knowledge.explain_enhanced("2.1.0")
    assert ok.summary == "success (addressing)" and "other" not in ok.summary


@pytest.mark.parametrize("code", [353, 355, 422, 430, 523, 524, 525, 533])
def test_the_basic_codes_issue_13_lists_are_known(code: int) -> None:
    exp = knowledge.explain_reply(code)
    assert exp.known and exp.specific and "not a standard code" not in exp.summary


def test_chinese_text_is_read() -> None:
    exp = knowledge.explain_reply(535, None, "AUTH", "Error: 请使用授权码登录。")
    assert "authorization code" in exp.cause


def test_8bit_reply_text_utf8_then_gb18030_then_escapes() -> None:
    from smtpshell.protocol.replies import (
        ESCAPED_NOTE,
        GB18030_NOTE,
        ProtocolError,
        Reply,
    )

    def parse(raw: bytes) -> tuple[Reply, list[str]]:
        events = ReplyParser().feed(raw)
        replies = [e for e in events if isinstance(e, Reply)]
        notes = [e.message for e in events if isinstance(e, ProtocolError)]
        assert len(replies) == 1 and not any(e.replaces_reply for e in events if isinstance(e, ProtocolError))
        return replies[0], notes

    utf8, notes = parse("550 用户不存在\r\n".encode())
    assert utf8.text == "用户不存在" and notes == [] and utf8.notes == ()
    gbk, notes = parse(b"535 Error: " + "请使用授权码登录".encode("gb18030") + b"\r\n")
    assert gbk.text == "Error: 请使用授权码登录" and notes == [GB18030_NOTE] and GB18030_NOTE in gbk.notes
    bad, notes = parse(b"550 caf\xff\r\n")
    assert bad.text == "caf\\xff" and notes == [ESCAPED_NOTE]


def test_an_enhanced_code_inside_the_text_is_read() -> None:
    exp = knowledge.explain_reply(451, None, "RCPT", "Resources temporarily unavailable. Please try again later (#4.4.4)")
    assert any(e.key == "enhanced.4.4" for e in exp.evidence), exp.evidence
    assert not any(e.key.startswith("enhanced.") for e in knowledge.explain_reply(451, None, "RCPT", "see (#5.1.1)").evidence)


def test_the_row_for_this_command_and_code_beats_a_code_only_situation() -> None:
    # 503 to DATA: "needs an accepted recipient" says more than 503's "wrong point of the conversation"
    exp = knowledge.explain_reply(503, "5.5.1", "DATA")
    assert exp.summary == "DATA needs at least one accepted recipient first"
    assert exp.hint == "MAIL FROM, then RCPT TO, then DATA"  # before: the generic "the usual order is ..."
    assert "wrong point" not in exp.cause
    # with no row for the command, the code-only situation still speaks
    assert "wrong point" in knowledge.explain_reply(503, None, "VRFY").cause

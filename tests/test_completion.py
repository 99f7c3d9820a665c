"""The completer: plain text and cursor position in, candidates out."""

from __future__ import annotations

import pytest

from smtpshell.protocol import Kind, Pending
from smtpshell.ui.completion import (
    ADDRESS,
    KEYWORD,
    MECHANISM,
    NOTHING,
    PARAM_VALUE,
    PARAMETER,
    SHELL_ARG,
    SHELL_COMMAND,
    VERB,
    Sources,
    complete,
    file_candidates,
    slot_at,
)
from tests.plugins.pty import EHLO_BARE, EHLO_FULL, reply_of, session_at

NO_SOURCES = Sources()


def texts(text, session=None, cursor=None, sources=NO_SOURCES):
    return [c.text for c in complete(text, cursor, session, sources)[1]]


@pytest.mark.parametrize(
    ("text", "kind", "word"),
    [
        ("", VERB, ""),
        ("EH", VERB, "EH"),
        ("  ma", VERB, "ma"),
        ("MAIL ", KEYWORD, ""),
        ("MAIL FR", KEYWORD, "FR"),
        ("MAIL FROM:<al", ADDRESS, "al"),
        ("MAIL FROM:", ADDRESS, ""),
        ("MAIL FROM:<a@b> SI", PARAMETER, "SI"),
        ("MAIL FROM:<a@b> BODY=8", PARAM_VALUE, "8"),
        ("RCPT TO:<a@b> NOTIFY=", PARAM_VALUE, ""),
        ("AUTH ", MECHANISM, ""),
        ("AUTH PL", MECHANISM, "PL"),
        ("AUTH PLAIN ", NOTHING, ""),
        ("/he", SHELL_COMMAND, "he"),
        ("/data ms", SHELL_ARG, "ms"),
        ("FROB ", NOTHING, ""),
        ("DATA ", NOTHING, ""),
    ],
)
def test_what_goes_at_the_cursor(text, kind, word):
    slot = slot_at(text, session_at())
    assert (slot.kind, slot.word) == (kind, word)


def test_cursor_position_counts_not_the_text_after_it():
    assert texts("EHLO x.test", cursor=2) == ["EHLO"]


def test_eh_completes_to_ehlo():
    assert texts("EH", session_at()) == ["EHLO"]
    assert texts("eh", session_at()) == ["ehlo"]  # in the case it is typed


def test_legal_verbs_come_first():
    greeted = texts("", session_at())
    assert greeted[:3] == ["EHLO", "HELO", "LHLO"]
    in_rcpt = texts("", session_at(("EHLO x", EHLO_FULL), ("MAIL FROM:<a@b>", b"250 ok\r\n"),
                                   ("RCPT TO:<c@d>", b"250 ok\r\n")))
    assert in_rcpt[:3] == ["RCPT", "DATA", "BDAT"]


def test_verbs_the_server_did_not_advertise_are_not_offered():
    bare = texts("", session_at(("EHLO x", EHLO_BARE)))
    assert "STARTTLS" not in bare and "AUTH" not in bare and "BDAT" not in bare
    full = texts("", session_at(("EHLO x", EHLO_FULL)))
    assert "STARTTLS" in full and "AUTH" in full


def test_starttls_gone_once_tls_is_on():
    session = session_at(("EHLO x", EHLO_FULL))
    session.tls_started()
    session.sent(Pending.command("EHLO x"))
    session.received(reply_of(EHLO_FULL))
    assert "STARTTLS" not in texts("", session)
    assert "AUTH" in texts("", session)


def test_auth_offers_exactly_the_advertised_mechanisms():
    session = session_at(("EHLO x", EHLO_FULL))
    assert texts("AUTH ", session) == ["LOGIN", "PLAIN"]
    assert texts("AUTH P", session) == ["PLAIN"]
    xoauth = session_at(("EHLO x", b"250-mx\r\n250 AUTH XOAUTH2 OAUTHBEARER\r\n"))
    assert texts("AUTH ", xoauth) == ["XOAUTH2", "OAUTHBEARER"]


def test_every_candidate_has_a_summary():
    session = session_at(("EHLO x", EHLO_FULL))
    for text in ("", "AUTH ", "MAIL FROM:<a@b> ", "/"):
        _, found = complete(text, None, session)
        assert found and all(c.summary for c in found), text


def test_mail_keyword_then_addresses_from_session_and_history():
    session = session_at(("EHLO x", EHLO_FULL), ("MAIL FROM:<alice@example.org>", b"250 ok\r\n"),
                         ("RSET", b"250 ok\r\n"))
    assert texts("MAIL ", session) == ["FROM:<"]
    assert texts("RCPT t", session) == ["to:<"]
    sources = Sources(history_addresses=["bob@example.org", "alice@example.org"])
    assert texts("MAIL FROM:<", session, sources=sources) == [
        "alice@example.org>", "bob@example.org>", ">"]  # the null sender last
    assert texts("RCPT TO:<b", session, sources=sources) == ["bob@example.org>"]
    assert texts("RCPT TO:", session, sources=sources)[0] == "<alice@example.org>"


def test_mail_parameters_only_for_advertised_extensions():
    full = session_at(("EHLO x", EHLO_FULL))
    assert texts("MAIL FROM:<a@b> ", full) == ["SIZE=", "BODY=", "SMTPUTF8", "RET=", "ENVID=", "AUTH="]
    assert texts("MAIL FROM:<a@b> SIZE=1 ", full) == ["BODY=", "SMTPUTF8", "RET=", "ENVID=", "AUTH="]
    assert texts("RCPT TO:<a@b> ", full) == ["NOTIFY=", "ORCPT="]
    bare = session_at(("EHLO x", EHLO_BARE))
    assert texts("MAIL FROM:<a@b> ", bare) == []
    assert texts("RCPT TO:<a@b> ", bare) == []


def test_parameter_values():
    full = session_at(("EHLO x", EHLO_FULL))
    assert texts("MAIL FROM:<a@b> BODY=", full) == ["7BIT", "8BITMIME", "BINARYMIME"]
    assert texts("MAIL FROM:<a@b> BODY=8", full) == ["8BITMIME"]
    assert texts("MAIL FROM:<a@b> RET=", full) == ["FULL", "HDRS"]
    assert texts("MAIL FROM:<a@b> SIZE=", full) == ["52428800"]  # the server's limit


def test_nothing_offered_inside_data_or_auth():
    session = session_at(("EHLO x", EHLO_FULL), ("MAIL FROM:<a@b>", b"250 ok\r\n"),
                         ("RCPT TO:<c@d>", b"250 ok\r\n"), ("DATA", b"354 go\r\n"))
    assert texts("", session) == []
    assert texts("/he", session) == []  # message content is never a command
    auth = session_at(("EHLO x", EHLO_FULL), ("AUTH LOGIN", b"334 VXNlcm5hbWU6\r\n"))
    assert texts("", auth) == []


def test_shell_commands_and_their_arguments(tmp_path):
    names = texts("/", session_at())
    for name in ("/help", "/connect", "/reconnect", "/clear", "/history", "/quit", "/data"):
        assert name in names
    assert texts("/recon", session_at()) == ["/reconnect"]
    assert "MAIL" in texts("/help MA", session_at())
    (tmp_path / "message.eml").write_text("x")
    (tmp_path / "mails").mkdir()
    found = [c.text for c in file_candidates("m", str(tmp_path))]
    assert found == ["mails/", "message.eml"]
    (tmp_path / "mails" / "one.eml").write_text("x")
    assert [c.text for c in file_candidates("mails/o", str(tmp_path))] == ["mails/one.eml"]
    assert texts("/data mails/", session_at(), sources=Sources(cwd=str(tmp_path))) == ["mails/one.eml"]


def test_helo_name_offered_after_ehlo():
    assert texts("EHLO ", session_at(), sources=Sources(helo_names=["client.example.org"])) == [
        "client.example.org", "localhost"]


def test_bdat_last_and_before_ehlo_auth_offers_the_catalogue():
    session = session_at(("EHLO x", EHLO_FULL))
    assert texts("BDAT 100 ", session) == ["LAST"]
    assert "CRAM-MD5" in texts("AUTH ", session_at())  # no EHLO yet: what smtpshell knows


def test_sasl_answers_are_not_completed():
    session = session_at(("EHLO x", EHLO_FULL))
    session.sent(Pending.command("AUTH PLAIN"))
    session.received(reply_of(b"334 \r\n"))
    session.sent(Pending(Kind.AUTH_RESPONSE, "x"))
    assert slot_at("dGVz", session).kind == NOTHING


def test_pipeline_completes_its_three_modes() -> None:
    assert texts("/pipeline ") == ["on", "group", "off"]  # before: on and off only
    assert texts("/pipeline g") == ["group"]
    assert texts("/raw ") == ["on", "off"]

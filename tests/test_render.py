"""Rendering is pure: (event, session) -> styled text, tested without a terminal."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpshell import events as ev
from smtpshell import knowledge
from smtpshell.protocol.line import LineKind
from smtpshell.protocol.replies import Reply, ReplyParser
from smtpshell.protocol.session import Exchange, Kind, Pending, Session
from smtpshell.render import ansi
from smtpshell.render.styled import (
    RenderOptions,
    StyledText,
    ehlo_rows,
    render_event,
    render_last,
    render_query,
    render_reply,
    safe,
)

FULL, BRIEF, OFF = RenderOptions("full"), RenderOptions("brief"), RenderOptions("off")


def parse(raw: bytes) -> Reply:
    (reply,) = ReplyParser().feed(raw)
    assert isinstance(reply, Reply)
    return reply


def text(out: StyledText) -> str:
    return ansi.to_text(out, color=False)


def styles_of(out: StyledText, fragment: str) -> list[str]:
    return [style for style, t in out if fragment in t]


def drive(session: Session, sent: Pending | None, raw: bytes) -> Exchange:
    if sent is not None:
        session.sent(sent)
    return session.received(parse(raw))


def greeted() -> Session:
    s = Session()
    s.connected()
    drive(s, None, b"220 mx.test ESMTP\r\n")
    return s


# -- classes and colours --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "verb", "klass", "sgr"),
    [(b"250 OK\r\n", "NOOP", "2xx", "1;32"), (b"354 go ahead\r\n", "DATA", "3xx", "1;36"),
     (b"451 4.3.0 try later\r\n", "RCPT", "4xx", "1;33"), (b"554 5.7.1 no\r\n", "RCPT", "5xx", "1;31")],
)
def test_each_class_has_its_style_and_colour(raw: bytes, verb: str, klass: str, sgr: str) -> None:
    reply = parse(raw)
    out = render_reply(reply, verb, FULL)
    assert f"class:reply.{klass}" in styles_of(out, str(reply.code))
    coloured = ansi.to_text(out, color=True)
    assert f"\x1b[{sgr}m{reply.code} \x1b[0m" in coloured
    assert "↳" in text(out)


def test_enhanced_code_recognised_styled_and_explained() -> None:
    out = render_reply(parse(b"550 5.1.1 <nobody@x.example>: User unknown\r\n"), "RCPT", FULL)
    assert any("class:reply.enhanced" in s and "class:reply.5xx" in s for s in styles_of(out, "5.1.1"))
    shown = text(out)
    assert "S: 550 5.1.1 <nobody@x.example>: User unknown" in shown
    assert "5.1.1 bad destination mailbox address" in shown


def test_multiline_reply_keeps_separators() -> None:
    shown = text(render_reply(parse(b"214-line one\r\n214 line two\r\n"), "HELP", FULL))
    assert "S: 214-line one\nS: 214 line two\n" in shown
    assert "help text" in shown


# -- levels ---------------------------------------------------------------------------


def test_levels_full_brief_off() -> None:
    reply = parse(b"535 5.7.8 Authentication credentials invalid\r\n")
    full, brief, off = (text(render_reply(reply, "AUTH", o)) for o in (FULL, BRIEF, OFF))
    assert off == "S: 535 5.7.8 Authentication credentials invalid\n"
    assert brief.startswith(off) and brief.count("\n") == 2
    assert "[5.7.8 authentication credentials invalid]" in brief
    assert full.startswith(off) and full.count("\n") == 3  # said once: one meaning line (enhanced code beside it), one hint
    assert "try: check the username" in full


def test_explanations_show_without_colour() -> None:
    out = render_reply(parse(b"250 2.1.5 OK\r\n"), "RCPT", FULL)
    plain = ansi.to_text(out, color=False)
    assert "\x1b" not in plain and "recipient is accepted" in plain


# -- context, through real session events ------------------------------------------------


def test_context_cases_via_events() -> None:
    s = greeted()
    drive(s, Pending.command("EHLO me.example"), b"250 mx.test\r\n")
    mail = drive(s, Pending.command("MAIL FROM:<a@b.example>"), b"250 2.1.0 OK\r\n")
    assert "sender is accepted" in text(render_event(ev.ReplyReceived(mail), s))
    ok = drive(s, Pending.command("RCPT TO:<c@d.example>"), b"250 2.1.5 OK\r\n")
    assert "this recipient is accepted" in text(render_event(ev.ReplyReceived(ok), s))
    bad = drive(s, Pending.command("RCPT TO:<nobody@d.example>"), b"550 5.1.1 User unknown\r\n")
    shown = text(render_event(ev.ReplyReceived(bad), s))
    assert "no mailbox of that name exists" in shown and shown.count("↳") == 1
    data = drive(s, Pending.command("DATA"), b"354 End data with <CR><LF>.<CR><LF>\r\n")
    assert "a line holding only '.'" in text(render_event(ev.ReplyReceived(data), s))
    end = drive(s, Pending(Kind.DATA_END, "."), b"250 2.0.0 queued as X\r\n")
    assert "message is accepted" in text(render_event(ev.ReplyReceived(end), s))


def test_550_to_mail_is_about_the_sender() -> None:
    s = greeted()
    drive(s, Pending.command("EHLO me"), b"250 mx.test\r\n")
    ex = drive(s, Pending.command("MAIL FROM:<spoof@bank.example>"), b"550 5.7.1 Sender rejected\r\n")
    assert "sender address is refused" in text(render_event(ev.ReplyReceived(ex), s))


def test_greeting_and_unsolicited_421() -> None:
    s = Session()
    s.connected()
    greet = drive(s, None, b"220 mx.test ESMTP\r\n")
    assert "introduce yourself with EHLO" in text(render_event(ev.ReplyReceived(greet), s))
    bye = s.received(parse(b"421 4.4.2 idle timeout\r\n"))  # nothing pending
    assert "closes the connection on its own" in text(render_event(ev.ReplyReceived(bye), s))


@pytest.mark.parametrize(
    ("verb", "raw", "expected"),
    [("RCPT", b"554 5.7.1 <x@y.example>: Relay access denied\r\n", "use a recipient in the server's own domain"),
     ("MAIL", b"530 5.7.0 Must issue a STARTTLS command first\r\n", "send STARTTLS, then EHLO again"),
     ("RCPT", b"450 4.7.1 <a@b.example>: Recipient address rejected: Greylisted\r\n", "try again in a few minutes"),
     ("RCPT", b"451 4.7.1 Please try again later\r\n", "try again in a few minutes"),
     ("AUTH", b"535 5.7.8 Error: authentication failed\r\n", "check the username")],
)
def test_practical_hints_rendered(verb: str, raw: bytes, expected: str) -> None:
    assert expected.lower() in text(render_reply(parse(raw), verb, FULL)).lower()


# -- EHLO ------------------------------------------------------------------------------------

EHLO_PLAIN = b"250-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
EHLO_TLS = b"250-mx.test\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"


def test_ehlo_rendered_as_table() -> None:
    s = greeted()
    ex = drive(s, Pending.command("EHLO me"), EHLO_PLAIN)
    out = render_event(ev.ReplyReceived(ex), s)
    lines = text(out).splitlines()
    size_row = next(line for line in lines if "SIZE" in line)
    assert size_row.startswith("S: 250-SIZE 52428800") and "50 MiB limit" in size_row
    assert any(line.startswith("S: 250 8BITMIME") and "8-bit" in line for line in lines)
    assert "class:ehlo.keyword" in styles_of(out, "PIPELINING")
    # the meaning column is aligned
    cols = {line.index(meaning) for line, meaning in
            [(size_row, "50 MiB"), (next(x for x in lines if "PIPELINING" in x), "you may send")]}
    assert len(cols) == 1
    rows = ehlo_rows(ex.reply)  # type: ignore[arg-type]
    assert [r.keyword for r in rows] == ["PIPELINING", "SIZE", "STARTTLS", "8BITMIME"]


def test_ehlo_diff_after_starttls() -> None:
    s = greeted()
    drive(s, Pending.command("EHLO me"), EHLO_PLAIN)
    drive(s, Pending.command("STARTTLS"), b"220 2.0.0 Ready to start TLS\r\n")
    s.tls_started()
    ex = drive(s, Pending.command("EHLO me"), EHLO_TLS)
    out = render_event(ev.ReplyReceived(ex), s)
    shown = text(out)
    assert "since STARTTLS" in shown
    assert "+ AUTH PLAIN LOGIN appeared" in shown
    assert "- STARTTLS disappeared" in shown
    assert "~ SIZE: 52428800 -> 104857600" in shown
    assert "class:ehlo.added" in styles_of(out, "AUTH PLAIN LOGIN appeared")
    assert "class:ehlo.removed" in styles_of(out, "STARTTLS disappeared")
    brief = text(render_event(ev.ReplyReceived(ex), s, BRIEF))
    assert "+AUTH -STARTTLS ~SIZE" in brief


def test_second_identical_ehlo_says_same() -> None:
    s = greeted()
    drive(s, Pending.command("EHLO me"), EHLO_PLAIN)
    ex = drive(s, Pending.command("EHLO me"), EHLO_PLAIN)
    assert "same extensions as before" in text(render_event(ev.ReplyReceived(ex), s))


def test_first_ehlo_has_no_diff_and_off_is_bare() -> None:
    s = greeted()
    ex = drive(s, Pending.command("EHLO me"), EHLO_PLAIN)
    assert "changed" not in text(render_event(ev.ReplyReceived(ex), s))
    assert text(render_event(ev.ReplyReceived(ex), s, OFF)) == EHLO_PLAIN.decode().replace("\r\n", "\n").replace("250", "S: 250")


def test_ehlo_auth_without_tls_warns() -> None:
    s = greeted()
    ex = drive(s, Pending.command("EHLO me"), b"250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n")
    assert "readable" in text(render_event(ev.ReplyReceived(ex), s))


# -- untrusted text ------------------------------------------------------------------------------

HOSTILE = "ok \x1b[2J\x1b]0;pwned\x07 \r\x00 \x9b31m \u202egnp.exe \x7f end"


def test_safe_escapes_every_dangerous_character() -> None:
    shown = safe(HOSTILE)
    for bad in ("\x1b", "\x07", "\r", "\x00", "\x9b", "\u202e", "\x7f"):
        assert bad not in shown
    assert "\\x1b[2J" in shown and "\\x1b]0;pwned\\x07" in shown and "\\x0d" in shown
    assert "\\x00" in shown and "\\u202e" in shown and "\\x9b" in shown


@given(st.text())
def test_safe_output_has_no_control_characters(s: str) -> None:
    out = safe(s)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", out)


def test_hostile_reply_text_never_reaches_output_raw() -> None:
    reply = Reply(550, (HOSTILE, "second " + HOSTILE), raw=b"")
    for options in (FULL, BRIEF, OFF):
        for color in (False, True):
            shown = ansi.to_text(render_reply(reply, "RCPT", options), color)
            assert "\x1b[2J" not in shown and "\x1b]" not in shown
            for bad in ("\r", "\x00", "\x07", "\x9b", "\u202e", "\x7f"):
                assert bad not in shown


def test_hostile_ehlo_keyword_and_other_events_are_scrubbed() -> None:
    s = greeted()
    ex = drive(s, Pending.command("EHLO me"), b"250-mx.test\r\n250-X\x1b[2JEVIL a\x07b\r\n250 SIZE \x1b]0;t\x07\r\n")
    shown = text(render_event(ev.ReplyReceived(ex), s))
    assert "\x1b" not in shown and "\x07" not in shown
    for event in (ev.Warning("bad \x1b[31m"), ev.Info("i \r x"), ev.Closed("by \x00 peer", True, False),
                  ev.LineSent("EHLO \x1b[2J", LineKind.COMMAND, 10)):
        assert not re.search(r"[\x00-\x09\x0b-\x1f]", text(render_event(event, s)))


# -- /explain views ---------------------------------------------------------------------------------


def test_render_query_views() -> None:
    both = text(render_query(knowledge.parse_query("550 5.7.1")))
    assert both.startswith("550 mailbox unavailable")
    assert "5.7.1 delivery not authorized" in both and "RFC 5321" in both and "RFC 3463" in both
    kw = text(render_query(knowledge.parse_query("PIPELINING")))
    assert "RFC 2920" in kw
    unknown = text(render_query(knowledge.parse_query("4.9.9")))
    assert "not in the registry" in unknown


def test_render_last_in_depth() -> None:
    s = greeted()
    drive(s, Pending.command("EHLO me"), b"250 mx.test\r\n")
    drive(s, Pending.command("MAIL FROM:<a@b.example>"), b"250 OK\r\n")
    drive(s, Pending.command("RCPT TO:<x@elsewhere.example>"), b"554 5.7.1 <x@elsewhere.example>: Relay access denied\r\n")
    shown = text(render_last(s))
    assert "answer to: RCPT TO:<x@elsewhere.example>" in shown
    assert "S: 554 5.7.1" in shown
    assert "probably" in shown and "try" in shown and "sources" in shown


def test_render_last_without_reply() -> None:
    assert "no reply yet" in text(render_last(Session()))


def test_success_hint_is_next_step_and_x00_is_not_repeated() -> None:
    shown = text(render_reply(parse(b"250 2.0.0 OK: queued as ABC\r\n"), "DATA_END", FULL))
    assert "next: MAIL FROM starts another message" in shown
    assert "2.0.0 other" not in shown  # says nothing the summary does not
    assert "try:" not in shown


@given(st.integers(100, 599), st.lists(st.text(max_size=60), min_size=1, max_size=5),
       st.sampled_from(["EHLO", "RCPT", "DATA", "GREETING", None]), st.sampled_from(["full", "brief", "off"]))
def test_any_reply_renders_without_control_characters(code: int, lines: list[str], verb: str | None, level: str) -> None:
    reply = Reply(code, tuple(lines), raw=b"")
    shown = text(render_reply(reply, verb, RenderOptions(level)))
    assert shown.count("S: ") >= len(lines)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)


def test_unknown_codes_render_by_class_and_subject() -> None:
    out = render_reply(parse(b"477 4.4.99 something new\r\n"), "RCPT", FULL)
    shown = text(out)
    assert "class:reply.4xx" in styles_of(out, "477")
    assert "not accepted for now" in shown  # the RCPT context, by class
    assert "4.4.99 network and routing problem (detail 99 is not in the registry)" in shown
    odd = text(render_reply(parse(b"299 hmm\r\n"), None, FULL))
    assert "not a standard code" in odd and "success" in odd

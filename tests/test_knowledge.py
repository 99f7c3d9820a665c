"""The knowledge tables: complete against the RFCs and registries, every entry
with a meaning and a source, and sensible answers for codes no table knows."""

from __future__ import annotations

import re

import pytest

from smtpshell import knowledge
from smtpshell.knowledge import contexts, enhanced, hints, keywords, replies, values

# The reply codes of RFC 5321 4.2.2/4.2.3 and the extension RFCs, listed here
# independently of the tables so a dropped entry fails the test.
RFC5321_CODES = {211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455,
                 500, 501, 502, 503, 504, 550, 551, 552, 553, 554, 555}
EXTENSION_CODES = {
    235, 334, 432, 454, 530, 534, 535, 538,  # RFC 4954 AUTH (454/530 also RFC 3207 STARTTLS)
    521, 556,  # RFC 7504
    253, 458, 459,  # RFC 1985 ETRN
    453,  # RFC 2645 ATRN
}

# IANA "SMTP Enhanced Status Codes", subject.detail, X.0.0 through X.7.30.
IANA_ENHANCED = (
    ["0.0"]
    + [f"1.{d}" for d in range(0, 11)]
    + [f"2.{d}" for d in range(0, 5)]
    + [f"3.{d}" for d in range(0, 7)]
    + [f"4.{d}" for d in range(0, 8)]
    + [f"5.{d}" for d in range(0, 7)]
    + [f"6.{d}" for d in range(0, 11)]
    + [f"7.{d}" for d in range(0, 31)]
)

# IANA "SMTP Service Extensions" EHLO keywords, plus the unregistered ones real servers send.
IANA_KEYWORDS = """SEND SOML SAML EXPN HELP TURN 8BITMIME SIZE VERB ONEX CHUNKING BINARYMIME CHECKPOINT
DELIVERBY PIPELINING DSN ETRN ENHANCEDSTATUSCODES STARTTLS NO-SOLICITING MTRK AUTH ATRN BURL
FUTURERELEASE CONPERM CONNEG MT-PRIORITY RRVS SMTPUTF8 UTF8SMTP REQUIRETLS LIMITS SUBMITTER""".split()
UNREGISTERED_KEYWORDS = ["XCLIENT", "XFORWARD", "PRDR", "X-EXPS", "AUTH="]

_SOURCE = re.compile(r"RFC \d{3,4}|IANA|Postfix|Microsoft|draft-")


def _has_source(text: str) -> bool:
    return bool(_SOURCE.search(text))


# -- coverage -----------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(RFC5321_CODES | EXTENSION_CODES))
def test_every_basic_code_has_a_meaning_and_a_source(code: int) -> None:
    info = replies.BY_CODE[code]
    assert info.title and info.meaning
    assert _has_source(info.source), info


def test_rfc5321_codes_cite_rfc5321() -> None:
    for code in RFC5321_CODES:
        assert "RFC 5321" in replies.BY_CODE[code].source


@pytest.mark.parametrize("key", IANA_ENHANCED)
def test_every_enhanced_registry_entry_is_known(key: str) -> None:
    info = enhanced.BY_KEY[key]
    assert info.title and info.meaning
    assert _has_source(info.source), info


def test_enhanced_table_has_nothing_outside_the_registry() -> None:
    assert sorted(enhanced.BY_KEY) == sorted(IANA_ENHANCED)
    assert len(enhanced.DETAILS) == len(enhanced.BY_KEY)  # no duplicates


def test_enhanced_classes_and_subjects() -> None:
    assert sorted(enhanced.CLASSES) == [2, 4, 5]
    assert sorted(enhanced.SUBJECTS) == list(range(8))
    for name, meaning in [*enhanced.CLASSES.values(), *enhanced.SUBJECTS.values()]:
        assert name and meaning


def test_known_sources_of_later_registrations() -> None:
    assert enhanced.BY_KEY["7.8"].source.startswith("RFC 4954")
    assert enhanced.BY_KEY["1.10"].source == "RFC 7505"
    assert enhanced.BY_KEY["7.23"].source == "RFC 7372"
    assert enhanced.BY_KEY["7.29"].source == "RFC 8617"
    assert enhanced.BY_KEY["7.30"].source == "RFC 8689"


@pytest.mark.parametrize("keyword", IANA_KEYWORDS + UNREGISTERED_KEYWORDS)
def test_every_keyword_has_a_meaning_and_a_source(keyword: str) -> None:
    info = keywords.BY_KEYWORD[keyword]
    assert info.title and info.meaning
    assert _has_source(info.source), info
    assert info.registered == (keyword in IANA_KEYWORDS)
    if info.decoder:
        assert info.decoder in values.DECODERS


def test_contexts_and_hints_are_well_formed() -> None:
    for c in contexts.CONTEXTS:
        assert c.meaning and _has_source(c.source), c
        assert c.code in (1, 2, 3, 4, 5) or c.code in replies.BY_CODE, c
    assert len(contexts.INDEX) == len(contexts.CONTEXTS), "duplicate context entries"
    ids = [h.id for h in hints.HINTS]
    assert len(ids) == len(set(ids))
    for h in hints.HINTS:
        assert h.cause and h.hint and h.source
        assert h.pattern or h.codes or h.enhanced, h  # a hint must be matched by something
        if h.pattern:
            re.compile(h.pattern)


def test_meanings_are_written_not_copied_from_the_rfc() -> None:
    # A few RFC 5321 phrases that must not be the explanation verbatim.
    assert replies.BY_CODE[250].meaning != "Requested mail action okay, completed"
    assert replies.BY_CODE[354].meaning != "Start mail input; end with <CRLF>.<CRLF>"


# -- unknown codes still explained ---------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [(299, "success"), (399, "go on"), (477, "temporary"), (599, "permanent"), (527, "connection")],
)
def test_unknown_basic_code_explained_by_class(code: int, words: str) -> None:
    exp = knowledge.explain_reply(code)
    assert not exp.known
    assert words in exp.summary
    assert str(code) in exp.title
    assert exp.source == "RFC 5321 4.2.1"


def test_unknown_enhanced_detail_explained_by_class_and_subject() -> None:
    exp = knowledge.explain_enhanced("4.4.99")
    assert not exp.known
    assert "network and routing" in exp.summary
    assert "persistent transient failure" in exp.detail


def test_unknown_enhanced_subject_explained_by_class() -> None:
    exp = knowledge.explain_enhanced("5.9.1")
    assert not exp.known
    assert "permanent failure" in exp.summary and "9" in exp.summary


def test_enhanced_x_form_and_invalid() -> None:
    assert "mailbox full" in knowledge.explain_enhanced("X.2.2").summary
    assert not knowledge.explain_enhanced("banana").known


def test_unknown_keyword() -> None:
    vendor = knowledge.explain_keyword("XWHATEVER", ("a",))
    assert not vendor.known and "vendor" in vendor.summary
    other = knowledge.explain_keyword("FROBNICATE")
    assert not other.known and "registry" in other.summary


# -- context -----------------------------------------------------------------------


def test_250_to_rcpt_vs_mail() -> None:
    assert "recipient is accepted" in knowledge.explain_reply(250, None, "RCPT").summary
    assert "sender is accepted" in knowledge.explain_reply(250, None, "MAIL").summary


def test_550_to_rcpt_is_about_the_mailbox_and_to_mail_about_the_sender() -> None:
    rcpt = knowledge.explain_reply(550, "5.1.1", "RCPT", "User unknown")
    mail = knowledge.explain_reply(550, "5.7.1", "MAIL", "Sender rejected")
    assert "recipient" in rcpt.summary and "mailbox" in rcpt.summary
    assert "sender" in mail.summary
    assert rcpt.summary != mail.summary


def test_354_tells_how_to_end_data() -> None:
    exp = knowledge.explain_reply(354, None, "DATA")
    assert "only '.'" in exp.summary


def test_data_end_and_greeting_and_aliases() -> None:
    assert "accepted" in knowledge.explain_reply(250, "2.0.0", "DATA_END").summary
    assert "EHLO" in knowledge.explain_reply(220, None, "GREETING").summary
    assert "TLS handshake" in knowledge.explain_reply(220, None, "STARTTLS").summary
    assert knowledge.explain_reply(535, None, "AUTH_RESPONSE").summary == knowledge.explain_reply(535, None, "AUTH").summary
    assert knowledge.explain_reply(250, None, "LHLO").summary == knowledge.explain_reply(250, None, "EHLO").summary


def test_class_fallback_in_context() -> None:
    exp = knowledge.explain_reply(557, None, "RCPT")
    assert "recipient is refused" in exp.summary
    assert not exp.known  # 557 itself is no standard code


def test_454_differs_for_starttls_and_auth() -> None:
    assert "TLS" in knowledge.explain_reply(454, "4.7.0", "STARTTLS").summary
    assert "authentication" in knowledge.explain_reply(454, "4.7.0", "AUTH").summary


# -- practical hints ------------------------------------------------------------------


def test_relay_access_denied_hint() -> None:
    exp = knowledge.explain_reply(554, "5.7.1", "RCPT", "<x@elsewhere.example>: Relay access denied")
    assert "AUTH" in exp.hint and "own domain" in exp.hint
    assert "relay" in exp.cause or "pass mail on" in exp.cause


def test_must_issue_starttls_first_hint() -> None:
    exp = knowledge.explain_reply(530, "5.7.0", "MAIL", "Must issue a STARTTLS command first")
    assert "STARTTLS" in exp.hint and "EHLO" in exp.hint


@pytest.mark.parametrize("code", [450, 451])
def test_greylisting_hint(code: int) -> None:
    exp = knowledge.explain_reply(code, "4.7.1", "RCPT", "<a@b.example>: Recipient address rejected: Greylisted, see http://x")
    assert "greylisting" in exp.cause.lower()
    assert "few minutes" in exp.hint
    bare = knowledge.explain_reply(code, "4.7.1", "RCPT", "Service unavailable")
    assert "greylisting" in (bare.cause or bare.summary) and "few minutes" in bare.hint


def test_535_578_bad_credentials() -> None:
    exp = knowledge.explain_reply(535, "5.7.8", "AUTH_RESPONSE", "Authentication credentials invalid")
    assert "password" in exp.hint
    assert "5.7.8 authentication credentials invalid" in exp.enhanced


def test_hint_never_copies_server_text() -> None:
    text = "Relay access denied MARKER-FROM-SERVER"
    exp = knowledge.explain_reply(554, "5.7.1", "RCPT", text)
    for field in (exp.summary, exp.detail, exp.hint, exp.cause, exp.enhanced, exp.title):
        assert "MARKER" not in field


# -- EHLO values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [("52428800", "50 MiB limit"), ("10240000", "9.77 MiB (10240000 bytes) limit"), ("0", "no fixed limit"),
     ("1024", "1 KiB limit"), ("500", "500 bytes limit"), ("big", "not a number")],
)
def test_size_decoded(value: str, shown: str) -> None:
    assert shown in knowledge.explain_keyword("SIZE", (value,)).value


def test_size_without_value() -> None:
    assert "no limit" in knowledge.explain_keyword("SIZE").value


def test_auth_lists_mechanisms_and_warns_without_tls() -> None:
    plain = knowledge.explain_keyword("AUTH", ("PLAIN", "login", "CRAM-MD5"), tls=False)
    assert "PLAIN, LOGIN, CRAM-MD5" in plain.value and "readable" in plain.value
    tls = knowledge.explain_keyword("AUTH", ("PLAIN", "LOGIN"), tls=True)
    assert "readable" not in tls.value


def test_old_auth_equals_form() -> None:
    exp = knowledge.explain_keyword("AUTH=LOGIN", ("PLAIN",))
    assert exp.title == "AUTH=" and "LOGIN, PLAIN" in exp.value


def test_limits_and_deliverby_and_xclient() -> None:
    limits = knowledge.explain_keyword("LIMITS", ("RCPTMAX=100", "MAILMAX=1000"))
    assert "100 recipients per message" in limits.value and "1000 messages per connection" in limits.value
    assert "min" in knowledge.explain_keyword("DELIVERBY", ("240",)).value
    assert "NAME, ADDR" in knowledge.explain_keyword("XCLIENT", ("NAME", "ADDR")).value


# -- queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [("550", knowledge.Query(code=550)), ("5.7.1", knowledge.Query(enhanced="5.7.1")),
     ("550 5.7.1", knowledge.Query(code=550, enhanced="5.7.1")), ("size", knowledge.Query(keyword="SIZE")),
     ("x.1.1", knowledge.Query(enhanced="X.1.1"))],
)
def test_parse_query(text: str, query: knowledge.Query) -> None:
    assert knowledge.parse_query(text) == query


@pytest.mark.parametrize("text", ["", "550 4.7.1", "hello world", "9.9", "55O"])
def test_parse_query_errors_are_one_clear_line(text: str) -> None:
    with pytest.raises(knowledge.QueryError) as info:
        knowledge.parse_query(text)
    assert "\n" not in str(info.value) and str(info.value)


# -- never fails, whatever the server sends ----------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VERBS = st.sampled_from(["RCPT", "MAIL", "DATA", "DATA_END", "GREETING", "AUTH_RESPONSE", "UNSOLICITED", "XYZZY", None])


@given(st.integers(100, 599), st.one_of(st.none(), st.from_regex(r"\A[245]\.\d{1,3}\.\d{1,3}\Z")), _VERBS, st.text(max_size=200))
def test_explain_reply_always_answers(code: int, enhanced_code: str | None, verb: str | None, text: str) -> None:
    exp = knowledge.explain_reply(code, enhanced_code, verb, text)
    assert exp.summary and exp.title and exp.source
    assert "\n" not in exp.summary


@given(st.text(max_size=30), st.lists(st.text(max_size=20), max_size=4), st.sampled_from([True, False, None]))
def test_explain_keyword_always_answers(keyword: str, params: list[str], tls: bool | None) -> None:
    exp = knowledge.explain_keyword(keyword, tuple(params), tls)
    assert exp.summary and exp.source


@pytest.mark.parametrize(
    ("code", "enhanced_code", "verb", "text", "expected"),
    [(554, "5.5.0", "RCPT", "Error: improper use of SMTP command pipelining", "PIPELINING"),
     (553, "5.6.7", "RCPT", "non-ASCII address", "SMTPUTF8"),
     (450, "4.7.1", "RCPT", "Client host rejected: cannot find your hostname, [192.0.2.1]", "PTR"),
     (554, "5.7.1", "RCPT", "Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "spamhaus.org"),
     (504, "5.5.2", "HELO", "<x>: Helo command rejected: need fully-qualified hostname", "fully qualified"),
     (552, "5.3.4", "DATA_END", "Message size exceeds fixed limit", "SIZE"),
     (452, "4.5.3", "RCPT", "Too many recipients", "another message"),
     (550, "5.7.1", "DATA_END", "Bare <LF> received", "CRLF")],
)
def test_more_well_known_situations(code: int, enhanced_code: str, verb: str, text: str, expected: str) -> None:
    exp = knowledge.explain_reply(code, enhanced_code, verb, text)
    assert expected in exp.hint, exp


def test_completions_are_all_explainable() -> None:
    words = knowledge.completions()
    assert {"last", "550", "X.7.30", "SIZE", "XCLIENT"} <= set(words)
    for word in words[1:]:
        knowledge.parse_query(word)  # every one is accepted


def test_rfc_3463_citations_name_the_right_section() -> None:
    """Class and subject are RFC 3463 section 2; subject S's details are in section 3.(S+1): X.7.x is 3.8."""
    from smtpshell.knowledge import enhanced

    assert enhanced.CLASS_SOURCE == "RFC 3463 2" and enhanced.SUBJECT_SOURCE == "RFC 3463 2"
    for entry in enhanced.DETAILS:
        if entry.source.startswith("RFC 3463 3."):
            assert entry.source == f"RFC 3463 3.{entry.subject + 1}", entry

"""The zh_CN knowledge texts: explanations in Chinese, with only protocol words left in English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from smtpshell import i18n, knowledge
from smtpshell.knowledge import enhanced as enh
from smtpshell.knowledge import keywords
from smtpshell.knowledge.texts import all_texts

# Words that stay as they are on the wire or on the screen: SMTP verbs and extensions, mechanisms,
# parameters, standards, program names, record types. Anything else in Latin letters is English
# that leaked into a Chinese text.
PROTOCOL = frozenset(
    """
    SMTP ESMTP EHLO HELO LHLO MAIL FROM RCPT TO DATA BDAT LAST QUIT RSET NOOP HELP VRFY EXPN ETRN ATRN
    TURN STARTTLS AUTH PLAIN LOGIN OAuth TLS SSL PIPELINING SMTPUTF8 UTF CHUNKING SIZE BODY MIME BITMIME
    BINARYMIME BURL IMAP URL CHECKPOINT TRANSID CONPERM BY NOTIFY RET ENVID ORCPT MT PRIORITY MTRK
    REQUIRETLS RRVS SAML SEND SOML SUBMITTER Sender ID From XCLIENT XFORWARD XVERP VERP PRDR DSN CRLF LF
    DNS MX PTR IP FQDN SPF DKIM DMARC ARC ASCII IANA RFC POP Received Outlook Sendmail Postfix qmail
    Microsoft Exchange Spamhaus spamhaus org smtpshell auth manual null base64 QQ LIMITS
    POP3 postmaster A X
    you example someone user domain your host name n xx x y z
    """.split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# An ASCII sentence mark touching a Chinese character: Chinese sentences take full-width marks.
_HALF_WIDTH_BY_CJK = re.compile(r"[\u4e00-\u9fff][,;:!?()]|[,;:!?()][\u4e00-\u9fff]")


@pytest.fixture
def zh_cn() -> Iterator[None]:
    assert i18n.set_language("zh_CN") == "zh_CN"
    yield
    i18n.set_language("en")


def english_words(text: str) -> list[str]:
    """Latin-letter words in ``text`` that are not protocol words (placeholders removed)."""
    text = re.sub(r"\{[a-z_]+\}", "", text)
    text = re.sub(r"(?<![\w/])/[a-z][a-z-]*", "", text)  # shell commands (/connect) are typed as they are
    return [w for w in _WORD.findall(text) if w not in PROTOCOL]


def test_550_5_1_1_to_rcpt_is_explained_in_chinese(zh_cn: None) -> None:
    exp = knowledge.explain_reply(550, "5.1.1", "RCPT")
    assert exp.title == "550 邮箱不可用"
    assert exp.summary == "这个收件人被拒绝：这里没有这个邮箱，或策略不允许"
    assert exp.hint == "检查地址的拼写"
    assert exp.enhanced.startswith("5.1.1 目标邮箱地址错误")
    for part in (exp.title, exp.summary, exp.cause, exp.hint, exp.enhanced, exp.detail):
        assert part and _CJK.search(part), part
        assert not english_words(part), part


def test_421_with_a_pasted_text_is_explained_in_chinese(zh_cn: None) -> None:
    exp = knowledge.explain_reply(421, "4.7.0", None, "Try again later")
    assert exp.summary == "服务器正在关闭这个连接；请稍后再试"
    for part in (exp.title, exp.summary, exp.enhanced, exp.detail):
        assert not english_words(part), part


def test_relay_denied_after_login_uses_the_session_facts(zh_cn: None) -> None:
    facts = knowledge.Facts(authenticated=True, auth_user="me@163.com", mail_from="me@163.com")
    exp = knowledge.explain_reply(554, "5.7.1", "RCPT", "Relay access denied", facts=facts)
    assert exp.cause.startswith("虽然你已登录，中继仍被拒绝")
    assert "提交服务器" in exp.hint


def test_every_registry_detail_and_keyword_reads_in_chinese(zh_cn: None) -> None:
    for detail in enh.DETAILS:
        for klass in (4, 5):
            exp = knowledge.explain_enhanced(f"{klass}.{detail.key}")
            assert _CJK.search(exp.summary) and not english_words(exp.summary), (detail.key, exp.summary)
    for kw in keywords.KEYWORDS:
        exp = knowledge.explain_keyword(kw.keyword, advertised=False)
        assert not english_words(exp.summary), (kw.keyword, exp.summary)


def test_every_knowledge_text_has_chinese_and_full_width_marks() -> None:
    catalogue = i18n.load_catalogue(i18n._find("zh_CN") or "")
    problems = []
    for key in all_texts():
        text = catalogue.get(key, "")
        if not text:
            problems.append(f"{key}: no Chinese")
        elif english_words(text):
            problems.append(f"{key}: English words {english_words(text)}")
        elif _HALF_WIDTH_BY_CJK.search(text):
            problems.append(f"{key}: half-width mark next to Chinese: {text}")
    assert not problems, "\n".join(problems[:20])

"""The corpus of real SMTP replies (tests/data/replies/) and the provider
tables (smtpshell/knowledge/providers/) are well-formed.

This checks the data only: every entry has its source URL, command, meaning,
hint and must_say phrases, replies have the shape of real replies, and the
corpus is big enough. The engine is asserted against it elsewhere.
"""

from __future__ import annotations

import pathlib

import pytest

from tests.corpus_report import (
    CHINESE_PROVIDERS,
    MIN_CHINESE,
    MIN_ENTRIES,
    REQUIRED_PROVIDERS,
    Entry,
    check_corpus,
    check_provider_tables,
    entry_problems,
    load_corpus,
    load_provider_tables,
    reply_shape_problems,
    row_problems,
)

REPORT = load_corpus()


def test_corpus_is_well_formed() -> None:
    assert check_corpus(REPORT) == []


def test_corpus_is_big_enough_with_enough_chinese_replies() -> None:
    assert len(REPORT.entries) >= MIN_ENTRIES
    assert REPORT.chinese() >= MIN_CHINESE
    assert CHINESE_PROVIDERS <= set(REPORT.by_provider())


@pytest.mark.parametrize("provider", ["gmail", "microsoft", "yahoo", "postfix", "exim"])
def test_each_international_family_is_present(provider: str) -> None:
    assert REPORT.by_provider()[provider] >= 5


def test_non_utf8_replies_decode_as_gb18030() -> None:
    eight_bit = [e for e in REPORT.entries if "reply_hex" in e.data]
    assert eight_bit, "the corpus should keep the GBK replies QQ sends"
    for entry in eight_bit:
        text = entry.reply_bytes().decode("gb18030")
        assert "授权码" in text


def test_multi_line_replies_are_present_and_split_by_line() -> None:
    multi = [e for e in REPORT.entries if "\n" in e.data.get("reply", "")]
    assert len(multi) >= 5
    assert all(not e.data["reply"].endswith("\n") for e in multi)


def test_checker_rejects_a_bad_entry() -> None:
    bad = {
        "id": "Bad Id",
        "provider": "gmail",
        "command": "HELLO",
        "reply": "550-5.1.1 first\n550-5.1.1 second",
        "source": "not a url",
        "meaning": "The mailbox does not exist.",
        "hint": "Check the address.",
        "must_say": ["Spam"],
        "must_not_say": ["mailbox"],
    }
    problems = entry_problems(Entry("netease.toml", bad))
    joined = "\n".join(problems)
    for expected in ("id is not lowercase", "is not the file's", "command 'HELLO'", "not an http(s) URL",
                     "'-' must follow", "not lowercase", "contain must_not_say 'mailbox'"):
        assert expected in joined


def test_checker_wants_exactly_one_reply_form() -> None:
    both = {"id": "x", "provider": "qq", "command": "AUTH", "reply": "535 no", "reply_hex": "35",
            "source": "https://example.org/", "meaning": "no", "hint": "no", "must_say": ["no"]}
    assert "needs exactly one of reply and reply_hex" in entry_problems(Entry("qq.toml", both))


def test_reply_shape() -> None:
    assert reply_shape_problems("250 ok") == []
    assert reply_shape_problems("550-a\n550 b") == []
    assert reply_shape_problems("550-a\n551 b") != []
    assert reply_shape_problems("hello") != []


def test_unreadable_file_is_reported_not_raised(tmp_path: pathlib.Path) -> None:
    (tmp_path / "broken.toml").write_text("[[entry]\nid = ", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert report.entries == []
    assert any("broken.toml: cannot be read" in p for p in check_corpus(report))


def test_provider_tables_are_well_formed() -> None:
    tables, problems = load_provider_tables()
    assert problems == []
    assert check_provider_tables(tables) == []
    assert REQUIRED_PROVIDERS <= set(tables)


def test_provider_row_checker_rejects_a_bad_row() -> None:
    bad = {"key": "provider.other.x", "match": "(", "kind": "regex", "source": "ftp://x",
           "meaning": "m", "hint": "h", "meaning_zh_CN": "no chinese", "hint_zh_CN": "here",
           "enhanced": ["5.7"]}
    joined = "\n".join(row_problems("netease", bad))
    for expected in ("key must be", "not an http(s) URL", "no Chinese", "not a valid regex", "is not X.Y.Z"):
        assert expected in joined


def test_every_chinese_corpus_provider_has_a_table() -> None:
    tables, _ = load_provider_tables()
    assert CHINESE_PROVIDERS <= {name for name, t in tables.items() if t["provider"].get("chinese")}

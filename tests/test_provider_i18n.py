"""The provider tables' Chinese text reaches the screen through i18n (issue 13).

A zh_CN catalogue need not copy the 127 rows: when the language is Chinese, a row's own
``meaning_zh_CN``/``hint_zh_CN`` is the default for its key, and a catalogue entry for that key
still wins. ``provider_texts("zh_CN")`` gives the rows by key, for the catalogue's authors.
"""

from __future__ import annotations

import pathlib

import pytest

from smtpshell import i18n, knowledge
from smtpshell.knowledge.texts import provider_texts


@pytest.fixture
def chinese(tmp_path: pathlib.Path):  # type: ignore[no-untyped-def]
    (tmp_path / "zh_CN.toml").write_text(
        '"provider.netease.rp_drc.hint" = "目录里的译文优先。"\n', encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    assert i18n.set_language("zh_CN") == "zh_CN"
    yield
    i18n.set_language("en")
    i18n.remove_catalogue_dir(tmp_path)


def test_a_row_speaks_chinese_when_the_language_is_chinese(chinese) -> None:  # type: ignore[no-untyped-def]
    exp = knowledge.explain_reply(450, None, "RCPT", "RP:DRC")
    assert exp.cause == provider_texts("zh_CN")["provider.netease.rp_drc.meaning"]
    assert "收件人" in exp.cause


def test_a_catalogue_entry_beats_the_row(chinese) -> None:  # type: ignore[no-untyped-def]
    exp = knowledge.explain_reply(450, None, "RCPT", "RP:DRC")
    assert exp.hint == "目录里的译文优先。"


def test_english_by_default_and_every_row_has_both_languages() -> None:
    english, chinese = provider_texts("en"), provider_texts("zh_CN")
    assert set(english) == set(chinese) and len(english) >= 2 * 120
    assert knowledge.explain_reply(450, None, "RCPT", "RP:DRC").cause == english["provider.netease.rp_drc.meaning"]

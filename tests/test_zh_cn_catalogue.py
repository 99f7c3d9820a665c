"""The zh_CN catalogue: every English text has a translation, with the same placeholders."""

from __future__ import annotations

from smtpshell import i18n_check as check


def test_every_english_key_is_translated_with_the_same_placeholders() -> None:
    report = check.check("zh_CN")
    assert not report.missing, f"{len(report.missing)} keys have no Chinese, e.g. {report.missing[:10]}"
    assert not report.stale, f"placeholders differ from the English: {report.stale[:10]}"
    assert not report.dead, f"keys nothing uses any more: {report.dead[:10]}"
    assert report.translated == len(report.english)


def test_placeholders_are_compared_by_name() -> None:
    assert check.placeholders("{a} and {b!r} but {{not}}") == {"a", "b"}

"""The pseudo-locale marks every text that went through t(), line by line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smtpshell import i18n


@pytest.fixture
def pseudo() -> Iterator[None]:
    assert i18n.set_language("qps") == "qps"
    yield
    i18n.set_language("en")


def test_marks_each_line(pseudo: None) -> None:
    assert i18n.is_pseudo()
    assert i18n.t("x.y", "one {n}\ntwo\n", n=1) == "⟦one 1⟧\n⟦two⟧\n"


def test_english_is_unmarked() -> None:
    i18n.set_language("en")
    assert i18n.t("x.y", "one") == "one" and not i18n.is_pseudo()


def test_chosen_from_the_locale_too(pseudo: None) -> None:
    assert i18n.setup(None, {"LANG": "qps.UTF-8"})[0] == "qps"

"""Languages as data: a catalogue file alone changes knowledge texts and UI messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell import i18n, knowledge
from smtpshell.protocol.replies import ReplyParser
from smtpshell.render import ansi
from smtpshell.render.styled import render_reply

# A tiny test-only "language" (pig-latin-ish, so any English that leaks through shows).
CATALOGUE = """
[reply.550]
title = "ailboxmay unavailableway"

[context.RCPT.550]
meaning = "isthay ecipientray is efusedray"

[enhanced."1.1"]
title = "adbay ailboxmay"
meaning = "onay uchsay ailboxmay"

[ui.reply]
try = "ytray: {hint}"

[hint.unknown-user-enhanced]
hint = "eckchay the addressway"

[ui.explain]
meaning = "eaningmay"
"""


@pytest.fixture
def test_language(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "xx.toml").write_text(CATALOGUE, encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    yield "xx"
    i18n.set_language("en")
    i18n.remove_catalogue_dir(tmp_path)


def test_catalogue_changes_knowledge_and_ui(test_language: str) -> None:
    assert i18n.set_language("xx_YY.UTF-8") == "xx"
    exp = knowledge.explain_reply(550, "5.1.1", "RCPT")
    assert exp.summary == "isthay ecipientray is efusedray"
    assert exp.title == "550 ailboxmay unavailableway"
    assert exp.enhanced == "5.1.1 adbay ailboxmay: onay uchsay ailboxmay"
    (reply,) = ReplyParser().feed(b"550 5.1.1 nope\r\n")
    shown = ansi.to_text(render_reply(reply, "RCPT"), color=False)
    assert "ytray: eckchay the addressway" in shown
    # a key the catalogue lacks falls back to English
    assert knowledge.explain_reply(250, None, "RCPT").summary == "this recipient is accepted"


def test_back_to_english(test_language: str) -> None:
    i18n.set_language("xx")
    i18n.set_language("en")
    assert knowledge.explain_reply(550, None, "RCPT").summary.startswith("this recipient is refused")


def test_unknown_language_falls_back_to_english() -> None:
    assert i18n.set_language("tlh_QO") == "en"
    assert i18n.current() == "en"


@pytest.mark.parametrize(
    ("cli", "env", "expected"),
    [("zh_CN", {"LANG": "de_DE.UTF-8"}, "zh_CN"),
     (None, {"LANG": "zh_CN.UTF-8"}, "zh_CN"),
     (None, {"LC_ALL": "fr_FR.UTF-8", "LANG": "de_DE"}, "fr_FR"),
     (None, {"SMTPSHELL_LANG": "ja", "LC_ALL": "fr_FR"}, "ja"),
     (None, {"LANG": "C.UTF-8"}, "en"),
     (None, {}, "en"),
     ("pt-BR", {}, "pt_BR")],
)
def test_select_language(cli: str | None, env: dict[str, str], expected: str) -> None:
    assert i18n.select_language(cli, env) == expected


def test_broken_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "zz.toml").write_text("this is = = not toml", encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    try:
        with pytest.raises(i18n.CatalogueError) as info:
            i18n.set_language("zz")
        assert "zz.toml" in str(info.value)
    finally:
        i18n.remove_catalogue_dir(tmp_path)
        i18n.set_language("en")


def test_bad_placeholder_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "qq.toml").write_text('[ui.reply]\ntry = "{nonsense}"\n', encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    try:
        i18n.set_language("qq")
        assert i18n.t("ui.reply.try", "try: {hint}", hint="x") == "try: x"
    finally:
        i18n.remove_catalogue_dir(tmp_path)
        i18n.set_language("en")


def test_every_text_has_a_key_template() -> None:
    texts = knowledge.all_texts()
    assert texts["reply.550.title"] == "mailbox unavailable"
    assert texts["enhanced.7.30.title"] == "REQUIRETLS support required"
    assert "keyword.SIZE.meaning" in texts and "hint.relay-denied.hint" in texts
    assert len(texts) > 400


def test_keys_template_is_valid_toml_and_loads_as_a_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import tomllib

    from smtpshell import explain_cmd

    parser = argparse.ArgumentParser()
    explain_cmd.configure(parser)
    assert explain_cmd.run(parser.parse_args(["--keys"])) == 0
    template = capsys.readouterr().out
    parsed = tomllib.loads(template)
    assert parsed["ui.reply.try"] == "try: {hint}"
    assert parsed["ui.explain.meaning"] == "meaning"
    assert parsed["enhanced.7.8.title"] == "authentication credentials invalid"
    # the template, edited, is a working catalogue
    (tmp_path / "yy.toml").write_text(template.replace('"try: {hint}"', '"versuch: {hint}"'), encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    try:
        i18n.set_language("yy")
        assert i18n.t("ui.reply.try", "try: {hint}", hint="x") == "versuch: x"
    finally:
        i18n.remove_catalogue_dir(tmp_path)
        i18n.set_language("en")


def test_setup_reports_missing_and_broken_languages(tmp_path: Path) -> None:
    assert i18n.setup(None, {"LANG": "C"}) == ("en", "")
    used, problem = i18n.setup("tlh", {})
    assert used == "en" and "no translation for 'tlh'" in problem and "\n" not in problem
    used, problem = i18n.setup(None, {"LANG": "tlh_QO.UTF-8"})  # from the locale: silently English
    assert (used, problem) == ("en", "")
    (tmp_path / "zz.toml").write_text("= broken", encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    try:
        used, problem = i18n.setup("zz", {})
        assert used == "en" and "zz.toml" in problem and "using English" in problem
    finally:
        i18n.remove_catalogue_dir(tmp_path)
        i18n.set_language("en")


def test_lang_flag_on_explain_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from smtpshell import explain_cmd

    (tmp_path / "xx.toml").write_text(CATALOGUE, encoding="utf-8")
    i18n.add_catalogue_dir(tmp_path)
    parser = argparse.ArgumentParser()
    explain_cmd.configure(parser)
    try:
        assert explain_cmd.run(parser.parse_args(["--lang", "xx", "--color", "never", "550"])) == 0
        out = capsys.readouterr().out
        assert out.startswith("550 ailboxmay unavailableway") and "eaningmay" in out
    finally:
        i18n.remove_catalogue_dir(tmp_path)
        i18n.set_language("en")


def test_a_bare_language_finds_its_regional_catalogue() -> None:
    # --lang zh (or LANG=zh) with only zh_CN shipped: Chinese, not "no translation for 'zh'"
    try:
        assert i18n.setup("zh", {}) == ("zh_CN", "")
        assert i18n.setup(None, {"LANG": "zh.UTF-8"})[0] == "zh_CN"
    finally:
        i18n.set_language("en")

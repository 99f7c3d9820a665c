"""Lessons per language (issue 14): a lesson's Chinese text is the same session with Chinese notes,
the session's language picks it, English is the fallback, and the package ships the texts."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest

from smtpshell import exitcodes
from smtpshell.drivers.practice import practice_target
from smtpshell.drivers.replay import Replayer, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.transcript import read_transcript
from smtpshell.transcript.lessons import ENV, find_lesson, language_folders, list_lessons, localized, parts_of
from smtpshell.transcript.model import Transcript
from smtpshell.transcript.placeholders import SecretSource
from tests.plugins.transcripts import REPO, TRANSCRIPTS

ENGLISH = sorted(TRANSCRIPTS.glob("*.transcript"))
CHINESE = TRANSCRIPTS / "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")
PRACTICE_SECRETS = {"SMTPSHELL_USER": "alice", "SMTPSHELL_PASSWORD": "wonderland"}  # the demo account
TRANSLATED_HEADERS = ("title", "summary")


def _session(t: Transcript) -> list[tuple[object, ...]]:
    """What goes on the wire and what is checked: every step but its teaching comments."""
    return [(s.line, [(e.code, e.text, e.examples) for e in s.expected], s.notes, s.automatic) for s in t.steps]


def _plain_headers(t: Transcript) -> dict[str, str]:
    return {k: v for k, v in t.header.items() if k not in TRANSLATED_HEADERS}


def _client_and_server_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.startswith(("C:", "S:", "#=", "**"))]


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_every_lesson_has_a_chinese_text_with_the_same_steps(english: Path) -> None:
    chinese = CHINESE / english.name
    assert chinese.is_file(), f"{english.name} has no zh_CN text (transcripts/zh_CN/{english.name})"
    assert _client_and_server_lines(chinese) == _client_and_server_lines(english)  # line for line, in order
    en, zh = read_transcript(english), read_transcript(chinese)
    assert _session(zh) == _session(en)
    assert _plain_headers(zh) == _plain_headers(en)  # the same practice server set-up, TLS and parts
    assert CJK.search(zh.title) and zh.title != en.title
    assert not en.header.get("summary") or CJK.search(zh.header.get("summary", ""))
    assert CJK.search(" ".join(zh.intro))
    for en_step, zh_step in zip(en.steps, zh.steps, strict=True):
        if en_step.comments:  # every step the English explains is explained in Chinese
            assert CJK.search(" ".join(zh_step.comments)), f"{chinese.name}:{zh_step.line_no} has no Chinese note"


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
async def test_every_chinese_text_replays_against_the_practice_server(english: Path) -> None:
    transcript = read_transcript(CHINESE / english.name)
    out = io.StringIO()
    async with practice_target(transcript, RunOptions(timeout=10)) as (target, options, _server):
        replayer = Replayer(transcript, target, options, out=out, err=out,
                            secrets=SecretSource(environ=dict(PRACTICE_SECRETS)))
        result = await replayer.run()
    assert result.exit_code() == exitcodes.OK, format_report(result) + out.getvalue()
    assert result.checked == transcript.checked_replies > 0


def test_the_session_language_picks_the_text_and_english_is_the_fallback(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert language_folders("zh_CN.UTF-8") == ["zh_CN", "zh"]
    assert language_folders("en_US") == [] and language_folders("qps") == [] and language_folders("C") == []
    assert find_lesson("01", lang="zh_CN") == CHINESE / "01-direct-delivery.transcript"
    assert find_lesson("01", lang="en") == TRANSCRIPTS / "01-direct-delivery.transcript"
    assert find_lesson("01", lang="zh") == CHINESE / "01-direct-delivery.transcript"  # no zh/: zh_CN will do
    assert find_lesson("01", lang="de") == TRANSCRIPTS / "01-direct-delivery.transcript"
    # A teacher's lesson with no Chinese text is played in English; one with a zh text in Chinese.
    (tmp_path / "zh").mkdir()
    (tmp_path / "99-own.transcript").write_text("#: title: My own lesson\nS: 220 *\n", encoding="utf-8")
    (tmp_path / "98-mine.transcript").write_text("#: title: Mine\nS: 220 *\n", encoding="utf-8")
    (tmp_path / "zh" / "98-mine.transcript").write_text("#: title: 我的课程\nS: 220 *\n", encoding="utf-8")
    monkeypatch.setenv(ENV, str(tmp_path))
    assert find_lesson("99-own", lang="zh_CN") == tmp_path / "99-own.transcript"
    assert find_lesson("98-mine", lang="zh_CN") == tmp_path / "zh" / "98-mine.transcript"
    titles = {lesson.name: lesson.title for lesson in list_lessons("zh_CN")}
    assert titles["98-mine"] == "我的课程" and titles["99-own"] == "My own lesson"
    assert titles["01-direct-delivery"].startswith("直接投递")
    assert {lesson.name: lesson.title for lesson in list_lessons("en")}["98-mine"] == "Mine"
    # A text only in zh_CN/ is not a lesson: the English files make the list.
    (tmp_path / "zh" / "97-orphan.transcript").write_text("#: title: 孤儿\nS: 220 *\n", encoding="utf-8")
    assert "97-orphan" not in {lesson.name for lesson in list_lessons("zh_CN")}
    assert localized(tmp_path / "99-own.transcript", "zh_CN") == tmp_path / "99-own.transcript"


def test_a_lesson_in_parts_lists_its_first_part_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "50-a.transcript").write_text("#: title: A\n#: next: 50-b\nS: 220 *\n", encoding="utf-8")
    (tmp_path / "50-b.transcript").write_text("#: title: B\n#: next: 50-a\nS: 220 *\n", encoding="utf-8")
    monkeypatch.setenv(ENV, str(tmp_path))
    names = [lesson.name for lesson in list_lessons("en")]
    assert {"50-a", "50-b"} <= set(names)  # parts in a loop are not hidden
    (tmp_path / "50-b.transcript").write_text("#: title: B\nS: 220 *\n", encoding="utf-8")
    names = [lesson.name for lesson in list_lessons("en")]
    assert "50-a" in names and "50-b" not in names
    assert [p.name for p in parts_of("50-a", "en")] == ["50-a", "50-b"]
    assert find_lesson("50-b", lang="en") == tmp_path / "50-b.transcript"  # a part by its full name
    assert find_lesson("50", lang="en") == tmp_path / "50-a.transcript"  # a part of a name: listed lessons first
    assert find_lesson("0-b", lang="en") == tmp_path / "50-b.transcript"  # else a later part


def test_the_package_ships_every_language_folder_of_lessons() -> None:
    """pyproject's data-files install each folder of transcripts/ where lessons.lesson_dirs looks."""
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    shipped = {pattern for patterns in data_files.values() for pattern in patterns}
    folders = {p.parent.relative_to(REPO).as_posix() for p in TRANSCRIPTS.rglob("*.transcript")}
    assert {"transcripts", "transcripts/zh_CN"} <= folders
    for folder in folders:
        assert f"{folder}/*.transcript" in shipped, f"{folder} is not installed (pyproject data-files)"
        installed = data_files.get(f"share/smtpshell/{folder}")
        assert installed == [f"{folder}/*.transcript"], f"{folder} is installed somewhere lesson_dirs does not look"


def test_in_the_pseudo_locale_a_lessons_own_words_are_marked_and_the_wire_is_not() -> None:
    from smtpshell import i18n
    from smtpshell.transcript.lessons import read_lesson

    english = read_transcript(TRANSCRIPTS / "01-direct-delivery.transcript")
    assert i18n.set_language("qps") == "qps"
    try:
        marked = read_lesson(find_lesson("01"))
        titles = {lesson.name: lesson.title for lesson in list_lessons()}
    finally:
        i18n.set_language("en")
    assert marked.path == TRANSCRIPTS / "01-direct-delivery.transcript"  # qps has no texts of its own
    assert titles["01-direct-delivery"] == f"⟦{english.title}⟧"
    assert marked.header["summary"] == f"⟦{english.header['summary']}⟧" and marked.header["tls"] == "none"
    assert marked.intro == [f"⟦{line}⟧" if line else "" for line in english.intro]
    for step, original in zip(marked.steps, english.steps, strict=True):
        assert step.comments == [f"⟦{line}⟧" if line else "" for line in original.comments]
        assert (step.line, step.expected) == (original.line, original.expected)  # what is sent and checked: as is
    assert read_lesson(find_lesson("01")).title == english.title  # English again: nothing marked


def test_the_chinese_lessons_use_the_glossary_words() -> None:
    """docs/glossary.md holds for the lessons too: no word it says to avoid, in any zh_CN text."""
    from tests.test_zh_cn_glossary import avoided_words

    words = avoided_words()
    found = [(path.name, word, words[word]) for path in sorted(CHINESE.glob("*.transcript"))
             for word in words if word in path.read_text(encoding="utf-8")]
    assert not found, "; ".join(f"{name}: {word} -> {use}" for name, word, use in found)

"""Display width and wrapping (smtpshell/render/width.py): the properties, then the cases."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell import i18n
from smtpshell.render.width import (
    MIN_INDENT,
    NO_BREAK_AFTER,
    NO_BREAK_BEFORE,
    cell_width,
    fit,
    hang_indent,
    keep_end,
    pad_to,
    wrap,
    wrap_spans,
    wrap_styled,
)

CJK = "服务器收件人邮件地址认证登录加密明文证书退信中继灰名单信封"
CLOSING, OPENING = "，。）」、", "（「"

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789.-@<>:", min_size=1, max_size=30)
hanzi = st.text(alphabet=CJK, min_size=1, max_size=12)
pieces = st.one_of(words, hanzi, st.sampled_from(list(CLOSING + OPENING)), st.just("e\u0301"))
texts = st.lists(st.tuples(pieces, st.sampled_from([" ", "", "  "])), max_size=40).map(
    lambda parts: "".join(p + sep for p, sep in parts).strip())


def _narrow_words(text: str) -> list[str]:
    """Runs of one-column characters between spaces or wide ones: what must never be split."""
    out, word = [], ""
    for ch in text:
        if ch.isspace() or cell_width(ch) == 2:
            if word:
                out.append(word)
            word = ""
        else:
            word += ch
    return [*out, word] if word else out


@settings(max_examples=300, deadline=None)
@given(text=texts, width=st.integers(10, 100), first=st.integers(0, 40))
def test_wrapped_lines_fit_keep_words_whole_and_give_the_text_back(text: str, width: int, first: int) -> None:
    hang = hang_indent(first, width)
    lines = wrap(text, width, first=first)
    spans = wrap_spans(text, width, first, hang)
    # Every line fits (the first one after its head, when the head leaves room for its text).
    for i, line in enumerate(lines):
        taken = first if i == 0 else 0
        assert cell_width(line) + taken <= width or (i == 0 and line == ""), (line, width, first)
    # Continuation lines are indented; the first line is what follows the head.
    assert hang >= MIN_INDENT
    for line in lines[1:]:
        assert line.startswith(" " * hang) and (len(line) == hang or not line[hang].isspace()), (line, hang)
    # Each line is one piece of the text, in order; between pieces only spaces (or a CJK break).
    at = 0
    for a, b in spans:
        assert a >= at and text[at:a].strip() == "", (text, spans)
        at = b
    assert text[at:].strip() == ""
    assert "".join(text.split()) == "".join("".join(line.split()) for line in lines)
    # No word is split unless it is longer than a whole line.
    room = width - hang
    shown = [text[a:b] for a, b in spans]
    for word in _narrow_words(text):
        if cell_width(word) <= room:
            assert any(word in piece for piece in shown), (word, shown)
    # No line starts with a combining mark (a character and its accent stay together).
    for piece in shown:
        assert not piece or cell_width(piece[0]) > 0 or piece[0].isspace()


# Phrases whose unbreakable pieces (a word or a character with the punctuation glued to it)
# stay under 10 columns: with room for them, no line is ever cut, so kinsoku always holds.
_open, _close = st.sampled_from(["", *OPENING]), st.sampled_from(["", *CLOSING])
narrow_phrase = st.tuples(_open, st.text(alphabet="abcdefgh", min_size=1, max_size=5), _close, st.just(" "))
cjk_phrase = st.tuples(_open, st.text(alphabet=CJK, min_size=1, max_size=4), _close, st.sampled_from([" ", ""]))


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.one_of(narrow_phrase, cjk_phrase), min_size=1, max_size=40),
       width=st.integers(20, 80), first=st.integers(0, 5))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(parts, width: int, first: int) -> None:
    text = "".join("".join(p) for p in parts).strip()
    for a, b in wrap_spans(text, width, first, hang_indent(first, width)):
        piece = text[a:b]
        if piece:
            assert piece[0] not in NO_BREAK_BEFORE and piece[-1] not in NO_BREAK_AFTER, (piece, text)


def test_cjk_width_is_two_columns_and_combining_marks_none() -> None:
    assert cell_width("服务器") == 6
    assert cell_width("，。") == 4
    assert cell_width("e\u0301") == 1
    assert cell_width("SMTP 服务器") == 11


def test_english_breaks_at_spaces_never_mid_word() -> None:
    text = "you may send several commands without waiting for each reply"
    assert wrap(text, 80, first=28) == ["you may send several commands without waiting for",
                                        " " * 28 + "each reply"]


def test_chinese_breaks_between_characters_and_keeps_punctuation_with_the_text() -> None:
    text = "服务器不是这个收件人的最终目的地，也不会替你转发"
    lines = wrap(text, 20, first=5)
    assert lines == ["服务器不是这个", "     收件人的最终目", "     的地，也不会替", "     你转发"]
    # "，" would start the third line at 18 columns: it goes with the character before it.
    assert all(not line.strip().startswith("，") for line in lines)


def test_a_word_longer_than_the_line_is_cut_only_then() -> None:
    assert wrap("a" * 25, 10, first=0, indent=2) == ["a" * 10, "  " + "a" * 8, "  " + "a" * 7]


def test_a_long_head_sends_the_text_to_the_continuation_lines() -> None:
    # The head (an EHLO line wider than the window) fills its line: the meaning starts below.
    assert wrap("the meaning", 22, first=30) == ["", " " * 11 + "the meaning"]


def test_pad_to_counts_columns() -> None:
    assert pad_to("含义", 10) == "含义      "
    assert pad_to("meaning", 10) == "meaning   "


def _plain(fragments) -> str:  # type: ignore[no-untyped-def]
    return "".join(text for _, text in fragments)


def test_styled_ehlo_row_wraps_under_its_meaning_and_keeps_styles() -> None:
    row = [("class:reply.prefix", "S: "), ("class:reply.2xx", "250-"), ("class:ehlo.keyword", "PIPELINING"),
           ("class:reply.text", ""), ("", "           "),
           ("class:explain", "you may send several commands without waiting for each reply"), ("", "\n")]
    out = wrap_styled(row, 60)
    assert _plain(out).split("\n") == [
        "S: 250-PIPELINING           you may send several commands",
        " " * 28 + "without waiting for each reply",
        "",
    ]
    assert ("class:explain", "without waiting for each reply") in out
    assert ("class:ehlo.keyword", "PIPELINING") in out


def test_styled_explanation_continues_under_its_text_after_the_bullet() -> None:
    line = [("class:explain", "   ↳ the server is not the final destination for this recipient and will not relay"),
            ("", "\n")]
    assert _plain(wrap_styled(line, 40)).split("\n") == [
        "   ↳ the server is not the final",
        "     destination for this recipient and",
        "     will not relay",
        "",
    ]


def test_the_servers_lines_and_fitting_lines_are_left_alone() -> None:
    wire = [("class:reply.prefix", "S: "), ("class:reply.5xx", "554 "), ("class:reply.text", "x " * 60), ("", "\n")]
    assert wrap_styled(wire, 40) == wire
    short = [("class:explain", "   ↳ fits"), ("", "\n")]
    assert wrap_styled(short, 40) == short
    assert wrap_styled(wire + short, None) == wire + short  # not a terminal: whole lines


def test_fit_cuts_one_line_at_a_word_with_an_ellipsis() -> None:
    bar = [("class:toolbar.host", " 127.0.0.1:2525"), ("class:toolbar.sep", " │ "),
           ("class:toolbar.hint", "sender accepted: RCPT TO:<someone@example.org>")]
    out = fit(bar, 40)
    assert _plain(out) == " 127.0.0.1:2525 │ sender accepted: RCPT…"
    assert cell_width(_plain(out)) <= 40
    assert fit(bar, 200) == bar
    cjk = fit([("class:toolbar.hint", "已问候：下一步发送 EHLO 命令")], 12)
    assert cell_width(_plain(cjk)) <= 12 and _plain(cjk).endswith("…")


def test_locale_dir_from_the_environment_adds_a_catalogue_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "test.toml").write_text('"ui.reply.try" = "试试：{hint}"\n', encoding="utf-8")
    try:
        used, problem = i18n.setup("zz", {i18n.LOCALE_DIR_ENV: os.fspath(tmp_path)})
        assert (used, problem) == ("zz", "")
        assert i18n.t("ui.reply.try", "try: {hint}", hint="AUTH") == "试试：AUTH"
    finally:
        i18n.remove_catalogue_dir(tmp_path)
        i18n.set_language("en")


@pytest.mark.parametrize("width", [10, 11, 37, 80])
def test_every_width_from_ten_is_honoured_for_a_long_chinese_explanation(width: int) -> None:
    text = "收件人地址被拒绝（5.1.1）：服务器上没有这个邮箱，请检查地址的拼写。"
    for i, line in enumerate(wrap(text, width, first=5)):
        assert cell_width(line) + (5 if i == 0 else 0) <= width


def test_keep_end_gives_up_the_start_of_a_path() -> None:
    assert keep_end("/tmp/a/very/long/path/big.eml", 12) == "…ath/big.eml"
    assert cell_width(keep_end("/tmp/测试目录/邮件.eml", 9)) <= 9
    assert keep_end("short", 10) == "short"


def test_a_progress_bar_keeps_its_numbers_in_a_narrow_window() -> None:
    import io

    from smtpshell.drivers.progress import ProgressBar

    bar = ProgressBar("/tmp/pytest-of-root/a/long/folder/name/big.eml", 20_000_000, io.StringIO(), clock=lambda: 0.0)
    bar.done = 10_000_000
    wide = bar.line(10.0)
    assert cell_width(wide) > 100
    for columns in (90, 100):
        shown = bar.fitted(10.0, columns)
        assert cell_width(shown) < columns, shown
        assert shown.endswith(wide[wide.index(" ["):]), shown  # the bar and the numbers are whole
        assert shown.startswith("…") and "big.eml" in shown
    assert cell_width(bar.fitted(10.0, 50)) < 50  # narrower than the numbers: cut, but one row
    assert bar.fitted(10.0, None) == wide


def test_the_right_prompt_keeps_whole_parts_the_warning_first() -> None:
    from smtpshell.render.width import whole_fragments

    parts = [("class:rprompt.insecure", "⚠ unverified"), ("class:rprompt", " 已问候")]
    assert whole_fragments(parts, 40) == parts
    assert whole_fragments(parts, 17) == parts[:1]  # 19 columns: " 已问候" is 7 of them, not 4
    assert whole_fragments(parts, 5) == []


def test_help_text_wraps_by_display_width() -> None:
    import argparse

    from smtpshell.cli_parser import _LeanHelpFormatter

    parser = argparse.ArgumentParser(prog="smtpshell", description="用 smtpshell 练习 SMTP：连接练习服务器，发送 EHLO、MAIL FROM、RCPT TO 和 DATA，每一条应答都有中文解释。",
                                     formatter_class=lambda prog: _LeanHelpFormatter(prog, width=40))
    parser.add_argument("--lang", help="界面和解释的语言（默认：根据 locale 选择），例如 zh_CN 或者 en")
    text = parser.format_help()
    assert all(cell_width(line) <= 40 for line in text.splitlines()), text
    assert "zh_CN" in text and "locale" in text  # words whole


def test_pseudo_locale_marks_stay_on_every_wrapped_row() -> None:
    line = [("class:explain", "   ↳ ⟦the server is not the final destination for this recipient⟧ ⟦and more⟧"), ("", "\n")]
    rows = _plain(wrap_styled(line, 30)).split("\n")[:-1]
    assert len(rows) > 2
    for row in rows:
        body = row.strip().removeprefix("↳ ")
        assert body.startswith("⟦") and body.endswith("⟧") and cell_width(row) <= 30, rows


def test_a_no_break_space_holds_its_words_together() -> None:
    assert wrap("size limit 10\u00a0MiB", 16, indent=2) == ["size limit", "  10\u00a0MiB"]


def test_kinsoku_gives_way_before_a_word_is_cut() -> None:
    # "（é000000" is one piece (the bracket holds on to its word) too long for 8 columns:
    # cut after the bracket, not inside the word (found by the property test above).
    assert wrap("é （é000000", 10) == ["é", "  （", "  é000000"]

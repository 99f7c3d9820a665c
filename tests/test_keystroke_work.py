"""Keystroke work does not grow with the history or the DATA buffer (issue 18).

Counted, not timed: the history index reports the items a query looked at,
the DATA lexer how many lines went through the email lexer. The answers are
checked against prompt_toolkit's own AutoSuggestFromHistory and against the
old whole-history address scan, so the index is fast *and* says the same.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from pygments.token import String, Text

from smtpshell import config as config_mod
from smtpshell.ui.completer import DataLexer
from smtpshell.ui.history import (
    HistoryIndex,
    SecretSafeHistory,
    SuggestFromIndex,
    addresses_in,
    read_entries,
)
from smtpshell.ui.lexer import _email_tokens, lex_data_line


def history_of(size: int) -> list[str]:
    """A realistic history, oldest first: envelopes, greetings, the odd multi-line paste."""
    out = []
    for n in range(size):
        kind = n % 4
        if kind == 0:
            out.append(f"MAIL FROM:<sender{n}@example.org>")
        elif kind == 1:
            out.append(f"RCPT TO:<rcpt{n}@example.net>")
        elif kind == 2:
            out.append(f"EHLO host{n}.example")
        else:
            out.append(f"NOOP {n}\nRSET")
    return out


def keystrokes(index: HistoryIndex) -> int:
    """Type a few lines key by key, asking what the prompt asks per key; items touched."""
    index.items_touched = 0
    suggest = SuggestFromIndex(lambda: index)
    buffer = Buffer()
    for line in ("MAIL FROM:<sender1", "RCPT TO:<r", "EHLO host3", "QUIT", "zzz-nothing-like-it"):
        for end in range(1, len(line) + 1):
            suggest.get_suggestion(buffer, Document(line[:end]))
            index.addresses()
    return index.items_touched


def test_keystroke_work_is_the_same_for_1000_and_100000_history_entries() -> None:
    small, large = HistoryIndex(history_of(1_000)), HistoryIndex(history_of(100_000))
    touched_small, touched_large = keystrokes(small), keystrokes(large)
    # A tree walk is O(log n): 100x the history adds at most 2 * log2(100) ~ 14 nodes per key.
    keys = sum(len(line) for line in ("MAIL FROM:<sender1", "RCPT TO:<r", "EHLO host3", "QUIT", "zzz-nothing-like-it"))
    assert touched_large <= touched_small + 14 * keys
    assert touched_large < keys * 40  # the old scan looked at up to 100,000 entries per key


def test_accepted_lines_keep_keystroke_work_bounded() -> None:
    index = HistoryIndex(history_of(10_000))
    for n in range(1_000):  # a long session: the side table is merged as it fills
        index.add(f"RCPT TO:<new{n}@example.com>")
    keys = sum(len(line) for line in ("MAIL FROM:<sender1", "RCPT TO:<r", "EHLO host3", "QUIT", "zzz-nothing-like-it"))
    # Per key: at most the unmerged side table, then two walks down a tree of ~11,000 lines.
    assert keystrokes(index) <= keys * (HistoryIndex.MERGE_EVERY + 2 * 15)
    assert index.newest_line_starting_with("RCPT TO:<new") == "RCPT TO:<new999@example.com>"
    assert index.addresses()[0] == "new999@example.com"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text("ab\n:<>@", max_size=8), max_size=30),
    st.lists(st.text("ab:<", min_size=1, max_size=4), min_size=1, max_size=6),
    st.integers(0, 30),
)
def test_suggestions_match_prompt_toolkits_scan(entries: list[str], typed: list[str], split: int) -> None:
    """Same answer as AutoSuggestFromHistory, whether lines were loaded or accepted later."""
    history = InMemoryHistory()
    for entry in entries:
        history.append_string(entry)
    index = HistoryIndex(entries[:split])
    for entry in entries[split:]:
        index.add(entry)
    buffer = Buffer(history=history)
    ours = SuggestFromIndex(lambda: index)
    theirs = AutoSuggestFromHistory()
    for text in typed:
        for document in (Document(text), Document("first line\n" + text)):
            a, b = ours.get_suggestion(buffer, document), theirs.get_suggestion(buffer, document)
            assert (a and a.text) == (b and b.text), (entries, text)


def test_index_addresses_match_the_whole_history_scan() -> None:
    entries = history_of(400) + ["MAIL FROM:<sender0@example.org>", "rcpt to:<Mixed@Example.org> NOTIFY=NEVER"]
    index = HistoryIndex(entries[:200])
    for entry in entries[200:]:
        index.add(entry)
    assert list(index.addresses()) == addresses_in(reversed(entries))
    assert index.addresses() is index.addresses()  # no copy per key


def _write_history(path: Path, entries: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for n, entry in enumerate(entries):
            out.write(f"\n# 2026-01-01 00:00:{n % 60:02d}\n")
            out.writelines(f"+{line}\n" for line in entry.split("\n"))


def test_the_history_file_is_capped_on_load_and_keeps_the_newest(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history"
    path.parent.mkdir()
    entries = history_of(300)
    _write_history(path, entries)
    history = SecretSafeHistory(path, lambda line: True, max_entries=100)
    loaded = list(history.load_history_strings())
    assert loaded == list(reversed(entries[-100:]))  # newest first, as prompt_toolkit wants
    assert [text for _, text in read_entries(path)] == entries[-100:]  # the file itself was trimmed
    assert "# 2026-01-01" in path.read_text()  # the timestamps survive the rewrite
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not path.with_name("history.tmp").exists()
    assert history.index.newest_line_starting_with("RSET") == "RSET"
    history.append_string("MAIL FROM:<late@example.org>")
    assert history.index.addresses()[0] == "late@example.org"


def test_history_size_is_a_setting() -> None:
    assert config_mod.Config().history_size == 10_000
    assert config_mod.parse("[ui]\nhistory_size = 500\n").history_size == 500
    for bad in ("0", "-3", '"many"'):
        try:
            config_mod.parse(f"[ui]\nhistory_size = {bad}\n")
        except config_mod.ConfigError as exc:
            assert "history_size" in str(exc)
        else:
            raise AssertionError(f"history_size = {bad} was accepted")
    assert "#history_size = 10000" in config_mod.default_file()


def paste(lines: int) -> str:
    head = ["From: a@example.org", "To: b@example.org", "Subject: a long paste", ""]
    return "\n".join(head + [f"line {n} of the body, with some words in it" for n in range(lines)])


def keys_in_data(lines: int) -> int:
    """Lines lexed for ten keys typed at the end of a pasted message, 40 lines on screen."""
    lexer = DataLexer(lambda: False)
    text = paste(lines)
    visible = range(max(0, lines + 4 - 40), lines + 4)
    for number in visible:  # the paste is drawn once
        lexer.lex_document(Document(text))(number)
    lexer.lines_lexed = 0
    for key in "more text":
        text += key
        get_line = lexer.lex_document(Document(text))
        for number in visible:
            get_line(number)
    return lexer.lines_lexed


def test_a_key_in_data_lexes_the_line_under_the_cursor_whatever_the_buffer_size() -> None:
    assert keys_in_data(100) == keys_in_data(10_000) == len("more text")


def test_data_lexing_is_unchanged_by_the_cache() -> None:
    text = paste(30) + "\n.stuffed\n."
    lexer = DataLexer(lambda: False)
    get_line = lexer.lex_document(Document(text))
    in_body = False
    for number, line in enumerate(text.split("\n")):
        expected = [(f"class:{_classname(token)}", value) for _, token, value in lex_data_line(line, in_body)]
        assert get_line(number) == expected
        in_body = in_body or line == ""


def _classname(token) -> str:  # type: ignore[no-untyped-def]
    from prompt_toolkit.styles.pygments import pygments_token_to_classname

    return pygments_token_to_classname(token)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_characters="\n\r"), max_size=80))
def test_a_body_line_is_what_the_email_lexer_makes_of_it(line: str) -> None:
    """The body fast path (one Text token, no lexer) gives the email lexer's own answer."""
    if line == ".":
        return
    at = 1 if line.startswith(".") else 0
    reference = [(0, String.Escape, ".")] if at else []
    reference += list(_email_tokens(line, at, True))
    assert list(lex_data_line(line, True)) == reference


def test_a_10000_character_body_line_is_one_fragment() -> None:
    line = "word " * 2000
    assert list(lex_data_line(line, True)) == [(0, Text, line)]


def test_address_completion_work_does_not_grow_with_the_history() -> None:
    # Before: every key after "MAIL FROM:<" offered (and built a candidate for) every address
    # in the history, 50,000 of them here; now the newest ADDRESS_SCAN are looked at, and a
    # menu of ADDRESS_MENU offered.
    from smtpshell.ui import completion

    looked: list[int] = []

    class Counting(list[str]):
        def __iter__(self):  # type: ignore[no-untyped-def]
            for n, item in enumerate(super().__iter__()):
                looked.append(n)
                yield item

    for size in (1_000, 100_000):
        index = HistoryIndex(history_of(size))
        sources = completion.Sources(history_addresses=Counting(index.addresses()))
        looked.clear()
        _, offered = completion.complete("MAIL FROM:<", None, None, sources)
        assert len([c for c in offered if c.display != "<>"]) == completion.ADDRESS_MENU  # and the null sender
        _, none = completion.complete("MAIL FROM:<nobody-", None, None, sources)
        assert none == [] and len(looked) <= completion.ADDRESS_MENU + completion.ADDRESS_SCAN + 2

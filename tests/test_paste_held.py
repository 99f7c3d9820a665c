"""A large paste inside DATA is held above the prompt (ui/paste.py): the entry Enter makes is
the text the buffer would have held, and what stays in the buffer does not grow with the paste
(prompt_toolkit splits the whole buffer into lines at every key: 4 ms a key at 100,000 lines)."""

from __future__ import annotations

from smtpshell import i18n
from smtpshell.ui.paste import HELD_PASTE_LINES, HeldPaste, split_large


def message(lines: int) -> str:
    return "Subject: big\n\n" + "".join(f"line {n}\n" for n in range(lines))


def test_a_small_paste_stays_in_the_buffer() -> None:
    assert split_large("", 0, message(10)) is None
    assert split_large("", 0, "x\n" * (HELD_PASTE_LINES - 1)) is None


def test_what_stays_in_the_buffer_does_not_grow_with_the_paste() -> None:
    kept = [split_large("", 0, message(lines) + "unfinished") for lines in (2_000, 20_000, 200_000)]
    assert [rest for _, rest in kept] == ["unfinished"] * 3  # before: the whole paste, every key
    assert all(held.endswith("line " + str(n - 1)) for (held, _), n in zip(kept, (2_000, 20_000, 200_000), strict=True))


def test_the_entry_is_what_the_buffer_would_have_held() -> None:
    typed_before, pasted, typed_after = "Hello ", message(3_000) + "tail", " end"
    buffer_text = typed_before + pasted + typed_after  # what the buffer held before this change
    split = split_large(typed_before, len(typed_before), pasted)
    assert split is not None
    held_text, rest = split
    held = HeldPaste()
    held.hold(held_text)
    assert held.lines == buffer_text.count("\n")
    assert held.entry(rest + typed_after) == buffer_text
    assert held.entry("next") == "next"  # nothing is held after an Enter


def test_two_pastes_are_held_in_order_and_ctrl_c_drops_them() -> None:
    i18n.set_language("en")
    held = HeldPaste()
    held.hold("a\nb")
    note = held.hold("c")
    assert note.startswith("3 pasted lines are held")
    assert held.entry("d") == "a\nb\nc\nd"
    held.hold("e")
    assert held.drop() == "the 1 held pasted lines were dropped: nothing was sent"
    assert held.drop() is None and held.entry("f") == "f"


def test_a_held_blank_line_makes_the_prompt_body() -> None:
    headers_only, with_body = HeldPaste(), HeldPaste()
    headers_only.hold("Subject: a\nFrom: b@example.org")
    with_body.hold("Subject: a\n\nthe body")
    assert not headers_only.in_body and with_body.in_body
    with_body.entry("")
    assert not with_body.in_body  # sent: the driver knows from the lines that went out


def test_the_data_lexer_reads_the_line_after_a_held_body_as_body() -> None:
    from prompt_toolkit.document import Document

    from smtpshell.config import Config
    from smtpshell.protocol import Session
    from smtpshell.protocol.session import Phase
    from smtpshell.ui.prompt import ReplUI
    from smtpshell.ui.toolbar import Where

    session = Session()
    session.phase = Phase.DATA
    ui = ReplUI(Config(), lambda: session, lambda: Where("mx.test:25", ""), None)
    line = "Subject: looks like a header"
    as_header = ui.prompt_session.lexer.lex_document(Document(line))(0)  # type: ignore[union-attr]
    ui.held_paste.hold(message(HELD_PASTE_LINES))
    as_body = ui.prompt_session.lexer.lex_document(Document(line))(0)  # type: ignore[union-attr]
    assert as_header != as_body  # before: lexed as a header, the held blank line unseen

"""A key on a long command line costs what a key on a short one does (issue 18).

Counted, not timed: the command lexer reports the tokens it lexed, and
``sys.setprofile`` counts the Python and C calls one key makes in what the
prompt asks per key (lexing, completion, the toolbar). The fragments are held
equal to what ``PygmentsLexer(SmtpLexer)`` (the lexer before) shows, after any
sequence of edits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from prompt_toolkit.document import Document
from prompt_toolkit.lexers import PygmentsLexer

from smtpshell.protocol import Pending, ReplyParser, Session
from smtpshell.ui.completer import CommandLexer
from smtpshell.ui.completion import complete
from smtpshell.ui.lexer import SmtpLexer
from smtpshell.ui.toolbar import Where, toolbar


def _session() -> Session:
    session = Session()
    session.connected()
    for sent, wire in ((None, b"220 mx.test ESMTP\r\n"),
                       ("EHLO me.test", b"250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-DSN\r\n250 8BITMIME\r\n")):
        if sent is not None:
            session.sent(Pending.command(sent))
        (reply,) = ReplyParser().feed(wire)
        session.received(reply)
    return session


def _long_line(chars: int) -> str:
    line = "MAIL FROM:<a@example.org>"
    while len(line) < chars:
        line += f" X-PARAM{len(line)}=value"
    return line[:chars]


def _pygments_lines(text: str) -> list[object]:
    get_line = PygmentsLexer(SmtpLexer).lex_document(Document(text))
    return [get_line(n) for n in range(len(text.split("\n")))]


def _ours(lexer: CommandLexer, text: str) -> list[object]:
    get_line = lexer.lex_document(Document(text))
    return [get_line(n) for n in range(len(text.split("\n")))]


WORDS = st.sampled_from(["MAIL", "mail", "RCPT", "FROM:", "TO:", "FROM", "<a@b>", "<a@b", "<>", "a@b>", "SIZE=10",
                         "BODY=8BITMIME", "=", "x=", "EHLO", "HELO", "NOOP", "BDAT", "10", "LAST", "AUTH", "PLAIN",
                         "dGVzdA==", "XCLIENT", "NAME=x", "QUIT", "/help", "/b64", "HELP", "zz", "MAI", "é", "ß"])
SPACES = st.sampled_from([" ", "  ", "\t", " \x0b ", "\r", "\x0c"])
LINE = st.lists(st.tuples(WORDS, SPACES), max_size=8).map(lambda pairs: "".join(w + s for w, s in pairs))


@st.composite
def edits(draw: st.DrawFn) -> list[str]:
    """A line, then the same line after typing, deleting and pasting at random places."""
    text = draw(LINE)
    out = [text]
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["type", "delete", "paste"]))
        if action == "type":
            text = text[:at] + draw(st.sampled_from(list(" <>:=aZ0\t"))) + text[at:]
        elif action == "delete":
            text = text[: max(at - 1, 0)] + text[at:]
        else:
            text = text[:at] + draw(LINE) + text[at:]
        out.append(text)
    return out


@settings(max_examples=400, deadline=None)
@given(edits(), st.booleans())
def test_the_fragments_are_pygments_lexers_after_any_edits(texts: list[str], two_lines: bool) -> None:
    lexer = CommandLexer()
    for text in texts:
        document = text + "\nRCPT TO:<b@c> NOTIFY=NEVER" if two_lines else text
        assert _ours(lexer, document) == _pygments_lines(document), repr(document)


def test_typing_at_the_end_of_a_10000_character_line_lexes_only_the_last_word() -> None:
    def tokens_per_key(line: str) -> int:
        lexer = CommandLexer()
        _ours(lexer, line)
        lexer.tokens_lexed = 0
        typed = " ENVID=abc"
        for n in range(1, len(typed) + 1):
            _ours(lexer, line + typed[:n])
        return lexer.tokens_lexed

    short, long = tokens_per_key(_long_line(25)), tokens_per_key(_long_line(10_000))
    assert long <= short  # before: every key lexed the whole line again (~2,800 tokens at 10,000)
    assert short <= 10 * 10  # per key: the two pieces at the cursor (or the short line's head)


def _calls(work: Callable[[], object]) -> int:
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def test_a_key_on_a_10000_character_line_makes_as_many_calls_as_on_a_short_one() -> None:
    session = _session()
    where = Where("mx.test:25", None)

    def calls_per_key(line: str) -> int:
        lexer = CommandLexer()
        _ours(lexer, line + " ENVID=a")  # the key before, as on a prompt

        def one_key() -> None:
            text = line + " ENVID=ab"
            _ours(lexer, text)
            complete(text, None, session)
            toolbar(session, where, text)

        return _calls(one_key)

    short, long = calls_per_key(_long_line(25)), calls_per_key(_long_line(10_000))
    # Before: ~2,800 lexer tokens and a Python loop over the line's ~550 words in the completer.
    assert long <= short + 20, (short, long)

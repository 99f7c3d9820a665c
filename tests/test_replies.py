"""The reply parser: unit cases and property tests."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.protocol.replies import ProtocolError, Reply, ReplyParser, parse_enhanced


def feed_all(data: bytes, parser: ReplyParser | None = None) -> list[Reply | ProtocolError]:
    parser = parser or ReplyParser()
    return parser.feed(data) + parser.eof()


def test_single_line_reply() -> None:
    (reply,) = feed_all(b"220 mx.example ESMTP ready\r\n")
    assert isinstance(reply, Reply)
    assert reply.code == 220
    assert reply.lines == ("mx.example ESMTP ready",)
    assert reply.raw == b"220 mx.example ESMTP ready\r\n"
    assert reply.enhanced is None
    assert reply.notes == ()


def test_multiline_reply_split_anywhere() -> None:
    data = b"250-mx.example\r\n250-SIZE 52428800\r\n250 HELP\r\n"
    for cut in range(len(data)):
        parser = ReplyParser()
        events = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert len(events) == 1
        assert events[0] == Reply(250, ("mx.example", "SIZE 52428800", "HELP"), data)


def test_enhanced_code_and_class_check() -> None:
    (reply,) = feed_all(b"550 5.1.1 <nobody@x>: User unknown\r\n")
    assert isinstance(reply, Reply)
    assert reply.enhanced == "5.1.1"
    # The class of an enhanced code must match the reply's (RFC 3463 section 2).
    assert parse_enhanced(550, "2.1.1 odd") is None
    assert parse_enhanced(250, "2.1.10") == "2.1.10"
    assert parse_enhanced(250, "2.1.5x") is None


def test_code_only_final_line() -> None:
    (reply,) = feed_all(b"250-first\r\n250\r\n")
    assert isinstance(reply, Reply)
    assert reply.lines == ("first", "")


def test_bare_lf_tolerated_but_noted() -> None:
    (reply,) = feed_all(b"250 ok\n")
    assert isinstance(reply, Reply)
    assert reply.code == 250
    assert any("bare LF" in n for n in reply.notes)


def test_garbage_line_stands_in_for_a_reply() -> None:
    events = feed_all(b"HELLO there\r\n250 ok\r\n")
    assert isinstance(events[0], ProtocolError)
    assert events[0].replaces_reply
    assert b"HELLO" in events[0].raw
    assert isinstance(events[1], Reply) and events[1].code == 250


def test_code_change_inside_multiline_is_one_error() -> None:
    events = feed_all(b"250-a\r\n251 b\r\n220 next\r\n")
    assert isinstance(events[0], ProtocolError)
    assert "changed from 250 to 251" in events[0].message
    assert isinstance(events[1], Reply) and events[1].code == 220


def test_invalid_utf8_warns_and_still_parses() -> None:
    events = feed_all(b"250 caf\xe9\r\n")
    assert isinstance(events[0], ProtocolError) and not events[0].replaces_reply
    assert isinstance(events[1], Reply)
    assert events[1].lines == ("caf\\xe9",)


def test_overlong_line_is_cut_off_and_memory_bounded() -> None:
    parser = ReplyParser(max_line=1024)
    events = []
    for _ in range(100):  # 100 KiB without a line end
        events += parser.feed(b"x" * 1024)
        assert len(parser.buffered) <= 1024
    events += parser.feed(b"\r\n250 fine\r\n")
    assert isinstance(events[0], ProtocolError)
    assert "longer than 1024" in events[0].message
    assert isinstance(events[-1], Reply) and events[-1].code == 250
    assert len(events) == 2


def test_overlong_complete_line_in_one_segment() -> None:
    events = feed_all(b"250 " + b"y" * 5000 + b"\r\n220 after\r\n", ReplyParser(max_line=1000))
    assert isinstance(events[0], ProtocolError)
    assert isinstance(events[1], Reply) and events[1].code == 220


def test_too_many_lines_is_cut_off() -> None:
    data = b"".join(b"250-line %d\r\n" % i for i in range(50)) + b"250 end\r\n221 bye\r\n"
    events = feed_all(data, ReplyParser(max_lines=10))
    assert isinstance(events[0], ProtocolError)
    assert "more than 10 lines" in events[0].message
    assert events[1] == Reply(221, ("bye",), b"221 bye\r\n")
    assert len(events) == 2


def test_eof_mid_reply() -> None:
    parser = ReplyParser()
    assert parser.feed(b"250-one\r\n250-tw") == []
    (err,) = parser.eof()
    assert isinstance(err, ProtocolError)
    assert "closed in the middle" in err.message


def test_clear_returns_what_was_buffered() -> None:
    parser = ReplyParser()
    parser.feed(b"250-partial\r\n25")
    assert parser.clear() == b"250-partial\r\n25"
    assert parser.buffered == b""


# -- properties ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_arbitrary_bytes_give_only_replies_or_errors(chunks: list[bytes]) -> None:
    parser = ReplyParser(max_line=256, max_lines=8)
    events = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.eof()
    for event in events:
        assert isinstance(event, (Reply, ProtocolError))
        if isinstance(event, Reply):
            assert 100 <= event.code <= 599
            assert 1 <= len(event.lines) <= 8
    assert parser.buffered == b""


reply_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40
)


@st.composite
def replies(draw: st.DrawFn) -> tuple[int, list[str]]:
    code = draw(st.integers(min_value=200, max_value=599))
    lines = draw(st.lists(reply_text, min_size=1, max_size=6))
    return code, lines


def encode(code: int, lines: list[str]) -> bytes:
    out = b""
    for i, text in enumerate(lines):
        sep = b" " if i == len(lines) - 1 else b"-"
        out += b"%d" % code + sep + text.encode() + b"\r\n"
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(replies(), min_size=1, max_size=5), st.data())
def test_valid_replies_round_trip_in_any_split(items: list[tuple[int, list[str]]], data: st.DataObject) -> None:
    wire = b"".join(encode(code, lines) for code, lines in items)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=6)))
    parser = ReplyParser()
    events = []
    prev = 0
    for cut in [*cuts, len(wire)]:
        events += parser.feed(wire[prev:cut])
        prev = cut
    assert [(e.code, list(e.lines)) for e in events if isinstance(e, Reply)] == items
    assert b"".join(e.raw for e in events if isinstance(e, Reply)) == wire


def test_a_one_line_reply_seen_before_is_given_back_not_parsed_again() -> None:
    """Issue 18: "250 ok" twice a message, 1,000 messages; parsed once (a Reply is a function of its bytes)."""
    parser = ReplyParser()
    first = parser.feed(b"250 2.1.0 ok\r\n")[0]
    again = parser.feed(b"250 2.1.0 ok\r\n250 2.1.0 ok\r\n")
    assert again == [first, first] and again[0] is first  # before: a new Reply each time
    assert first.enhanced == "2.1.0"
    # Split across segments, the same reply still comes out whole (the line is buffered first).
    assert parser.feed(b"250 2.1") == [] and parser.feed(b".0 ok\r\n") == [first]


def test_replies_with_a_note_or_inside_a_multiline_reply_are_parsed_every_time() -> None:
    parser = ReplyParser()
    for _ in range(2):
        (bare,) = parser.feed(b"250 ok\n")
        assert isinstance(bare, Reply) and bare.notes  # the bare-LF note, each time
    parser.feed(b"250 ok\r\n")
    (multi,) = parser.feed(b"250-first\r\n250 ok\r\n")  # "250 ok" here is a last line, not a reply
    assert isinstance(multi, Reply) and multi.lines == ("first", "ok")
    errors = [parser.feed(b"250 \xff\r\n") for _ in range(2)]
    assert all(isinstance(events[0], ProtocolError) and not events[0].replaces_reply for events in errors)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"250 ok\r\n", b"250-a\r\n", b"354 go\r\n", b"250 ok\n", b"junk\r\n", b"250 ok"]),
                max_size=12), st.data())
def test_one_parser_fed_again_and_again_parses_as_fresh_ones_would(pieces: list[bytes], data: st.DataObject) -> None:
    wire = b"".join(pieces)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=6)))
    kept, fresh = ReplyParser(), ReplyParser()
    fresh._known = _Forgetful()  # type: ignore[assignment]  # a parser that keeps nothing
    got, want, prev = [], [], 0
    for cut in [*cuts, len(wire)]:
        got += kept.feed(wire[prev:cut])
        want += fresh.feed(wire[prev:cut])
        prev = cut
    assert got + kept.eof() == want + fresh.eof()


class _Forgetful(dict):  # type: ignore[type-arg]
    def __setitem__(self, key: object, value: object) -> None:
        pass

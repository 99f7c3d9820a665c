"""DATA encoding: CRLF normalisation and dot-stuffing, streamed over chunks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpshell.protocol.data import DataEncoder, encode_message, stuff_line


def encode_whole(body: bytes) -> bytes:
    return b"".join(encode_message([body]))


def test_dot_stuffing_and_line_ends() -> None:
    assert encode_whole(b"a\n.b\n..c\nd") == b"a\r\n..b\r\n...c\r\nd\r\n.\r\n"
    assert encode_whole(b".first\r\nsecond\r\n") == b"..first\r\nsecond\r\n.\r\n"
    assert encode_whole(b"") == b".\r\n"
    assert encode_whole(b"bare\rcr") == b"bare\r\ncr\r\n.\r\n"


def test_lone_dot_line_in_body_cannot_end_data() -> None:
    wire = encode_whole(b"line\n.\nmore\n")
    assert wire == b"line\r\n..\r\nmore\r\n.\r\n"
    assert wire.count(b"\r\n.\r\n") == 1  # only the real end


def test_counts() -> None:
    enc = DataEncoder()
    enc.encode(b".a\n.b\nc\n")
    enc.finish()
    assert enc.stuffed == 2
    assert enc.lines == 3
    assert enc.bytes_in == 8


def test_typed_line_stuffing() -> None:
    assert stuff_line(".hidden") == (b"..hidden\r\n", True)
    assert stuff_line("plain") == (b"plain\r\n", False)


def reference(body: bytes) -> bytes:
    """Straightforward, whole-message version of RFC 5321 4.5.2 to compare with."""
    text = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = text.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    out = b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)
    return out + b".\r\n"


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=300).map(lambda b: b.replace(b"\x00", b"")) | st.text("ab.\r\n", max_size=60).map(str.encode),
    st.data(),
)
def test_any_chunking_matches_the_reference(body: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    chunks, prev = [], 0
    for cut in [*cuts, len(body)]:
        chunks.append(body[prev:cut])
        prev = cut
    assert b"".join(encode_message(chunks)) == reference(body)

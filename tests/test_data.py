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


def reference_counts(body: bytes) -> tuple[int, int]:
    """(line ends, dot-stuffed lines) of the reference encoding."""
    text = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = text.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return len(lines), sum(1 for ln in lines if ln.startswith(b"."))


def split_at(body: bytes, cuts: list[int]) -> list[bytes]:
    chunks, prev = [], 0
    for cut in [*sorted(cuts), len(body)]:
        chunks.append(body[prev:cut])
        prev = cut
    return chunks


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([b"\r\n", b"\n", b"\r", b".", b"a", b"..", b"\r\r", b"\n\n"]), max_size=80).map(b"".join),
    st.data(),
)
def test_any_line_endings_and_chunking_match_the_reference_and_its_counts(body: bytes, data: st.DataObject) -> None:
    """Mixed CRLF / LF / bare CR, dots everywhere, cut anywhere (even inside a CRLF)."""
    chunks = split_at(body, data.draw(st.lists(st.integers(0, len(body)), max_size=12)))
    encoder = DataEncoder()
    wire = b"".join(encoder.encode(c) for c in chunks) + encoder.finish()
    assert wire == reference(body)
    assert (encoder.lines, encoder.stuffed) == reference_counts(body)
    assert encoder.bytes_in == len(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("ab.", max_size=5).map(str.encode), min_size=1, max_size=40), st.booleans())
def test_crlf_and_lf_forms_of_one_message_give_the_same_wire(lines: list[bytes], final_newline: bool) -> None:
    lf = b"\n".join(lines) + (b"\n" if final_newline else b"")
    crlf = lf.replace(b"\n", b"\r\n")
    assert encode_whole(lf) == encode_whole(crlf) == reference(lf)


def test_a_chunk_already_in_crlf_form_is_passed_through_without_a_copy() -> None:
    """The CRLF fast path: checked by counts, not rewritten (the same object comes back)."""
    chunk = b"Subject: x\r\n\r\nbody line\r\n" * 1000
    assert DataEncoder().encode(chunk) is chunk


def test_one_character_lines_in_every_form() -> None:
    for unit in (b"a\n", b"a\r\n", b"a\r", b".\n", b".\r\n"):
        body = unit * 5000
        for size in (1, 2, 3, 7, 4096):
            chunks = [body[i : i + size] for i in range(0, len(body), size)]
            assert b"".join(encode_message(chunks)) == reference(body), (unit, size)


def test_both_crlf_checks_find_a_stray_line_end_anywhere_in_a_chunk() -> None:
    """A chunk in CRLF form is checked one of two ways, chosen by its first KiB (long lines:
    two memchr-driven replaces and a compare; 1-character lines: two counts). Either must
    see a bare CR or LF far past that KiB, and pass a clean chunk through as it is."""
    long_lines = b"a line of mail text, of the length lines in mail have\r\n" * 2000
    short_lines = b"a\r\n" * 40_000
    for clean in (long_lines, short_lines):
        assert DataEncoder().encode(clean) is clean
        for stray in (b"\r", b"\n", b"\r\r\n", b"\n\r"):
            at = len(clean) * 3 // 4
            body = clean[:at] + stray + clean[at:]
            encoder = DataEncoder()
            wire = encoder.encode(body) + encoder.finish()
            assert wire == reference(body), (len(clean), stray)
            assert (encoder.lines, encoder.stuffed) == reference_counts(body)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 120), st.sampled_from([b"\r\n", b"\n", b"\r"]), st.booleans()),
             min_size=1, max_size=400),
    st.integers(1, 9000),
)
def test_lines_of_any_length_in_chunks_of_any_size(lines: list[tuple[int, bytes, bool]], size: int) -> None:
    """Short and long lines (so that chunks take both CRLF checks), mostly CRLF with strays."""
    body = b"".join((b"." if dot else b"") + b"x" * length + end for length, end, dot in lines)
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    encoder = DataEncoder()
    wire = b"".join(encoder.encode(c) for c in chunks) + encoder.finish()
    assert wire == reference(body)
    assert (encoder.lines, encoder.stuffed) == reference_counts(body)

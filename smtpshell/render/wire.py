"""Raw mode on screen: every line with its line end made visible (pure, like render.styled).

Each piece of the wire up to a line end gets a screen line of its own, the end
drawn as ``↵`` (CRLF), ``␊`` (a bare LF) or ``␍`` (a bare CR); other control
bytes are shown as the escapes raw mode takes (``\\x00``, ``\\t``, ``\\\\``), and a dot
a strict server removes (dot-stuffing, RFC 5321 4.5.2) is drawn as ``·``. Lines
sent raw are labelled ``C(raw):``.
"""

from __future__ import annotations

from .. import events as ev
from ..protocol.raw import CRLF, STUFFED_MARK, escape_visible, segments
from ..protocol.replies import Reply

RAW_PREFIX = "C(raw): "
StyledText = list[tuple[str, str]]


def sent_lines(event: ev.LineSent) -> StyledText:
    """A line sent in raw mode: its bytes, cut at every line end, each end visible."""
    out: StyledText = []
    stuffed = set(event.stuffed)
    for segment in segments(event.wire):
        out.append(("class:sent.prefix", RAW_PREFIX))
        body = segment.body
        if segment.start in stuffed:
            out.append(("class:raw.stuffed", STUFFED_MARK))
            body = body[1:]
        out.append(("class:sent", escape_visible(body)))
        out.append(("class:raw.ending", segment.mark))
        out.append(("", "\n"))
    return out


def plain_sent_line(event: ev.LineSent) -> StyledText:
    """A line sent the ordinary way (plus CRLF), while raw mode shows line ends."""
    out: StyledText = [("class:sent.prefix", "C: ")]
    if event.note.startswith("dot-stuffed"):
        out.append(("class:raw.stuffed", STUFFED_MARK))  # the shell added a '.': the server removes it
    out += [("class:sent", escape_visible(event.shown.encode("utf-8", "surrogateescape"))),
            ("class:raw.ending", "\u21b5"), ("", "\n")]
    return out


def reply_lines(reply: Reply, style: str) -> StyledText:
    """A reply as its bytes came, each line's end visible."""
    out: StyledText = []
    data = reply.raw or b"".join(f"{reply.code} {line}".encode() + CRLF for line in reply.lines)
    for segment in segments(data):
        out += [("class:reply.prefix", "S: "), (style, escape_visible(segment.body)),
                ("class:raw.ending", segment.mark), ("", "\n")]
    return out


def without_wire_lines(fragments: StyledText) -> StyledText:
    """``fragments`` of a rendered reply minus its ``S:`` lines (raw mode draws those itself)."""
    out: StyledText = []
    skipping = False
    for style, text in fragments:
        if style == "class:reply.prefix":
            skipping = True
        if not skipping:
            out.append((style, text))
        if skipping and text == "\n":
            skipping = False
    return out

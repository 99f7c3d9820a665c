"""Incremental SMTP reply parser: bytes in, replies (or protocol errors) out.

Theory of operation
-------------------
A server speaks in lines ending in CRLF. A reply is one or more lines that all
start with the same three-digit code; every line but the last has ``-`` after
the code, the last has a space or nothing (RFC 5321 section 4.2).

:class:`ReplyParser` is fed whatever bytes arrive, in any split, and returns
events in order: a :class:`Reply` for every complete reply, or a
:class:`ProtocolError` for input that is not a reply. It never raises on input:
a hostile or broken server must not be able to end the session.

Some errors *stand in for* a reply (``replaces_reply=True``): a garbage line, a
reply whose code changed half-way, a line too long to keep, a reply cut off at
EOF. A caller waiting for an answer treats those as the answer, so one bad
reply cannot desynchronise the command/reply pairing for the rest of the
session. Others are only warnings (invalid UTF-8, bare LF) and come right
before the reply they concern.

Memory is bounded: a line longer than ``max_line`` bytes is reported the moment
the limit is crossed and the rest of it is skipped as it arrives; a reply of
more than ``max_lines`` lines is cut off the same way.
"""

from __future__ import annotations

import re

from ..i18n import t
from ..lazy import lazy_pattern
from ..records import NamedTuple

MAX_LINE = 64 * 1024
MAX_LINES = 1000

_ENHANCED = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})(?= |$)")
# A queue id in a reply's text, as Postfix, Exim's "queued as" and aiosmtpd word it
# ("250 2.0.0 Ok: queued as 4XyZ12"): compiled on the first reply that names one.
_queue_id = lazy_pattern(r"(?i)(queued as\s+<?)([A-Za-z0-9._@-]+)")


def _queue_id_pattern(text: str) -> re.Pattern[str] | None:
    """The pattern, if ``text`` may name a queue id (most replies do not: one C call)."""
    return _queue_id() if "queued" in text.lower() else None


def queue_id(text: str) -> str | None:
    """The queue id a reply's text names (the message's name on the server), if any."""
    pattern = _queue_id_pattern(text)
    found = pattern.search(text) if pattern is not None else None
    return found.group(2) if found else None


def without_queue_id(text: str, placeholder: str) -> str:
    """``text`` with the queue id it names replaced by ``placeholder`` (``text`` itself if none)."""
    pattern = _queue_id_pattern(text)
    return pattern.sub(r"\g<1>" + placeholder, text) if pattern is not None else text
_SHOWN_RAW = 120  # bytes of offending input kept in an error, for the message


class Reply(NamedTuple):
    """One complete server reply."""

    code: int
    lines: tuple[str, ...]  # text after "NNN-" / "NNN ", one item per line
    raw: bytes
    enhanced: str | None = None  # RFC 3463 "x.y.z" from the first line, if any
    notes: tuple[str, ...] = ()  # tolerated oddities (bare LF, replaced bytes)

    @property
    def klass(self) -> int:
        """The reply class: 2, 3, 4 or 5 (1 for the rare 1yz)."""
        return self.code // 100

    @property
    def text(self) -> str:
        return "\n".join(self.lines)




# The notes in English (what t() gives back when no other language is on).
GB18030_NOTE = "the reply is not UTF-8; it decodes cleanly as GB18030 (Chinese), which is how it is shown"
ESCAPED_NOTE = "invalid UTF-8 in the reply; the bad bytes are shown escaped"


def decode_text(data: bytes) -> tuple[str, str]:
    """Reply text from bytes, and a note saying how when it was not UTF-8.

    UTF-8 first; then GB18030, which Chinese providers send (QQ's 535 授权码 reply), when it
    decodes cleanly; else UTF-8 with the bad bytes escaped.
    """
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), t("protocol.reply.gb18030", "the reply is not UTF-8; it decodes cleanly as GB18030 (Chinese), which is how it is shown")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="backslashreplace"), t("protocol.reply.escaped", "invalid UTF-8 in the reply; the bad bytes are shown escaped")


class ProtocolError(NamedTuple):
    """Input from the server that is not a well-formed reply."""

    message: str
    raw: bytes = b""  # the start of the offending input (bounded)
    replaces_reply: bool = True  # True: counts as the server's answer


ParseEvent = Reply | ProtocolError


def parse_enhanced(code: int, text: str) -> str | None:
    """The RFC 3463 code at the start of ``text`` if its class matches ``code``."""
    m = _ENHANCED.match(text)
    if m and int(m.group(1)) == code // 100:
        return m.group(0)
    return None


KNOWN_REPLIES = 64  # one-line replies a parser keeps by their bytes
KNOWN_REPLY_BYTES = 512  # the longest kept


class _Pending:
    __slots__ = ("code", "lines", "raw", "notes", "overflowed")

    def __init__(self, code: int) -> None:
        self.code = code
        self.lines: list[str] = []
        self.raw: list[bytes] = []
        self.notes: list[str] = []
        self.overflowed = False


def _split_reply_line(line: bytes) -> tuple[int, bytes, bytes] | None:
    """(code, separator, text) of a reply line, or None if it is not one."""
    if len(line) < 3 or not line[:3].isdigit():
        return None
    sep = line[3:4]
    if sep not in (b"", b" ", b"-"):
        return None
    code = int(line[:3])
    if not 100 <= code <= 599:
        return None
    return code, sep, line[4:]


class ReplyParser:
    """Feed bytes with :meth:`feed`; call :meth:`eof` when the peer closes."""

    def __init__(self, max_line: int = MAX_LINE, max_lines: int = MAX_LINES) -> None:
        self.max_line = max_line
        self.max_lines = max_lines
        self._buf = bytearray()
        self._pending: _Pending | None = None
        self._skipping_line = False  # inside an over-long line
        self._skipping_reply = False  # inside a reply that had too many lines
        self._skip_reply_after_line = False  # the over-long line was NNN-: skip its reply's rest
        # One-line replies by their bytes: a Reply is a function of them, and a session gets
        # the same few again and again ("250 ok" twice a message). Only well-formed ones are
        # kept (CRLF, UTF-8, no note), so what is given back is what parsing would make.
        self._known: dict[bytes, Reply] = {}

    @property
    def buffered(self) -> bytes:
        """Bytes received but not yet part of a complete line or reply."""
        pending = b"".join(self._pending.raw) if self._pending else b""
        return pending + bytes(self._buf)

    def clear(self) -> bytes:
        """Forget everything buffered (used before a TLS handshake); return it."""
        dropped = self.buffered
        self._buf.clear()
        self._pending = None
        self._skipping_line = self._skipping_reply = self._skip_reply_after_line = False
        return dropped

    def feed(self, data: bytes) -> list[ParseEvent]:
        events: list[ParseEvent] = []
        start = 0
        while start < len(data):
            nl = data.find(b"\n", start)
            if nl < 0:
                self._append_partial(data[start:], events)
                break
            chunk = data[start : nl + 1]
            start = nl + 1
            if self._skipping_line:
                self._end_skipped_line()
                continue
            if not self._buf and self._pending is None and not self._skipping_reply:
                known = self._known.get(chunk)
                if known is not None:
                    events.append(known)
                    continue
            # The line's length without its end (CRLF, or a bare LF), wherever TCP split it.
            crlf = chunk.endswith(b"\r\n") or (len(chunk) == 1 and self._buf.endswith(b"\r"))
            if len(self._buf) + len(chunk) - 1 - crlf > self.max_line:
                self._buf += chunk[:_SHOWN_RAW]  # the start of the line, for the message
                self._overflow(events)
                self._end_skipped_line()
                continue
            self._buf += chunk
            line = bytes(self._buf)
            self._buf.clear()
            self._line(line, events)
        return events

    def eof(self) -> list[ParseEvent]:
        """The connection closed: report anything left half-received."""
        events: list[ParseEvent] = []
        leftover = self.buffered
        if leftover and not (self._skipping_line or self._skipping_reply):
            events.append(
                ProtocolError(
                    t("protocol.reply.closed_midway", "the connection closed in the middle of a reply"),
                    leftover[:_SHOWN_RAW],
                )
            )
        self.clear()
        return events

    # -- internals ---------------------------------------------------------

    def _append_partial(self, data: bytes, events: list[ParseEvent]) -> None:
        if self._skipping_line:
            return
        self._buf += data
        # A CR at the end may be the first half of the line's CRLF: not counted yet.
        if len(self._buf) - self._buf.endswith(b"\r") > self.max_line:
            self._overflow(events)

    def _overflow(self, events: list[ParseEvent]) -> None:
        """The line in the buffer is over the limit: report it (standing in for its reply), skip the rest.

        If it is a continuation line (``NNN-``), the reply goes on after it: its
        remaining lines up to the last are skipped too, so the reply's last line
        is not taken for the answer to the next command (the pairing holds).
        """
        # Only as much as is surely here whatever the split (the limit was crossed).
        head = bytes(self._buf[: min(_SHOWN_RAW, self.max_line)])
        parts = _split_reply_line(head[:4])
        continues = parts is not None and parts[1] == b"-"
        already_answered = self._skipping_reply  # inside a reply cut off already: no second error
        self._buf.clear()
        self._pending = None
        self._skipping_line = True
        self._skipping_reply = False
        self._skip_reply_after_line = continues
        if already_answered:
            return
        events.append(
            ProtocolError(
                t("protocol.reply.line_too_long", "the server sent a line longer than {limit} bytes; it was cut off and the rest of it is ignored",
                  limit=self.max_line),
                head,
            )
        )

    def _end_skipped_line(self) -> None:
        self._skipping_line = False
        self._buf.clear()
        if self._skip_reply_after_line:
            self._skip_reply_after_line = False
            self._skipping_reply = True

    def _line(self, line: bytes, events: list[ParseEvent]) -> None:
        raw = line
        if line.endswith(b"\r\n"):
            body, bare_lf = line[:-2], False
        else:
            body, bare_lf = line[:-1], True
        parts = _split_reply_line(body)
        if self._skipping_reply:
            # Discard the rest of an over-long reply up to its last line.
            if parts is None or parts[1] != b"-":
                self._skipping_reply = False
            return
        if parts is None:
            bad = b"".join(self._pending.raw) + raw if self._pending else raw
            self._pending = None
            events.append(
                ProtocolError(
                    t("protocol.reply.not_smtp", "the server sent a line that is not an SMTP reply (expected a 3-digit code followed by a space or '-')"),
                    bad[:_SHOWN_RAW],
                )
            )
            return
        code, sep, text_bytes = parts
        pending = self._pending
        if pending is not None and pending.code != code:
            bad = b"".join(pending.raw) + raw
            self._pending = None
            events.append(
                ProtocolError(
                    t("protocol.reply.code_changed", "the reply code changed from {before} to {after} inside one multi-line reply",
                      before=pending.code, after=code),
                    bad[:_SHOWN_RAW],
                )
            )
            return
        if pending is None:
            pending = self._pending = _Pending(code)
        text, note = decode_text(text_bytes)
        if note and note not in pending.notes:
            pending.notes.append(note)
            events.append(ProtocolError(note, raw[:_SHOWN_RAW], replaces_reply=False))
        if bare_lf:
            note = t("protocol.reply.bare_lf", "line ended with a bare LF instead of CRLF")
            if note not in pending.notes:
                pending.notes.append(note)
        pending.lines.append(text)
        pending.raw.append(raw)
        if sep == b"-":
            if len(pending.lines) >= self.max_lines:
                self._pending = None
                self._skipping_reply = True
                events.append(
                    ProtocolError(
                        t("protocol.reply.too_many_lines", "the server sent a reply of more than {limit} lines; it was cut off and the rest of it is ignored",
                          limit=self.max_lines),
                        pending.raw[0][:_SHOWN_RAW],
                    )
                )
            return
        self._pending = None
        reply = Reply(
            code=code,
            lines=tuple(pending.lines),
            raw=b"".join(pending.raw),
            enhanced=parse_enhanced(code, pending.lines[0]),
            notes=tuple(pending.notes),
        )
        events.append(reply)
        if len(pending.raw) == 1 and not pending.notes and len(raw) <= KNOWN_REPLY_BYTES:
            if len(self._known) >= KNOWN_REPLIES:
                self._known.clear()  # replies that all differ (queue ids): start over
            self._known[raw] = reply

"""Text that came from outside (a server, a client, a file, a certificate): made safe to show or store.

Theory of operation
-------------------
Every path that shows or stores text smtpshell did not write itself goes
through this one module: server replies, certificate fields, transcript and
lesson files, replay reports, the practice server's feed, headers the
practice server writes. It sits at the bottom of the package (it imports
nothing of smtpshell), so any layer can use it and no layer has its own
escaper.

- :func:`safe` escapes, visibly and reversibly, every character that could act
  on a terminal or make text read differently from what it is: C0 and C1
  controls (ESC starts CSI/OSC sequences, CR rewrites the line, NUL, BEL...),
  DEL, bidirectional overrides and isolates ("Trojan Source"),
  line/paragraph separators, the zero-width space and the BOM.
- :func:`safe_bytes` does the same for bytes, decoding UTF-8 and showing other
  bytes as ``\\xNN``.
- :func:`header_safe` is for text going into a mail header: no line breaks, no
  control characters, bounded length.
"""

from __future__ import annotations

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_UNSAFE = {*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI, 0x2028, 0x2029, 0x200B, 0xFEFF}


def _escapes() -> dict[int, str]:
    table = {o: (f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}") for o in _UNSAFE}
    # Lone surrogates cannot be written to a terminal or file: a byte that came in
    # undecodable (surrogateescape, U+DC80..U+DCFF) is shown as the byte it was.
    table.update({o: f"\\u{o:04x}" for o in range(0xD800, 0xE000)})
    table.update({o: f"\\x{o - 0xDC00:02x}" for o in range(0xDC80, 0xDD00)})
    return table


# Built on the first text that needs it (its 2,000 surrogate entries cost about a
# millisecond, at every start otherwise).
_ESCAPES: dict[int, str] = {}


def safe(text: str) -> str:
    """Untrusted text with control, invisible and bidi characters shown escaped, never raw."""
    # Every character escaped is a control (Cc), a format character (Cf), a line or
    # paragraph separator (Zl, Zp) or a surrogate (Cs): none is printable, so a
    # printable text has nothing to escape.
    if text.isprintable():
        return text
    if not _ESCAPES:
        _ESCAPES.update(_escapes())
    return text.translate(_ESCAPES)


def safe_bytes(data: bytes) -> str:
    """Untrusted bytes as safe text: UTF-8 where it decodes, ``\\xNN`` for the rest."""
    return safe(data.decode("utf-8", "backslashreplace"))


def header_safe(text: str, limit: int = 200) -> str:
    """Client-chosen text going into a header: no line breaks, no control characters."""
    if text.isprintable():  # the usual EHLO name: nothing to replace, no pass per character
        return text[:limit]
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]

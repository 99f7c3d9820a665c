"""Styled text to a plain or ANSI-coloured string, for script mode (no prompt_toolkit)."""

from __future__ import annotations

import os
import sys

from ..records import TYPE_CHECKING
from .styled import StyledText

if TYPE_CHECKING:
    from typing import TextIO

# SGR codes per style class; a style naming several classes combines them.
ANSI: dict[str, str] = {
    "class:sent": "1",
    "class:sent.prefix": "2",
    "class:reply.prefix": "2",
    "class:reply.1xx": "1;36",
    "class:reply.2xx": "1;32",
    "class:reply.3xx": "1;36",
    "class:reply.4xx": "1;33",
    "class:reply.5xx": "1;31",
    "class:reply.enhanced": "1",
    "class:reply.text": "",
    "class:explain": "2;3",
    "class:explain.hint": "3;36",
    "class:explain.label": "2",
    "class:explain.title": "1",
    "class:ehlo.keyword": "1",
    "class:ehlo.added": "32",
    "class:ehlo.removed": "31",
    "class:ehlo.changed": "33",
    "class:note": "2",
    "class:info": "36",
    "class:tls": "1;32",
    "class:warning": "1;33",
    "class:error": "1;31",
    "class:insecure": "1;41;97",
}


def sgr_for(style: str, palette: dict[str, str] = ANSI) -> str:
    """SGR parameters for a style string; every known class in it contributes."""
    return ";".join(code for cls in style.split() if (code := palette.get(cls)))


def to_text(fragments: StyledText, color: bool, palette: dict[str, str] = ANSI) -> str:
    if not color:
        return "".join([text for _, text in fragments])  # a list: one call, not a generator's step per fragment
    out = []
    for style, text in fragments:
        sgr = sgr_for(style, palette) if style else None
        if sgr and text.strip():
            # Keep the newline outside the colour so the next line starts clean.
            body, nl = (text[:-1], "\n") if text.endswith("\n") else (text, "")
            out.append(f"\x1b[{sgr}m{body}\x1b[0m{nl}")
        else:
            out.append(text)
    return "".join(out)


def want_color(setting: str, stream: TextIO = sys.stdout) -> bool:
    """--color=always|never|auto, honouring NO_COLOR (https://no-color.org)."""
    if setting == "always":
        return True
    if setting == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()

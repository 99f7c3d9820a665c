"""While a reply is awaited: one line, in the toolbar's place, saying so and for how long.

No prompt shows while the shell waits (the terminal is in cooked mode, so that
Ctrl-C can stop the wait), and with it the bottom toolbar is gone. This line
takes its place, in the toolbar's reverse video, redrawn about twice a second
while the wait lasts and erased before anything else is printed and when the
wait ends. It is drawn only on a terminal.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..i18n import t
from ..render.width import fit_text, terminal_columns
from ..untrusted import safe

REFRESH = 0.5  # seconds between redraws, only while waiting
_REVERSE, _RESET, _ERASE = "\x1b[7m", "\x1b[0m", "\r\x1b[K"


def waiting_text(what: str, seconds: float) -> str:
    """The line's words: what is awaited, for how long, and the way out."""
    return t("ui.waiting", " waiting for the reply to {line} \u2502 {seconds} s \u2502 Ctrl-C stops waiting ",
             line=repr(safe(what))[:60], seconds=int(seconds))


class WaitingLine:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.shown = False
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False

    def draw(self, what: str, seconds: float) -> None:
        if self.enabled:
            shown = fit_text(waiting_text(what, seconds), terminal_columns(self.stream))  # one row, or \r misses
            self._write(f"{_ERASE}{_REVERSE}{shown}{_RESET}")
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self._write(_ERASE)
            self.shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

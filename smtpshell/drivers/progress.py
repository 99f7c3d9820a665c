"""A progress bar for long sends (``/data FILE``, a large paste), on a terminal only.

One line on stderr, redrawn in place (``\\r``) at most a few times a second:
bytes sent, percent, rate and time left. It is drawn only when stderr is a
terminal, so pipes, CI logs and transcripts never see it; the REPL and script
mode at a terminal both get it. The final state stays on screen, so the user
sees how long the send took.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from ..i18n import t
from ..records import TYPE_CHECKING
from ..render.width import cell_width, fit_text, keep_end, terminal_columns

if TYPE_CHECKING:
    from typing import TextIO

WIDTH = 24  # cells of the bar itself
REDRAW_EVERY = 0.1  # seconds: often enough to look alive, rarely enough to cost nothing
MIB = 1024 * 1024


def _size(n: float) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n / 1024:.0f} KiB"


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    return f"{seconds // 60}:{seconds % 60:02d}"


class ProgressBar:
    """``update(done)`` as bytes go out, ``finish()`` at the end; see the module docstring."""

    def __init__(self, label: str, total: int, stream: TextIO,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self.done = 0
        self.shown = False  # the bar is on the current line (the caller may need to clear it)

    @classmethod
    def on_terminal(cls, label: str, total: int, stream: TextIO | None = None) -> ProgressBar | None:
        """A bar on ``stream`` (stderr) if it is a terminal, else None: nothing to draw."""
        stream = stream or sys.stderr
        try:
            if not stream.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        return cls(label, total, stream)

    def update(self, done: int) -> None:
        self.done = done
        now = self._clock()
        if self._drawn_at is not None and now - self._drawn_at < REDRAW_EVERY and done < self.total:
            return
        self._drawn_at = now
        self._draw(now)

    def clear(self) -> None:
        """Erase the bar's line (before other output); the next update draws it again."""
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False
            self._drawn_at = None

    def finish(self) -> None:
        """Draw the final state and end its line, so it stays on screen."""
        self._draw(self._clock())
        self._write("\n")
        self.shown = False

    def line(self, now: float, label: str | None = None) -> str:
        """The bar as text (no control characters): what :meth:`_draw` writes."""
        fraction = min(self.done / self.total, 1.0)
        filled = int(fraction * WIDTH)
        elapsed = max(now - self._started, 1e-6)
        rate = self.done / elapsed
        if self.done >= self.total:
            when = t("progress.took", "in {time}", time=_clock(elapsed))
        elif rate > 0:
            when = t("progress.left", "{time} left", time=_clock((self.total - self.done) / rate))
        else:
            when = ""
        return t("progress.line", "{label} [{bar}] {percent:3.0f}%  {done} of {total}  {rate}/s  {when}",
                 label=self.label if label is None else label, bar="#" * filled + "-" * (WIDTH - filled), percent=fraction * 100,
                 done=_size(self.done), total=_size(self.total), rate=_size(rate), when=when)

    def _draw(self, now: float) -> None:
        self._write("\r\x1b[K" + self.fitted(now, terminal_columns(self.stream)))
        self.shown = True

    def fitted(self, now: float, columns: int | None) -> str:
        """The bar in one row of a window ``columns`` wide (a longer line would wrap, and "\\r"
        redraw only its end): the label gives up its start first, so the numbers stay."""
        text = self.line(now)
        if columns is None or cell_width(text) < columns:
            return text
        excess = cell_width(text) - (columns - 1)
        label = keep_end(self.label, max(cell_width(self.label) - excess, 0))
        return fit_text(self.line(now, label), columns)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # the terminal went away: the send goes on

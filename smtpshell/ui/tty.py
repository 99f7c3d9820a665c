"""Terminal echo while no prompt is showing.

Between two prompts (a reply is awaited, the AUTH flow is between questions)
the terminal is in cooked mode, and the tty itself would echo whatever is
typed ahead: a password typed a little early would appear on screen. While
the shell works, echo is off; the keys are kept (the next prompt reads them)
and Ctrl-C still sends SIGINT.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO


@contextlib.contextmanager
def echo_off(stream: TextIO = sys.stdin) -> Iterator[None]:
    try:
        import termios

        fd = stream.fileno()
        if not stream.isatty():
            raise OSError("not a terminal")
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        yield  # not a terminal (tests, pipes): nothing to do
        return
    quiet = list(saved)
    quiet[3] &= ~(termios.ECHO | termios.ECHONL)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)

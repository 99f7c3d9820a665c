"""Run the installed ``smtpshell`` in a real pseudo-terminal (pexpect).

``shell_pty(*args)`` starts it with a fixed window size, XDG dirs pointing at
the test's temporary folders (conftest sets them), TERM=xterm-256color and
NO_COLOR unset. :class:`Terminal` answers prompt_toolkit's cursor-position
requests (as a real terminal would) so the bottom toolbar is drawn, and keeps
everything the program wrote in ``screen_log`` for assertions.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

ROWS, COLS = 30, 100
SMTPSHELL = str(Path(sys.executable).parent / "smtpshell")
CPR_REQUEST = "\x1b[6n"
PROMPT = "smtp> "
DATA_PROMPT = "data> "
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.screen_log = ""  # everything read so far, escape codes included

    def expect(self, pattern: str | type, timeout: float = 10) -> str:
        """Wait for ``pattern`` (a regex, pexpect.EOF or pexpect.TIMEOUT); returns the text before it."""
        before = ""
        while True:
            index = self.child.expect([pattern, re.escape(CPR_REQUEST)], timeout=timeout)
            chunk = (self.child.before or "") + (self.child.after if isinstance(self.child.after, str) else "")
            self.screen_log += chunk
            before += self.child.before or ""
            if index == 1:
                # Answer like a terminal: the cursor is on row 10, so there is room below.
                self.child.send("\x1b[10;1R")
                before += CPR_REQUEST
                continue
            return before

    def expect_text(self, text: str, timeout: float = 10) -> str:
        return self.expect(re.escape(text), timeout)

    def expect_styled(self, text: str, timeout: float = 10) -> str:
        """Wait for ``text`` as seen on screen: styling escapes may sit between its characters."""
        gap = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
        return self.expect(gap.join(re.escape(ch) for ch in text), timeout)

    def expect_words(self, text: str, timeout: float = 10) -> str:
        """Wait for ``text``'s words in order, however the shell wrapped them to the window
        (a line break, an indentation, styling escapes between two words)."""
        gap = r"(?:\s|\x1b\[[0-9;?]*[A-Za-z])+"
        return self.expect(gap.join(re.escape(word) for word in text.split()), timeout)

    def prompt(self, text: str = PROMPT, timeout: float = 10) -> str:
        # A terminal is not sent a prompt's trailing space when nothing follows it on the
        # line (the cursor is just placed after it): match the prompt without it.
        return self.expect_text(text.rstrip(), timeout)

    def type(self, text: str) -> None:
        self.child.send(text)

    def line(self, text: str) -> None:
        self.child.send(text + "\r")

    def settle(self, seconds: float = 0.5) -> str:
        """Read whatever comes within ``seconds`` (no assertion on time: just collect)."""
        return self.expect(pexpect.TIMEOUT, timeout=seconds)

    def finish(self, timeout: float = 10) -> int:
        self.expect(pexpect.EOF, timeout)
        self.child.close()
        assert self.child.exitstatus is not None, f"killed by signal {self.child.signalstatus}"
        return self.child.exitstatus


def plain(text: str) -> str:
    """Screen text without escape codes."""
    return ANSI_ESCAPE.sub("", text)


@pytest.fixture
def shell_pty() -> Iterator[Callable[..., Terminal]]:
    started: list[pexpect.spawn] = []

    def start(*args: str, env: dict[str, str] | None = None, rows: int = ROWS, cols: int = COLS) -> Terminal:
        child_env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        child_env.pop("NO_COLOR", None)
        child_env.pop("PROMPT_TOOLKIT_NO_CPR", None)
        child_env.setdefault("EDITOR", "true")
        child_env.update(env or {})
        child = pexpect.spawn(SMTPSHELL, list(args), env=child_env, dimensions=(rows, cols),
                              encoding="utf-8", codec_errors="replace", timeout=10)
        child.delaybeforesend = None  # type like a fast typist (pexpect waits 50 ms per send by default)
        started.append(child)
        return Terminal(child)

    yield start
    for child in started:
        if child.isalive():
            child.terminate(force=True)


# -- sessions in known states, for the completer / lexer / toolbar unit tests ----

EHLO_FULL = (
    b"250-mx.test\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n"
    b"250-STARTTLS\r\n250-AUTH LOGIN PLAIN\r\n250 CHUNKING\r\n"
)
EHLO_BARE = b"250-mx.test\r\n250 HELP\r\n"


def reply_of(wire: bytes):  # type: ignore[no-untyped-def]
    from smtpshell.protocol import Reply, ReplyParser

    (reply,) = ReplyParser().feed(wire)
    assert isinstance(reply, Reply)
    return reply


def session_at(*steps: tuple[str, bytes], greeted: bool = True):  # type: ignore[no-untyped-def]
    """A Session after the greeting and each (line sent, reply wire) step."""
    from smtpshell.protocol import Pending, Session

    session = Session()
    session.connected()
    if greeted:
        session.received(reply_of(b"220 mx.test ESMTP\r\n"))
    for line, wire in steps:
        session.sent(Pending.command(line))
        session.received(reply_of(wire))
    return session


class Screen:
    """A pty child drawn on a pyte screen: what a user sees, rows as the terminal shows them
    (a wide character takes two columns). The screen answers cursor-position requests itself,
    from where its cursor is, and follows a resize (:meth:`resize`) as a terminal would."""

    def __init__(self, terminal: Terminal, rows: int, cols: int) -> None:
        import pyte

        self.child = terminal.child
        self.screen = pyte.Screen(cols, rows)
        self.screen.write_process_input = self.child.send  # DSR 6 -> "ESC[row;colR"
        self.stream = pyte.Stream(self.screen)

    @property
    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]

    @property
    def text(self) -> str:
        return "\n".join(self.rows)

    def _read(self, timeout: float) -> None:
        try:
            self.stream.feed(self.child.read_nonblocking(65536, timeout=timeout))
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:  # the program ended: its screen stays as it left it
            import time

            time.sleep(timeout)

    def wait_for(self, text: str, timeout: float = 10) -> str:
        import time

        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never shown; the screen:\n{self.text}")
            self._read(0.2)
        return self.text

    def settle(self, seconds: float = 0.5) -> None:
        """Read whatever comes within ``seconds`` (no assertion on time: just collect)."""
        import time

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._read(0.1)

    def line(self, text: str) -> None:
        self.child.send(text + "\r")

    def resize(self, rows: int, cols: int) -> None:
        self.screen.resize(rows, cols)
        self.child.setwinsize(rows, cols)  # SIGWINCH: the program measures the window again

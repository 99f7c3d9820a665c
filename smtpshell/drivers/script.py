"""Script mode: each input line is one command, every reply is printed.

Used when stdin is not a terminal, or with ``--script FILE`` or ``-c CMD``.
Nothing interactive is imported here (no prompt_toolkit), so a scripted
session starts as fast as a plain Python script.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from .. import events as ev
from .. import exitcodes
from ..client.core import ConnectionCore
from ..client.target import Target
from ..i18n import t
from ..protocol.session import Session
from ..records import TYPE_CHECKING
from ..render import ansi, width
from ..render.styled import RenderOptions, StyledText, cache_key, render_event
from .runner import RunOptions, SessionRunner
from .script_lines import ScriptLines

if TYPE_CHECKING:
    from typing import TextIO

    from ..config import Config
    from ..server import PracticeServer
    from ..transcript.recorder import Recorder


SHOWN_LIMIT = 512  # rendered event texts kept (ScriptContext.show)
HOLD_LIMIT = 64 * 1024  # characters of held output that are written without waiting for a wait
UNSHOWN_LIMIT = 256  # lines sent whose text is made later (ScriptContext.catch_up), at most


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ScriptContext:
    """The ShellContext shell commands see in script mode (and replay, lessons).

    The members that only mean something at a terminal are real no-ops here:
    ``clear_screen`` does nothing, ``history_lines`` is empty.
    """

    def __init__(self, out: TextIO, err: TextIO, color: bool, runner: SessionRunner | None = None,
                 interactive: bool = False, render_options: RenderOptions = RenderOptions(),
                 recorder: Recorder | None = None, practice_server: PracticeServer | None = None,
                 config: Config | None = None, hold_output: bool = False) -> None:
        self.out = out
        self.err = err
        self.color = color
        self.runner = runner
        self.interactive = interactive
        self.render_options = render_options
        self.recorder = recorder
        self.practice_server = practice_server
        self.config = config
        # Held output (``hold_output``): text waiting for the next moment the session waits.
        self.holding = hold_output
        self._held: list[str] = []
        self._held_chars = 0
        self._out_is_tty = _isatty(out)  # asked once: it is asked for every line shown
        self._shown: dict[tuple[object, ...], str] = {}  # rendered event text by styled.cache_key
        # Held output too: the lines sent, kept as events until the session waits (catch_up).
        self._unshown: list[tuple[ev.LineSent, RenderOptions]] = []

    @property
    def connection(self) -> ConnectionCore | None:
        return self.runner.connection if self.runner else None

    @property
    def session(self) -> Session:
        assert self.runner is not None
        return self.runner.session

    output_closed: bool = False  # the reader went away (`smtpshell ... | head`)

    def print(self, text: StyledText) -> None:
        self._write(self.out, self._text(text, self._columns()))

    def show(self, event: ev.Event) -> None:
        """An event on the screen, rendered with the options of the moment (/level changes them).

        A session shows the same few lines again and again (1,000 messages are a dozen
        distinct lines), so the text is kept by what it depends on (styled.cache_key), a
        bounded number of texts at a time.
        """
        if self.output_closed:
            return
        options = self.render_options
        if type(event) is ev.LineSent and self.holding:
            # A line's text depends on nothing but the line and the options (cache_key): it is
            # made once the session waits (catch_up), so the line goes on the wire sooner.
            unshown = self._unshown
            unshown.append((event, options))
            if len(unshown) >= UNSHOWN_LIMIT:
                self.catch_up()
            return
        if self._unshown:
            self.catch_up()  # what came before is shown before
        session = self.runner.session if self.runner is not None else None
        columns = width.terminal_columns(self.out) if self._out_is_tty else None
        key = cache_key(event, session, options)
        if key is None:
            text = self._text(render_event(event, session, options), columns)
        else:
            key = (key, columns)
            text = self._shown.get(key) or self._render_kept(key, event, options, columns)
        if self.holding and text:  # _write's held path, inline: every event shown comes here
            self._held.append(text)
            self._held_chars += len(text)
            if self._held_chars >= HOLD_LIMIT:
                self.flush_output()
            return
        self._write(self.out, text)

    def catch_up(self) -> None:
        """Make the text of the lines sent that show() put off (EventBus.while_waiting)."""
        unshown, self._unshown = self._unshown, []
        if self.output_closed or not unshown:
            return
        columns = width.terminal_columns(self.out) if self._out_is_tty else None
        shown, held, chars = self._shown, self._held, 0
        for event, options in unshown:
            # A line's key is cache_key's first answer (the line, raw mode), made here: a
            # session is mostly lines.
            key = ((event, options.raw), columns)
            text = shown.get(key) or self._render_kept(key, event, options, columns)
            if text:
                held.append(text)
                chars += len(text)
        self._held_chars += chars
        if self._held_chars >= HOLD_LIMIT:
            self.flush_output()

    def _render_kept(self, key: tuple[object, ...], event: ev.Event, options: RenderOptions,
                     columns: int | None) -> str:
        """The event's text, made now and kept by ``key`` (a bounded number of texts)."""
        if len(self._shown) >= SHOWN_LIMIT:
            self._shown.clear()  # a session of distinct lines (Subject: 1, 2 ...) starts over
        session = self.runner.session if self.runner is not None else None
        text = self._shown[key] = self._text(render_event(event, session, options), columns)
        return text

    def _columns(self) -> int | None:
        # At a terminal, prose is wrapped to its width now (after a resize too); a pipe keeps whole lines.
        return width.terminal_columns(self.out) if self._out_is_tty else None

    def _text(self, text: StyledText, columns: int | None) -> str:
        return ansi.to_text(width.wrap_styled(text, columns), self.color)

    def error(self, message: str) -> None:
        # A line the script asked for was not carried out: the exit status says so.
        if self.runner is not None:
            self.runner.outcome.refused += 1
        self._write(self.out, "")
        self._write(self.err, ansi.to_text([("class:error", f"smtpshell: {message}"), ("", "\n")], self.color))

    # -- writing: at once, or held for the next wait -------------------------------------------

    def flush_output(self) -> None:
        """Write the held output now: the session is about to wait (for the server, for a shell
        command), and what happened so far must be on the screen while it does."""
        if self._unshown:
            self.catch_up()
        if self._held:
            text = "".join(self._held)
            self._held.clear()
            self._held_chars = 0
            self._put(self.out, text)

    def _write(self, stream: TextIO, text: str) -> None:
        if self.output_closed:
            return
        if stream is not self.out:
            self.flush_output()  # stderr's line comes after the output before it, as it did
        elif self.holding:
            if self._unshown:
                self.catch_up()  # the lines sent before this text come before it
            # One write per round trip instead of one per line: the session flushes before
            # it waits (EventBus.before_wait), and a long run of lines goes out every
            # HOLD_LIMIT characters so nothing piles up in memory.
            if text:
                self._held.append(text)
                self._held_chars += len(text)
                if self._held_chars >= HOLD_LIMIT:
                    self.flush_output()
            return
        self._put(stream, text)

    def _put(self, stream: TextIO, text: str) -> None:
        if self.output_closed:
            return
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:
            # Like any Unix filter, stop quietly when the reader is gone; point
            # the stream at /dev/null so the interpreter's final flush is silent.
            self.output_closed = True
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError):
                pass

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str:
        raise EOFError(t("drivers.script.cannot_ask", "{label} cannot be asked for in script mode", label=label.strip()))

    async def connect(self, target: str | None) -> None:
        self.error(t("drivers.script.no_connect", "/connect works only in the interactive shell"))

    async def quit(self) -> None:
        assert self.runner is not None
        await self.runner.close()

    def clear_screen(self) -> None:
        """Nothing to clear: script output is a stream."""

    def history_lines(self) -> list[str]:
        return []  # script mode keeps no history


class ScriptDriver:
    def __init__(
        self,
        lines: Iterable[str],
        target: Target,
        options: RunOptions,
        *,
        out: TextIO | None = None,
        err: TextIO | None = None,
        color: bool = False,
        render: RenderOptions = RenderOptions(),
        bus: ev.EventBus | None = None,
        record: str | None = None,
        practice_server: PracticeServer | None = None,
    ) -> None:
        self.lines = lines
        self.target = target
        self.bus = bus or ev.EventBus()
        # Looked up now, not at import: tests and callers may have replaced sys.stdout.
        self.context = ScriptContext(out or sys.stdout, err or sys.stderr, color, render_options=render,
                                     practice_server=practice_server, hold_output=True)
        self.runner = SessionRunner(self.bus, options, self.context)
        self.context.runner = self.runner
        self.bus.subscribe(self.context.show)  # with the options of the moment (/level changes them)
        self.bus.before_wait = self.context.flush_output
        self.bus.while_waiting = self.context.catch_up
        if isinstance(lines, ScriptLines):
            lines.before_block = self.context.flush_output  # the next line may be a wait too (stdin)
        if record:
            from ..shell.record import record_from_flag

            self.context.recorder = record_from_flag(record, self.bus, target, self.context.error)

    async def run(self) -> int:
        try:
            return await self._run()
        finally:
            self.context.flush_output()

    async def _run(self) -> int:
        runner = self.runner
        if not await runner.open(self.target):
            # The outcome knows why (and, with --exit-codes=stage, at which stage).
            return runner.outcome.exit_code() if runner.outcome.error else exitcodes.CONNECTION
        try:
            unsent = await self._lines()
        except KeyboardInterrupt:
            await runner.interrupted()
            return exitcodes.INTERRUPTED
        if unsent:
            self.context.error(t("drivers.script.unsent", "the connection was closed; {count} line(s) of the script were not sent",
                                 count=unsent))
            runner.outcome.error = runner.outcome.error or t("drivers.script.closed_early", "connection closed early")
        if runner.session.is_data_content:
            # QUIT would be message text here, and the server would wait for more:
            # close without it (as Ctrl-D inside DATA does), at once.
            self.context.error(t("script.ended_in_data",
                                 "the script ended inside DATA (no lone '.'); the message was not sent, and the connection was closed without QUIT"))
            runner.outcome.error = runner.outcome.error or t("drivers.script.unfinished_data", "unfinished DATA")
            await runner.close(quit_first=False)
        await runner.close()
        self._summary_on_a_terminal()
        return runner.outcome.exit_code()

    async def _lines(self) -> int:
        """Hand every script line to the runner; returns how many could not be sent."""
        runner = self.runner
        unsent = 0
        for raw in self.lines:
            if self.context.output_closed:
                break
            line = raw.rstrip("\r\n") if raw.endswith("\n") else raw
            if runner.connection is None or not runner.connection.is_open:  # runner.connected, inline: asked every line
                if line.strip() and not line.lstrip().startswith("#"):
                    unsent += 1
                continue
            if line.lstrip().startswith("#") and not runner.session.is_data_content:
                continue  # a comment in a script file
            await runner.handle(line)
        return unsent

    def _summary_on_a_terminal(self) -> None:
        """At a terminal, the session ends with its summary (on stderr: stdout stays the wire);
        in a pipe it is left out, and ``/summary`` in the script asks for it."""
        err = self.context.err
        if not (hasattr(err, "isatty") and err.isatty()) or not self.runner.summary.server:
            return
        from ..shell.summary import summary_text

        self.context._write(err, ansi.to_text(summary_text(self.runner.summary), self.context.color))

"""The interactive shell: a prompt_toolkit prompt in the asyncio loop.

Theory of operation
-------------------
The connection reads in its own asyncio callbacks and puts every event on the
bus; :meth:`Repl.on_event` renders each one at once, above the prompt when a
prompt is showing (prompt_toolkit's ``print_formatted_text`` runs it "in
terminal"), so a 421 or a dropped connection appears without a keypress.

Every entry the user makes goes to :meth:`SessionRunner.handle`, line by line
(a paste or an $EDITOR message holds several), the same code path as script
mode. Each line runs as its own task so that Ctrl-C (a SIGINT: the terminal
is in cooked mode while a reply is awaited) can cancel just that wait. The
session is then out of step: replies may still come for what was sent. The
shell says so, holds back further SMTP commands until the late replies have
arrived (they are shown when they do) or the user runs ``/reconnect``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TYPE_CHECKING, Any

from .. import events as ev
from .. import exitcodes
from ..client.core import ConnectionCore
from ..client.target import BadTarget, Target, parse_target
from ..config import Config, load, state_dir
from ..i18n import t
from ..protocol.line import LineKind, classify
from ..protocol.session import Kind, Phase, Session
from ..render import ansi, width
from ..render.styled import RenderOptions, StyledText, level_for, render_event
from ..ui import pager
from ..ui.history import history_path
from ..ui.prompt import ReplUI
from ..ui.toolbar import Where, phase_words
from ..ui.tty import echo_off
from ..ui.waiting import REFRESH, WaitingLine
from ..untrusted import safe
from . import progress
from .runner import RunOptions, SessionRunner

if TYPE_CHECKING:
    from ..server import PracticeServer
    from ..transcript.recorder import Recorder



def welcome() -> str:
    return t("drivers.repl.welcome", "smtpshell: type SMTP commands as they go on the wire (Tab completes), /help for help, Ctrl-D to quit.") + "\n"

PASTE_PROGRESS = 256 * 1024  # bytes: a paste this large shows a progress bar while it goes out
DEFAULT_TIMEOUT = 30.0  # cli.py's --timeout default: the config file may change it


def _awaited(kind: Kind) -> str:
    """What is awaited when no line was sent (the greeting), for the waiting line."""
    if kind is Kind.GREETING:
        return t("drivers.repl.waiting_greeting", "greeting")
    return str(kind.value)


class Repl:
    """The ShellContext of the interactive shell, and its loop."""

    interactive = True

    def __init__(self, args: argparse.Namespace, options: RunOptions, config: Config,
                 ui: ReplUI | None = None, *, practice_server: PracticeServer | None = None) -> None:
        self.args = args
        self.done = False
        self.out_of_step = False  # Ctrl-C stopped a wait whose reply may still come
        self.data_in_body = False  # in DATA, past the blank line after the headers
        self.config = config
        self.practice_server = practice_server
        self.recorder: Recorder | None = None
        self.bus = ev.EventBus()
        self.runner: SessionRunner = SessionRunner(self.bus, options, self)
        self.render_options = RenderOptions(explain=level_for(getattr(args, "explain", None), script=False),
                                            raw=options.raw)
        self.ui = ui or ReplUI(config, lambda: self.runner.session, self.where,
                               history_path(state_dir()), getattr(args, "color", "auto") or "auto",
                               lambda: self.data_in_body)
        self._running: asyncio.Task[None] | None = None
        # "the session is closed" is said once per connection: the command that closed it
        # and the close event (which can come later, at the next command) both ask for it.
        self._closed_said = False
        self.waiting = WaitingLine()
        self._bar: progress.ProgressBar | None = None  # a large paste going out
        self.prompting = False
        self._interrupted = False
        self.bus.subscribe(self.on_event)

    # -- ShellContext --------------------------------------------------------

    @property
    def connection(self) -> ConnectionCore | None:
        return self.runner.connection

    @property
    def session(self) -> Session:
        return self.runner.session

    def print(self, text: StyledText) -> None:
        """A shell command's output: through the pager when it does not fit the screen."""
        if not self._paged(text):
            self._show(text)

    def _paged(self, text: StyledText) -> bool:
        argv = pager.pager_command(self.config.pager)
        if argv is None or not sys.stdout.isatty():
            return False
        shown = width.wrap_styled(text, width.terminal_columns(sys.stdout))  # as it would be on screen
        rendered = ansi.to_text(shown, (getattr(self.args, "color", "auto") or "auto") != "never")
        if pager.fits(rendered):
            return False
        self.waiting.clear()
        return pager.page(rendered, argv)

    def _show(self, fragments: StyledText) -> None:
        """Everything printed goes here: the waiting line is erased first (it comes back)."""
        if fragments:
            self.waiting.clear()
            if self._bar is not None:
                self._bar.clear()  # drawn again at its next update
        self.ui.show(fragments)

    def error(self, message: str) -> None:
        self._show([("class:error", f"smtpshell: {message}"), ("", "\n")])

    def info(self, message: str) -> None:
        self._show([("class:info", f"** {message}"), ("", "\n")])

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str:
        self.waiting.clear()
        self.prompting = True  # a question is on screen: no waiting line under it
        try:
            return await self.ui.ask(label, secret=secret, default=default)
        finally:
            self.prompting = False

    async def connect(self, target: str | None) -> None:
        """Open a new session to ``target`` (None: the last one), saying goodbye to the old."""
        if target:
            try:
                new = parse_target(target, implicit_tls=False)
            except BadTarget as exc:
                self.error(str(exc))
                return
        elif self.runner.target is not None:
            new = self.runner.target
        else:
            self.error(t("drivers.repl.connect_needs_target", "/connect needs a HOST[:PORT]"))
            return
        # Out of step, a QUIT's reply could not be told apart; inside DATA it would be text.
        polite = not self.out_of_step and self.runner.session.phase is not Phase.DATA
        await self.runner.close(quit_first=polite)
        self.out_of_step = False
        self.runner.outcome.error = None
        await self.runner.open(new)

    async def quit(self) -> None:
        try:
            await self._leave()
        finally:
            self.done = True  # even if Ctrl-C stopped the wait for the 221

    def clear_screen(self) -> None:
        self.ui.clear_screen()

    def history_lines(self) -> list[str]:
        history = self.ui.history
        return history.get_strings() if history is not None else []  # oldest first

    # -- events --------------------------------------------------------------

    def where(self) -> Where:
        conn = self.runner.connection
        info = conn.tls_info if conn is not None else None
        return Where(
            address=str(self.runner.target) if self.runner.target else "",
            tls_version=info.version if info else None,
            tls_verified=info.verified if info else True,
            connected=self.runner.connected,
            raw=self.runner.raw,
            pipelining=("group" if self.runner.one_write else "on") if self.runner.pipelining else "",
        )

    def on_event(self, event: ev.Event) -> None:
        # /level sets self.render_options: read them at each event.
        if isinstance(event, ev.LineSent) and not event.automatic and not event.raw and not self.ui.erased_last_line:
            self._show(self._typed_line_sent(event))
        else:
            self._show(render_event(event, self.runner.session, self.render_options))
        if isinstance(event, ev.ReplyReceived) and event.reply.code == 354:
            self.data_in_body = False
        elif isinstance(event, ev.LineSent) and event.kind is LineKind.DATA_LINE and not event.shown:
            self.data_in_body = True
        if isinstance(event, ev.Connected):
            self._closed_said = False
        if isinstance(event, ev.Closed) and event.by_peer and self._running is None and not self.done:
            asyncio.get_running_loop().call_soon(self._closed_prompt)  # closed while the prompt showed
        if self.out_of_step and isinstance(event, (ev.ReplyReceived, ev.ProtocolErrorReceived)):
            # The exchange is queued right after this callback: forget it then.
            asyncio.get_running_loop().call_soon(self._late_reply)

    @staticmethod
    def _typed_line_sent(event: ev.LineSent) -> StyledText:
        """A typed line is already on screen, at the prompt: its C: line would say it twice.
        Only what the shell changed on the wire (dot-stuffing) is said. Lines the shell
        sends itself, lines the prompt erased (a credential), and script mode and
        transcripts keep their C: lines."""
        if not event.note:
            return []
        return [("class:note", t("repl.sent_note", "   ({note})", note=safe(event.note))), ("", "\n")]

    def _late_reply(self) -> None:
        conn = self.runner.connection
        if conn is not None:
            conn.drop_exchanges()
        if not self.runner.session.pending and self.out_of_step:
            self.out_of_step = False
            self.info(t("drivers.repl.back_in_step", "that was the late reply to the interrupted command: the session is back in step"))

    # -- the loop --------------------------------------------------------------

    async def run(self, target: Target) -> int:
        if self.config.problem:
            self.error(self.config.problem)
        if self.ui.style_problem:
            self.error(self.ui.style_problem)
        if self.ui.history is not None and self.ui.history.problem:
            self.error(self.ui.history.problem)
        restore = self._install_sigint()
        try:
            self.ui.show([("class:note", welcome())])
            if not await self._guarded(self.runner.open(target), t("drivers.repl.connecting", "connecting")):
                return exitcodes.CONNECTION
            if not self.runner.connected and self.runner.outcome.error:
                return exitcodes.CONNECTION
            while not self.done:
                try:
                    text = await self.ui.read_line()
                except EOFError:
                    if await self._confirm_leave():
                        await self._guarded(self._leave(), t("drivers.repl.saying_goodbye", "saying goodbye"))
                        break
                    continue
                except KeyboardInterrupt:
                    continue
                lines = text.split("\n")
                if len(lines) > 1 and lines[-1] == "":
                    lines.pop()  # pasted text ends with a line end: that is no extra empty line
                await self._handle_entry(lines, len(text))
        finally:
            restore()
            await self.runner.close(quit_first=False)
            self._show_summary()
        return exitcodes.OK

    def _show_summary(self) -> None:
        """The end of the shell: what happened, in a few lines (/summary shows it any time)."""
        from ..shell.summary import summary_text

        if self.runner.summary.server:
            self.ui.show(summary_text(self.runner.summary))

    async def _handle_entry(self, lines: list[str], size: int) -> None:
        """The lines of one entry, in order; a large paste shows a progress bar while it goes."""
        bar = progress.ProgressBar.on_terminal(t("repl.paste", "paste"), size) if size >= PASTE_PROGRESS else None
        self._bar = bar
        done = 0
        try:
            for line in lines:
                if self.done:
                    break
                await self.handle(line)
                done += len(line) + 1
                if bar is not None:
                    bar.update(done)
        finally:
            self._bar = None
            if bar is not None:
                bar.finish()

    async def handle(self, text: str) -> None:
        """One line, as the runner sees it; held back while the session is out of step."""
        line = classify(text, self.runner.session)
        if self.out_of_step and text.strip() and line.kind is not LineKind.SHELL:
            if self.runner.session.pending and self.runner.connected:
                self.error(t("drivers.repl.out_of_step", "not sent: the session is out of step (a reply to the interrupted command has not come yet); wait for it, or /reconnect to start afresh"))
                return
            self.out_of_step = False
        conn = self.runner.connection
        if conn is not None and not self.runner.session.pending:
            conn.drop_exchanges()  # nothing is awaited, so anything queued is stale
        was_connected = self.runner.connected
        await self._guarded(self.runner.handle(line), text)
        # Closed, or closing: after a 2xx to QUIT the session is over whether or not the
        # server's close has arrived yet (a Ctrl-D typed ahead would otherwise leave first).
        ended = not self.runner.connected or self.runner.session.phase in (Phase.CLOSING, Phase.CLOSED)
        if was_connected and ended and not self.done:
            self._closed_prompt()

    def _closed_prompt(self) -> None:
        """QUIT or a server close ends the session, not the shell: the mail just sent can
        still be read (/mailbox), a transcript saved, a new session opened."""
        if self._closed_said:
            return
        self._closed_said = True
        self.info(t("repl.closed", "the session is closed; /mailbox, /reconnect, /connect, /record and /summary still work; /quit or Ctrl-D leaves"))

    async def _guarded(self, work: Any, what: str) -> bool:
        """Run ``work`` so that Ctrl-C cancels it (and only it). False if interrupted."""
        task = asyncio.ensure_future(work)
        self._running = task
        ticker = asyncio.ensure_future(self._show_waiting())
        try:
            with echo_off():  # keys typed ahead are kept for the next prompt, not echoed
                await task
        except asyncio.CancelledError:
            if not self._interrupted:
                raise
            self._interrupted = False
            self._after_interrupt(what)
            return False
        finally:
            ticker.cancel()
            self.waiting.clear()
            self._running = None
        return True

    async def _show_waiting(self) -> None:
        """While the work waits for a reply, say so in the toolbar's place, with the seconds."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            await asyncio.sleep(REFRESH)
            pending = self.runner.session.pending
            if pending and self.runner.connected and not self.prompting:
                self.waiting.draw(pending[0].text or _awaited(pending[0].kind), loop.time() - started)
            else:
                self.waiting.clear()

    def _after_interrupt(self, what: str) -> None:
        conn = self.runner.connection
        if conn is None or not conn.is_open:
            self.ui.show([("class:warning", "!! " + t("drivers.repl.interrupted", "interrupted ({what})", what=what)), ("", "\n")])
            return
        waiting = len(self.runner.session.pending)
        if waiting:
            self.out_of_step = True
            self.ui.show([("class:warning", "!! " + t("drivers.repl.stopped_waiting", "stopped waiting for the reply to {what}. The session is now out of step: {count} reply(ies) may still come and will be shown when they do. SMTP commands are held back until then; /reconnect starts a fresh session.",
                                                      what=repr(what), count=waiting)),
                          ("", "\n")])
        else:
            conn.drop_exchanges()
            self.ui.show([("class:warning", "!! " + t("drivers.repl.interrupted_phase", "interrupted ({what}); phase: {phase}",
                                                      what=what, phase=phase_words(self.runner.session.phase))),
                          ("", "\n")])

    def _sigint(self) -> None:
        task = self._running
        if task is not None and not task.done():
            self._interrupted = True
            task.cancel()

    def _install_sigint(self) -> Any:
        """Ctrl-C while no prompt shows (a reply is awaited) cancels that wait."""
        try:
            loop = asyncio.get_running_loop()
            previous = signal.getsignal(signal.SIGINT)
            loop.add_signal_handler(signal.SIGINT, self._sigint)
        except (ValueError, RuntimeError, NotImplementedError):
            return lambda: None  # not the main thread (tests) or no signals: nothing to restore

        def restore() -> None:
            loop.remove_signal_handler(signal.SIGINT)
            signal.signal(signal.SIGINT, previous)

        return restore

    async def _confirm_leave(self) -> bool:
        session = self.runner.session
        if not (self.runner.connected and session.phase.in_transaction):
            return True
        try:
            answer = await self.ui.ask(t("drivers.repl.confirm_quit", "a mail transaction is open ({phase}); quit anyway? [y/N] ",
                                         phase=phase_words(session.phase)))
        except EOFError:
            return True
        return answer.strip().lower() in ("y", "yes", t("drivers.repl.yes", "yes").strip().lower())

    async def _leave(self) -> None:
        """QUIT (shown, with the 221); inside DATA a QUIT would be message text, so just close."""
        if self.runner.connected and self.runner.session.phase is Phase.DATA:
            self.info(t("drivers.repl.leaving_in_data", "leaving inside DATA: the message was not sent; closing without QUIT (QUIT here would be message text)"))
            await self.runner.close(quit_first=False)
            return
        await self.runner.close()


async def run_interactive(args: argparse.Namespace, target: Target, options: RunOptions, *,
                          record: str | None = None, practice_server: PracticeServer | None = None) -> int:
    config = load()
    if config.timeout and getattr(args, "timeout", DEFAULT_TIMEOUT) == DEFAULT_TIMEOUT:
        options = options._replace(timeout=float(config.timeout))
    repl = Repl(args, options, config, practice_server=practice_server)
    if record:  # --record FILE: from the very first event
        from ..shell.record import record_from_flag

        repl.recorder = record_from_flag(record, repl.bus, target, repl.error)
    return await repl.run(target)

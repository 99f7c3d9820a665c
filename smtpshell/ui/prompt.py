"""The prompt_toolkit side of the REPL: the prompt, printing above it, asking questions.

:class:`ReplUI` knows nothing about SMTP beyond what it reads from the
session for display; :mod:`smtpshell.drivers.interactive` drives it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.application import get_app_or_none
from prompt_toolkit.auto_suggest import ConditionalAutoSuggest
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.output import ColorDepth

from ..config import Config
from ..i18n import t
from ..protocol.secrets import is_secret_line
from ..protocol.session import Phase, Session
from ..render.styled import StyledText
from ..render.width import cell_width, fit, whole_fragments, wrap_styled
from . import keys
from .completer import SmtpCompleter, phase_lexer
from .completion import Sources
from .history import IndexedMemoryHistory, SecretSafeHistory, SuggestFromIndex, should_keep
from .paste import HeldPaste
from .theme import build_style
from .toolbar import Where, right_prompt, toolbar


def prompt_for(session: Session, connected: bool) -> tuple[str, str]:
    """The prompt for the state: (style class, text). Short, so it is easy to spot; read at
    each redraw, so it is in the language of the moment."""
    if not connected:
        return "class:prompt.closed", t("ui.prompt.closed", "closed> ")
    if session.chunk_remaining:  # typing the raw bytes of a BDAT chunk
        return "class:prompt.data", t("ui.prompt.chunk", "chunk> ")
    if session.phase is Phase.DATA:
        return "class:prompt.data", t("ui.prompt.data", "data> ")
    if session.phase is Phase.AUTH:
        return "class:prompt.auth", t("ui.prompt.auth", "auth> ")
    if session.phase is Phase.CLOSED:
        return "class:prompt.closed", t("ui.prompt.closed", "closed> ")
    return "class:prompt", t("ui.prompt.smtp", "smtp> ")


class ReplUI:
    def __init__(
        self,
        config: Config,
        session: Callable[[], Session],
        where: Callable[[], Where],
        history_file: Path | None,
        color: str = "auto",
        data_in_body: Callable[[], bool] = lambda: False,
    ) -> None:
        self.config = config
        self._session = session
        self._where = where
        self._targets: list[str] = []  # HOST:PORT this shell connected to, newest first
        self.style, self.style_problem = build_style(config.theme, config.colors)
        self.color_depth = ColorDepth.DEPTH_1_BIT if color == "never" else (
            ColorDepth.DEPTH_8_BIT if color == "always" else None)  # "always": even under NO_COLOR
        def keep(line: str) -> bool:
            return should_keep(line, self._session())

        self.history = SecretSafeHistory(history_file, keep, config.history_size) if history_file else None
        # Completion and auto-suggest read this history's index, never the whole history per key.
        self._indexed = self.history or IndexedMemoryHistory()
        self.toolbar_shown = config.toolbar
        self.held_paste = HeldPaste()  # a large paste's lines inside DATA, until Enter (ui/paste.py)
        self.prompt_session: PromptSession[str] = PromptSession(
            message=self._message,
            history=self._indexed,
            # A held paste (ui/paste.py) may hold the blank line that starts the body.
            lexer=phase_lexer(session, lambda: data_in_body() or self.held_paste.in_body),
            completer=SmtpCompleter(session, self._completion_sources),
            complete_while_typing=Condition(self._completion_wanted),
            auto_suggest=ConditionalAutoSuggest(SuggestFromIndex(lambda: self._indexed.index),
                                                Condition(self._suggestion_wanted))
            if config.auto_suggest else None,
            bottom_toolbar=self._toolbar if self.toolbar_shown else None,
            rprompt=self._rprompt,
            key_bindings=keys.bindings(self),
            vi_mode=config.vi_mode,
            enable_open_in_editor=True,
            tempfile_suffix=lambda: ".eml" if self._session().is_data_content else ".txt",
            style=self.style,
            include_default_pygments_style=False,
            color_depth=self.color_depth,
            reserve_space_for_menu=6,
        )
        # Set when an accepted line is erased from the screen (it may carry a credential):
        # the driver then shows the shell's C: line, with the secret hidden, in its place.
        self.erased_last_line = False
        self._erase_secret_lines()

    # -- what the prompt shows ---------------------------------------------

    def _message(self) -> FormattedText:
        self._remember_target()  # each prompt: so the practice server stays on offer after /connect
        return FormattedText([self._prompt_text()])

    def _prompt_text(self) -> tuple[str, str]:
        return prompt_for(self._session(), self._where().connected)

    def _toolbar(self) -> FormattedText:
        # One line: cut at a word (or CJK character) to the window's width, measured at each redraw.
        typed = self.prompt_session.default_buffer.text
        return FormattedText(fit(toolbar(self._session(), self._where(), typed), self.columns() or 80))

    def _rprompt(self) -> FormattedText:
        if self.toolbar_shown:
            return FormattedText([])  # the toolbar says the phase: once is enough
        # What is left of the first line after the prompt and what is typed on it, in columns.
        typed = self.prompt_session.default_buffer.text.split("\n", 1)[0]
        room = (self.columns() or 80) - cell_width(self._prompt_text()[1] + typed) - 2
        return FormattedText(whole_fragments(right_prompt(self._session(), self._where()), room))

    def _sources(self) -> Sources:
        helo = [self.config.helo] if self.config.helo else []
        return Sources(history_addresses=self._indexed.index.addresses(), helo_names=helo)

    def _completion_wanted(self) -> bool:
        return self.config.complete_while_typing and not self._session().is_data_content

    def _suggestion_wanted(self) -> bool:
        return self._session().phase not in (Phase.DATA, Phase.AUTH)

    def _completion_sources(self) -> Sources:
        return self._sources().with_targets(self._targets_seen())

    def _targets_seen(self) -> list[str]:
        """Targets of this shell, the current (or last) one first: in the default run
        one of them is the practice server, so it stays on offer after /connect."""
        self._remember_target()
        return list(self._targets)

    def _remember_target(self) -> None:
        address = self._where().address
        if address and (not self._targets or self._targets[0] != address):
            self._targets = [address, *(t for t in self._targets if t != address)]

    def holds_pastes(self) -> bool:
        return self._session().is_data_content

    def hold_paste(self, text: str) -> None:
        self.show([("class:note", self.held_paste.hold(text) + "\n")])

    def drop_held_paste(self) -> bool:
        note = self.held_paste.drop()
        if note is not None:
            self.show([("class:note", note + "\n")])
        return note is not None

    def toggle_toolbar(self) -> None:
        self.toolbar_shown = not self.toolbar_shown
        self.prompt_session.bottom_toolbar = self._toolbar if self.toolbar_shown else None

    # -- input -------------------------------------------------------------

    def _erase_secret_lines(self) -> None:
        """A line that may carry a credential (``AUTH PLAIN <base64>``, an ``auth>`` answer) does not
        stay on screen as typed: the prompt erases it when accepted, and the shell's own
        ``C:`` line (with the secret hidden) is what remains. History and wire are handled apart."""
        buffer = self.prompt_session.default_buffer
        accept = buffer.accept_handler

        def accept_erasing_secrets(buff: Buffer) -> bool:
            self.erased_last_line = is_secret_line(buff.text, self._session())
            self.prompt_session.app.erase_when_done = self.erased_last_line
            return bool(accept(buff)) if accept is not None else False

        buffer.accept_handler = accept_erasing_secrets

    async def read_line(self) -> str:
        """The next entry (may hold several lines, from a paste or the editor).

        Raises EOFError on Ctrl-D (empty line)."""
        return self.held_paste.entry(await self.prompt_session.prompt_async(handle_sigint=False))

    async def ask(self, label: str, *, secret: bool = False, default: str = "") -> str:
        """A one-off question. Its answer never reaches any history (a fresh,
        in-memory one is thrown away). Ctrl-C or Ctrl-D cancel: EOFError."""
        question: PromptSession[str] = PromptSession(
            history=InMemoryHistory(), style=self.style, color_depth=self.color_depth,
            include_default_pygments_style=False,
        )
        try:
            return await question.prompt_async(
                FormattedText([("class:prompt.auth", label)]), is_password=secret,
                default=default, handle_sigint=False,
            )
        except KeyboardInterrupt:
            raise EOFError(t("ui.prompt.cancelled", "{question} cancelled", question=label.strip())) from None

    # -- output ------------------------------------------------------------

    def show(self, fragments: StyledText) -> None:
        """Print styled text; above the prompt if one is showing (at once, no keypress)."""
        if not fragments:
            return
        print_formatted_text(
            FormattedText(wrap_styled(fragments, self.columns())), end="", style=self.style,
            color_depth=self.color_depth, include_default_pygments_style=False,
        )

    def columns(self) -> int | None:
        """The terminal's width now: measured at each print, so output after a resize fits."""
        try:
            return self.prompt_session.output.get_size().columns or None
        except OSError:
            return None

    def clear_screen(self) -> None:
        app = get_app_or_none()
        if app is not None and app.is_running:
            app.renderer.clear()
            return
        from prompt_toolkit.output import create_output

        output = create_output()
        output.erase_screen()
        output.cursor_goto(0, 0)
        output.flush()

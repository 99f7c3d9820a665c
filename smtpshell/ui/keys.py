"""Key bindings of the main prompt (on top of prompt_toolkit's emacs or vi set).

- Ctrl-C clears the line (it never leaves the shell; Ctrl-D or /quit does);
  while a reply is awaited, Ctrl-C is handled by the driver (it stops waiting).
- Ctrl-D on an empty line: the driver sends QUIT (asking first mid-transaction).
- Ctrl-L clears the screen, Ctrl-X Ctrl-E opens $EDITOR (prompt_toolkit's own).
- F2 shows or hides the toolbar.
- A large paste inside DATA keeps only its last line in the buffer (ui/paste.py); Ctrl-C
  drops what it holds.
- Tab completes at once, even when typed faster than the completion-while-typing
  task runs (prompt_toolkit would drop that Tab: its completer runs one at a time
  and ignores a request while a menu is being built).
"""

from __future__ import annotations

from typing import Protocol

from prompt_toolkit.completion import CompleteEvent, get_common_complete_suffix
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition, has_selection
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

from ..i18n import t
from ..render.styled import StyledText
from . import paste


class KeyHost(Protocol):
    """What the key bindings act on (the REPL's ReplUI): named here so keys.py needs nothing above it."""

    def show(self, text: StyledText) -> None: ...

    def toggle_toolbar(self) -> None: ...

    def holds_pastes(self) -> bool: ...

    def hold_paste(self, text: str) -> None: ...

    def drop_held_paste(self) -> bool: ...



def empty_line_hint() -> str:
    """What Ctrl-C on an empty line says (it never leaves the shell)."""
    return t("ui.keys.empty_line", "(Ctrl-C clears the line; Ctrl-D or /quit leaves the shell)") + "\n"


def bindings(ui: KeyHost) -> KeyBindings:
    kb = KeyBindings()

    @kb.add("c-c")
    def _clear_line(event: KeyPressEvent) -> None:
        buffer = event.app.current_buffer
        dropped = ui.drop_held_paste()
        if buffer.text:
            buffer.reset()
        elif not dropped:
            ui.show([("class:note", empty_line_hint())])

    @kb.add(Keys.BracketedPaste, filter=Condition(ui.holds_pastes))
    def _paste(event: KeyPressEvent) -> None:
        # prompt_toolkit's own paste handler, but a large paste keeps only its last line here.
        pasted = event.data.replace("\r\n", "\n").replace("\r", "\n")
        buffer = event.current_buffer
        split = paste.split_large(buffer.text, buffer.cursor_position, pasted)
        if split is None:
            buffer.insert_text(pasted)
            return
        held, rest = split
        ui.hold_paste(held)
        buffer.document = Document(rest, len(rest))

    @kb.add("tab", filter=~has_selection)
    def _complete(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.complete_index is not None:
            buffer.complete_next()  # already walking through a menu
            return
        if buffer.completer is None:
            return
        # Our completer is synchronous and takes microseconds: ask it directly.
        found = list(buffer.completer.get_completions(buffer.document, CompleteEvent(completion_requested=True)))
        if len(found) == 1:
            buffer.apply_completion(found[0])
            return
        common = get_common_complete_suffix(buffer.document, found) if found else ""
        if common:
            buffer.insert_text(common)
        elif found and state is not None:
            buffer.complete_next()  # the menu is up: select its first entry
        elif found:
            buffer.start_completion(select_first=True)

    @kb.add("s-tab", filter=~has_selection)
    def _complete_previous(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.complete_state is not None:
            buffer.complete_previous()

    @kb.add("f2")
    def _toggle_toolbar(event: KeyPressEvent) -> None:
        ui.toggle_toolbar()
        event.app.invalidate()

    return kb

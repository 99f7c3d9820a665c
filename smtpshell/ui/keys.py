"""Key bindings of the main prompt (on top of prompt_toolkit's emacs or vi set).

- Ctrl-C clears the line (it never leaves the shell; Ctrl-D or /quit does);
  while a reply is awaited, Ctrl-C is handled by the driver (it stops waiting).
- Ctrl-D on an empty line: the driver sends QUIT (asking first mid-transaction).
- Ctrl-L clears the screen, Ctrl-X Ctrl-E opens $EDITOR (prompt_toolkit's own).
- F2 shows or hides the toolbar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

if TYPE_CHECKING:
    from .prompt import ReplUI

EMPTY_LINE_HINT = "(Ctrl-C clears the line; Ctrl-D or /quit leaves the shell)\n"


def bindings(ui: "ReplUI") -> KeyBindings:
    kb = KeyBindings()

    @kb.add("c-c")
    def _clear_line(event: KeyPressEvent) -> None:
        buffer = event.app.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            ui.show([("class:note", EMPTY_LINE_HINT)])

    @kb.add("f2")
    def _toggle_toolbar(event: KeyPressEvent) -> None:
        ui.toggle_toolbar()
        event.app.invalidate()

    return kb

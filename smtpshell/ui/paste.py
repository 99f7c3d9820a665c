"""A large paste inside DATA is held above the prompt, not in its buffer (a key-binding hook).

prompt_toolkit makes a new ``Document`` of the whole buffer at every key, and splits it into
lines for the screen: with 100,000 pasted lines in the buffer each key took 4 ms in
prompt_toolkit alone, and grew with the paste. So inside DATA a paste of
:data:`HELD_PASTE_LINES` lines or more keeps only its last, unfinished line in the buffer;
the complete lines are held (:class:`HeldPaste`) and go out, in order, with the line the next
Enter accepts. Nothing is sent before that Enter, as with any paste: Ctrl-C drops the held
lines with the line. A smaller paste stays in the buffer, where it can still be edited.
"""

from __future__ import annotations

from ..i18n import t

HELD_PASTE_LINES = 1000  # lines of a paste, inside DATA, from which it is held


def split_large(text: str, cursor: int, pasted: str) -> tuple[str, str] | None:
    """(the complete lines to hold, what stays in the buffer) when pasting ``pasted`` at
    ``cursor`` into ``text`` makes a paste worth holding; None when it is inserted as usual."""
    if pasted.count("\n") < HELD_PASTE_LINES:
        return None
    whole = text[:cursor] + pasted + text[cursor:]
    complete, _, rest = whole.rpartition("\n")
    return complete, rest


class HeldPaste:
    """The complete lines of large pastes, waiting for the next Enter."""

    def __init__(self) -> None:
        self._texts: list[str] = []  # each a paste's complete lines, joined by LF
        self.lines = 0
        # True once a held line is blank: the message's body has begun, so the lines on the
        # prompt are body, not headers (the DATA lexer colours them so).
        self.in_body = False

    def hold(self, text: str) -> str:
        """Keep ``text``; returns the note that says so."""
        self._texts.append(text)
        self.lines += text.count("\n") + 1
        self.in_body = self.in_body or text == "" or text.startswith("\n") or text.endswith("\n") or "\n\n" in text
        return t("ui.paste.held",
                 "{count} pasted lines are held, not sent yet: Enter sends them with the line below; Ctrl-C drops them",
                 count=self.lines)

    def entry(self, accepted: str) -> str:
        """The whole entry: the held lines, then the line accepted; nothing is held after."""
        if not self._texts:
            return accepted
        texts, self._texts, self.lines, self.in_body = self._texts, [], 0, False
        return "\n".join((*texts, accepted))

    def drop(self) -> str | None:
        """Forget the held lines; the note that says so, or None if nothing was held."""
        if not self._texts:
            return None
        count, self._texts, self.lines, self.in_body = self.lines, [], 0, False
        return t("ui.paste.dropped", "the {count} held pasted lines were dropped: nothing was sent", count=count)

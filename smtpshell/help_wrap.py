"""``--help`` texts wrapped by what the terminal shows, and marked line by line in the pseudo-locale.

The wrapping itself is :func:`smtpshell.render.width.wrap` (display width,
breaks between CJK characters, never inside an English word or a ``--flag``).
In the ``qps`` pseudo-locale a help text is ``⟦...⟧``: it is wrapped without
the marks and each line marked again, so every line on screen shows it came
through the catalogue (a text with unmarked parts is left as it is, to be seen).
"""

from __future__ import annotations

from . import i18n
from .render.width import cell_width as width
from .render.width import wrap

__all__ = ["split_lines", "width", "wrap"]


def _one_marked_text(text: str) -> bool:
    """The whole text is one ``⟦...⟧``."""
    return (text.startswith(i18n.MARK_OPEN) and text.endswith(i18n.MARK_CLOSE)
            and text.count(i18n.MARK_OPEN) == 1 and text.count(i18n.MARK_CLOSE) == 1)


def split_lines(text: str, columns: int) -> list[str]:
    """The help text's lines, at most ``columns`` columns each."""
    text = " ".join(text.split())
    if i18n.is_pseudo() and _one_marked_text(text):
        inner = text[len(i18n.MARK_OPEN):-len(i18n.MARK_CLOSE)]
        return [f"{i18n.MARK_OPEN}{line}{i18n.MARK_CLOSE}" for line in wrap(inner, max(columns - 2, 10), indent=0)]
    return wrap(text, columns, indent=0)

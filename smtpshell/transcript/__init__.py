"""Transcripts: SMTP sessions written the way RFC 5321's examples are.

One format serves three uses: a lesson a student steps through, a check an
administrator replays in CI, and a golden test. See ``docs/transcripts.md``.

- :mod:`.model` and :mod:`.parse`: the format, read into steps;
- :mod:`.recorder`: an event-bus listener that writes a transcript;
- :mod:`.match`: expected reply lines (with wildcards) against real replies;
- :mod:`.replay`: send the ``C:`` lines again and compare;
- :mod:`.lesson`: step through a transcript at a prompt (prompt_toolkit);
- :mod:`.export`: Markdown and self-contained HTML handouts;
- :mod:`.lexer`: a Pygments lexer for the format.
"""

from __future__ import annotations

from ..lazy import import_module  # not importlib: it imports warnings, at every start
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .model import Expected, Step, Transcript
    from .parse import TranscriptError, parse_text, read_transcript

__all__ = ["Expected", "Step", "Transcript", "TranscriptError", "parse_text", "read_transcript"]

# The format loads on first use, not with the package: every session imports
# transcript.summary, and model/parse bring pathlib with them (a few ms a start).
_HOMES = {"Expected": ".model", "Step": ".model", "Transcript": ".model", "TranscriptError": ".parse",
          "parse_text": ".parse", "read_transcript": ".parse"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home, __name__), name)

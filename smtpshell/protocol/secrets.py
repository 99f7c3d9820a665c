"""Which lines carry secrets, so they are never stored or shown in the clear.

Used by the history file, transcripts and the screen. (Stub: the AUTH work
fills in the rules; until then every AUTH line and SASL response counts.)
"""

from __future__ import annotations

from .commands import CommandLine
from .session import Phase, Session


def is_secret_line(line: str, session: Session | None = None) -> bool:
    """True if ``line`` (as typed) may carry a credential."""
    if session is not None and session.phase is Phase.AUTH:
        return True
    cmd = CommandLine.parse(line)
    return cmd.verb == "AUTH" and len(cmd.args.split()) > 1

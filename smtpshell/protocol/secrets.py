"""Which lines carry secrets, so they are never stored or shown in the clear.

Used by the history file (the REPL skips these lines), transcripts and the
screen. The rules, as data:

- while the server waits for a SASL response (after a 334, ``Phase.AUTH``),
  every line is secret except a lone ``*`` (cancel);
- ``AUTH MECH INITIAL-RESPONSE`` is secret, except for LOGIN, whose initial
  response is only the username (RFC 4954 allows it; nothing else rides there);
- the shell commands in :data:`SECRET_SHELL_COMMANDS` are secret: their
  arguments are often a password or its base64 (``/b64 hunter2``).
"""

from __future__ import annotations

from .commands import CommandLine
from .session import Phase, Session

# Mechanisms whose initial response holds no secret.
PUBLIC_INITIAL_RESPONSE = frozenset({"LOGIN", "ANONYMOUS", "EXTERNAL"})

# Shell commands whose argument text may be a secret or its base64.
SECRET_SHELL_COMMANDS = frozenset({"/b64", "/unb64"})


def is_secret_line(line: str, session: Session | None = None) -> bool:
    """True if ``line`` (as typed) may carry a credential."""
    if session is not None and session.phase is Phase.AUTH:
        return line.strip() != "*"
    stripped = line.strip()
    if stripped.split(" ", 1)[0].lower() in SECRET_SHELL_COMMANDS:
        return True
    cmd = CommandLine.parse(stripped)
    if cmd.verb != "AUTH":
        return False
    words = cmd.args.split()
    if len(words) < 2:
        return False
    return words[0].upper() not in PUBLIC_INITIAL_RESPONSE

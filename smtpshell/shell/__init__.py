"""Shell commands (``/help``, ``/connect``, ``/data FILE`` ...), one registry.

Each command is a coroutine registered with :func:`registry.command`; ``/help``
is generated from the registry, the completer and the lexer read it too.
Modules that define commands are imported by :func:`load_all`. What a command
drives and may use (``ShellContext``, ``ShellRunner``) is in :mod:`.context`.
"""

from .registry import (
    COMMANDS,
    PREFIX,
    ShellCommand,
    UnknownCommand,
    command,
    dispatch,
    load_all,
)

__all__ = ["COMMANDS", "PREFIX", "ShellCommand", "UnknownCommand", "command", "dispatch", "load_all"]

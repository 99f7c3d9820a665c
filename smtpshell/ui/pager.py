"""Long output through a pager when it does not fit the terminal, as pgcli does.

``/help``, ``/tls``, ``/mailbox`` and ``/history`` can be longer than the
screen; scrolled past, their start is lost. When the text has more lines than
the terminal (wrapped lines counted), it goes to the pager the user chose:
``$PAGER``, else ``less -R`` (colours kept). Script mode never pages: its
output is a stream.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping

from ..render.width import cell_width

DEFAULT = ["less", "-R"]


def pager_command(setting: str, env: Mapping[str, str] | None = None) -> list[str] | None:
    """The pager to run for the config's ``pager`` setting, or None (off, or none installed)."""
    env = os.environ if env is None else env
    if setting.strip().lower() in ("off", "false", "no", "none", ""):
        return None
    chosen = env.get("PAGER", "") if setting == "auto" else setting
    try:
        argv = shlex.split(chosen) if chosen.strip() else list(DEFAULT)
    except ValueError:
        argv = list(DEFAULT)
    return argv if argv and shutil.which(argv[0]) else None


def screen_lines(text: str, columns: int) -> int:
    """How many terminal rows ``text`` takes (escape sequences not counted as width)."""
    import re

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    width = max(columns, 1)
    return sum(max(1, -(-cell_width(line) // width)) for line in plain.split("\n")[:-1] or [""])


def fits(text: str) -> bool:
    try:
        size = os.get_terminal_size(sys.stdout.fileno())  # the window as it is now
    except (OSError, ValueError):
        size = shutil.get_terminal_size()
    return screen_lines(text, size.columns) < size.lines - 1  # a row is left for the prompt


def page(text: str, argv: list[str]) -> bool:
    """Show ``text`` in the pager; False if it could not run (the caller prints instead)."""
    sys.stdout.flush()
    try:
        subprocess.run(argv, input=text.encode("utf-8", "replace"), check=False)
    except OSError:
        return False
    return True

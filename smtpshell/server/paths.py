"""Where the practice server keeps its certificate and mail."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """``$XDG_STATE_HOME/smtpshell``, by default ``~/.local/state/smtpshell``."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "smtpshell"

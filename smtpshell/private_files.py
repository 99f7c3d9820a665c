"""Files that hold secrets or keys (the TLS key log, the shell history): private, never through a link.

Each is opened with ``O_NOFOLLOW`` (a symbolic link at its path is refused,
not followed: someone who can plant a link must not get our keys written, or
a file of theirs chmod'ed, elsewhere), created 0600, and tightened to 0600 if
it already existed looser. Their directory is tightened to 0700.

This module sits at the bottom of the package and says nothing itself: the
callers turn :class:`LinkRefused` into their one line (through i18n).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


class LinkRefused(OSError):
    """The path is a symbolic link, and files with secrets are never opened through one."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(errno.ELOOP, "a symbolic link", str(path))
        self.path = str(path)


def open_private(path: str | os.PathLike[str], flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """A file descriptor for ``path``: created 0600, never through a symbolic link, tightened if looser."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.EMLINK and os.path.islink(path)):
            raise LinkRefused(path) from None
        raise
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & ~FILE_MODE:
            os.fchmod(fd, FILE_MODE)  # the file itself, not whatever a path names now
    except OSError:
        os.close(fd)
        raise
    return fd


def touch_private(path: str | os.PathLike[str]) -> None:
    """Create (or tighten) ``path`` as a private file, refusing a symbolic link."""
    os.close(open_private(path))


def private_dir(path: Path) -> None:
    """Create ``path`` 0700, or tighten it to 0700 if it exists looser (it is ours: the state directory)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise LinkRefused(path)
    if stat.S_IMODE(info.st_mode) & ~DIR_MODE:
        os.chmod(path, DIR_MODE)

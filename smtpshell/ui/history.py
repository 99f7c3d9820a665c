"""Command history in ``$XDG_STATE_HOME/smtpshell/history`` (mode 0600).

A line is kept only if :func:`should_keep` says so: never a line that may
carry a credential (``protocol.secrets.is_secret_line``: an AUTH initial
response, any answer typed in the AUTH phase), never message content typed
in DATA. Lines typed at a password prompt never get here: that prompt has no
history at all. A secret is not kept in memory either, so the up arrow cannot
bring it back to the screen.

The file is capped (``[ui] history_size`` in config.toml, default
:data:`DEFAULT_HISTORY_SIZE` entries): on load, older entries are dropped and
the file is rewritten, atomically. What completion and auto-suggest read is a
:class:`HistoryIndex`, built once when the history loads and updated for each
accepted line, so a keystroke never walks the whole history.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from prompt_toolkit.auto_suggest import AutoSuggest, Suggestion
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory

from ..i18n import t
from ..private_files import LinkRefused, private_dir, touch_private
from ..protocol import catalogue
from ..protocol.catalogue import ArgShape
from ..protocol.commands import CommandLine
from ..protocol.secrets import is_secret_line
from ..protocol.session import Phase, Session, extract_address
from ..untrusted import safe

FILE_MODE = 0o600
# Entries kept in the history file. Shells keep a few thousand (bash's HISTFILESIZE
# 500, zsh's SAVEHIST often 10,000); pgcli keeps everything, which is how a file
# reaches 100,000 entries and every start-up reads them all.
DEFAULT_HISTORY_SIZE = 10_000


def _verb_takes(line: str, shape: ArgShape) -> bool:
    """Is ``line`` a verb whose argument has this shape (the catalogue says)?"""
    entry = catalogue.lookup(CommandLine.parse(line).verb)
    return entry is not None and entry.argument is shape


def should_keep(line: str, session: Session | None) -> bool:
    """May ``line`` (typed in ``session``'s current phase) go into the history?"""
    if not line.strip():
        return False
    if session is not None and session.phase in (Phase.DATA, Phase.AUTH):
        return False  # message content, SASL answers
    lines = line.split("\n")
    if len(lines) > 1 and any(_verb_takes(part, ArgShape.MECHANISM) for part in lines):
        return False  # a pasted AUTH exchange: the lines after it are SASL answers
    return not any(is_secret_line(part, session) for part in lines)


def history_path(state_dir: Path) -> Path:
    return state_dir / "history"


def prepare(path: Path) -> None:
    """Create the file (and its folder) private to the user, and fix the mode if it drifted.

    Raises :class:`~smtpshell.private_files.LinkRefused` for a symbolic link at
    the path: it is neither followed nor its target chmod'ed.
    """
    private_dir(path.parent)
    touch_private(path)


class SecretSafeHistory(FileHistory):
    """A FileHistory that asks ``keep(line)`` before remembering anything, keeps at most
    ``max_entries`` entries in its file, and keeps a :class:`HistoryIndex` up to date."""

    def __init__(self, path: Path, keep: Callable[[str], bool], max_entries: int = DEFAULT_HISTORY_SIZE) -> None:
        self.keep = keep
        self.max_entries = max(1, max_entries)
        self.index = HistoryIndex()
        self.problem: str | None = None  # why the history is not kept in the file (shown once)
        try:
            prepare(path)
        except LinkRefused:
            self.problem = t("history.link", "{path} is a symbolic link; smtpshell does not follow links for the history: this session's history is not saved",
                             path=safe(str(path)))
        except OSError as exc:
            self.problem = t("history.unwritable", "cannot use the history file {path} ({reason}); this session's history is not saved",
                             path=safe(str(path)), reason=exc.strerror or exc)
        super().__init__(str(path))

    def load_history_strings(self) -> Iterable[str]:
        """The entries, newest first (as prompt_toolkit wants them); trims the file to the cap."""
        if self.problem is not None:
            return iter(())  # never read through the link
        entries = read_entries(Path(self.filename))  # type: ignore[arg-type]  # FileHistory keeps str | bytes; ours is str
        if len(entries) > self.max_entries:
            entries = entries[-self.max_entries :]
            rewrite(Path(self.filename), entries)  # type: ignore[arg-type]  # as above
        strings = [text for _, text in entries]
        self.index = HistoryIndex(strings)
        return reversed(strings)

    def append_string(self, string: str) -> None:
        if self.keep(string):
            super().append_string(string)
            self.index.add(string)

    def store_string(self, string: str) -> None:
        if self.problem is None and self.keep(string):
            super().store_string(string)


def read_entries(path: Path) -> list[tuple[str, str]]:
    """The history file's entries, oldest first: (the raw lines as written, the text).

    The format is prompt_toolkit's FileHistory: comment lines (a timestamp), then
    the entry's lines each prefixed with "+".
    """
    entries: list[tuple[str, str]] = []
    raw: list[str] = []
    body: list[str] = []
    if not os.path.exists(path):
        return entries
    with open(path, "rb") as handle:
        for line_bytes in handle:
            line = line_bytes.decode("utf-8", errors="replace")
            if line.startswith("+"):
                body.append(line[1:])
                raw.append(line)
                continue
            if body:
                entries.append(("".join(raw), "".join(body)[:-1]))
                raw, body = [], []
            raw.append(line)
    if body:
        entries.append(("".join(raw), "".join(body)[:-1]))
    return entries


def rewrite(path: Path, entries: list[tuple[str, str]]) -> None:
    """Replace the file with ``entries`` (raw form) at once: a crash leaves the old file or the new."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="") as out:
        for raw, _ in entries:
            out.write(raw if raw.endswith("\n") else raw + "\n")
    os.replace(tmp, path)


class HistoryIndex:
    """What completion and auto-suggest read from the history, kept up to date per line.

    - the addresses of MAIL FROM / RCPT TO lines, newest first, once each;
    - every line of every entry, sorted, with the recency of its latest use, and a
      max-tree over those recencies: the newest line with a given prefix is two
      bisections and a tree walk, O(log n), whatever the size of the history.

    Lines accepted during the session go to a small side table (newest of all by
    construction); it is merged into the tree when it grows, so an accepted line
    costs O(1) and a merge O(n) once every :data:`MERGE_EVERY` lines.
    """

    MERGE_EVERY = 32

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self._addresses: dict[str, None] = {}  # oldest first; a reused address moves to the end
        self._addresses_newest_first: list[str] | None = []
        self._recency: dict[str, int] = {}  # line -> recency of its latest use
        self._clock = 0
        self._sorted: list[str] = []
        self._tree: list[int] = []
        self._recent: dict[str, int] = {}  # lines since the last merge -> recency
        for entry in entries:
            self._note(entry)
        self._merge()
        self.items_touched = 0  # lines looked at by queries: what a test of "per key" cost counts

    # -- updates (one per accepted line) -------------------------------------

    def add(self, entry: str) -> None:
        self._note(entry, recent=True)
        if len(self._recent) >= self.MERGE_EVERY:
            self._merge()

    def _note(self, entry: str, recent: bool = False) -> None:
        for line in entry.split("\n"):
            self._clock += 1
            self._recency[line] = self._clock
            if recent:
                self._recent.pop(line, None)
                self._recent[line] = self._clock
            address = _address_of(line)
            if address:
                self._addresses.pop(address, None)
                self._addresses[address] = None
                self._addresses_newest_first = None

    def _merge(self) -> None:
        self._sorted = sorted(self._recency)
        n = len(self._sorted)
        tree = [0] * n + [self._recency[line] for line in self._sorted]
        for i in range(n - 1, 0, -1):
            tree[i] = max(tree[2 * i], tree[2 * i + 1])
        self._tree = tree
        self._line_at: dict[int, int] = {self._recency[line]: i for i, line in enumerate(self._sorted)}
        self._recent = {}

    # -- queries (per keystroke) ---------------------------------------------

    def addresses(self) -> Sequence[str]:
        """MAIL/RCPT addresses, newest first: the same list until an address is added."""
        if self._addresses_newest_first is None:
            self._addresses_newest_first = list(reversed(self._addresses))
        return self._addresses_newest_first

    def newest_line_starting_with(self, prefix: str) -> str | None:
        """The most recently used history line that starts with ``prefix``."""
        for line in reversed(self._recent):  # newest first; bounded by MERGE_EVERY
            self.items_touched += 1
            if line.startswith(prefix):
                return line
        lo = bisect_left(self._sorted, prefix)
        after = _after_prefix(prefix)
        hi = bisect_left(self._sorted, after, lo) if after is not None else len(self._sorted)
        best = self._range_max(lo, hi)
        if best == 0:
            return None
        line = self._sorted[self._line_at[best]]
        return line if line.startswith(prefix) else None  # (only after U+10FFFF can it not)

    def _range_max(self, lo: int, hi: int) -> int:
        """Largest recency among sorted positions [lo, hi): O(log n) tree nodes."""
        n = len(self._sorted)
        best = 0
        lo += n
        hi += n
        while lo < hi:
            self.items_touched += 1
            if lo & 1:
                best = max(best, self._tree[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                best = max(best, self._tree[hi])
            lo //= 2
            hi //= 2
        return best


def _after_prefix(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix`` (None: none is)."""
    while prefix and ord(prefix[-1]) >= 0x10FFFF:
        prefix = prefix[:-1]
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None


def _address_of(line: str) -> str | None:
    found = addresses_in((line,))  # the one rule for "an address used in this line"
    return found[0] if found else None


class IndexedMemoryHistory(InMemoryHistory):
    """The session-only history (no state directory), with the same index."""

    def __init__(self) -> None:
        super().__init__()
        self.index = HistoryIndex()

    def append_string(self, string: str) -> None:
        super().append_string(string)
        self.index.add(string)


class SuggestFromIndex(AutoSuggest):
    """prompt_toolkit's AutoSuggestFromHistory, answered by the index instead of a scan.

    Same rule: the newest history line that starts with the last line typed.
    """

    def __init__(self, index: Callable[[], HistoryIndex | None]) -> None:
        self._index = index

    def get_suggestion(self, buffer: Buffer, document: Document) -> Suggestion | None:
        text = document.text.rsplit("\n", 1)[-1]
        index = self._index()
        if index is None or not text.strip():
            return None
        line = index.newest_line_starting_with(text)
        return Suggestion(line[len(text) :]) if line is not None else None


def addresses_in(lines: Iterable[str]) -> list[str]:
    """Addresses used in MAIL FROM / RCPT TO lines, newest first, once each."""
    seen: dict[str, None] = {}
    for line in lines:
        if _verb_takes(line, ArgShape.ENVELOPE):
            address = extract_address(line)
            if address:
                seen.setdefault(address, None)
    return list(seen)

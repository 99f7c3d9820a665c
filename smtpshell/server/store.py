"""Messages the practice server received: kept in memory (newest last) and, if asked, in a maildir.

Each message is stored with the trace headers the server added in front
(``Return-Path``, ``Received``, one ``Delivered-To`` per recipient), exactly
as a real MTA would hand it to a mailbox, so students can see what servers add.

Maildir writes (:func:`write_maildir`) go to ``tmp/``, are fsynced, then
renamed into ``new/``, and the server answers 250 only after that: a crash at
any moment leaves in ``new/`` only whole messages, and loses none that was
acknowledged. :meth:`Mailbox.deliver` hands the write to a :class:`MaildirWriter`
thread that writes a burst as one batch, so a classroom's messages neither wait
in the event loop nor pay one disk flush each.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..i18n import t

MEMORY_LIMIT = 10_000  # newest messages kept in memory; the maildir keeps all

Listener = Callable[["StoredMessage"], None]


@dataclass(frozen=True)
class StoredMessage:
    number: int  # 1, 2, 3 ... in order of arrival
    queue_id: str
    received_at: datetime
    peer: str  # "127.0.0.1:50122"
    helo: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    tls: str | None  # "TLSv1.3 TLS_AES_256_GCM_SHA384", None in clear text
    auth_user: str | None
    subject: str  # decoded; may hold anything the client sent (render with safe())
    size: int  # bytes of content as the client sent it (after dot-unstuffing)
    data: bytes  # the trace headers the server added, then the content
    path: Path | None = None  # the maildir file, when stored on disk

    @property
    def added_headers(self) -> bytes:
        """The header lines the server put in front of the client's message."""
        return self.data[: len(self.data) - self.size]


class Mailbox:
    """Newest last. Iterating, ``len`` and indexing see the messages still in memory."""

    def __init__(self, store_dir: Path | None = None, memory_limit: int = MEMORY_LIMIT) -> None:
        self.store_dir = store_dir
        self.count = 0  # every message ever received, even those pushed out of memory
        self._issued = 0  # numbers handed out (a delivery in flight has one already)
        self._messages: deque[StoredMessage] = deque(maxlen=memory_limit)
        self._listeners: list[Listener] = []
        self._writer: MaildirWriter | None = None
        if store_dir is not None:
            for sub in ("tmp", "new", "cur"):  # also for a directory the user made empty
                (store_dir / sub).mkdir(parents=True, exist_ok=True)
            remove_abandoned(store_dir)

    def next_number(self) -> int:
        """The number of the next message (reserved: two deliveries in flight never share one)."""
        self._issued += 1
        return self._issued

    def add(self, message: StoredMessage) -> StoredMessage:
        """Store ``message`` now (the maildir write blocks the caller)."""
        if self.store_dir is not None:
            message = _with_path(message, write_maildir(self.store_dir, message.data))
        return self._remember(message)

    async def deliver(self, message: StoredMessage) -> StoredMessage:
        """Store ``message``, the maildir write in the writer thread; returns when it is on disk."""
        if self.store_dir is not None:
            if self._writer is None:
                self._writer = MaildirWriter(self.store_dir)
            message = _with_path(message, await self._writer.write(message.data))
        return self._remember(message)

    def _remember(self, message: StoredMessage) -> StoredMessage:
        self.count += 1
        self._issued = max(self._issued, message.number)
        self._messages.append(message)
        for listener in list(self._listeners):
            listener(message)
        return message

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every new message; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def get(self, number: int) -> StoredMessage | None:
        for message in self._messages:
            if message.number == number:
                return message
        return None

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[StoredMessage]:
        return iter(list(self._messages))

    def __getitem__(self, index: int) -> StoredMessage:
        return self._messages[index]


_HOST = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
_SEQUENCE = itertools.count(1)


def write_maildir(store_dir: Path, data: bytes) -> Path:
    """Deliver ``data`` into the maildir: tmp/, fsync, rename into new/ (then fsync new/).

    The unique name follows the maildir convention (time, microseconds, pid,
    a per-process counter, host). Safe to call from several threads at once.
    """
    name = _unique_name()
    tmp = store_dir / "tmp" / name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    final = store_dir / "new" / name
    os.rename(tmp, final)
    _fsync_dir(store_dir / "new")
    return final


Settled = tuple[asyncio.Future[Path], asyncio.AbstractEventLoop, Path | BaseException]


class MaildirWriter:
    """One thread that writes what arrives while it is busy as one batch (group commit).

    A batch is written to tmp/ and flushed to disk with one ``syncfs`` (Linux;
    elsewhere, or if it fails, each file is fsynced), then renamed into new/.
    The renames are made durable by the next flush: the next batch's ``syncfs``
    (it flushes the whole filesystem, the new names with the new data) or, when
    nothing else is waiting, an fsync of new/. So each cycle costs one disk
    flush, not two, and each message's caller still resumes only when its file
    is in new/ and on disk (its data flushed before its rename, its name flushed
    after), exactly as with :func:`write_maildir`. The event loop never waits
    for any of it.
    """

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        # Paths as text, joined with one f-string a file (a pathlib join is about ten calls).
        self._tmp, self._new = os.path.join(store_dir, "tmp"), os.path.join(store_dir, "new")
        self._queue: queue.SimpleQueue[tuple[bytes, asyncio.Future[Path], asyncio.AbstractEventLoop]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="maildir-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> asyncio.Future[Path]:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Path] = loop.create_future()
        self._queue.put((data, done, loop))
        return done

    def _run(self) -> None:
        renamed: list[tuple[asyncio.Future[Path], asyncio.AbstractEventLoop, Path]] = []  # in new/, name not flushed
        while True:
            batch = self._take(wait=not renamed)
            settled: list[Settled] = list(renamed)  # settled below, after this cycle's flush
            try:
                paths: list[Path] | BaseException = self._write_batch([data for data, _, _ in batch], bool(renamed))
            except BaseException as exc:  # reported to every waiting delivery (451), never lost silently
                paths = exc
                if renamed:
                    _fsync_dir(self._new)  # the last batch's names, whatever happened to this one
            if isinstance(paths, BaseException):
                settled += [(done, loop, paths) for _, done, loop in batch]
                renamed = []
            else:
                renamed = [(done, loop, path) for (_, done, loop), path in zip(batch, paths, strict=True)]
            _wake(settled)

    def _take(self, wait: bool) -> list[tuple[bytes, asyncio.Future[Path], asyncio.AbstractEventLoop]]:
        """What is queued (waiting for the first item if ``wait``; else possibly nothing)."""
        batch = [self._queue.get()] if wait else []
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                return batch

    def _write_batch(self, items: list[bytes], names_waiting: bool) -> list[Path]:
        """Write ``items`` to tmp/, flush them (and the names renamed by the last cycle), rename into new/."""
        if not items:
            _fsync_dir(self._new)  # nothing new: flush only the last batch's names
            return []
        names, fds = [], []
        try:
            for data in items:
                name = _unique_name()
                fd = os.open(f"{self._tmp}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                names.append(name)
                fds.append(fd)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            # One syncfs covers the data and the waiting names; a lone file without names is one fsync.
            if (len(fds) == 1 and not names_waiting) or not _syncfs(fds[0]):
                for fd in fds:
                    os.fsync(fd)
                if names_waiting:
                    _fsync_dir(self._new)
        finally:
            for fd in fds:
                os.close(fd)
        finals = []
        for name in names:
            final = f"{self._new}/{name}"
            os.rename(f"{self._tmp}/{name}", final)
            finals.append(Path(final))
        return finals


def _wake(settled: list[Settled]) -> None:
    """Settle each delivery in its own loop: one wake-up of each loop for all of its deliveries, not one a
    message (each call_soon_threadsafe writes to the loop's self-pipe, and the loop reads it back)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Path], Path | BaseException]]] = {}
    for done, loop, result in settled:
        by_loop.setdefault(loop, []).append((done, result))
    for loop, results in by_loop.items():
        loop.call_soon_threadsafe(_settle_all, results)


_SYNCFS: list[Callable[[int], int] | None] = []


def _syncfs(fd: int) -> bool:
    """Flush the whole filesystem holding ``fd`` in one call (a batch's group commit); False: not done.

    On ext4 each fsync is a journal commit of its own (0.8 ms here); one syncfs
    after fifty writes costs about as much as two.
    """
    if not _SYNCFS:
        try:
            import ctypes

            _SYNCFS.append(ctypes.CDLL(None, use_errno=True).syncfs)
        except (OSError, AttributeError):
            _SYNCFS.append(None)
    call = _SYNCFS[0]
    return call is not None and call(fd) == 0


def _settle_all(results: list[tuple[asyncio.Future[Path], Path | BaseException]]) -> None:
    for done, result in results:
        if done.cancelled():
            continue
        if isinstance(result, BaseException):
            done.set_exception(result)
        else:
            done.set_result(result)


def _unique_name() -> str:
    now = time.time()
    return f"{int(now)}.M{int(now % 1 * 1e6):06d}P{os.getpid()}Q{next(_SEQUENCE)}.{_HOST}"


def _fsync_dir(path: Path | str) -> None:
    """Make a rename into ``path`` durable (where the platform allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_TMP_NAME = re.compile(r"^\d+\.M\d+P(\d+)Q\d+\.(.+)$")


def remove_abandoned(store_dir: Path) -> int:
    """Delete the half-written files a crashed server of this host left in tmp/.

    Only files named by :func:`write_maildir` on this host, by a process that is
    no longer running: another program's delivery in progress is left alone.
    """
    removed = 0
    try:
        names = os.listdir(store_dir / "tmp")
    except OSError:
        return 0
    for name in names:
        match = _TMP_NAME.match(name)
        if match is None or match.group(2) != _HOST or _running(int(match.group(1))):
            continue
        try:
            os.unlink(store_dir / "tmp" / name)
            removed += 1
        except OSError:
            pass
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, just not ours to signal
    return True


_HEADER_START = re.compile(rb"[\041-\071\073-\176]*:")
_SUBJECT = re.compile(rb"subject[ \t]*:", re.IGNORECASE)
_PLAIN_VALUE = re.compile(rb"[\x20-\x7e\t]*")


def subject_of(content: bytes) -> str:
    """The decoded Subject header, '' if none; never raises on a malformed message.

    The common case (a plain ASCII subject, no encoded words) is read directly
    from the header lines; anything else (``=?...?=``, 8-bit bytes, odd header
    lines) goes through the email package's full parser, as before. A property
    test holds the two to the same answer.
    """
    try:
        fast = _plain_subject(content)
    except ValueError:  # a bare CR: the full parser decides
        fast = None
    if fast is not None:
        return fast
    return _parsed_subject(content)


def _plain_subject(content: bytes) -> str | None:
    """The subject when reading it needs no decoding; None when the full parser must decide."""
    value: list[bytes] | None = None
    for line in _header_lines(content):
        if line[:1] in (b" ", b"\t"):
            if value is not None:
                value.append(line)
            continue
        if value is not None:
            break  # the first Subject is the one reported
        if not _HEADER_START.match(line):
            return None  # not a header: let the parser decide where the headers end
        if _SUBJECT.match(line):
            value = [line[line.index(b":") + 1 :]]
    if value is None:
        return ""
    raw = b" ".join(value)
    if b"=?" in raw or _PLAIN_VALUE.fullmatch(raw) is None:
        return None
    return " ".join(raw.decode("ascii").split())


def _header_lines(content: bytes) -> Iterator[bytes]:
    """The header section's lines (line ends removed), up to the blank line; never the body."""
    pos, end = 0, len(content)
    while pos < end:
        nl = content.find(b"\n", pos)
        stop = end if nl < 0 else nl
        line = content[pos : stop - 1] if stop > pos and content[stop - 1] == 13 else content[pos:stop]
        if b"\r" in line:
            raise ValueError("a bare CR: the full parser decides")
        if not line:
            return
        yield line
        pos = stop + 1


def _parsed_subject(content: bytes) -> str:
    import email.parser
    import email.policy

    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(content)
        subject = headers.get("Subject")
        return " ".join(str(subject).split()) if subject is not None else ""
    except Exception:  # a broken header must not lose the message
        return t("server.store.unreadable_subject", "(unreadable subject)")


def _with_path(message: StoredMessage, path: Path) -> StoredMessage:
    # Built directly: dataclasses.replace walks the fields (about 40 calls a message).
    m = message
    return StoredMessage(m.number, m.queue_id, m.received_at, m.peer, m.helo, m.mail_from, m.rcpt_tos,
                         m.tls, m.auth_user, m.subject, m.size, m.data, path)

"""Messages the practice server received: kept in memory (newest last) and, if asked, in a maildir.

Each message is stored with the trace headers the server added in front
(``Return-Path``, ``Received``, one ``Delivered-To`` per recipient), exactly
as a real MTA would hand it to a mailbox, so students can see what servers add.
"""

from __future__ import annotations

import email.parser
import email.policy
import mailbox as stdlib_mailbox
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
        self._messages: deque[StoredMessage] = deque(maxlen=memory_limit)
        self._listeners: list[Listener] = []
        self._maildir = None
        if store_dir is not None:
            for sub in ("tmp", "new", "cur"):  # also for a directory the user made empty
                (store_dir / sub).mkdir(parents=True, exist_ok=True)
            self._maildir = stdlib_mailbox.Maildir(str(store_dir), create=False)

    def next_number(self) -> int:
        return self.count + 1

    def add(self, message: StoredMessage) -> StoredMessage:
        if self._maildir is not None:
            key = self._maildir.add(message.data)
            assert self.store_dir is not None
            message = _with_path(message, self.store_dir / "new" / key)
        self.count += 1
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


def subject_of(content: bytes) -> str:
    """The decoded Subject header, '' if none; never raises on a malformed message."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(content)
        subject = headers.get("Subject")
        return " ".join(str(subject).split()) if subject is not None else ""
    except Exception:  # a broken header must not lose the message
        return "(unreadable subject)"


def _with_path(message: StoredMessage, path: Path) -> StoredMessage:
    from dataclasses import replace

    return replace(message, path=path)

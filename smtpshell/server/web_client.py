"""A teacher's practice server, read over its class view's JSON API: ``/mailbox`` for a student.

The server announces the class view in its EHLO reply (``250-XCLASSVIEW http://HOST:PORT/``).
This is fetched with urllib (no aiohttp: the student's shell does not need it),
only from the host the shell is connected to, with a short timeout and a size limit.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ..i18n import t
from .store import StoredMessage

TIMEOUT = 5.0
MAX_BYTES = 8 * 1024 * 1024
LISTED = 20


class ClassViewError(Exception):
    """The class view cannot be read; str() is one line for the user."""


def check_url(url: str, peer_host: str) -> str:
    """The announced URL, if it is plain http on the host we are connected to; else ClassViewError."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    peer = peer_host.strip("[]").lower()
    if parts.scheme != "http" or not host or not parts.port:
        raise ClassViewError(t("server.classview.unreadable_url", "the server announced a class view this shell does not read ({url})", url=url[:80]))
    if host != peer and not (_loopback(host) and _loopback(peer)):
        raise ClassViewError(t("server.classview.other_host", "the server announced a class view on another host ({host}): not fetched", host=host))
    return f"http://{parts.netloc}/"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _get(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            data = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise ClassViewError(t("server.classview.http_error", "the class view answered {code} for {url}", code=exc.code, url=url)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ClassViewError(t("server.classview.unreachable", "cannot reach the class view at {url}: {reason}", url=url, reason=reason)) from None
    if len(data) > MAX_BYTES:
        raise ClassViewError(t("server.classview.too_big", "the class view sent more than {limit} bytes for {url}", limit=MAX_BYTES, url=url))
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        raise ClassViewError(t("server.classview.not_json", "the class view sent something that is not JSON for {url}", url=url)) from None


def _message(item: dict[str, Any], trace: str = "", content: str = "") -> StoredMessage:
    try:
        when = datetime.fromisoformat(str(item.get("received_at", "")))
    except ValueError:
        when = datetime.now(UTC)
    data = trace.replace("\n", "\r\n").encode() + content.replace("\n", "\r\n").encode()
    return StoredMessage(
        number=int(item.get("number", 0)), queue_id=str(item.get("queue_id", "")), received_at=when,
        peer=str(item.get("peer", "")), helo=str(item.get("helo", "")), mail_from=str(item.get("mail_from", "")),
        rcpt_tos=tuple(str(r) for r in item.get("rcpt_tos", ())), tls=str(item.get("tls", "")) or None,
        auth_user=str(item.get("auth_user", "")) or None, subject=str(item.get("subject", "")),
        size=len(data) - len(trace.replace("\n", "\r\n").encode()), data=data,
    )


class RemoteMailbox:
    """The newest messages of a teacher's server, shaped like :class:`~.store.Mailbox` for /mailbox."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        listing = _get(f"{base_url}api/messages?limit={LISTED}")
        if not isinstance(listing, dict):
            raise ClassViewError(t("server.classview.no_list", "the class view at {url} has no message list", url=base_url))
        self.count = int(listing.get("count", 0))
        self._messages = [_message(m) for m in listing.get("messages", []) if isinstance(m, dict)]

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[StoredMessage]:
        return iter(self._messages)

    def __getitem__(self, index: int) -> StoredMessage:
        found = self.get(self._messages[index].number)
        if found is None:
            raise IndexError(index)
        return found

    def get(self, number: int) -> StoredMessage | None:
        item = _get(f"{self.base_url}api/messages/{int(number)}")
        if not isinstance(item, dict):
            return None
        return _message(item, str(item.get("trace", "")), str(item.get("content", "")))

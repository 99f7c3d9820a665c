"""A received message as the class view shows it: envelope, decoded headers, MIME parts, raw source.

Students write Chinese (and other) mail: subjects as RFC 2047 encoded words or
raw UTF-8 (SMTPUTF8), bodies in UTF-8, GB2312, GBK or GB18030. GB2312 and GBK
labels are read as GB18030 (their superset: mail labelled gb2312 often holds
GBK characters). Nothing here raises on a malformed message. Every string
returned is escaped with :func:`~smtpshell.untrusted.safe` (control characters);
HTML escaping is the page's job (it only ever sets text, never markup).
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
from email.message import Message
from typing import Any

from ..untrusted import safe
from .store import StoredMessage

# Labels read with a wider codec than their name says.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                   "euc-cn": "gb18030", "ascii": "utf-8", "us-ascii": "utf-8"}
MAX_PART_CHARS = 100_000
MAX_PARTS = 50


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset (or guessed: UTF-8, then GB18030), never raising."""
    candidates = [CHARSET_ALIASES.get((charset or "").lower(), (charset or "").lower())] if charset else []
    candidates += ["utf-8", "gb18030"]
    for name in candidates:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def decode_header(value: str) -> str:
    """A header value as a reader sees it: encoded words decoded, 8-bit bytes as UTF-8 or GB18030."""
    value = " ".join(value.replace("\r\n", " ").replace("\n", " ").split())  # unfold
    try:
        raw = value.encode("ascii", "surrogateescape")  # what the parser kept of 8-bit bytes
        text = decode_bytes(raw, None) if any(b > 0x7F for b in raw) else value
        parts = email.header.decode_header(text)
    except Exception:
        return " ".join(safe(value).split())
    # With encoded words present every chunk is bytes and plain text keeps its own spaces.
    joined = "".join(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in parts)
    return " ".join(safe(joined).split())


def summary(message: StoredMessage) -> dict[str, Any]:
    return {
        "number": message.number,
        "queue_id": message.queue_id,
        "received_at": message.received_at.isoformat(),
        "peer": safe(message.peer),
        "helo": safe(message.helo),
        "mail_from": safe(message.mail_from),
        "rcpt_tos": [safe(r) for r in message.rcpt_tos],
        "tls": safe(message.tls or ""),
        "auth_user": safe(message.auth_user or ""),
        "subject": subject(message),
        "size": message.size,
    }


def subject(message: StoredMessage) -> str:
    content = message.data[len(message.added_headers):]
    try:
        parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(content)
        value = parsed.get("Subject")
    except Exception:
        return safe(message.subject)
    return decode_header(str(value)) if value is not None else ""


def detail(message: StoredMessage) -> dict[str, Any]:
    """Everything the page shows of one message."""
    out = summary(message)
    try:
        parsed = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(message.data)
    except Exception:
        parsed = None
    out["headers"] = [[safe(k), decode_header(str(v))] for k, v in parsed.items()] if parsed is not None else []
    out["parts"] = _parts(parsed) if parsed is not None else []
    out["raw"] = raw_text(message)
    out["trace"] = _escaped(message.added_headers)  # what the server added (for /mailbox)
    out["content"] = _escaped(message.data[len(message.added_headers):])  # what the client sent
    return out


def _escaped(data: bytes) -> str:
    text = decode_bytes(data, None).replace("\r\n", "\n")
    return "\n".join(safe(line) for line in text.split("\n"))


def raw_text(message: StoredMessage) -> str:
    text = decode_bytes(message.data, None).replace("\r\n", "\n")
    return "\n".join(safe(line.expandtabs(4)) for line in text.split("\n"))


def _parts(parsed: Message) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        if len(parts) >= MAX_PARTS:
            break
        try:
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
        except Exception:
            payload = b""
        ctype = part.get_content_type()
        charset = part.get_content_charset()
        filename = part.get_filename()
        entry: dict[str, Any] = {"content_type": safe(ctype), "charset": safe(charset or ""),
                                 "filename": decode_header(filename) if filename else "", "size": len(payload)}
        if part.get_content_maintype() == "text":
            text = decode_bytes(payload, charset)[:MAX_PART_CHARS].replace("\r\n", "\n")
            entry["text"] = "\n".join(safe(line.expandtabs(4)) for line in text.split("\n"))
        else:
            entry["text"] = ""
        parts.append(entry)
    return parts

"""How a received message is shown: on the teacher's terminal (``serve``) and by ``/mailbox``.

Everything here came from a client and is untrusted: it goes through
:func:`~smtpshell.untrusted.safe` so no escape sequence reaches a terminal.
"""

from __future__ import annotations

from ..i18n import t
from ..untrusted import safe
from .store import StoredMessage


def summary_lines(message: StoredMessage) -> list[str]:
    """A few lines: who sent what to whom, over what."""
    when = message.received_at.astimezone().strftime("%H:%M:%S")
    tls = message.tls or t("server.live.no_tls", "no TLS")
    auth = f"AUTH {safe(message.auth_user)}" if message.auth_user else t("server.live.no_auth", "no AUTH")
    lines = [
        t("server.live.message", "[{when}] message {number} from {peer} (HELO {helo}), {tls}, {auth}", when=when,
          number=message.number, peer=message.peer, helo=safe(message.helo), tls=tls, auth=auth),
        f"    MAIL FROM:<{safe(message.mail_from)}>",
    ]
    lines += [f"    RCPT TO:<{safe(rcpt)}>" for rcpt in message.rcpt_tos]
    subject = safe(message.subject) or t("server.live.no_subject_value", "(none)")
    lines.append(f"    Subject: {subject}")
    if message.path:
        lines.append("    " + t("server.live.size_stored", "{size} bytes, queued as {queue_id}, stored in {path}",
                                  size=message.size, queue_id=message.queue_id, path=message.path))
    else:
        lines.append("    " + t("server.live.size", "{size} bytes, queued as {queue_id}", size=message.size, queue_id=message.queue_id))
    return lines


def list_line(message: StoredMessage) -> str:
    """One line per message, for a listing."""
    when = message.received_at.astimezone().strftime("%H:%M:%S")
    to = ", ".join(safe(r) for r in message.rcpt_tos[:3]) + (" ..." if len(message.rcpt_tos) > 3 else "")
    subject = safe(message.subject) or t("server.live.no_subject", "(no subject)")
    size = t("server.live.list_size", "({size} bytes)", size=message.size)
    return f"{message.number:>4}  {when}  {safe(message.mail_from) or '<>'} -> {to}  {subject}  {size}"


def shown_parts(message: StoredMessage, limit: int = 20_000) -> tuple[str, str]:
    """(the headers the server added, the client's message), each escaped for a terminal."""
    content = _shown(message.data[len(message.added_headers):], limit)
    return _shown(message.added_headers, limit), content


def _shown(data: bytes, limit: int) -> str:
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    cut = len(text) > limit
    # Tabs (folded headers) are harmless: expand them rather than show \x09.
    shown = "\n".join(safe(line.expandtabs(4)) for line in text[:limit].split("\n"))
    if cut:
        shown += "\n" + t("server.live.cut", "[... {count} more characters not shown]", count=len(text) - limit) + "\n"
    return shown

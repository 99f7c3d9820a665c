"""``/mailbox``: the messages the embedded practice server received, with the headers it added.

Works with smtpshell's own server (the default run: ``ctx.practice_server``), and with
a teacher's ``smtpshell serve --web`` whose EHLO reply announces its class view
(``250-XCLASSVIEW http://HOST:PORT/``): the messages are then read from its JSON API.
"""

from __future__ import annotations

from ..i18n import t
from ..records import TYPE_CHECKING
from .registry import command

if TYPE_CHECKING:
    from ..server import Mailbox
    from ..server.web_client import RemoteMailbox
    from .context import ShellContext

SHOWN_IN_LIST = 20  # the newest; /mailbox N shows any still in memory


def _mailbox(ctx: ShellContext) -> Mailbox | RemoteMailbox | None:
    """The embedded server's mailbox, or the one a teacher's class view serves; None (said why) if neither."""
    server = ctx.practice_server
    if server is not None:
        return server.mailbox
    from ..server.smtp import CLASS_VIEW_KEYWORD
    from ..server.web_client import ClassViewError, RemoteMailbox, check_url

    connection = ctx.connection  # before ctx.session: a context may have no runner yet
    capabilities = ctx.session.capabilities if connection is not None else None
    announced = capabilities.keywords.get(CLASS_VIEW_KEYWORD, ()) if capabilities is not None else ()
    if not announced or connection is None or not connection.peer:
        ctx.error(t("shell.mailbox.no_server", "/mailbox works with smtpshell's practice server: run smtpshell with no host, or connect to a teacher's 'smtpshell serve --web' and send EHLO (or read the mail where your server delivers it)"))
        return None
    try:
        return RemoteMailbox(check_url(announced[0], connection.peer.rsplit(":", 1)[0]))
    except ClassViewError as exc:
        ctx.error(t("shell.mailbox.class_view_error", "/mailbox: {problem}", problem=exc))
        return None


@command(
    "mailbox",
    lambda: t("shell.mailbox.summary", "list the messages the practice server received, or show one with the headers it added"),
    usage="[N|last]",
    aliases=("inbox",),
    details=lambda: t("shell.mailbox.details", "/mailbox lists them, newest last; /mailbox 2 (or /mailbox last) shows one in full: the Return-Path, Delivered-To and Received lines at the top are what the server added."),
)
async def mailbox_command(ctx: ShellContext, args: str) -> None:
    from ..server.live import list_line, shown_parts

    mailbox = _mailbox(ctx)
    if mailbox is None:
        return
    arg = args.strip().lower()
    if not arg:
        if not len(mailbox):
            ctx.print([("class:note", t("shell.mailbox.empty", "no messages yet: send one with MAIL FROM, RCPT TO and DATA, then /mailbox again") + "\n")])
            return
        messages = list(mailbox)[-SHOWN_IN_LIST:]
        out = [("class:info", t("shell.mailbox.count", "{count} message(s) received; /mailbox N shows one", count=mailbox.count) + "\n")]
        out += [("", list_line(m) + "\n") for m in messages]
        ctx.print(out)
        return
    if arg == "last":
        message = mailbox[-1] if len(mailbox) else None
    elif arg.isdigit():
        message = mailbox.get(int(arg))
    else:
        ctx.error(t("shell.mailbox.bad_arg", "/mailbox takes a message number or 'last', not {arg}", arg=repr(args.strip())))
        return
    if message is None:
        ctx.error(t("shell.mailbox.no_message", "no message {number} in the mailbox: /mailbox lists them", number=arg))
        return
    trace, content = shown_parts(message)
    out = [
        ("class:info", t("shell.mailbox.header", "message {number}, queued as {queue_id}, {size} bytes; the first lines were added by the server:",
                         number=message.number, queue_id=message.queue_id, size=message.size) + "\n"),
        ("class:tls", trace),  # the trace headers, set apart by colour
        ("", content),
    ]
    if not content.endswith("\n"):
        out.append(("", "\n"))
    ctx.print(out)

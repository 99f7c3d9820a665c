"""``/mailbox``: the messages the embedded practice server received, with the headers it added.

Works when smtpshell started its own server (the default run): the driver's
context then has it as ``ctx.practice_server``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import ShellContext, command

if TYPE_CHECKING:
    from ..server import PracticeServer

SHOWN_IN_LIST = 20  # the newest; /mailbox N shows any still in memory


def _server(ctx: ShellContext) -> "PracticeServer | None":
    server = ctx.practice_server
    if server is None:
        ctx.error("/mailbox works with smtpshell's own practice server: run smtpshell with no host "
                  "(or read the mail where your server delivers it)")
    return server


@command(
    "mailbox",
    "list the messages the practice server received, or show one with the headers it added",
    usage="[N|last]",
    aliases=("inbox",),
    details="/mailbox lists them, newest last; /mailbox 2 (or /mailbox last) shows one in full: "
    "the Return-Path, Delivered-To and Received lines at the top are what the server added.",
)
async def mailbox_command(ctx: ShellContext, args: str) -> None:
    from ..server.live import list_line, shown_parts

    server = _server(ctx)
    if server is None:
        return
    mailbox = server.mailbox
    arg = args.strip().lower()
    if not arg:
        if not len(mailbox):
            ctx.print([("class:note", "no messages yet: send one with MAIL FROM, RCPT TO and DATA, "
                        "then /mailbox again\n")])
            return
        messages = list(mailbox)[-SHOWN_IN_LIST:]
        out = [("class:info", f"{mailbox.count} message(s) received; /mailbox N shows one\n")]
        out += [("", list_line(m) + "\n") for m in messages]
        ctx.print(out)
        return
    if arg == "last":
        message = mailbox[-1] if len(mailbox) else None
    elif arg.isdigit():
        message = mailbox.get(int(arg))
    else:
        ctx.error(f"/mailbox takes a message number or 'last', not {args.strip()!r}")
        return
    if message is None:
        ctx.error(f"no message {arg} in the mailbox: /mailbox lists them")
        return
    trace, content = shown_parts(message)
    out = [
        ("class:info", f"message {message.number}, queued as {message.queue_id}, {message.size} bytes; "
                       "the first lines were added by the server:\n"),
        ("class:tls", trace),  # the trace headers, set apart by colour
        ("", content),
    ]
    if not content.endswith("\n"):
        out.append(("", "\n"))
    ctx.print(out)

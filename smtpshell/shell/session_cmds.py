"""Shell commands of the interactive session: /connect, /reconnect, /clear, /history."""

from __future__ import annotations

from ..i18n import t
from ..records import TYPE_CHECKING
from .registry import ArgKind, command

if TYPE_CHECKING:
    from .context import ShellContext

DEFAULT_HISTORY_LINES = 20


@command("connect", lambda: t("shell.connect.summary", "close this session (with QUIT) and connect to another server"),
         usage="HOST[:PORT]", arg_kind=ArgKind.TARGET, interactive_only=True,
         details=lambda: t("shell.connect.details", "smtp://HOST:PORT, smtps://HOST:PORT (implicit TLS) and [IPv6]:PORT work too."))
async def connect_command(ctx: ShellContext, args: str) -> None:
    if not args:
        ctx.error(t("shell.connect.needs_target", "/connect needs a HOST[:PORT]; /reconnect opens the last one again"))
        return
    await ctx.connect(args)


@command("reconnect", lambda: t("shell.reconnect.summary", "start a fresh session with the same server (after a drop or Ctrl-C)"),
         interactive_only=True)
async def reconnect_command(ctx: ShellContext, args: str) -> None:
    await ctx.connect(None)


@command("clear", lambda: t("shell.clear.summary", "clear the screen (also Ctrl-L)"), interactive_only=True)
async def clear_command(ctx: ShellContext, args: str) -> None:
    ctx.clear_screen()


@command("history", lambda: t("shell.history.summary", "show the last N lines you typed (secrets are never kept)"), usage="[N]",
         interactive_only=True)
async def history_command(ctx: ShellContext, args: str) -> None:
    count = DEFAULT_HISTORY_LINES
    if args:
        if not args.isdigit():
            ctx.error(t("shell.history.bad_count", "/history N: N is a number of lines, not {arg}", arg=repr(args)))
            return
        count = int(args)
    lines = ctx.history_lines()
    if not lines:
        ctx.print([("class:note", t("shell.history.empty", "(no history yet)") + "\n")])
        return
    shown = lines[-count:] if count else []
    first = len(lines) - len(shown) + 1
    out = []
    for number, line in enumerate(shown, first):
        out.append(("class:note", f"{number:5}  "))
        out.append(("", line.replace("\n", " \u21b5 ") + "\n"))
    ctx.print(out)

"""Shell commands of the interactive session: /connect, /reconnect, /clear, /history."""

from __future__ import annotations

from .registry import ArgKind, ShellContext, command

DEFAULT_HISTORY_LINES = 20


@command("connect", "close this session (with QUIT) and connect to another server",
         usage="HOST[:PORT]", arg_kind=ArgKind.TARGET, interactive_only=True,
         details="smtp://HOST:PORT, smtps://HOST:PORT (implicit TLS) and [IPv6]:PORT work too.")
async def connect_command(ctx: ShellContext, args: str) -> None:
    if not args:
        ctx.error("/connect needs a HOST[:PORT]; /reconnect opens the last one again")
        return
    await ctx.connect(args)


@command("reconnect", "start a fresh session with the same server (after a drop or Ctrl-C)",
         interactive_only=True)
async def reconnect_command(ctx: ShellContext, args: str) -> None:
    await ctx.connect(None)


@command("clear", "clear the screen (also Ctrl-L)", interactive_only=True)
async def clear_command(ctx: ShellContext, args: str) -> None:
    ctx.clear_screen()


@command("history", "show the last N lines you typed (secrets are never kept)", usage="[N]",
         interactive_only=True)
async def history_command(ctx: ShellContext, args: str) -> None:
    count = DEFAULT_HISTORY_LINES
    if args:
        if not args.isdigit():
            ctx.error(f"/history N: N is a number of lines, not {args!r}")
            return
        count = int(args)
    lines = ctx.history_lines()
    if not lines:
        ctx.print([("class:note", "(no history yet)\n")])
        return
    shown = lines[-count:] if count else []
    first = len(lines) - len(shown) + 1
    out = []
    for number, line in enumerate(shown, first):
        out.append(("class:note", f"{number:5}  "))
        out.append(("", line.replace("\n", " \u21b5 ") + "\n"))
    ctx.print(out)

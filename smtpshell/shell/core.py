"""Shell commands every driver has: /help, /data, /quit."""

from __future__ import annotations

from ..protocol import catalogue
from .registry import COMMANDS, PREFIX, ShellContext, command, load_all


@command("help", "list shell commands and SMTP verbs, or explain one", usage="[VERB|/command]", aliases=("h", "?"), arg_kind="verb")
async def help_command(ctx: ShellContext, args: str) -> None:
    if args:
        ctx.print(_help_topic(ctx, args.strip()))
        return
    load_all()
    out = [("class:help.title", "Shell commands (start with /):\n")]
    shown = [c for c in COMMANDS.values() if ctx.interactive or not c.interactive_only]
    heads = {c.name: f"  {PREFIX}{c.name} {c.usage}".rstrip() for c in shown}
    width = min(max(len(h) for h in heads.values()) + 2, 34)
    for cmd in shown:
        head = heads[cmd.name]
        # A long usage gets the summary on its own line rather than a ragged column.
        gap = " " * (width - len(head)) if len(head) < width else "\n" + " " * width
        out.append(("class:help.command", head))
        out.append(("", f"{gap}{cmd.summary}\n"))
    out.append(("class:help.title", "SMTP verbs (typed as they go on the wire):\n"))
    for verb in catalogue.VERBS.values():
        out.append(("class:help.command", f"  {verb.name}".ljust(12)))
        out.append(("", f" {verb.summary}\n"))
    out.append(("class:note", "/help VERB shows a verb's syntax and RFC.\n"))
    ctx.print(out)


def _help_topic(ctx: ShellContext, topic: str) -> list[tuple[str, str]]:
    if topic.startswith(PREFIX):
        load_all()
        cmd = COMMANDS.get(topic[1:].lower())
        if cmd is None:
            return [("class:error", f"no shell command {topic}: /help lists them\n")]
        text = f"{PREFIX}{cmd.name} {cmd.usage}".rstrip() + f"\n  {cmd.summary}\n"
        if cmd.details:
            text += f"  {cmd.details}\n"
        return [("", text)]
    verb = catalogue.lookup(topic)
    if verb is None:
        return [("class:error", f"{topic!r} is not an SMTP verb smtpshell knows (it can still be sent as typed)\n")]
    out = [("class:help.command", f"{verb.syntax}\n"), ("", f"  {verb.summary}\n  defined in {verb.rfc}\n")]
    if verb.extension:
        session = None
        try:
            session = ctx.session
        except AssertionError:
            pass
        if session is not None and session.capabilities is not None:
            state = "advertised by this server" if session.advertised(verb.extension) else "NOT advertised by this server"
            out.append(("", f"  needs the {verb.extension} extension: {state}\n"))
        else:
            out.append(("", f"  needs the {verb.extension} extension (see the server's EHLO reply)\n"))
    for p in verb.parameters:
        out.append(("", f"  {p.syntax:<36} {p.summary} ({p.extension}, {p.rfc})\n"))
    return out


@command("data", "send DATA, then FILE as the message (CRLF line ends, dot-stuffed), then '.'", usage="FILE", arg_kind="file")
async def data_command(ctx: ShellContext, args: str) -> None:
    if not args:
        ctx.error("/data needs a FILE: /data message.eml")
        return
    runner = ctx.runner
    if runner is None:
        ctx.error("/data: not connected")
        return
    await runner.send_file(args)


@command("quit", "send QUIT (if connected) and leave", aliases=("exit", "q"))
async def quit_command(ctx: ShellContext, args: str) -> None:
    await ctx.quit()


@command(
    "pipeline",
    "send commands without waiting for each reply (RFC 2920), or one at a time again",
    usage="[on|off]",
    details="With it on, commands go out at once and their replies are shown as they come; "
    "the shell waits for all of them after a command that must end a group (EHLO, DATA, NOOP, "
    "QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH, ETRN).",
)
async def pipeline_command(ctx: ShellContext, args: str) -> None:
    runner = ctx.runner
    if runner is None:
        ctx.error("/pipeline: not connected")
        return
    choice = args.strip().lower()
    if choice not in ("", "on", "off"):
        ctx.error("/pipeline takes on or off")
        return
    if choice == "off" and runner.pipelining and ctx.session.pending and runner.connected:
        await runner.await_replies()  # collect what the last group left outstanding
    if choice:
        runner.pipelining = choice == "on"
    if runner.pipelining:
        note = "pipelining on: commands go out without waiting; replies are paired in order as they come"
        if ctx.session.capabilities is not None and not ctx.session.advertised("PIPELINING"):
            note += " (this server did not advertise PIPELINING: it may lose or reject commands)"
    else:
        note = "pipelining off: each command waits for its reply"
    ctx.print([("class:info", f"** {note}\n")])

"""Shell commands every driver has: /help, /data, /quit."""

from __future__ import annotations

from ..i18n import t
from ..protocol import catalogue
from ..render.width import cell_width
from .registry import (
    COMMANDS,
    PREFIX,
    ArgKind,
    ShellCommand,
    ShellContext,
    command,
    load_all,
)


@command("help", "list shell commands and SMTP verbs, or explain one", usage="[VERB|/command]", aliases=("h", "?"), arg_kind=ArgKind.VERB)
async def help_command(ctx: ShellContext, args: str) -> None:
    if args:
        ctx.print(_help_topic(ctx, args.strip()))
        return
    load_all()
    out = [("class:help.title", "Shell commands (start with /):\n")]
    shown = [c for c in COMMANDS.values() if ctx.interactive or not c.interactive_only]
    heads = {c.name: f"  {PREFIX}{c.name} {c.usage}".rstrip() for c in shown}
    width = min(max(cell_width(h) for h in heads.values()) + 2, 34)
    for cmd in shown:
        head = heads[cmd.name]
        # A long usage gets the summary on its own line rather than a ragged column.
        gap = " " * (width - cell_width(head)) if cell_width(head) < width else "\n" + " " * width
        out.append(("class:help.command", head))
        out.append(("", gap))
        out.append(("class:help.text", f"{cmd.summary}\n"))  # prose: wrapped under its column
    out.append(("class:help.title", "SMTP verbs (typed as they go on the wire):\n"))
    for verb in catalogue.VERBS.values():
        out.append(("class:help.command", f"  {verb.name}".ljust(12)))
        out.append(("class:help.text", f" {verb.summary}\n"))
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
            text += f"  {_details(cmd)}\n"
        return [("", text)]
    verb = catalogue.lookup(topic)
    if verb is None:
        return [("class:error", f"{topic!r} is not an SMTP verb smtpshell knows (it can still be sent as typed)\n")]
    out = [("class:help.command", f"{verb.syntax}\n"), ("", f"  {verb.summary}\n  defined in {verb.rfc}\n")]
    out += _argument_lines(verb)
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


# What /help VERB says a verb's argument is, one line per shape of the catalogue.
_SHAPE_TEXT: dict[catalogue.ArgShape, tuple[str, str]] = {
    catalogue.ArgShape.NONE: ("ui.help.arg.none", "takes no argument"),
    catalogue.ArgShape.DOMAIN: ("ui.help.arg.domain", "argument: a domain or an address literal such as [192.0.2.1]"),
    catalogue.ArgShape.ENVELOPE: ("ui.help.arg.envelope", "argument: {keyword}<address> in angle brackets, then optional parameters"),
    catalogue.ArgShape.MECHANISM: ("ui.help.arg.mechanism", "argument: a SASL mechanism, then an optional base64 initial response"),
    catalogue.ArgShape.ATTRIBUTES: ("ui.help.arg.attributes", "arguments: NAME=value attributes ({names})"),
    catalogue.ArgShape.CHUNK_SIZE: ("ui.help.arg.chunk_size", "argument: the chunk size in bytes, then LAST on the final chunk"),
    catalogue.ArgShape.TOPIC: ("ui.help.arg.topic", "argument: optional free text, usually a verb"),
    catalogue.ArgShape.TEXT: ("ui.help.arg.text", "argument: free text"),
}
# Where /pipeline's text names the verbs that end a group: filled from the catalogue when shown.
GROUP_ENDERS = "{group-enders}"


def _argument_lines(verb: catalogue.Verb) -> list[tuple[str, str]]:
    key, default = _SHAPE_TEXT[verb.argument]
    names = ", ".join(a.rstrip("=") for a in verb.arguments)
    lines = [t(key, default, keyword=verb.keyword or "", names=names)]
    if verb.identifies_client:
        lines.append(t("ui.help.identifies_client", "it names the client: give your host name (it starts a new session)"))
    if verb.ends_group:
        lines.append(t("ui.help.ends_group", "ends a pipelined group: the client waits for every reply after it"))
    return [("", f"  {line}\n") for line in lines]


def _details(cmd: ShellCommand) -> str:
    return cmd.details.replace(GROUP_ENDERS, ", ".join(catalogue.group_enders()))


@command("data", "send DATA, then FILE as the message (CRLF line ends, dot-stuffed), then '.'", usage="FILE", arg_kind=ArgKind.FILE)
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
    arg_kind=ArgKind.ON_OFF,
    details="With it on, commands go out at once and their replies are shown as they come; "
    f"the shell waits for all of them after a command that must end a group ({GROUP_ENDERS}).",
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

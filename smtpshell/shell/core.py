"""Shell commands every driver has: /help, /data, /quit."""

from __future__ import annotations

from collections.abc import Callable

from ..i18n import t
from ..protocol import catalogue
from ..records import TYPE_CHECKING
from ..render.width import cell_width
from .registry import (
    COMMANDS,
    PREFIX,
    ArgKind,
    command,
    load_all,
)

if TYPE_CHECKING:
    from .context import ShellContext


@command("help", lambda: t("shell.help.summary", "list shell commands and SMTP verbs, or explain one"), usage="[VERB|/command]", aliases=("h", "?"), arg_kind=ArgKind.VERB)
async def help_command(ctx: ShellContext, args: str) -> None:
    if args:
        ctx.print(_help_topic(ctx, args.strip()))
        return
    load_all()
    out = [("class:help.title", t("shell.help.commands_title", "Shell commands (start with /):") + "\n")]
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
    out.append(("class:help.title", t("shell.help.verbs_title", "SMTP verbs (typed as they go on the wire):") + "\n"))
    for verb in catalogue.VERBS.values():
        out.append(("class:help.command", f"  {verb.name}".ljust(12)))
        out.append(("class:help.text", f" {verb.summary}\n"))
    out.append(("class:note", t("shell.help.verb_hint", "/help VERB shows a verb's syntax and RFC.") + "\n"))
    ctx.print(out)


def _help_topic(ctx: ShellContext, topic: str) -> list[tuple[str, str]]:
    if topic.startswith(PREFIX):
        load_all()
        cmd = COMMANDS.get(topic[1:].lower())
        if cmd is None:
            return [("class:error", t("shell.help.no_command", "no shell command {topic}: /help lists them", topic=topic) + "\n")]
        text = f"{PREFIX}{cmd.name} {cmd.usage}".rstrip() + f"\n  {cmd.summary}\n"
        if cmd.details:
            text += f"  {cmd.details}\n"
        return [("", text)]
    verb = catalogue.lookup(topic)
    if verb is None:
        return [("class:error", t("shell.help.not_a_verb", "{topic} is not an SMTP verb smtpshell knows (it can still be sent as typed)",
                                  topic=repr(topic)) + "\n")]
    out = [("class:help.command", f"{verb.syntax}\n"), ("", f"  {verb.summary}\n"),
           ("", "  " + t("shell.help.defined_in", "defined in {rfc}", rfc=verb.rfc) + "\n")]
    out += _argument_lines(verb)
    if verb.extension:
        session = None
        try:
            session = ctx.session
        except AssertionError:
            pass
        if session is not None and session.capabilities is not None:
            if session.advertised(verb.extension):
                need = t("shell.help.needs_advertised", "needs the {extension} extension: advertised by this server",
                         extension=verb.extension)
            else:
                need = t("shell.help.needs_not_advertised", "needs the {extension} extension: NOT advertised by this server",
                         extension=verb.extension)
        else:
            need = t("shell.help.needs_extension", "needs the {extension} extension (see the server's EHLO reply)",
                     extension=verb.extension)
        out.append(("", f"  {need}\n"))
    for p in verb.parameters:
        out.append(("", f"  {p.syntax:<36} {p.summary} ({p.extension}, {p.rfc})\n"))
    return out


# What /help VERB says a verb's argument is, one line per shape of the catalogue
# (read when shown, so it is in the language of the moment).
_SHAPE_TEXT: dict[catalogue.ArgShape, Callable[[str, str], str]] = {
    catalogue.ArgShape.NONE: lambda keyword, names: t("ui.help.arg.none", "takes no argument"),
    catalogue.ArgShape.DOMAIN: lambda keyword, names: t("ui.help.arg.domain", "argument: a domain or an address literal such as [192.0.2.1]"),
    catalogue.ArgShape.ENVELOPE: lambda keyword, names: t("ui.help.arg.envelope", "argument: {keyword}<address> in angle brackets, then optional parameters", keyword=keyword),
    catalogue.ArgShape.MECHANISM: lambda keyword, names: t("ui.help.arg.mechanism", "argument: a SASL mechanism, then an optional base64 initial response"),
    catalogue.ArgShape.ATTRIBUTES: lambda keyword, names: t("ui.help.arg.attributes", "arguments: NAME=value attributes ({names})", names=names),
    catalogue.ArgShape.CHUNK_SIZE: lambda keyword, names: t("ui.help.arg.chunk_size", "argument: the chunk size in bytes, then LAST on the final chunk"),
    catalogue.ArgShape.TOPIC: lambda keyword, names: t("ui.help.arg.topic", "argument: optional free text, usually a verb"),
    catalogue.ArgShape.TEXT: lambda keyword, names: t("ui.help.arg.text", "argument: free text"),
}


def _argument_lines(verb: catalogue.Verb) -> list[tuple[str, str]]:
    names = ", ".join(a.rstrip("=") for a in verb.arguments)
    lines = [_SHAPE_TEXT[verb.argument](verb.keyword or "", names)]
    if verb.identifies_client:
        lines.append(t("ui.help.identifies_client", "it names the client: give your host name (it starts a new session)"))
    if verb.ends_group:
        lines.append(t("ui.help.ends_group", "ends a pipelined group: the client waits for every reply after it"))
    return [("", f"  {line}\n") for line in lines]


@command("data", lambda: t("shell.data.summary", "send DATA, then FILE as the message (CRLF line ends, dot-stuffed), then '.'"),
         usage="FILE", arg_kind=ArgKind.FILE)
async def data_command(ctx: ShellContext, args: str) -> None:
    if not args:
        ctx.error(t("shell.data.needs_file", "/data needs a FILE: /data message.eml"))
        return
    runner = ctx.runner
    if runner is None:
        ctx.error(t("shell.data.not_connected", "/data: not connected"))
        return
    await runner.send_file(args)


@command("quit", lambda: t("shell.quit.summary", "send QUIT (if connected) and leave"), aliases=("exit", "q"))
async def quit_command(ctx: ShellContext, args: str) -> None:
    await ctx.quit()


@command(
    "pipeline",
    lambda: t("shell.pipeline.summary", "send commands without waiting for each reply (RFC 2920), each group in one write, or one at a time again"),
    usage="[on|group|off]",
    arg_kind=ArgKind.PIPELINE_MODE,
    details=lambda: t("shell.pipeline.details", "With it on, commands go out at once and their replies are shown as they come; the shell waits for all of them after a command that must end a group ({group_enders}). With group, the shell holds the commands of a group and sends them with the command that ends it, in one write, as real clients do; then it says which reply answered which command.",
                      group_enders=", ".join(catalogue.group_enders())),
)
async def pipeline_command(ctx: ShellContext, args: str) -> None:
    runner = ctx.runner
    if runner is None:
        ctx.error(t("shell.pipeline.not_connected", "/pipeline: not connected"))
        return
    choice = args.strip().lower()
    if choice not in ("", "on", "off", "group"):
        ctx.error(t("shell.pipeline.usage", "/pipeline takes on, group or off"))
        return
    if choice and choice != "group" and runner.held:
        await runner.flush_group()  # what the group mode held goes out before the mode changes
    if choice == "off" and runner.pipelining and ctx.session.pending and runner.connected:
        await runner.await_replies()  # collect what the last group left outstanding
    if choice:
        runner.pipelining = choice in ("on", "group")
        runner.one_write = choice == "group"
    if runner.pipelining and runner.one_write:
        note = t("shell.pipeline.group", "pipelining in one write: commands are held until one ends the group (DATA, NOOP, QUIT, ...), then the group goes out in a single write; the replies are paired with the commands in order")
    elif runner.pipelining:
        note = t("shell.pipeline.on", "pipelining on: commands go out without waiting; replies are paired in order as they come")
    else:
        note = t("shell.pipeline.off", "pipelining off: each command waits for its reply")
    if runner.pipelining and ctx.session.capabilities is not None and not ctx.session.advertised("PIPELINING"):
        note += t("shell.pipeline.not_advertised", " (this server did not advertise PIPELINING: it may lose or reject commands)")
    ctx.print([("class:info", f"** {note}\n")])

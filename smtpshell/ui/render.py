"""Rendering: a pure function from (event, session) to styled text.

Styled text is a list of ``(style, text)`` pairs, the same shape as
prompt_toolkit's FormattedText, but this module never imports prompt_toolkit:
script mode turns it into ANSI with :mod:`.ansi`, the REPL prints it with its
own style. Style names are ``class:...`` names so themes can change colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import events as ev
from .. import knowledge
from ..protocol.replies import Reply
from ..protocol.session import Session

StyledText = list[tuple[str, str]]


@dataclass(frozen=True)
class RenderOptions:
    explain: str = "full"  # "full", "brief" or "off"


def safe(text: str) -> str:
    """Server text with control characters shown escaped, never raw."""
    out = []
    for ch in text:
        o = ord(ch)
        if o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
            out.append(f"\\x{o:02x}")
        else:
            out.append(ch)
    return "".join(out)


def render_event(event: ev.Event, session: Session, options: RenderOptions = RenderOptions()) -> StyledText:
    if isinstance(event, ev.ReplyReceived):
        return render_reply(event.reply, event.exchange.sent.verb if event.exchange.sent else None, options)
    if isinstance(event, ev.LineSent):
        out: StyledText = [("class:sent.prefix", "C: "), ("class:sent", event.shown)]
        if event.automatic:
            out.append(("class:note", "   (sent by smtpshell)"))
        if event.note:
            out.append(("class:note", f"   ({event.note})"))
        out.append(("", "\n"))
        return out
    if isinstance(event, ev.DataSent):
        return [("class:note", f"   [{event.source}: {event.bytes_in} bytes, {event.lines} lines, "
                 f"{event.stuffed} dot-stuffed, {event.bytes_sent} bytes sent]\n")]
    if isinstance(event, ev.ProtocolErrorReceived):
        raw = safe(event.error.raw.decode("utf-8", "backslashreplace"))
        return [("class:error", f"!! {event.error.message}"), ("class:note", f"  {raw[:80]}\n" if raw else "\n")]
    if isinstance(event, ev.TLSStarted):
        i = event.info
        return [("class:tls", f"** TLS started: {i.version} {i.cipher}; certificate {i.verify_note}\n")]
    if isinstance(event, ev.Warning):
        return [("class:warning", f"!! {event.message}\n")]
    if isinstance(event, ev.Info):
        return [("class:info", f"** {event.message}\n")]
    if isinstance(event, ev.Connected):
        tls = " (implicit TLS)" if event.implicit_tls else ""
        return [("class:info", f"** connected to {event.host}:{event.port} ({event.peer}){tls}\n")]
    if isinstance(event, ev.Closed):
        return [("class:info" if event.clean else "class:warning", f"** connection closed: {event.reason}\n")]
    return []


def render_reply(reply: Reply, verb: str | None, options: RenderOptions = RenderOptions()) -> StyledText:
    code_style = f"class:reply.{reply.klass}xx"
    out: StyledText = []
    for i, line in enumerate(reply.lines):
        sep = " " if i == len(reply.lines) - 1 else "-"
        out += [("class:reply.prefix", "S: "), (code_style, f"{reply.code}{sep}"), ("class:reply.text", safe(line)), ("", "\n")]
    if options.explain != "off":
        exp = knowledge.explain_reply(reply.code, reply.enhanced, verb, reply.text)
        out.append(("class:explain", f"   ↳ {exp.summary}\n"))
    return out

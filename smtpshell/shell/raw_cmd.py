"""/raw on|off: the wire as it really is (protocol/raw.py, render/wire.py)."""

from __future__ import annotations

from ..i18n import t
from ..records import TYPE_CHECKING
from .registry import ArgKind, command

if TYPE_CHECKING:
    from .context import ShellContext


@command("raw", lambda: t("shell.raw.summary", "show every line's end on the wire, and send typed escapes (\\r \\n \\xHH) as exact bytes"),
         usage="[on|off]", arg_kind=ArgKind.ON_OFF,
         details=lambda: t("shell.raw.details", "In raw mode a typed line is sent as exactly the bytes its escapes say (\\r \\n \\t \\\\ \\xHH), "
                           "CRLF added only when it does not end in \\r or \\n; nothing is dot-stuffed or normalised. "
                           "Line ends are drawn as \u21b5 (CRLF), \u240a (bare LF) and \u240d (bare CR)."))
async def raw_command(ctx: ShellContext, args: str) -> None:
    runner = ctx.runner
    if runner is None:
        ctx.error(t("shell.raw.no_session", "/raw: no session"))
        return
    choice = args.strip().lower()
    if choice not in ("", "on", "off"):
        ctx.error(t("shell.raw.usage", "/raw takes on or off"))
        return
    if choice:
        runner.raw = choice == "on"
        ctx.render_options = ctx.render_options._replace(raw=runner.raw)
    if runner.raw:
        note = t("shell.raw.on", "raw mode on: typed lines are escapes for exact bytes (\\r CR, \\n LF, \\t TAB, \\\\ backslash, \\xHH any byte); a line not ending in \\r or \\n gets CRLF; nothing is dot-stuffed. On screen: \u21b5 CRLF, \u240a bare LF, \u240d bare CR, \u00b7 a stuffing dot the server removes; lines sent raw are labelled C(raw):")
    else:
        note = t("shell.raw.off", "raw mode off: each typed line is sent as typed, plus CRLF")
    ctx.print([("class:info", f"** {note}\n")])

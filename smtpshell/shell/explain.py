"""Shell commands /explain and /level: replies explained on demand, and how much by default."""

from __future__ import annotations

from .. import knowledge
from ..i18n import t
from ..protocol.session import Session
from ..records import TYPE_CHECKING
from ..render.styled import LEVELS, render_last, render_query
from .registry import ArgKind, command

if TYPE_CHECKING:
    from .context import ShellContext


def _session(ctx: ShellContext) -> Session | None:
    try:
        return ctx.session
    except (AssertionError, AttributeError):  # no connection yet
        return None


@command(
    "explain",
    lambda: t("shell.explain.summary", "explain a reply code, an enhanced code, both, an EHLO keyword, or the last reply"),
    usage="[CODE|X.Y.Z|KEYWORD|last]",
    aliases=("why",),
    arg_kind=ArgKind.CODE,
    details=lambda: t("shell.explain.details", "/explain 550 5.7.1, /explain 4.7.1, /explain SIZE need no connection; /explain (or /explain last) explains the last reply in depth: meaning, probable cause, what to try."),
)
async def explain_command(ctx: ShellContext, args: str) -> None:
    if args.strip().lower() in ("", "last"):
        session = _session(ctx)
        if session is None:
            ctx.error(t("ui.explain.no_session", "no reply yet: connect first, or give a code (/explain 550)"))
            return
        ctx.print(render_last(session))
        return
    try:
        query = knowledge.parse_query(args)
    except knowledge.QueryError as exc:
        ctx.error(str(exc))
        return
    ctx.print(render_query(query))


@command(
    "level",
    lambda: t("shell.level.summary", "how much to explain each reply: full, brief, failures (4xx/5xx only) or off (the bare wire)"),
    usage="[full|brief|failures|off]",
    arg_kind=ArgKind.LEVEL,
)
async def level_command(ctx: ShellContext, args: str) -> None:
    # The drivers render with ctx.render_options (from --explain at start), so
    # what /level says is what the screen does.
    options = ctx.render_options
    wanted = args.strip().lower()
    if not wanted:
        ctx.print([("class:info", t("ui.level.current", "explanation level: {level}", level=options.explain)), ("", "\n")])
        return
    if wanted not in LEVELS:
        ctx.error(t("ui.level.bad", "unknown level '{level}': use full, brief, failures or off", level=args.strip()))
        return
    ctx.render_options = options._replace(explain=wanted)
    ctx.print([("class:info", t("ui.level.set", "explanation level is now {level}", level=wanted)), ("", "\n")])

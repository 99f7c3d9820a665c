"""``/summary``: what happened on this connection so far (envelopes, TLS, AUTH, time per stage)."""

from __future__ import annotations

from ..i18n import t
from ..records import TYPE_CHECKING
from ..render.styled import StyledText
from ..transcript.summary import SessionSummary
from .registry import command

if TYPE_CHECKING:
    from .context import ShellContext


def summary_text(summary: SessionSummary) -> StyledText:
    """The summary as styled text: the title as information, the facts as notes."""
    lines = summary.lines()
    out: StyledText = [("class:info", f"** {lines[0]}\n")]
    out += [("class:note", f"{line}\n") for line in lines[1:]]
    return out


@command(
    "summary",
    lambda: t("cmd.summary", "what happened on this connection: envelopes, queue ids, TLS, AUTH, time per stage"),
    usage="",
)
async def summary_command(ctx: ShellContext, args: str) -> None:
    runner = ctx.runner
    if runner is None:
        ctx.error(t("summary.no_runner", "/summary: this shell has no session"))
        return
    ctx.print(summary_text(runner.summary))

"""``/record FILE`` and ``/record stop``: save the session as a transcript (docs/transcripts.md)."""

from __future__ import annotations

from collections.abc import Callable

from ..client.target import Target
from ..events import EventBus
from ..i18n import t
from ..records import TYPE_CHECKING
from ..transcript.recorder import Recorder, RecordError, start_recording
from .registry import ArgKind, command

if TYPE_CHECKING:
    from .context import ShellContext


@command(
    "record",
    lambda: t("shell.record.summary", "record the session to a transcript FILE (replay it with 'smtpshell replay FILE'); /record stop ends it"),
    usage="FILE|stop",
    arg_kind=ArgKind.FILE,
    details=lambda: t("shell.record.details", "Secrets are written as placeholders such as <password>, never in the clear."),
)
async def record_command(ctx: ShellContext, args: str) -> None:
    current = ctx.recorder
    if args in ("", "stop", "off"):
        if current is None:
            ctx.error(t("shell.record.not_recording", "not recording: /record FILE starts") if args
                      else t("shell.record.needs_file", "/record needs a FILE (or 'stop')"))
            return
        current.stop()
        ctx.recorder = None
        ctx.print([("class:info", "** " + t("shell.record.stopped", "recording stopped: {lines} lines in {path}",
                                             lines=current.lines_written, path=current.path) + "\n")])
        return
    runner = ctx.runner
    if runner is None:
        ctx.error(t("shell.record.no_session", "/record: this shell has no session to record"))
        return
    if current is not None:
        ctx.error(t("shell.record.already", "already recording to {path}: /record stop first", path=current.path))
        return
    try:
        recorder = start_recording(args, runner.bus, target=runner.target, session=runner.session)
    except RecordError as exc:
        ctx.error(str(exc))
        return
    ctx.recorder = recorder
    ctx.print([("class:info", "** " + t("shell.record.started", "recording to {path} (secrets are written as placeholders); /record stop ends it",
                                         path=args) + "\n")])


def record_from_flag(path: str | None, bus: EventBus, target: Target | None,
                     error: Callable[[str], None]) -> Recorder | None:
    """``--record FILE``: start recording before the connection opens; ``error`` reports a failure."""
    if not path:
        return None
    try:
        return start_recording(path, bus, target=target)
    except RecordError as exc:
        error(str(exc))
        return None

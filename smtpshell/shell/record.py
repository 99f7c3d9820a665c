"""``/record FILE`` and ``/record stop``: save the session as a transcript (docs/transcripts.md)."""

from __future__ import annotations

from collections.abc import Callable

from ..client.target import Target
from ..events import EventBus
from ..transcript.recorder import Recorder, RecordError, start_recording
from .registry import ArgKind, ShellContext, command


@command(
    "record",
    "record the session to a transcript FILE (replay it with 'smtpshell replay FILE'); /record stop ends it",
    usage="FILE|stop",
    arg_kind=ArgKind.FILE,
    details="Secrets are written as placeholders such as <password>, never in the clear.",
)
async def record_command(ctx: ShellContext, args: str) -> None:
    current = ctx.recorder
    if args in ("", "stop", "off"):
        if current is None:
            ctx.error("not recording: /record FILE starts" if args else "/record needs a FILE (or 'stop')")
            return
        current.stop()
        ctx.recorder = None
        ctx.print([("class:info", f"** recording stopped: {current.lines_written} lines in {current.path}\n")])
        return
    runner = ctx.runner
    if runner is None:
        ctx.error("/record: this shell has no session to record")
        return
    if current is not None:
        ctx.error(f"already recording to {current.path}: /record stop first")
        return
    try:
        recorder = start_recording(args, runner.bus, target=runner.target, session=runner.session)
    except RecordError as exc:
        ctx.error(str(exc))
        return
    ctx.recorder = recorder
    ctx.print([("class:info", f"** recording to {args} (secrets are written as placeholders); /record stop ends it\n")])


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

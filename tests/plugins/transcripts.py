"""Helpers for the transcript tests: record a scripted session, replay a file."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from smtpshell.client.target import Target
from smtpshell.drivers.replay import Replayer, ReplayResult, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.transcript import read_transcript
from smtpshell.transcript.placeholders import SecretSource

REPO = Path(__file__).resolve().parents[2]
TRANSCRIPTS = REPO / "transcripts"


@dataclass
class Recorded:
    status: int
    path: Path
    text: str
    screen: str


async def record_session(lines: Iterable[str], target: Target, path: Path,
                         options: RunOptions | None = None) -> Recorded:
    """Run ``lines`` in script mode with --record PATH (the flag's own code path)."""
    out, err = io.StringIO(), io.StringIO()
    driver = ScriptDriver(list(lines), target, options or RunOptions(timeout=10), out=out, err=err,
                          record=str(path))
    status = await driver.run()
    recorder = driver.context.recorder
    if recorder is not None:
        recorder.stop()
    return Recorded(status, path, path.read_text(encoding="utf-8"), out.getvalue() + err.getvalue())


@dataclass
class Replayed:
    result: ReplayResult
    report: str
    screen: str


async def replay_file(path: Path, target: Target, options: RunOptions | None = None,
                      secrets: SecretSource | None = None, **kwargs: object) -> Replayed:
    out, err = io.StringIO(), io.StringIO()
    replayer = Replayer(read_transcript(path), target, options or RunOptions(timeout=10),
                        secrets=secrets or SecretSource(environ={}), out=out, err=err, **kwargs)  # type: ignore[arg-type]
    result = await replayer.run()
    return Replayed(result, format_report(result), out.getvalue() + err.getvalue())

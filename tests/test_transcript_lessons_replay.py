"""Must-show 2: every file in transcripts/ replays against the embedded practice server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smtpshell import exitcodes
from smtpshell.drivers.practice import practice_target
from smtpshell.drivers.replay import Replayer, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.transcript import read_transcript
from smtpshell.transcript.placeholders import SecretSource
from tests.plugins.transcripts import TRANSCRIPTS

FILES = sorted(TRANSCRIPTS.glob("*.transcript"))
PRACTICE_SECRETS = {"SMTPSHELL_USER": "alice", "SMTPSHELL_PASSWORD": "wonderland"}  # the demo account


def test_the_lessons_are_there_and_cover_the_tutorial() -> None:
    assert len(FILES) >= 6
    sent = [s.line or "" for path in FILES for s in read_transcript(path).steps]
    verbs = {line.split(" ")[0].split(":")[0].upper() for line in sent}
    for verb in ("HELO", "EHLO", "MAIL", "RCPT", "DATA", "QUIT", "AUTH", "STARTTLS", "VRFY", "EXPN", "HELP", "NOOP", "RSET"):
        assert verb in verbs, f"no lesson sends {verb}"
    codes = {e.code // 100 for path in FILES for s in read_transcript(path).steps for e in s.expected}
    assert codes >= {2, 3, 4, 5}
    assert any(read_transcript(p).implicit_tls for p in FILES)
    for path in FILES:
        t = read_transcript(path)
        assert t.header.get("title") and t.intro, f"{path.name} needs a title and an introduction"
        commented = [s for s in t.steps if s.line and s.comments]
        assert len(commented) >= 3, f"{path.name}: a lesson explains its steps"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_every_transcript_replays_against_the_practice_server(path: Path) -> None:
    transcript = read_transcript(path)
    out = io.StringIO()
    async with practice_target(transcript, RunOptions(timeout=10)) as (target, options, _server):
        replayer = Replayer(transcript, target, options, out=out, err=out,
                            secrets=SecretSource(environ=dict(PRACTICE_SECRETS)))
        result = await replayer.run()
    report = format_report(result)
    assert result.exit_code() == exitcodes.OK, report + out.getvalue()
    assert result.checked == transcript.checked_replies > 0
    assert "wonderland" not in out.getvalue()


async def test_a_lesson_against_a_differently_set_up_server_fails(tmp_path: Path) -> None:
    """The 4xx lesson needs greylisting: without it the first RCPT is accepted, and replay says so."""
    original = (TRANSCRIPTS / "06-reply-classes.transcript").read_text()
    changed = tmp_path / "no-greylisting.transcript"
    changed.write_text(original.replace("#: practice: greylisting=on", "#: practice: greylisting=off"))
    transcript = read_transcript(changed)
    out = io.StringIO()
    async with practice_target(transcript, RunOptions(timeout=10)) as (target, options, _server):
        result = await Replayer(transcript, target, options, out=out, err=out).run()
    assert result.exit_code() == exitcodes.MISMATCH
    assert "reply code 250 where the transcript has 451" in format_report(result)

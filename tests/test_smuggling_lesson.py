"""Issue 17, must-show 4: the smuggling lesson replays against both practice servers, the lenient
one (scenario ``smuggling``: a bare CR or LF ends a line) and the strict one (``normal``); only the
lenient one splits each message in two. Real parts: the practice server on 127.0.0.1, the replayer,
the lesson player."""

from __future__ import annotations

import io

import pytest

from smtpshell import exitcodes
from smtpshell.drivers.lesson import Lesson
from smtpshell.drivers.practice import practice_target
from smtpshell.drivers.replay import Replayer, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.server.smtp import LaxLineEnds
from smtpshell.transcript import read_transcript
from tests.plugins.transcripts import TRANSCRIPTS

LESSON = TRANSCRIPTS / "08-smtp-smuggling.transcript"
LESSON_ZH = TRANSCRIPTS / "zh_CN" / "08-smtp-smuggling.transcript"
SEQUENCES = (b"\n.\n", b"\r.\r", b"\r\n.\r", b"\n.\r\n")  # RFC 5321 4.1.1.4; SEC Consult 2023


async def _replay(scenario: str) -> tuple[int, str, list[str], list[bytes]]:
    transcript = read_transcript(LESSON)
    transcript.header["practice"] = f"scenario={scenario}"
    out = io.StringIO()
    async with practice_target(transcript, RunOptions(timeout=10)) as (target, options, server):
        result = await Replayer(transcript, target, options, out=out, err=out).run()
        subjects = [m.subject for m in server.mailbox]
        contents = [m.data for m in server.mailbox]
    return result.exit_code(), format_report(result) + out.getvalue(), subjects, contents


def test_the_lesson_sends_every_sequence_raw() -> None:
    raw_steps = [s for s in read_transcript(LESSON).steps if s.raw]
    assert len(raw_steps) == len(SEQUENCES)
    from smtpshell.protocol.raw import wire_of

    for step, sequence in zip(raw_steps, SEQUENCES, strict=True):
        assert step.line is not None
        assert sequence + b"MAIL FROM:" in wire_of(step.line)


async def test_the_lenient_server_splits_every_message() -> None:
    code, screen, subjects, _ = await _replay("smuggling")
    assert code == exitcodes.OK, screen
    assert subjects == [f"part {n}" if i == 0 else f"smuggled {n}" for n in range(1, 5) for i in range(2)]
    assert screen.count("the server spoke unasked") == 4 * 4  # MAIL, RCPT, DATA and the second 250


async def test_the_strict_server_keeps_each_message_whole() -> None:
    code, screen, subjects, contents = await _replay("normal")
    assert code == exitcodes.OK, screen
    assert subjects == ["part 1", "part 2", "part 3", "part 4"]  # no second message anywhere
    assert all(b"MAIL FROM:<ceo@practice.test>" in c for c in contents)  # the smuggled commands are text
    assert "spoke unasked" not in screen


class Student:
    """Enter on every pre-filled line."""

    async def prompt_async(self, label: str, *, is_password: bool = False, default: str = "") -> str:
        return "" if label.startswith("retry") else default


@pytest.mark.parametrize("scenario", ["smuggling", "normal"])
async def test_the_lesson_plays_through_its_raw_steps(scenario: str) -> None:
    transcript = read_transcript(LESSON)
    transcript.header["practice"] = f"scenario={scenario}"
    out = io.StringIO()
    async with practice_target(transcript, RunOptions(timeout=10)) as (target, options, server):
        lesson = Lesson(transcript, target, options, out=out, color=False, prompt_session=Student())
        code = await lesson.run()
        count = len(server.mailbox)
    assert code == exitcodes.OK, out.getvalue()
    assert count == (8 if scenario == "smuggling" else 4)
    assert "C(raw): first message\u240a" in out.getvalue()


def test_the_chinese_lesson_sends_and_expects_the_same_lines() -> None:
    english, chinese = read_transcript(LESSON), read_transcript(LESSON_ZH)
    assert [(s.line, s.raw, [(e.code, e.text) for e in s.expected]) for s in english.steps] == \
        [(s.line, s.raw, [(e.code, e.text) for e in s.expected]) for s in chinese.steps]
    assert english.header["practice"] == chinese.header["practice"]
    assert any("\u8d70\u79c1" in line or "\u5939\u5e26" in line for line in chinese.intro)  # 走私 / 夹带: in Chinese


@pytest.mark.parametrize("split", [1, 2, 3, 5, 8])
def test_lax_line_ends_over_any_split(split: int) -> None:
    data = b"a\r\nb\nc\r.\rd\r\n\r\n.\n"
    lax = LaxLineEnds()
    out = b"".join(lax.feed(data[i:i + split]) for i in range(0, len(data), split))
    assert out == b"a\r\nb\r\nc\r\n.\r\nd\r\n\r\n.\r\n"


def test_a_raw_line_is_not_exported_as_another_tools_command() -> None:
    """swaks, curl and openssl would normalise the bytes: the export says so instead of lying."""
    from smtpshell.transcript.export_commands import NotExpressible, read_session

    with pytest.raises(NotExpressible, match="C\\(raw\\): line"):
        read_session(read_transcript(LESSON))


def test_the_handout_keeps_the_raw_lines_and_the_sequences_readable() -> None:
    from smtpshell.transcript.export import to_markdown

    page = to_markdown(read_transcript(LESSON))
    assert "C(raw): Subject: part 1\\r\\n\\r\\nfirst message\\n.\\nMAIL FROM:" in page
    assert "come the bytes LF . LF" in page

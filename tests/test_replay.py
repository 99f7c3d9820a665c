"""Must-show 1: record a session against aiosmtpd, replay it; a changed server fails with status 6."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from smtpshell import exitcodes
from smtpshell.client.target import Target
from smtpshell.drivers.runner import RunOptions
from smtpshell.transcript import read_transcript
from tests.plugins.servers import RecordingHandler, start_smtp
from tests.plugins.transcripts import record_session, replay_file

SESSION = [
    "EHLO client.example",
    "MAIL FROM:<alice@example.org>",
    "RCPT TO:<bob@example.org>",
    "DATA",
    "Subject: replay test",
    "",
    "..a line that starts with a dot",
    "last line",
    ".",
    "NOOP",
    "QUIT",
]


def _target(server) -> Target:  # type: ignore[no-untyped-def]
    return Target(server.host, server.port)


async def test_record_then_replay_against_a_fresh_server(smtp_server, tmp_path: Path) -> None:
    recorded = await record_session(SESSION, _target(smtp_server), tmp_path / "s.transcript")
    assert recorded.status == exitcodes.OK
    text = recorded.text
    assert text.startswith("# smtpshell transcript 1\n")
    assert f"#: server: {smtp_server.address}" in text
    assert "C: ..a line that starts with a dot" in text  # as typed: replay stuffs it again
    assert "S: 354 " in text and "S: 250 2.0.0 OK: queued as TEST0001" in text
    transcript = read_transcript(recorded.path)
    assert transcript.steps[0].is_greeting and transcript.checked_replies == 8

    again = start_smtp()  # same software, new port, new queue
    try:
        replayed = await replay_file(recorded.path, _target(again))
    finally:
        again.thread.stop()
    assert replayed.result.exit_code() == exitcodes.OK, replayed.report
    assert replayed.result.checked == 8
    assert "OK, all 8 replies match" in replayed.report
    # What replay sent is what was recorded: the message arrived intact, dot-stuffing undone by the server.
    assert again.messages[0].content.endswith(b"\r\n\r\n..a line that starts with a dot\r\nlast line\r\n")


async def test_a_changed_server_fails_with_status_6_and_says_where(smtp_server, tmp_path: Path) -> None:
    recorded = await record_session(SESSION, _target(smtp_server), tmp_path / "s.transcript")
    changed = start_smtp(RecordingHandler(reject_rcpt={"bob@example.org"}))
    try:
        replayed = await replay_file(recorded.path, _target(changed))
    finally:
        changed.thread.stop()
    result = replayed.result
    assert result.exit_code() == exitcodes.MISMATCH == 6
    rcpt_line = next(s.line_no for s in read_transcript(recorded.path).steps if (s.line or "").startswith("RCPT"))
    report = replayed.report
    assert "FAILED" in report
    assert f"line {rcpt_line}: C: RCPT TO:<bob@example.org>" in report
    assert "reply code 550 where the transcript has 250" in report
    assert "expected  S: 250 2.1.5 OK" in report
    assert "got       S: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown" in report
    # The refused recipient derails DATA too: that is reported, not hidden.
    assert any(m.step.line == "DATA" for m in result.mismatches)


async def test_wildcards_let_varying_text_pass_but_never_a_different_code(smtp_server, tmp_path: Path) -> None:
    path = tmp_path / "w.transcript"
    path.write_text(
        "S: 220 * ESMTP\n"
        "C: EHLO me.example\n"
        "S: 250-mx.*\n"
        "S: 250-...\n"
        "S: 250 HELP\n"
        "C: NOOP\n"
        "S: 250 *\n"
        "C: VRFY someone\n"
        "S: 250 *\n"  # aiosmtpd answers 252
        "C: QUIT\n"
        "S: 221 Bye\n"
    )
    replayed = await replay_file(path, _target(smtp_server))
    result = replayed.result
    assert [m.step.line for m in result.mismatches] == ["VRFY someone"], replayed.report
    assert result.exit_code() == exitcodes.MISMATCH
    codes_only = await replay_file(path, _target(smtp_server), codes_only=True)
    assert [m.step.line for m in codes_only.result.mismatches] == ["VRFY someone"]


async def test_text_differences_are_reported_and_codes_only_ignores_them(smtp_server, tmp_path: Path) -> None:
    path = tmp_path / "t.transcript"
    path.write_text("S: 220 mx.other ESMTP\nC: NOOP\nS: 250 Fine thanks\nC: QUIT\nS: 221 Bye\n")
    strict = await replay_file(path, _target(smtp_server))
    assert strict.result.exit_code() == exitcodes.MISMATCH
    assert "same code, different text" in strict.report
    assert "got       S: 220 mx.test smtpshell-test ESMTP" in strict.report
    loose = await replay_file(path, _target(smtp_server), codes_only=True)
    assert loose.result.exit_code() == exitcodes.OK, loose.report


async def test_a_server_that_closes_early_leaves_lines_unsent(scripted_server, tmp_path: Path) -> None:
    from tests.plugins.servers import read_command

    async def script(reader, writer):  # type: ignore[no-untyped-def]
        writer.write(b"220 hello\r\n")
        await read_command(reader)
        writer.write(b"421 4.3.2 going away\r\n")
        await writer.drain()

    server = scripted_server(script)
    path = tmp_path / "c.transcript"
    path.write_text("S: 220 hello\nC: EHLO me\nS: 250 ok\nC: NOOP\nS: 250 ok\nC: QUIT\nS: 221 bye\n")
    replayed = await replay_file(path, Target(server.host, server.port))
    assert replayed.result.exit_code() == exitcodes.MISMATCH
    assert "reply code 421 where the transcript has 250" in replayed.report
    # Whether NOOP still went out depends on when the close is seen; QUIT never does.
    assert "line(s) not sent (the connection closed early)" in replayed.report


async def test_starttls_inside_a_transcript(starttls_server, ca_file: str, tmp_path: Path) -> None:
    from smtpshell.client.tls import TLSOptions

    options = RunOptions(timeout=10, tls=TLSOptions(cafile=ca_file))
    lines = ["EHLO client.example", "STARTTLS", "EHLO client.example", "NOOP", "QUIT"]
    recorded = await record_session(lines, Target("localhost", starttls_server.port), tmp_path / "tls.transcript", options)
    assert "** TLS started: TLS" in recorded.text
    replayed = await replay_file(recorded.path, Target("localhost", starttls_server.port), options)
    assert replayed.result.ok, replayed.report
    # A server without STARTTLS fails the transcript at that step.
    plain = start_smtp()
    try:
        failed = await replay_file(recorded.path, Target("localhost", plain.port), options)
    finally:
        plain.thread.stop()
    assert failed.result.exit_code() == exitcodes.MISMATCH
    assert any(m.step.line == "STARTTLS" for m in failed.result.mismatches)


def test_the_replay_command_exits_6_on_a_mismatch_and_0_on_a_match(smtp_server, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.transcript", tmp_path / "bad.transcript"
    good.write_text("S: 220 *\nC: NOOP\nS: 250 *\nC: QUIT\nS: 221 *\n")
    bad.write_text("S: 220 *\nC: NOOP\nS: 550 *\nC: QUIT\nS: 221 *\n")
    exe = Path(sys.executable).with_name("smtpshell")
    ok = subprocess.run([str(exe), "replay", str(good), smtp_server.address], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK, all 3 replies match" in ok.stdout
    no = subprocess.run([str(exe), "replay", "-q", str(bad), smtp_server.address], capture_output=True, text=True, timeout=60)
    assert no.returncode == 6, no.stdout + no.stderr
    assert "line 2: C: NOOP" in no.stdout and no.stdout.startswith("replay of") and "Traceback" not in no.stderr
    missing = subprocess.run([str(exe), "replay", str(tmp_path / "nope.transcript"), smtp_server.address],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr

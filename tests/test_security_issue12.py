"""Issue 12: the holes a security review found, one test (at least) per numbered point.

Every test runs against a real aiosmtpd server or a small scripted server on
127.0.0.1, through the installed ``smtpshell`` or the real drivers. The table in
docs/security.md names these tests.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell import exitcodes
from smtpshell.client.target import Target
from smtpshell.drivers.replay import Replayer, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.transcript import read_transcript
from smtpshell.transcript.placeholders import SecretSource
from tests.plugins.auth import run_in_process
from tests.plugins.servers import ServerThread, answering_script

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
PASSWORD = "wonderland-Pa55"
CREDENTIALS_B64 = base64.b64encode(f"\0alice\0{PASSWORD}".encode()).decode()
REMOTE = "192.0.2.25"  # TEST-NET-1: never reached; the policy's address seam says "remote"

EHLO_TLS = b"250-mx.test\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
EHLO_NO_TLS = b"250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"


def run(args: list[str], stdin: str | bytes = "", timeout: float = 60, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    data = stdin.encode("utf-8", "surrogateescape") if isinstance(stdin, str) else stdin
    proc = subprocess.run([SMTPSHELL, *args], input=data, capture_output=True, timeout=timeout,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def sent_verbs(received: list[bytes]) -> list[bytes]:
    return [line.split(b" ", 1)[0].upper() for line in received]


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stdout + result.stderr


# == 1. --starttls never goes on in plaintext ===============================================

STARTTLS_FAILURES = {
    "454": {b"EHLO": EHLO_TLS, b"STARTTLS": b"454 4.7.0 TLS not available due to temporary reason\r\n"},
    "502": {b"EHLO": EHLO_TLS, b"STARTTLS": b"502 5.5.1 not implemented\r\n"},
    "354": {b"EHLO": EHLO_TLS, b"STARTTLS": b"354 go ahead\r\n"},
    "stripped": {b"EHLO": EHLO_NO_TLS},
    "ehlo-500": {b"EHLO": b"500 5.5.1 what?\r\n", b"HELO": b"250 mx.test\r\n"},
}


@pytest.mark.parametrize("failure", sorted(STARTTLS_FAILURES))
def test_1_starttls_flag_stops_the_script_when_tls_does_not_start(scripted_server, failure: str) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script(STARTTLS_FAILURES[failure], received))
    result = run([server.address, "--starttls", "--allow-plaintext-auth", "--color", "never",
                  "-c", "EHLO client.test", "-c", "HELO client.test", "-c", f"AUTH PLAIN {CREDENTIALS_B64}",
                  "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>", "-c", "DATA"])
    verbs = sent_verbs(received)
    assert not {b"AUTH", b"MAIL", b"RCPT", b"DATA"} & set(verbs), received
    assert CREDENTIALS_B64 not in result.stdout + result.stderr
    assert verbs[-1] == b"QUIT"  # the session was ended politely
    assert result.returncode == exitcodes.CONNECTION, result.stdout + result.stderr
    assert "not going on in plaintext" in result.stderr
    no_traceback(result)


async def test_1_starttls_flag_in_the_repl_refuses_auth_and_mail(scripted_server) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script(STARTTLS_FAILURES["454"], received))
    result = await run_in_process(server.address, ["EHLO client.test", "MAIL FROM:<a@example.org>", "NOOP"],
                                  interactive=True, starttls=True)
    assert b"MAIL FROM:<a@example.org>" not in received
    assert b"NOOP" in received  # the REPL stays open, as with --require-tls
    assert "MAIL not sent" in result.screen


# == 2. replay applies the same TLS and AUTH rules ==========================================

TLS_TRANSCRIPT = """# smtpshell transcript 1
#: server: mx.test
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250-mx.test
S: 250-STARTTLS
S: 250 AUTH PLAIN LOGIN
C: STARTTLS
S: 220 2.0.0 go ahead
** TLS started
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH PLAIN LOGIN
C: AUTH PLAIN <credentials>
S: 235 2.7.0 ok
C: MAIL FROM:<a@example.org>
S: 250 ok
C: QUIT
S: 221 bye
"""

PLAIN_AUTH_TRANSCRIPT = """# smtpshell transcript 1
#: server: mx.test
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH PLAIN LOGIN
C: AUTH PLAIN <credentials>
S: 235 2.7.0 ok
C: MAIL FROM:<a@example.org>
S: 250 ok
C: QUIT
S: 221 bye
"""


def _replayer(tmp_path: Path, text: str, server: ServerThread) -> Replayer:
    path = tmp_path / "t.transcript"
    path.write_text(text, encoding="utf-8")
    secrets = SecretSource(environ={"SMTPSHELL_USER": "alice", "SMTPSHELL_PASSWORD": PASSWORD})
    return Replayer(read_transcript(path), Target(server.host, server.port), RunOptions(timeout=10),
                    secrets=secrets, out=io.StringIO(), err=io.StringIO())


async def test_2_replay_stops_before_auth_when_starttls_is_refused(scripted_server, tmp_path: Path) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script(STARTTLS_FAILURES["454"], received))
    replayer = _replayer(tmp_path, TLS_TRANSCRIPT, server)
    result = await replayer.run()
    assert not {b"AUTH", b"MAIL"} & set(sent_verbs(received)), received
    assert not any(CREDENTIALS_B64.encode() in line for line in received)
    assert result.exit_code() == exitcodes.CONNECTION
    report = format_report(result)
    assert "STOPPED" in report and "line 14" in report and "AUTH not sent" in report


async def test_2_replay_refuses_plaintext_auth_to_a_remote_host(scripted_server, tmp_path: Path) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script({b"EHLO": EHLO_NO_TLS, b"AUTH": b"235 2.7.0 ok\r\n"}, received))
    replayer = _replayer(tmp_path, PLAIN_AUTH_TRANSCRIPT, server)
    replayer.runner.tls_policy.auth_address = lambda peer: REMOTE  # type: ignore[method-assign]
    result = await replayer.run()
    assert b"AUTH" not in sent_verbs(received) and b"MAIL" not in sent_verbs(received)
    assert result.exit_code() == exitcodes.USAGE
    assert "refused: AUTH without TLS" in format_report(result)


# == 3. a lesson never sends the password outside AUTH ======================================

LESSON = """# smtpshell transcript 1
#: title: AUTH lesson
#: server: mx.test
S: 220 mx.test ESMTP
C: EHLO student.test
S: 250-mx.test
S: 250 AUTH LOGIN
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: <username>
S: 334 UGFzc3dvcmQ6
C: <password>
S: 235 2.7.0 ok
C: NOOP
S: 250 ok
"""


class Student:
    """The terminal side of a lesson: presses Enter on every pre-filled line and answers secrets;
    offered a step again after a reply that differed, moves on (an empty line)."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def prompt_async(self, label: str, *, is_password: bool = False, default: str = "") -> str:
        self.asked.append(label)
        if label.startswith("retry"):
            return ""
        for key, answer in self.answers.items():
            if key in label:
                return answer
        return default


async def test_3_a_lesson_skips_the_password_step_after_a_refused_auth(scripted_server, tmp_path: Path) -> None:
    from smtpshell.drivers.lesson import Lesson

    received: list[bytes] = []
    answers = {b"EHLO": b"250-mx.test\r\n250 AUTH LOGIN\r\n", b"AUTH": b"530 5.7.0 Must issue a STARTTLS command first\r\n"}
    server = scripted_server(answering_script(answers, received))
    path = tmp_path / "l.transcript"
    path.write_text(LESSON, encoding="utf-8")
    out = io.StringIO()
    student = Student({"user name": "alice", "password": PASSWORD})
    lesson = Lesson(read_transcript(path), Target(server.host, server.port), RunOptions(timeout=10),
                    out=out, color=False, prompt_session=student)
    await lesson.run()
    wire = b"\n".join(received)
    assert base64.b64encode(PASSWORD.encode()) not in wire
    assert base64.b64encode(PASSWORD.encode()).decode() not in out.getvalue()
    assert not any("password" in label for label in student.asked)  # not even asked for
    assert "the server is not waiting for an AUTH answer" in out.getvalue()
    assert b"NOOP" in received  # the lesson went on


# == 4. the exit status says when TLS did not start =========================================

@pytest.mark.parametrize("answer", [b"354 go on\r\n", b"221 2.0.0 bye\r\n"])
def test_4_starttls_answered_354_or_221_is_not_success(scripted_server, answer: bytes) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script({b"EHLO": EHLO_TLS, b"STARTTLS": answer}, received))
    result = run([server.address, "-c", "EHLO client.test", "-c", "STARTTLS", "-c", "MAIL FROM:<a@example.org>"])
    assert result.returncode == exitcodes.CONNECTION, result.stdout + result.stderr
    assert "TLS did not start" in result.stderr
    assert b"MAIL FROM:<a@example.org>" not in received
    no_traceback(result)


# == 7. script files: the same line rules as stdin (no split at a bare CR) ==================

def test_7_a_bare_cr_in_a_script_file_is_refused_not_split(scripted_server, tmp_path: Path) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script({b"EHLO": EHLO_NO_TLS, b"DATA": b"354 go on\r\n"}, received))
    script = tmp_path / "s.smtp"
    script.write_bytes(b"EHLO client.test\r\nMAIL FROM:<a@b.example>\rRSET\r\nRCPT TO:<c@d.example>\n"
                       b"DATA\nfoo\r.\r\nMAIL FROM:<x@y.example>\n.\n")
    result = run([server.address, "--script", str(script)])
    assert b"RSET" not in received and not any(line.startswith(b"MAIL FROM:<a@b") for line in received)
    # "foo\r." never went out, so "\r\n.\r\n" never ended the message early: the next line
    # is message text (this server records it as a line), and "." is the real end.
    assert not any(b"foo" in line for line in received)
    assert received[received.index(b"DATA"):] == [b"DATA", b"MAIL FROM:<x@y.example>", b".", b"QUIT"]
    assert "refused: the line holds CR" in result.stderr
    assert result.returncode == exitcodes.USAGE
    no_traceback(result)


# == 8. 8-bit input goes out as it came ======================================================

def test_8_latin1_bytes_from_stdin_go_out_as_they_came(scripted_server, smtp_server) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script({b"EHLO": EHLO_NO_TLS}, received))
    result = run([server.address], stdin=b"EHLO client.test\nMAIL FROM:<j\xf6rg@example.org>\nQUIT\n")
    assert b"MAIL FROM:<j\xf6rg@example.org>" in received
    assert "C: MAIL FROM:<j\\xf6rg@example.org>" in result.stdout  # shown escaped, never raw
    assert result.returncode == exitcodes.OK, result.stderr
    no_traceback(result)
    body = b"EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nSubject: s\n\nGr\xfc\xdfe\n.\n"
    delivered = run([smtp_server.address], stdin=body)
    assert delivered.returncode == exitcodes.OK, delivered.stderr
    assert smtp_server.messages[0].content == b"Subject: s\r\n\r\nGr\xfc\xdfe\r\n"


async def test_8_a_line_that_cannot_be_sent_as_typed_is_refused_in_one_line(scripted_server) -> None:
    received: list[bytes] = []
    server = scripted_server(answering_script({b"EHLO": EHLO_NO_TLS}, received))
    result = await run_in_process(server.address, ["EHLO client.test", "MAIL FROM:<a\ud800@example.org>", "NOOP"])
    assert not any(line.startswith(b"MAIL") for line in received) and b"NOOP" in received
    assert "cannot be sent as typed (U+D800)" in result.screen


# == 9. /data FILE: no NUL, as for typed lines ==============================================

def test_9_data_file_with_nul_is_refused_before_data(smtp_server, tmp_path: Path) -> None:
    body = tmp_path / "m.eml"
    body.write_bytes(b"Subject: s\n\nline\n\x00.\nMAIL FROM:<x@y.example>\n")
    result = run([smtp_server.address, "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>",
                  "-c", "RCPT TO:<b@example.org>", "-c", f"/data {body}", "-c", "RSET"])
    assert smtp_server.messages == []
    assert "NUL byte (at byte 17)" in result.stderr
    assert "C: DATA" not in result.stdout and "C: RSET" in result.stdout
    no_traceback(result)


# == 10. a script that ends inside DATA closes at once ======================================

def test_10_a_script_ending_inside_data_closes_without_quit(smtp_server) -> None:
    result = run([smtp_server.address, "--timeout", "20"],
                 stdin="EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nSubject: s\n\nno end\n")
    assert "C: QUIT" not in result.stdout  # QUIT would have been message text
    assert "no reply from the server" not in result.stderr  # did not wait for the timeout
    assert "closed without QUIT" in result.stderr
    assert smtp_server.messages == []
    assert result.returncode == exitcodes.CONNECTION
    no_traceback(result)


# == 16. one over-long line inside a multi-line reply does not move the pairing ==============

def test_16_an_over_long_continuation_line_does_not_shift_the_pairing(scripted_server) -> None:
    from tests.plugins.servers import read_command

    got: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        while True:
            line = await read_command(reader)
            got.append(line)
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"RCPT":
                writer.write(b"250-" + b"x" * 70_000 + b"\r\n")
                await writer.drain()
                await asyncio.sleep(0.5)
                writer.write(b"250 ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while (body := await read_command(reader)) != b".":
                    got.append(b"body:" + body)
                writer.write(b"250 2.0.0 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()

    server = scripted_server(script)
    result = run([server.address, "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>",
                  "-c", "DATA", "-c", "Subject: s", "-c", "", "-c", "hello", "-c", ".", "-c", "NOOP"])
    assert b"body:hello" in got  # the message was sent, not skipped
    assert got[-2:] == [b"NOOP", b"QUIT"]  # commands after it are commands, not message text
    assert "S: 354 go ahead" in result.stdout and "S: 250 2.0.0 queued" in result.stdout
    assert "longer than 65536 bytes" in result.stdout
    no_traceback(result)


# == 17. the 64 KiB limit does not depend on where TCP splits CR and LF ======================

@pytest.mark.parametrize("split", ["together", "cr|lf", "byte by byte at the end"])
def test_17_the_line_limit_is_the_same_in_every_split(split: str) -> None:
    from smtpshell.protocol.replies import MAX_LINE, Reply, ReplyParser

    line = b"250 " + b"a" * (MAX_LINE - 4)  # exactly 65,536 bytes before CRLF
    wire = line + b"\r\n"
    parts = {"together": [wire], "cr|lf": [line + b"\r", b"\n"],
             "byte by byte at the end": [line[:-1], line[-1:], b"\r", b"\n"]}[split]
    parser = ReplyParser()
    events = [e for part in parts for e in parser.feed(part)]
    assert len(events) == 1 and isinstance(events[0], Reply), events
    too_long = ReplyParser()
    over = [e for part in (line + b"b\r", b"\n") for e in too_long.feed(part)]
    assert [type(e).__name__ for e in over] == ["ProtocolError"]


# == 18. the transcript matcher is linear in the reply's size ===============================

def test_18_matching_is_linear_and_never_recursive() -> None:
    from smtpshell.protocol.replies import Reply
    from smtpshell.transcript.match import compare, text_matches
    from smtpshell.transcript.model import Expected

    # The cases that ran for minutes or hit RecursionError: they must finish (no timing assert).
    assert not text_matches("*a" * 12 + "b", "a" * 60_000)
    assert text_matches("*a" * 12 + "b", "a" * 60_000 + "b")
    big = Reply(250, tuple(f"line {i}" for i in range(600)), b"")
    three = [Expected(250, "...", 0), Expected(250, "x*", 0), Expected(250, "...", 0), Expected(250, "y*", 0),
             Expected(250, "...", 0), Expected(250, "z*", 0)]
    assert compare(three, big) is not None  # no line starts with x: a difference, quickly
    thousand = Reply(250, tuple(f"line {i}" for i in range(1000)), b"")
    expected = [Expected(250, f"line {i}", 0) for i in range(1000)]
    assert compare(expected, thousand) is None
    assert compare([*expected[:-1], Expected(250, "line *9", 0)], thousand) is None
    # The greedy matcher agrees with the rules on the cases the old one got right.
    assert text_matches("a*b*c", "aXbYc") and not text_matches("a*b*c", "aXcYb")
    assert text_matches("\\*lit*", "*literal") and not text_matches("\\*lit", "Xlit")
    assert compare([Expected(250, "a", 0), Expected(250, "...", 0), Expected(250, "z", 0)],
                   Reply(250, ("a", "b", "c", "z"), b"")) is None


# == must-show 3: the reply parser fuzzed, the result independent of the chunking ===========

def test_fuzz_the_reply_parser_result_does_not_depend_on_the_chunking() -> None:
    """Random bytes (biased towards reply-shaped input) in random chunkings, a fixed count, seeded."""
    import random

    from smtpshell.protocol.replies import ReplyParser

    rng = random.Random(12)
    alphabet = b"0123456789-  \r\n\r\nab\xff\x00"
    pieces = [b"250-", b"250 ", b"354 ", b"550-", b"\r\n", b"421 ", b"\n"]

    def parse(wire: bytes, cuts: list[int]) -> list[object]:
        parser = ReplyParser(max_line=24, max_lines=5)
        events: list[object] = []
        prev = 0
        for cut in [*cuts, len(wire)]:
            events += parser.feed(wire[prev:cut])
            prev = cut
        events += parser.eof()
        assert parser.buffered == b""
        return events

    for _ in range(1500):
        wire = b"".join(rng.choice(pieces) if rng.random() < 0.3 else bytes([rng.choice(alphabet)])
                        * rng.choice((1, 1, 1, 30)) for _ in range(rng.randint(0, 60)))
        whole = parse(wire, [])
        cuts = sorted(rng.randint(0, len(wire)) for _ in range(rng.randint(1, 8)))
        assert parse(wire, cuts) == whole, (wire, cuts)
        assert parse(wire, list(range(1, len(wire)))) == whole, wire  # byte by byte


# == 11. a server that echoes the secret does not get it shown or recorded ==================

def _echoing_server(scripted_server) -> ServerThread:  # type: ignore[no-untyped-def]
    from tests.plugins.servers import read_command

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        while True:
            line = await read_command(reader)
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                writer.write(EHLO_NO_TLS)
            elif verb == b"AUTH":
                if len(line.split()) == 2:  # no initial response: ask for it
                    writer.write(b"334 \r\n")
                    await writer.drain()
                    line = await read_command(reader)
                echoed = line.split(b" ")[-1]
                writer.write(b"535 5.7.8 bad credentials: " + echoed + b"\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()

    return scripted_server(script)


def test_11_an_echoed_secret_is_redacted_on_screen_and_in_the_recording(scripted_server, tmp_path: Path) -> None:
    server = _echoing_server(scripted_server)
    record = tmp_path / "s.transcript"
    result = run([server.address, "--user", "alice", "--record", str(record), "-c", "EHLO x", "-c", "AUTH PLAIN"],
                 env={"SMTPSHELL_PASSWORD": PASSWORD})
    recorded = record.read_text(encoding="utf-8")
    for text in (result.stdout + result.stderr, recorded):
        assert CREDENTIALS_B64 not in text and PASSWORD not in text
    assert "S: 535 5.7.8 bad credentials: <secret hidden>" in result.stdout, result.stdout
    assert "bad credentials: <secret hidden>" in recorded
    no_traceback(result)


# == 13. redaction never rewrites smtpshell's own words =====================================

def test_13_a_password_that_is_a_common_word_leaves_the_explanation_alone(scripted_server) -> None:
    server = _echoing_server(scripted_server)
    result = run([server.address, "--user", "alice", "-c", "EHLO x", "-c", "AUTH PLAIN"],
                 env={"SMTPSHELL_PASSWORD": "wrong"})
    assert "the username or password (or token) is wrong" in result.stdout + result.stderr
    no_traceback(result)


# == 15. every other untrusted text goes through the one escaper ============================

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202eevil"


def test_15_certificate_fields_are_escaped_in_the_failure_summary_and_in_tls(tmp_path: Path) -> None:
    import ssl

    import trustme

    from tests.plugins.servers import start_smtp

    ca = trustme.CA(organization_name=HOSTILE)
    leaf = ca.issue_cert("localhost", "127.0.0.1", common_name=HOSTILE, organization_name=HOSTILE)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    server = start_smtp(ssl_context=context, implicit=True)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    try:
        failed = run([f"smtps://127.0.0.1:{server.port}", "-c", "NOOP"])  # not trusted: the failure summary
        shown = run([f"smtps://127.0.0.1:{server.port}", "--cafile", str(cafile), "-c", "/tls"])
    finally:
        server.thread.stop()
    for result in (failed, shown):
        screen = result.stdout + result.stderr
        assert "\x1b" not in screen and "\x07" not in screen and "\u202e" not in screen
        assert "pwned\\x07\\x1b[2J\\u202eevil" in screen, screen
    assert failed.returncode == exitcodes.CONNECTION
    assert "Certificates the server sent" in shown.stdout


async def test_15_lesson_titles_comments_and_replay_reports_are_escaped(scripted_server, tmp_path: Path) -> None:
    from smtpshell.drivers.lesson import Lesson

    received: list[bytes] = []
    server = scripted_server(answering_script({b"EHLO": EHLO_NO_TLS}, received))
    path = tmp_path / "hostile.transcript"
    path.write_text(f"# smtpshell transcript 1\n#: title: {HOSTILE}\n#: summary: {HOSTILE}\n#: server: mx.test\n"
                    f"S: 220 mx.test ESMTP\n\n# {HOSTILE}\nC: NOOP {HOSTILE}\nS: 250 {HOSTILE}\n", encoding="utf-8")
    out = io.StringIO()
    lesson = Lesson(read_transcript(path), Target(server.host, server.port), RunOptions(timeout=10),
                    out=out, color=False, prompt_session=Student({}))
    await lesson.run()
    replayer = Replayer(read_transcript(path), Target(server.host, server.port), RunOptions(timeout=10),
                        secrets=SecretSource(environ={}), out=io.StringIO(), err=io.StringIO())
    report = format_report(await replayer.run())
    for text in (out.getvalue(), report):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "\\x1b]0;pwned" in text
    assert "C: NOOP \\x1b]0;pwned" in report  # the mismatch report's C: and S: lines
    from smtpshell.transcript.lessons import ENV

    listed = run(["lesson"], env={ENV: str(tmp_path)})  # the list of lessons: titles and summaries
    assert "\x1b" not in listed.stdout and "\\x1b]0;pwned" in listed.stdout, listed.stdout + listed.stderr


# == 14. files with secrets or keys: 0600, never through a symbolic link ====================

def test_14_the_key_log_is_created_0600_and_a_symlink_is_refused(implicit_tls_server, ca_file: str,
                                                                 tmp_path: Path) -> None:
    keylog = tmp_path / "keys.log"
    target = f"smtps://localhost:{implicit_tls_server.port}"
    made = run([target, "--cafile", ca_file, "--keylog", str(keylog), "-c", "NOOP"])
    assert made.returncode == exitcodes.OK, made.stderr
    assert (keylog.stat().st_mode & 0o777) == 0o600 and "CLIENT_" in keylog.read_text()
    victim = tmp_path / "victim"
    victim.write_text("")
    victim.chmod(0o644)
    link = tmp_path / "link.log"
    link.symlink_to(victim)
    refused = run([target, "--cafile", ca_file, "-c", "NOOP"], env={"SSLKEYLOGFILE": str(link)})
    assert victim.read_text() == "" and (victim.stat().st_mode & 0o777) == 0o644
    assert "is a symbolic link; smtpshell does not follow links" in refused.stderr
    assert len([line for line in refused.stderr.splitlines() if "symbolic link" in line]) == 1
    no_traceback(refused)


def test_14_a_symlinked_history_is_not_followed_and_the_state_dir_is_tightened(tmp_path: Path) -> None:
    from smtpshell.ui.history import SecretSafeHistory

    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    victim = tmp_path / "victim"
    victim.write_text("not yours\n")
    victim.chmod(0o644)
    (state / "history").symlink_to(victim)
    history = SecretSafeHistory(state / "history", lambda line: True)
    history.append_string("MAIL FROM:<a@example.org>")
    assert victim.read_text() == "not yours\n" and (victim.stat().st_mode & 0o777) == 0o644
    assert history.problem and "symbolic link" in history.problem
    assert list(history.load_history_strings()) == []
    assert (state.stat().st_mode & 0o777) == 0o700
    fresh = tmp_path / "fresh"
    SecretSafeHistory(fresh / "history", lambda line: True).append_string("NOOP")
    assert ((fresh / "history").stat().st_mode & 0o777) == 0o600
    assert (fresh.stat().st_mode & 0o777) == 0o700


# == 19. a 421 during /data is shown as the server's 421 ====================================

def test_19_a_421_in_the_middle_of_data_file_shows_the_servers_words(scripted_server, tmp_path: Path) -> None:
    from tests.plugins.servers import read_command

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        while True:
            verb = (await read_command(reader)).split(b" ", 1)[0].upper()
            if verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                await reader.read(1000)
                writer.write(b"421 4.3.2 mx.test shutting down for maintenance\r\n")
                await writer.drain()
                writer.transport.abort()  # gone, with the client still writing: a reset
                return
            writer.write(b"250 ok\r\n")
            await writer.drain()

    server = scripted_server(script)
    body = tmp_path / "big.eml"
    body.write_bytes(b"Subject: big\n\n" + b"x" * 1000 + b"\n" * 1 + (b"y" * 998 + b"\n") * 20000)
    result = run([server.address, "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>",
                  "-c", f"/data {body}"])
    assert "421 4.3.2 mx.test shutting down for maintenance" in result.stdout + result.stderr
    assert "reset by peer" not in result.stderr.lower()
    assert result.returncode in (exitcodes.CONNECTION, exitcodes.TRANSIENT)
    no_traceback(result)


# == 21. BDAT without CHUNKING gets a note; no C: QUIT after the server has gone ==============

def test_21_bdat_without_chunking_is_noted_and_no_quit_after_the_close(scripted_server) -> None:
    from tests.plugins.servers import read_command

    got: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        while True:
            line = await read_command(reader)
            got.append(line)
            if line.upper().startswith(b"BDAT"):
                writer.write(b"500 5.5.1 command unrecognized\r\n")
                await writer.drain()
                return  # and the server hangs up
            writer.write(EHLO_NO_TLS if line.upper().startswith(b"EHLO") else b"250 ok\r\n")
            await writer.drain()

    server = scripted_server(script)
    result = run([server.address, "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>",
                  "-c", "BDAT 5 LAST", "-c", "hello"])
    screen = result.stdout + result.stderr
    assert "did not advertise CHUNKING" in screen, screen
    closed_at = result.stdout.find("** connection closed")
    assert closed_at >= 0 and "C: QUIT" not in result.stdout[closed_at:], result.stdout
    assert "C: QUIT" not in result.stdout
    no_traceback(result)


# == 20. bad configuration: one line, and the shell starts with defaults =====================

@pytest.mark.parametrize(("content", "said"), [
    (b"[session]\ntimeout = 30\n# caf\xe9\n", "not UTF-8 text"),
    (b"[session]\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
    (b"[session]\ntimeout = -1\n", "give a number of seconds above 0"),
    (b"[session]\ntimeout = nan\n", "give a number of seconds above 0"),
])
def test_20_a_bad_config_file_is_one_line_and_the_repl_starts(shell_pty, smtp_server, content: bytes,
                                                              said: str) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "smtpshell" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(content)
    term = shell_pty(smtp_server.address)
    term.expect_words(said)  # after the config file's path: the line may be wrapped
    term.prompt()
    term.line("NOOP")
    term.expect_text("250")
    term.line("/quit")
    term.finish()
    assert "internal error" not in term.screen_log and "Traceback" not in term.screen_log


def test_20_a_practice_header_with_a_300_character_hostname_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "long.transcript"
    path.write_text("# smtpshell transcript 1\n#: server: practice\n#: practice: hostname=" + "a" * 300 +
                    "\nS: 220 *\nC: QUIT\nS: 221 *\n", encoding="utf-8")
    result = run(["replay", str(path)])
    assert result.returncode == exitcodes.USAGE, result.stdout + result.stderr
    assert "practice: hostname must be a DNS name" in result.stderr
    no_traceback(result)


# == 6. plaintext to an implicit-TLS port: the hint comes while still waiting ===============

def test_6_plaintext_to_an_implicit_tls_port_hints_at_tls_before_the_timeout(implicit_tls_server) -> None:
    result = run([implicit_tls_server.address, "--timeout", "6", "-c", "NOOP"])
    assert "may expect TLS from the first byte" in result.stdout and "--tls or smtps://" in result.stdout
    assert "Still waiting, up to 6 s" in result.stdout
    assert result.returncode == exitcodes.CONNECTION
    no_traceback(result)


# == 12. hand-typed secrets do not stay on screen in the echoed prompt line ==================

class EmulatedTerminal:
    """The pty child drawn on a pyte screen, which answers cursor-position requests truthfully
    (prompt_toolkit moves the cursor relative to what it was told), so the screen is what a user sees."""

    def __init__(self, child) -> None:  # type: ignore[no-untyped-def]
        import pyte

        from tests.plugins.pty import COLS, ROWS

        self.child = child
        self.screen = pyte.Screen(COLS, ROWS)
        self.screen.write_process_input = child.send  # DSR 6 -> "ESC[row;colR", from where the cursor is
        self.stream = pyte.Stream(self.screen)

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, text: str, timeout: float = 10) -> str:
        import time

        import pexpect

        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never shown; the screen:\n{self.text}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.2))
            except pexpect.TIMEOUT:
                continue
        return self.text

    def settle(self, seconds: float = 0.5) -> None:
        import time

        import pexpect

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.1))
            except pexpect.TIMEOUT:
                pass


@pytest.mark.parametrize("mode", ["typed AUTH PLAIN", "manual auth> answer"])
def test_12_a_hand_typed_secret_is_erased_from_the_prompt_line(shell_pty, auth_server, mode: str) -> None:
    term = EmulatedTerminal(shell_pty(auth_server.address).child)
    term.wait_for("smtp> ")
    term.child.send("EHLO client.test\r")
    term.wait_for("250 HELP")
    term.settle()
    if mode == "manual auth> answer":
        term.child.send("/auth manual\r")
        term.settle()
        term.child.send("AUTH PLAIN\r")
        term.wait_for("auth> ")
        term.child.send(CREDENTIALS_B64)
    else:
        term.child.send(f"AUTH PLAIN {CREDENTIALS_B64}")
    term.wait_for(CREDENTIALS_B64)  # as it is typed, it is on screen (nothing to do about that)
    term.settle()
    term.child.send("\r")
    term.wait_for("235 2.7.0")
    term.settle()
    shown = term.text
    assert "<secret hidden>" in shown, shown
    assert CREDENTIALS_B64 not in shown, shown  # the accepted line was erased, not left as typed
    term.child.send("/quit\r")

"""The cells of docs/security.md's table that no other test showed: the NO STARTTLS client tests
(response injection, stripping, refusal, buffering, implicit TLS) and the smuggling sequences,
in the REPL (the real ``Repl`` on prompt_toolkit's pipe input), replay and lessons, and the
smuggling sequences in script mode.

Every server here is a scripted one on 127.0.0.1 that records the bytes it receives; the TLS
ones do their TLS with ``tests.plugins.tls.ServerTLS``, so they see what came before the
ClientHello.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import ssl
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell import events as ev
from smtpshell import exitcodes
from smtpshell.client import Target, TLSOptions
from smtpshell.config import Config
from smtpshell.drivers.interactive import Repl
from smtpshell.drivers.replay import Replayer, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.transcript import read_transcript
from smtpshell.transcript.placeholders import SecretSource
from tests.plugins.servers import RawWire, ServerThread, raw_server, read_command
from tests.plugins.tls import ServerTLS, read_until_tls

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
PASTE_START, PASTE_END, CTRL_D, CTRL_Q = "\x1b[200~", "\x1b[201~", "\x04", "\x11"  # Ctrl-Q: quoted insert (emacs mode)
CREDENTIALS_B64 = base64.b64encode(b"\0alice\0wonderland-Pa55").decode()

EHLO_TLS = b"250-mx.test\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
EHLO_STRIPPED = b"250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
INJECTION = b"250-injected.test\r\n250 AUTH PLAIN\r\n"  # what a man in the middle glues to the 220
INSIDE_EHLO = b"250-clean.test\r\n250 SIZE 1000\r\n"

# What the server (or a man in the middle) does with STARTTLS.
REFUSALS = {
    "454": (EHLO_TLS, b"454 4.7.0 TLS not available due to temporary reason\r\n"),
    "502": (EHLO_TLS, b"502 5.5.1 not implemented\r\n"),
    "stripped": (EHLO_STRIPPED, b"502 5.5.1 not implemented\r\n"),
}


@dataclass
class Wire:
    """What a scripted server saw: lines in plaintext, lines inside TLS, and the plaintext
    bytes that came after STARTTLS and before the ClientHello (they must be none)."""

    plain: list[bytes] = field(default_factory=list)
    tls: list[bytes] = field(default_factory=list)
    before_hello: list[bytes] = field(default_factory=list)

    def verbs(self) -> set[bytes]:
        return {line.split(b" ", 1)[0].upper() for line in self.plain + self.tls}


def _answer(line: bytes) -> bytes:
    verb = line.split(b" ", 1)[0].upper()
    if verb == b"EHLO":
        return INSIDE_EHLO
    if verb == b"DATA":
        return b"354 go ahead\r\n"
    return b"250 ok\r\n"


def starttls_server(scripted_server: Callable[..., ServerThread], ctx: ssl.SSLContext, wire: Wire, *,
                    refusal: str | None = None, inject: bytes = INJECTION) -> ServerThread:
    """Offers STARTTLS; answers it with 220 + ``inject`` in one segment (response injection),
    or as ``REFUSALS[refusal]`` says and stays in plaintext."""
    ehlo, refused = REFUSALS[refusal] if refusal else (EHLO_TLS, b"")

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        while True:
            line = await read_command(reader)
            wire.plain.append(line)
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            if verb == b"STARTTLS" and not refusal:
                break
            writer.write(refused if verb == b"STARTTLS" else ehlo if verb == b"EHLO" else _answer(line))
            await writer.drain()
        writer.write(b"220 2.0.0 go ahead\r\n" + inject)  # one write: one segment on loopback
        plain, hello = await read_until_tls(reader)
        wire.before_hello.append(plain)
        tls = ServerTLS(reader, writer, ctx)
        await tls.handshake(hello)
        while True:
            line = await tls.readline()
            wire.tls.append(line)
            if line.upper() == b"QUIT":
                await tls.write(b"221 bye\r\n")
                return
            if line.upper() == b"DATA":
                await tls.write(b"354 go ahead\r\n")
                while (body := await tls.readline()) != b".":
                    wire.tls.append(b"body:" + body)
            await tls.write(b"250 2.0.0 queued\r\n" if line.upper() == b"DATA" else _answer(line))

    return scripted_server(script)


# == the REPL: the real Repl, keys through prompt_toolkit's pipe input ===========================

@dataclass
class ReplRun:
    code: int
    text: str
    log: ev.EventLog

    def injected(self) -> bytes:
        return b"".join(w.detail for w in self.log.of(ev.Warning) if w.kind == "starttls-injection")


async def run_repl(address: str, keys: str, options: RunOptions) -> ReplRun:
    host, port = address.rsplit(":", 1)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        repl = Repl(argparse.Namespace(explain="brief", color="never"), options, Config())
        shown: list[str] = []
        show = repl.ui.show
        repl.ui.show = lambda fragments: (shown.append("".join(t for _, t in fragments)), show(fragments))  # type: ignore[method-assign]
        log = ev.EventLog()
        repl.bus.subscribe(log)
        pipe.send_text(keys)
        code = await asyncio.wait_for(repl.run(Target(host, int(port))), 20)
    return ReplRun(code, "".join(shown), log)


def lines(*typed: str) -> str:
    return "".join(f"{line}\r" for line in typed) + CTRL_D


async def test_repl_response_injection_is_discarded_and_reported(scripted_server, server_ssl_context, ca_file) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire)
    run = await run_repl(server.address, lines("EHLO client.test", "STARTTLS", "EHLO client.test",
                                               "MAIL FROM:<a@example.org>", "RSET"),
                         RunOptions(timeout=10, tls=TLSOptions(cafile=ca_file)))
    assert run.injected() == INJECTION
    assert "STARTTLS response injection" in run.text
    assert wire.tls[:2] == [b"EHLO client.test", b"MAIL FROM:<a@example.org>"]
    ehlo_replies = [e.reply.lines[0] for e in run.log.of(ev.ReplyReceived)
                    if e.exchange.sent is not None and e.exchange.sent.verb == "EHLO"]
    assert ehlo_replies == ["mx.test", "clean.test"]  # the EHLO inside TLS got the real answer


async def test_repl_pasted_starttls_and_ehlo_write_nothing_before_the_handshake(
        scripted_server, server_ssl_context, ca_file) -> None:
    """The client side of command injection: lines pasted after STARTTLS wait for TLS."""
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire, inject=b"")
    keys = "EHLO client.test\r" + PASTE_START + "STARTTLS\nEHLO client.test\nNOOP\n" + PASTE_END + "\r" + CTRL_D
    run = await run_repl(server.address, keys, RunOptions(timeout=10, tls=TLSOptions(cafile=ca_file)))
    assert wire.before_hello == [b""]  # not a byte between STARTTLS and the ClientHello
    assert wire.plain == [b"EHLO client.test", b"STARTTLS"]
    assert wire.tls[:2] == [b"EHLO client.test", b"NOOP"]
    assert not run.injected()


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
async def test_repl_starttls_flag_never_goes_on_in_plaintext(scripted_server, server_ssl_context, refusal) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire, refusal=refusal)
    run = await run_repl(server.address, lines("EHLO client.test", f"AUTH PLAIN {CREDENTIALS_B64}",
                                               "MAIL FROM:<a@example.org>", "NOOP"),
                         RunOptions(timeout=10, starttls=True))
    assert not {b"AUTH", b"MAIL"} & wire.verbs(), wire
    assert b"NOOP" in wire.plain  # the REPL stays open for what is safe
    assert "not going on in plaintext" in run.text
    assert "AUTH not sent" in run.text and "MAIL not sent" in run.text
    assert CREDENTIALS_B64 not in run.text


@pytest.mark.parametrize("refusal", ["454", "502"])
async def test_repl_a_typed_starttls_that_fails_keeps_auth_and_mail_back(scripted_server, server_ssl_context,
                                                                         refusal) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire, refusal=refusal)
    run = await run_repl(server.address, lines("EHLO client.test", "STARTTLS", "MAIL FROM:<a@example.org>", "NOOP"),
                         RunOptions(timeout=10))
    assert b"MAIL" not in wire.verbs() and b"NOOP" in wire.plain
    assert f"STARTTLS answered {refusal}, not 220" in run.text
    assert "MAIL not sent: TLS was asked for" in run.text


async def test_repl_require_tls_against_a_stripped_ehlo(scripted_server, server_ssl_context) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire, refusal="stripped")
    run = await run_repl(server.address, lines("EHLO client.test", "MAIL FROM:<a@example.org>", "NOOP"),
                         RunOptions(timeout=10, tls=TLSOptions(require_tls=True)))
    assert b"MAIL" not in wire.verbs() and b"NOOP" in wire.plain
    assert "downgrade attack" in run.text and "MAIL not sent: --require-tls" in run.text


async def test_repl_plaintext_to_an_implicit_tls_port_hints_at_tls(implicit_tls_server) -> None:
    run = await run_repl(implicit_tls_server.address, CTRL_D, RunOptions(timeout=4))
    assert "may expect TLS from the first byte" in run.text and "--tls or smtps://" in run.text


# == replay and lessons: the same rows, through transcripts ======================================

TLS_TRANSCRIPT = """# smtpshell transcript 1
#: server: mx.test
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250-mx.test
S: 250-STARTTLS
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: STARTTLS
S: 220 2.0.0 go ahead
** TLS started
C: EHLO client.test
S: 250-clean.test
S: 250 SIZE 1000
C: MAIL FROM:<a@example.org>
S: 250 ok
C: QUIT
S: 221 bye
"""


def _transcript(tmp_path: Path, text: str | bytes, name: str = "t.transcript") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _replayer(path: Path, server: ServerThread, **tls: object) -> Replayer:
    return Replayer(read_transcript(path), Target(server.host, server.port),
                    RunOptions(timeout=10, tls=TLSOptions(**tls)),  # type: ignore[arg-type]
                    secrets=SecretSource(environ={}), out=io.StringIO(), err=io.StringIO())


async def test_replay_response_injection_is_discarded_and_the_replay_matches(
        scripted_server, server_ssl_context, ca_file, tmp_path) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire)
    replayer = _replayer(_transcript(tmp_path, TLS_TRANSCRIPT), server, cafile=ca_file)
    log = ev.EventLog()
    replayer.bus.subscribe(log)
    result = await replayer.run()
    assert result.ok, format_report(result)  # the injected 250s were not taken as the EHLO's reply
    assert b"".join(w.detail for w in log.of(ev.Warning) if w.kind == "starttls-injection") == INJECTION
    assert wire.tls[:2] == [b"EHLO client.test", b"MAIL FROM:<a@example.org>"]


@pytest.mark.parametrize("refusal", ["502", "stripped"])
async def test_replay_stops_at_the_first_step_tls_was_needed_for(scripted_server, server_ssl_context,
                                                                 tmp_path, refusal) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire, refusal=refusal)
    result = await _replayer(_transcript(tmp_path, TLS_TRANSCRIPT), server).run()
    assert b"MAIL" not in wire.verbs(), wire
    assert result.exit_code() == exitcodes.CONNECTION
    assert "line 15" in format_report(result) and "MAIL not sent" in format_report(result)


class Student:
    """The terminal side of a lesson: Enter on every pre-filled line; a retry offer is declined."""

    async def prompt_async(self, label: str, *, is_password: bool = False, default: str = "") -> str:
        return "" if label.startswith("retry") else default


async def _lesson(path: Path, server: ServerThread, **tls: object) -> tuple[int, str, ev.EventLog]:
    from smtpshell.drivers.lesson import Lesson

    out = io.StringIO()
    lesson = Lesson(read_transcript(path), Target(server.host, server.port),
                    RunOptions(timeout=10, tls=TLSOptions(**tls)),  # type: ignore[arg-type]
                    out=out, color=False, prompt_session=Student())
    log = ev.EventLog()
    lesson.bus.subscribe(log)
    code = await lesson.run()
    return code, out.getvalue(), log


async def test_lesson_response_injection_is_discarded_and_reported(scripted_server, server_ssl_context, ca_file,
                                                                   tmp_path) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire)
    code, out, log = await _lesson(_transcript(tmp_path, TLS_TRANSCRIPT), server, cafile=ca_file)
    assert code == exitcodes.OK, out
    assert "STARTTLS response injection" in out
    assert b"".join(w.detail for w in log.of(ev.Warning) if w.kind == "starttls-injection") == INJECTION
    assert "6 of 6 replies as the lesson expected" in out
    assert wire.tls[:2] == [b"EHLO client.test", b"MAIL FROM:<a@example.org>"]


@pytest.mark.parametrize("refusal", ["454", "stripped"])
async def test_lesson_never_sends_mail_after_starttls_failed(scripted_server, server_ssl_context, tmp_path,
                                                             refusal) -> None:
    wire = Wire()
    server = starttls_server(scripted_server, server_ssl_context, wire, refusal=refusal)
    code, out, _ = await _lesson(_transcript(tmp_path, TLS_TRANSCRIPT), server)
    assert b"MAIL" not in wire.verbs(), wire
    assert code == exitcodes.CONNECTION
    assert "MAIL not sent: TLS was asked for" in out and "Lesson failed" in out


IMPLICIT_TRANSCRIPT = """# smtpshell transcript 1
#: server: mx.test
#: tls: implicit
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250 mx.test
C: QUIT
S: 221 bye
"""


def _plaintext_server(scripted_server: Callable[..., ServerThread], received: list[bytes]) -> ServerThread:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 plain.test ESMTP\r\n")
        await writer.drain()
        received.append(await reader.read(65536))

    return scripted_server(script)


def test_replay_of_an_implicit_tls_transcript_uses_tls_from_the_first_byte(scripted_server, tmp_path) -> None:
    received: list[bytes] = []
    server = _plaintext_server(scripted_server, received)
    path = _transcript(tmp_path, IMPLICIT_TRANSCRIPT)
    result = subprocess.run([SMTPSHELL, "replay", str(path), server.address], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == exitcodes.CONNECTION, result.stdout + result.stderr
    assert "answered in plaintext" in result.stdout + result.stderr
    assert not any(b"EHLO" in chunk for chunk in received)  # a ClientHello went, never a command


def test_lesson_of_an_implicit_tls_transcript_uses_tls_from_the_first_byte(scripted_server, tmp_path) -> None:
    received: list[bytes] = []
    server = _plaintext_server(scripted_server, received)
    path = _transcript(tmp_path, IMPLICIT_TRANSCRIPT)
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", NO_COLOR="1")
    child = pexpect.spawn(SMTPSHELL, ["lesson", str(path), server.address, "--color", "never"], encoding="utf-8",
                          timeout=20, dimensions=(50, 200), env=env)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == exitcodes.CONNECTION, child.before
    assert "answered in plaintext" in (child.before or "")
    assert not any(b"EHLO" in chunk for chunk in received)


# == smuggling: sequences that would end a message early never reach the wire ===================

# Each sequence sits between "foo" and a line "MAIL FROM:<x@y.example>" inside a message.
SEQUENCES = {
    "LF.LF": b"\n.\n",
    "CR.LF": b"\r.\n",
    "LF.CRLF": b"\n.\r\n",
    "CR.CR": b"\r.\r",
    "CRLF.CR": b"\r\n.\r",
    "CR.CRLF": b"\r.\r\n",
}




ENVELOPE = b"EHLO client.test\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\n"


def _smuggled(wire: RawWire) -> bool:
    return any(line.startswith(b"MAIL FROM:<x@y") for line in wire.commands)


@pytest.mark.parametrize("source", ["--script", "stdin"])
@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_script_mode_smuggling_sequences(scripted_server, tmp_path, source: str, sequence: str) -> None:
    """In a script a line ends at LF (CRLF too): a "." line the file holds ends the message, as
    written; a CR anywhere else is refused with its line, so no bare CR or LF reaches the wire."""
    wire = RawWire()
    server = raw_server(scripted_server, wire)
    script = ENVELOPE + b"DATA\nfoo" + SEQUENCES[sequence] + b"MAIL FROM:<x@y.example>\n.\nNOOP\n"
    args = [SMTPSHELL, server.address]
    if source == "--script":
        path = tmp_path / "s.smtp"
        path.write_bytes(script)
        args += ["--script", str(path)]
    result = subprocess.run(args, input=b"" if source == "--script" else script, capture_output=True, timeout=60,
                            env={**os.environ, "NO_COLOR": "1"})
    stderr = result.stderr.decode()
    assert wire.bare_line_ends() == 0, bytes(wire.raw)
    holds_a_dot_line = b"\n.\n" in script.replace(b"\r\n", b"\n").split(b"MAIL FROM:<x@y", 1)[0]
    assert _smuggled(wire) is holds_a_dot_line  # a command only where the file has a "." line
    if b"\r" in SEQUENCES[sequence].replace(b"\r\n", b""):
        assert "refused: the line holds CR" in stderr and result.returncode == exitcodes.USAGE
    assert "Traceback" not in stderr


@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_data_file_smuggling_sequences_are_normalised_and_stuffed(scripted_server, tmp_path, sequence) -> None:
    """/data FILE: every bare CR or LF becomes CRLF and a line that starts with "." gets one more,
    so the file's "." never ends the message and its MAIL FROM stays message text."""
    wire = RawWire()
    server = raw_server(scripted_server, wire)
    body = tmp_path / "m.eml"
    body.write_bytes(b"Subject: s\n\nfoo" + SEQUENCES[sequence] + b"MAIL FROM:<x@y.example>\n")
    result = subprocess.run([SMTPSHELL, server.address], input=ENVELOPE + f"/data {body}\nNOOP\n".encode(),
                            capture_output=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == exitcodes.OK, result.stderr
    assert wire.bare_line_ends() == 0
    assert not _smuggled(wire)
    (message,) = wire.messages
    assert message == b"Subject: s\r\n\r\nfoo\r\n..\r\nMAIL FROM:<x@y.example>\r\n"


async def test_repl_smuggling_sequences(scripted_server, tmp_path) -> None:
    """The REPL: a CR put into a line (Ctrl-Q Ctrl-M, a quoted insert) is refused with its line; /data FILE is
    normalised and stuffed; a paste ends a line at CR, LF or CRLF (as the terminal's Enter does),
    each line shown at the prompt and sent with CRLF."""
    wire = RawWire()
    server = raw_server(scripted_server, wire)
    body = tmp_path / "m.eml"
    body.write_bytes(b"Subject: s\n\nfoo\r.\rMAIL FROM:<x@y.example>\n")
    keys = ("EHLO client.test\rMAIL FROM:<a@example.org>\rRCPT TO:<b@example.org>\rDATA\r"
            f"foo{CTRL_Q}\r.{CTRL_Q}\r\rMAIL FROM:<x@y.example>\r.\r"
            "MAIL FROM:<a@example.org>\rRCPT TO:<b@example.org>\r"
            f"/data {body}\r" + PASTE_START + "MAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\n"
            "pasted\r.\rNOOP\n" + PASTE_END + "\r" + CTRL_D)
    run = await run_repl(server.address, keys, RunOptions(timeout=10))
    assert "refused: the line holds CR" in run.text
    assert wire.bare_line_ends() == 0
    typed, from_file, pasted = wire.messages
    assert typed == b"MAIL FROM:<x@y.example>\r\n"  # the refused line went nowhere; the rest is text
    assert from_file == b"Subject: s\r\n\r\nfoo\r\n..\r\nMAIL FROM:<x@y.example>\r\n"
    assert pasted == b"pasted\r\n" and wire.commands[-2:] == [b"NOOP", b"QUIT"]  # the paste's "." was a line


SMUGGLING_TRANSCRIPT = (b"# smtpshell transcript 1\n#: server: mx.test\nS: 220 mx.test ESMTP\nC: EHLO client.test\n"
                        b"S: 250 ok\nC: MAIL FROM:<a@example.org>\nS: 250 ok\nC: RCPT TO:<b@example.org>\nS: 250 ok\n"
                        b"C: DATA\nS: 354 go ahead\nC: foo\r.\r\nC: MAIL FROM:<x@y.example>\nC: .\nS: 250 queued\n"
                        b"C: NOOP\rC: RSET\nS: 250 ok\n")


async def test_replay_stops_at_a_transcript_line_holding_a_cr(scripted_server, tmp_path) -> None:
    """A transcript line ends at LF, as a script line does: "C: foo\\r." is one line, refused, and
    replay stops there (before, the CR split it and the "." ended the message early)."""
    wire = RawWire()
    server = raw_server(scripted_server, wire)
    result = await _replayer(_transcript(tmp_path, SMUGGLING_TRANSCRIPT), server).run()
    assert result.exit_code() == exitcodes.USAGE
    assert "line 12: refused: the line holds CR" in format_report(result)
    assert wire.bare_line_ends() == 0 and not _smuggled(wire)
    assert wire.messages == []  # stopped inside DATA, closed without ".": nothing delivered


async def test_lesson_refuses_a_step_holding_a_cr(scripted_server, tmp_path) -> None:
    wire = RawWire()
    server = raw_server(scripted_server, wire)
    code, out, _ = await _lesson(_transcript(tmp_path, SMUGGLING_TRANSCRIPT), server)
    assert out.count("refused: the line holds CR") == 2  # the message line and "NOOP\rC: RSET"
    assert wire.bare_line_ends() == 0 and not _smuggled(wire)
    assert wire.messages == [b"MAIL FROM:<x@y.example>\r\n"]
    assert b"RSET" not in wire.raw

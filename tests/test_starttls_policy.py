"""--require-tls and the port warnings: the shell stops before AUTH or MAIL when TLS is missing."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Callable

import pytest

from smtpshell import events as ev
from smtpshell import exitcodes
from smtpshell.client import Target, TLSOptions
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.drivers.tls_policy import TLSPolicy, Verdict
from smtpshell.protocol.line import classify
from smtpshell.protocol.replies import ReplyParser
from smtpshell.protocol.session import Pending, Session
from tests.plugins.servers import ServerThread, SmtpServer, answering_script


def _run(port: int, lines: list[str], tls: TLSOptions, **options: object) -> tuple[int, str, str, ev.EventLog]:
    out, err = io.StringIO(), io.StringIO()
    bus = ev.EventBus()
    log = ev.EventLog()
    bus.subscribe(log)
    driver = ScriptDriver(lines, Target("127.0.0.1", port), RunOptions(timeout=10, tls=tls, **options), out=out, err=err, bus=bus)  # type: ignore[arg-type]
    code = asyncio.run(driver.run())
    return code, out.getvalue(), err.getvalue(), log


MESSAGE = ["EHLO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: x", "", "secret", "."]


def test_stripped_starttls_stops_before_auth_and_mail(scripted_server: Callable[..., ServerThread]) -> None:
    """A server (or an attacker in the middle) that does not offer STARTTLS: nothing sensitive is sent."""
    received: list[bytes] = []
    answers = {b"EHLO": b"250-mx.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"}
    server = scripted_server(answering_script(answers, received))
    lines = ["EHLO client.test", "AUTH PLAIN AGFsaWNlAHNlY3JldA==", *MESSAGE[1:]]
    code, out, err, log = _run(server.port, lines, TLSOptions(require_tls=True))
    assert code == exitcodes.CONNECTION
    assert received == [b"EHLO client.test", b"QUIT"]  # no AUTH, no MAIL, no message
    (downgrade,) = [w for w in log.of(ev.Warning) if w.kind == "downgrade"]
    assert "does not offer STARTTLS" in downgrade.message and "downgrade" in downgrade.message
    assert "downgrade attack" in out
    assert "AUTH not sent: --require-tls" in err
    assert "lines of the script were not sent" in err or "line(s) of the script were not sent" in err
    assert "secret" not in out
    assert "AGFsaWNl" not in out + err  # the refused AUTH line's credentials are not echoed


def test_require_tls_with_aiosmtpd_without_starttls(smtp_server: SmtpServer) -> None:
    code, out, err, _ = _run(smtp_server.port, MESSAGE, TLSOptions(require_tls=True))
    assert code == exitcodes.CONNECTION
    assert smtp_server.messages == []
    assert "MAIL not sent: --require-tls" in err
    assert "C: MAIL" not in out


def test_require_tls_passes_once_tls_is_on(starttls_server: SmtpServer, ca_file: str) -> None:
    code, out, err, log = _run(starttls_server.port, MESSAGE[1:], TLSOptions(cafile=ca_file, require_tls=True),
                               helo="client.test", starttls=True)
    assert code == exitcodes.OK, out + err
    (msg,) = starttls_server.messages
    assert msg.tls and msg.content.endswith(b"secret\r\n")
    assert not [w for w in log.of(ev.Warning) if w.kind == "downgrade"]


def test_require_tls_says_starttls_first_when_it_is_offered(starttls_server: SmtpServer, ca_file: str) -> None:
    code, out, err, _ = _run(starttls_server.port, MESSAGE, TLSOptions(cafile=ca_file, require_tls=True))
    assert code == exitcodes.CONNECTION
    assert "type STARTTLS first (the server offers it)" in err
    assert starttls_server.messages == []


def test_require_tls_flag_on_the_command_line(smtp_server: SmtpServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smtpshell", "--require-tls", "--color", "never", "-c", "EHLO client.test",
         "-c", "MAIL FROM:<a@example.org>", f"127.0.0.1:{smtp_server.port}"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == exitcodes.CONNECTION
    assert "MAIL not sent: --require-tls" in result.stderr
    assert "C: MAIL" not in result.stdout
    assert smtp_server.messages == []


def test_without_require_tls_plaintext_mail_goes_through(smtp_server: SmtpServer) -> None:
    code, out, err, log = _run(smtp_server.port, MESSAGE, TLSOptions())
    assert code == exitcodes.OK, err
    assert len(smtp_server.messages) == 1
    assert not [w for w in log.of(ev.Warning) if w.kind == "downgrade"]


def test_plaintext_to_465_is_warned_about() -> None:
    policy = TLSPolicy(TLSOptions())
    (warning,) = policy.before_connect(Target("mx.example.org", 465))
    assert warning.kind == "plaintext-465" and "--tls" in warning.message
    assert policy.before_connect(Target("mx.example.org", 465, implicit_tls=True)) == []
    assert policy.before_connect(Target("mx.example.org", 25)) == []


def _identified(ehlo: bytes) -> Session:
    session = Session()
    session.connected()
    session.received(ReplyParser().feed(b"220 mx ESMTP\r\n")[0])  # type: ignore[arg-type]
    session.sent(Pending.command("EHLO me"))
    session.received(ReplyParser().feed(ehlo)[0])  # type: ignore[arg-type]
    return session


def test_auth_on_587_without_tls_is_warned_once() -> None:
    policy = TLSPolicy(TLSOptions())
    policy.before_connect(Target("mx.example.org", 587))
    session = _identified(b"250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n")
    (warning,) = policy.warnings_before_send(session, classify("AUTH PLAIN", session))
    assert warning.kind == "plaintext-auth" and "587" in warning.message
    assert policy.warnings_before_send(session, classify("AUTH PLAIN", session)) == []  # once per connection
    assert policy.blocked(session, classify("AUTH PLAIN", session)) is None  # a warning, not a block, without --require-tls
    session.tls = True
    other = TLSPolicy(TLSOptions())
    other.before_connect(Target("mx.example.org", 587))
    assert other.warnings_before_send(session, classify("AUTH PLAIN", session)) == []  # fine inside TLS
    on_25 = TLSPolicy(TLSOptions())
    on_25.before_connect(Target("mx.example.org", 25))
    session.tls = False
    assert on_25.warnings_before_send(session, classify("AUTH PLAIN", session)) == []


def test_blocked_only_for_auth_and_mail() -> None:
    policy = TLSPolicy(TLSOptions(require_tls=True))
    session = _identified(b"250-mx\r\n250 AUTH PLAIN\r\n")
    for line in ("EHLO again", "NOOP", "RSET", "QUIT", "HELP", "STARTTLS"):
        assert policy.blocked(session, classify(line, session)) is None, line
    assert "MAIL not sent" in (policy.blocked(session, classify("mail from:<a@b>", session)) or "")
    assert "AUTH not sent" in (policy.blocked(session, classify("AUTH LOGIN", session)) or "")
    session.tls = True
    assert policy.blocked(session, classify("MAIL FROM:<a@b>", session)) is None


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("starttls-injection", "STARTTLS response injection"),
        ("starttls-refused", "STARTTLS answered 454, not 220"),
        ("starttls-stripped", "a downgrade attack"),
    ],
)
def test_practice_server_scenarios(scenario: str, expected: str) -> None:
    """The practice server's hostile scenarios, seen through the whole program."""
    result = subprocess.run(
        [sys.executable, "-m", "smtpshell", "--scenario", scenario, "--require-tls", "--color", "never",
         "-c", "EHLO client.test", "-c", "STARTTLS", "-c", "EHLO client.test", "-c", "MAIL FROM:<alice@practice.test>"],
        capture_output=True, text=True, timeout=60,
    )
    assert expected in result.stdout, result.stdout + result.stderr
    mail_sent = "C: MAIL FROM" in result.stdout
    assert mail_sent is (scenario == "starttls-injection")  # only there did TLS start
    assert "Traceback" not in result.stdout + result.stderr


def test_a_refusal_is_a_verdict_the_runner_carries_out() -> None:
    """The policy decides and returns; it shows, refuses and closes nothing itself."""
    policy = TLSPolicy(TLSOptions(require_tls=True))
    policy.before_connect(Target("mx.example.org", 587))
    session = _identified(b"250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n")
    verdict = policy.before_send(session, classify("AUTH PLAIN", session), interactive=False)
    assert not verdict.allowed and verdict.end_session
    assert "AUTH not sent" in (verdict.refusal or "")
    assert [e.kind for e in verdict.events] == ["plaintext-auth"]  # the warning comes with the verdict
    in_repl = policy.before_send(session, classify("MAIL FROM:<a@b>", session), interactive=True)
    assert in_repl.refusal and in_repl.end_session is False
    assert policy.before_send(session, classify("NOOP", session), interactive=False) == Verdict()

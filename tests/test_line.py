"""One typed line is classified once (protocol/line.py), and every layer reads that Line."""

from __future__ import annotations

import io
import sys
from collections import Counter
from collections.abc import Iterator

import pytest

from smtpshell import events as ev
from smtpshell.client.target import Target
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.protocol import line as line_module
from smtpshell.protocol.commands import CommandLine
from smtpshell.protocol.line import Line, LineKind, classify
from smtpshell.protocol.replies import ReplyParser
from smtpshell.protocol.session import Kind, Pending, Phase, Session
from smtpshell.server import PracticeServer

MAIL = "MAIL FROM:<alice@practice.test>"


def _session_in(phase: Phase, chunk: int = 0) -> Session:
    session = Session()
    session.connected()
    session.received(ReplyParser().feed(b"220 mx ESMTP\r\n")[0])  # type: ignore[arg-type]
    session.phase = phase
    session.chunk_remaining = chunk
    return session


@pytest.mark.parametrize(
    ("text", "phase", "chunk", "kind"),
    [
        ("/help", Phase.IDENTIFIED, 0, LineKind.SHELL),
        ("", Phase.IDENTIFIED, 0, LineKind.BLANK),
        ("   ", Phase.IDENTIFIED, 0, LineKind.BLANK),
        (MAIL, Phase.IDENTIFIED, 0, LineKind.COMMAND),
        ("MAIL FROM:<a@b>\x00RCPT TO:<c@d>", Phase.IDENTIFIED, 0, LineKind.REFUSED),
        ("Subject: hi", Phase.DATA, 0, LineKind.DATA_LINE),
        ("/help", Phase.DATA, 0, LineKind.DATA_LINE),  # inside DATA nothing is a shell command
        ("", Phase.DATA, 0, LineKind.DATA_LINE),
        (".", Phase.DATA, 0, LineKind.DATA_END),
        ("line\rsmuggled", Phase.DATA, 0, LineKind.REFUSED),
        ("raw bytes", Phase.RCPT, 12, LineKind.CHUNK_LINE),
        ("/help", Phase.RCPT, 12, LineKind.CHUNK_LINE),
        ("YWxpY2U=", Phase.AUTH, 0, LineKind.SASL_RESPONSE),
        ("", Phase.AUTH, 0, LineKind.SASL_RESPONSE),  # an empty SASL response is a real answer
        ("/b64 alice", Phase.AUTH, 0, LineKind.SHELL),
    ],
)
def test_classify(text: str, phase: Phase, chunk: int, kind: LineKind) -> None:
    assert classify(text, _session_in(phase, chunk)).kind is kind


def test_a_command_line_carries_its_verb_and_catalogue_entry() -> None:
    line = classify("mail FROM:<a@b>", _session_in(Phase.IDENTIFIED))
    assert line == Line("mail FROM:<a@b>", LineKind.COMMAND, "MAIL", line.entry)
    assert line.entry is not None and line.entry.name == "MAIL"
    assert not line.ends_group and line.args == "FROM:<a@b>"
    assert classify("NOOP", _session_in(Phase.IDENTIFIED)).ends_group  # RFC 2920 3.1
    unknown = classify("XYZZY now", _session_in(Phase.IDENTIFIED))
    assert unknown.verb == "XYZZY" and unknown.entry is None and not unknown.ends_group
    refused = classify("NOOP\r\nQUIT", _session_in(Phase.IDENTIFIED))
    assert "CR and LF" in refused.refusal and refused.kind.pending is None


def test_only_lines_with_a_reply_are_pending() -> None:
    assert LineKind.COMMAND.pending is Kind.COMMAND
    assert LineKind.DATA_END.pending is Kind.DATA_END
    assert LineKind.SASL_RESPONSE.pending is Kind.AUTH_RESPONSE
    assert LineKind.DATA_LINE.pending is None and LineKind.SHELL.pending is None


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count classify, Session.line_kind and CommandLine.parse calls, per line text, wherever they come from."""
    calls: Counter[str] = Counter()
    real_classify = line_module.classify
    real_line_kind = Session.line_kind
    real_parse = CommandLine.parse.__func__  # type: ignore[attr-defined]

    def counting_classify(text: str, session: Session) -> Line:
        calls[f"classify {text}"] += 1
        return real_classify(text, session)

    def counting_line_kind(self: Session, text: str) -> Kind:
        calls[f"line_kind {text}"] += 1
        return real_line_kind(self, text)

    def counting_parse(cls: type[CommandLine], text: str) -> CommandLine:
        calls[f"parse {text}"] += 1
        return real_parse(cls, text)

    # Every module that imported classify by name gets the counting one.
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("smtpshell") and getattr(module, "classify", None) is real_classify:
            monkeypatch.setattr(module, "classify", counting_classify)
    monkeypatch.setattr(Session, "line_kind", counting_line_kind)
    monkeypatch.setattr(CommandLine, "parse", classmethod(counting_parse))
    for known in line_module._KNOWN.values():
        known.clear()  # lines an earlier test made are kept (Line.of): this one starts with none
    yield calls


@pytest.mark.parametrize("pipelined", [False, True])
async def test_a_typed_mail_from_is_classified_exactly_once(
    practice_server: PracticeServer, counted: Counter[str], pipelined: bool
) -> None:
    lines = ["EHLO me.example", *(["/pipeline on"] if pipelined else []), MAIL, "RCPT TO:<bob@practice.test>", "NOOP"]
    log = ev.EventLog()
    bus = ev.EventBus()
    bus.subscribe(log)
    out, err = io.StringIO(), io.StringIO()
    driver = ScriptDriver(lines, Target(practice_server.host, practice_server.port), RunOptions(timeout=10),
                          out=out, err=err, bus=bus)
    assert await driver.run() == 0, out.getvalue() + err.getvalue()
    assert counted[f"classify {MAIL}"] == 1
    assert counted[f"line_kind {MAIL}"] == 1  # asked by classify, by nobody else
    assert counted[f"parse {MAIL}"] == 1  # the verb, found once
    (sent,) = [e for e in log.of(ev.LineSent) if e.shown == MAIL]
    assert sent.kind is LineKind.COMMAND
    assert "250" in out.getvalue()


async def test_the_connection_sends_a_line_as_it_was_classified(practice_server: PracticeServer) -> None:
    """ConnectionCore.send decides nothing: a Line's kind is what goes out."""
    from tests.plugins.practice import practice_client

    client = await practice_client(practice_server)
    await client.ok(MAIL)
    await client.ok("RCPT TO:<bob@practice.test>")
    await client.ok("DATA", 354)
    session = client.conn.session
    await client.conn.send(classify("Subject: x", session))
    await client.conn.send(classify(".hidden", session))
    end = await client.conn.command(classify(".", session))
    assert end.sent == Pending(Kind.DATA_END, ".")
    kinds = [e.kind for e in client.log.of(ev.LineSent)][-3:]
    assert kinds == [LineKind.DATA_LINE, LineKind.DATA_LINE, LineKind.DATA_END]
    with pytest.raises(Exception, match="CR"):
        await client.conn.send(classify("NOOP\rQUIT", session))
    await client.close()


async def test_a_line_typed_again_is_not_parsed_again(practice_server: PracticeServer, counted: Counter[str]) -> None:
    """Line.of keeps the lines it made: 1,000 messages are a dozen distinct lines (issue 18)."""
    lines = ["EHLO me.example", *[MAIL, "RCPT TO:<bob@practice.test>", "RSET"] * 3]
    out, err = io.StringIO(), io.StringIO()
    driver = ScriptDriver(lines, Target(practice_server.host, practice_server.port), RunOptions(timeout=10),
                          out=out, err=err)
    assert await driver.run() == 0, out.getvalue() + err.getvalue()
    assert out.getvalue().count(f"C: {MAIL}\n") == 3
    assert counted[f"classify {MAIL}"] == 3  # asked every time: the session decides its kind
    assert counted[f"parse {MAIL}"] == 1  # before: 3


def test_a_refused_line_is_not_kept_and_a_long_line_is_not_kept() -> None:
    refused = line_module.Line.of("MAIL FROM:<a@b>\rRSET")
    assert refused.kind is LineKind.REFUSED
    assert "MAIL FROM:<a@b>\rRSET" not in line_module._KNOWN[LineKind.COMMAND]
    long = "X" * (line_module.LINE_KEPT_CHARS + 1)
    assert line_module.Line.of(long, LineKind.DATA_LINE).text == long
    assert long not in line_module._KNOWN[LineKind.DATA_LINE]
    kept = line_module.Line.of("NOOP")
    assert line_module.Line.of("NOOP") is kept

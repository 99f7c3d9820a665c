"""The transcript format: parsing, matching with wildcards, placeholders, export, the lexer."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from smtpshell.protocol.replies import ProtocolError, Reply
from smtpshell.transcript import TranscriptError, parse_text, read_transcript
from smtpshell.transcript.export import to_html, to_markdown
from smtpshell.transcript.lexer import TranscriptLexer
from smtpshell.transcript.match import compare, escape, text_matches
from smtpshell.transcript.model import Expected
from smtpshell.transcript.placeholders import SecretSource, SecretUnavailable, placeholder_in
from tests.plugins.transcripts import REPO, TRANSCRIPTS

SAMPLE = """\
# smtpshell transcript 1
#: title: Sample
#: server: mx.example:25
#: practice: greylisting=on

# An introduction,
# in two lines.
S: 220 mx.example ESMTP *

# Say hello.
C: EHLO me
S: 250-mx.example
S: 250-...
S: 250 HELP
C: DATA
S: 354 go ahead
C: Subject: hi
C:
C:  indented, with a trailing space\x20
C: .
S: 250 OK *
C: STARTTLS
S: 220 ready
** TLS started: TLSv1.3
C: QUIT
"""


def _reply(code: int, *lines: str) -> Reply:
    return Reply(code, lines, b"")


def test_parse_groups_lines_into_steps() -> None:
    t = parse_text(SAMPLE)
    assert t.title == "Sample" and t.header["server"] == "mx.example:25"
    assert t.intro == ["An introduction,", "in two lines."]
    greeting, ehlo, data, *message, end, starttls, quit_ = t.steps
    assert greeting.is_greeting and str(greeting.expected[0]) == "220 mx.example ESMTP *"
    assert ehlo.line == "EHLO me" and ehlo.comments == ["Say hello."] and len(ehlo.expected) == 3
    assert ehlo.expected[1].any_lines
    assert [s.line for s in message] == ["Subject: hi", "", " indented, with a trailing space "]
    assert all(not s.expected for s in message)
    assert end.line == "." and end.expected[0].code == 250
    assert starttls.expects_tls and not ehlo.expects_tls
    assert quit_.expected == []  # no S: line: the reply is not checked
    assert t.checked_replies == 5


@pytest.mark.parametrize("text, message", [
    ("S: 2x0 hello\n", "three-digit reply code"),
    ("C: EHLO x\nS: 250-a\nS: 251 b\n", "same code"),
    ("EHLO without a prefix\n", "a line starts with 'C: ', 'S: ', '#' or '**'"),
    ("#: no value here\n", "'#: key: value'"),
])
def test_parse_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=re.escape(message)) as info:
        parse_text(text, "f.transcript")
    assert "f.transcript:" in str(info.value)


def test_read_transcript_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="cannot read"):
        read_transcript(tmp_path / "missing.transcript")


@pytest.mark.parametrize("pattern, text, ok", [
    ("OK: queued as *", "OK: queued as 4F2A1C", True),
    ("OK: queued as *", "OK: queued", False),
    ("* ESMTP *", "mx.example ESMTP Postfix", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "axxb", False),
    ("exact", "exact ", False),
    ("(.*) [x]", "(.*) [x]", True),  # regex characters are literal
])
def test_text_patterns(pattern: str, text: str, ok: bool) -> None:
    assert text_matches(pattern, text) is ok


def test_compare_codes_multiline_and_errors() -> None:
    ehlo = [Expected(250, "mx", 1), Expected(250, "...", 2), Expected(250, "HELP", 3)]
    assert compare(ehlo, _reply(250, "mx", "SIZE 1", "STARTTLS", "HELP")) is None
    assert compare(ehlo, _reply(250, "mx", "HELP")) is None  # '...' may be no line at all
    assert compare(ehlo, _reply(250, "mx", "SIZE 1")) is not None
    diff = compare(ehlo, _reply(554, "no"))
    assert diff is not None and diff.reason == "reply code 554 where the transcript has 250"
    assert compare([Expected(250, "x", 1)], _reply(250, "y"), codes_only=True) is None
    assert compare([Expected(250, "x", 1)], None).reason == "no reply came"  # type: ignore[union-attr]
    garbage = compare([Expected(250, "x", 1)], ProtocolError("not a reply", b"\x1b[2J"))
    assert garbage is not None and "\\x1b" in garbage.actual[0]  # escaped, never raw


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_a_recorded_text_matches_itself_and_nothing_else(text: str) -> None:
    # What the recorder writes (the text escaped) must replay, and must not be a wildcard.
    assume(text != "...")
    assert text_matches(escape(text), text)
    assert not text_matches(escape(text), text + "x")
    if "*" in text:
        assert not text_matches(escape(text), text.replace("*", "", 1))


async def test_placeholders_are_filled_from_the_environment_then_asked() -> None:
    assert placeholder_in("<password>") == "<password>"
    assert placeholder_in("AUTH PLAIN <credentials>") == "<credentials>"
    assert placeholder_in("MAIL FROM:<password>") is None
    env = SecretSource(environ={"SMTPSHELL_USER": "alice", "SMTPSHELL_PASSWORD": "pw"})
    assert await env.fill("<password>") == base64.b64encode(b"pw").decode()
    assert await env.fill("AUTH PLAIN <credentials>") == "AUTH PLAIN " + base64.b64encode(b"\0alice\0pw").decode()
    asked: list[tuple[str, bool]] = []

    async def ask(label: str, hidden: bool) -> str:
        asked.append((label, hidden))
        return "typed"

    interactive = SecretSource(ask=ask, environ={})
    assert await interactive.fill("<username>") == base64.b64encode(b"typed").decode()
    assert await interactive.fill("<password>") == base64.b64encode(b"typed").decode()
    assert asked == [("user name for AUTH: ", False), ("password for AUTH: ", True)]
    with pytest.raises(SecretUnavailable, match="SMTPSHELL_PASSWORD"):
        await SecretSource(environ={}).fill("<password>")
    with pytest.raises(SecretUnavailable, match="cannot rebuild"):
        await env.fill("<secret>")


def test_markdown_and_html_handouts() -> None:
    t = read_transcript(TRANSCRIPTS / "06-reply-classes.transcript")
    md = to_markdown(t)
    assert md.startswith("# Reply classes: 2xx, 3xx, 4xx and 5xx\n")
    assert "```smtp-transcript\nC: RCPT TO:<nobody@practice.test>\nS: 550 5.1.1" in md
    assert "   ↳ " in md  # the shell's explanations come along
    page = to_html(t)
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<link" not in page and "<script" not in page and "src=" not in page  # self-contained
    assert '<span class="r5">550 </span>' in page and '<span class="r4">451 </span>' in page
    assert '<span class="r3">354 </span>' in page and '<span class="r2">250 </span>' in page
    assert "&lt;nobody@practice.test&gt;" in page  # escaped
    auth = to_html(read_transcript(TRANSCRIPTS / "04-auth-login.transcript"))
    assert '<span class="secret">•••••••• (the password in base64' in auth
    assert "&lt;password&gt;" not in auth


def test_the_export_command(tmp_path: Path) -> None:
    from smtpshell.transcript import export_cmd

    out = tmp_path / "handout.html"
    assert export_cmd.main(["01-direct-delivery", "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert export_cmd.main(["no-such-lesson"]) == 2


def test_the_lexer_tokenises_every_lesson_without_errors() -> None:
    from pygments.token import Error, Generic, Name, Operator

    lexer = TranscriptLexer()
    for path in TRANSCRIPTS.glob("*.transcript"):
        tokens = list(lexer.get_tokens(path.read_text()))
        assert not [v for t, v in tokens if t in Error], path.name
    tokens = list(lexer.get_tokens(SAMPLE + "C: <password>\nS: 535 no\n"))
    assert (Generic.Deleted, "535") in tokens and (Generic.Inserted, "250") in tokens
    assert (Name.Variable.Magic, "<password>") in tokens and (Operator, "*") in tokens
    assert TranscriptLexer.analyse_text(SAMPLE) == 1.0
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'smtp-transcript = "smtpshell.transcript.lexer:TranscriptLexer"' in pyproject


def test_a_warning_between_a_line_and_its_reply_keeps_them_together() -> None:
    t = parse_text("S: 220 hi\nC: EHLO me\n!! the server ended a line with a bare LF\nS: 250 ok\n")
    assert [s.line for s in t.steps] == [None, "EHLO me"]
    assert t.steps[1].expected[0].text == "ok"


def test_the_lexer_is_registered_with_pygments() -> None:
    from importlib.metadata import entry_points

    if "smtp-transcript" not in {e.name for e in entry_points(group="pygments.lexers")}:
        pytest.skip("the installed metadata predates the entry point: run 'pip install -e .' again")
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    assert isinstance(get_lexer_by_name("smtp-transcript"), TranscriptLexer)
    assert isinstance(get_lexer_for_filename("lesson.transcript"), TranscriptLexer)

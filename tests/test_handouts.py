"""Handouts (``smtpshell export``): examples instead of wildcards, no internal notes, no local paths,
credentials in words, Markdown the project's lexer colours without errors; and every shipped
lesson's HTML handout in a real headless chromium at A4 print width."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell.transcript.export import to_html, to_markdown
from smtpshell.transcript.match import text_matches
from smtpshell.transcript.parse import TranscriptError, parse_text, read_transcript
from tests.plugins.browser import needs_browser

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "transcripts").glob("*.transcript"))
WILDCARD = re.compile(r"^S: \d{3}[ -].*(?<!\\)\*|^S: \d{3}-\.\.\.$", re.MULTILINE)
RECORDED = """# smtpshell transcript 1
#: server: 127.0.0.1:2525
#: tls: none
#: date: 2026-12-01T10:00:00Z
#: tool: smtpshell 0.1.0

S: 220 mx.practice.test ESMTP smtpshell practice server
# (sent by smtpshell on the user's behalf)
C: EHLO me.example
S: 250-mx.practice.test
S: 250 STARTTLS
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
** TLS started: TLSv1.3 TLS_AES_256_GCM_SHA384; certificate verified (CA /home/teacher/.local/state/smtpshell/practice-ca.pem)
** message from /home/teacher/lessons/message.eml: 120 bytes, 5 lines (content not recorded)
C: AUTH PLAIN <credentials>
S: 235 2.7.0 Authentication successful
C: QUIT
S: 221 2.0.0 mx.practice.test closing connection
** connection closed: the server closed the connection after QUIT
"""


def test_examples_are_read_and_older_files_still_parse() -> None:
    t = parse_text("S: 220 mx ESMTP *\n#= 220 mx ESMTP ready\nC: EHLO me\nS: 250-mx\nS: 250-...\n"
                   "#= 250-PIPELINING\n#= 250-SIZE 10\nS: 250 HELP\n")
    assert t.steps[0].expected[0].examples == ("mx ESMTP ready",)
    assert t.steps[1].expected[1].examples == ("PIPELINING", "SIZE 10")
    assert t.steps[1].expected[2].examples == ()
    assert parse_text("S: 220 mx ESMTP *\n").steps[0].expected[0].examples == ()  # no example: as before
    assert t.steps[1].comments == [] and t.intro == []  # an example is not teaching text
    with pytest.raises(TranscriptError, match="code 250 is not the S: line's 220"):
        parse_text("S: 220 *\n#= 250 x\n")
    with pytest.raises(TranscriptError, match="right after the S: line"):
        parse_text("C: EHLO me\n#= 250 x\n")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_wildcard_of_a_shipped_lesson_has_an_example_that_it_matches(path: Path) -> None:
    for step in read_transcript(path).steps:
        for expected in step.expected:
            if expected.any_lines or "*" in expected.text.replace("\\*", ""):
                assert expected.examples, f"{path.name}:{expected.line_no} has no '#=' example"
            if not expected.any_lines:
                assert all(text_matches(expected.text, ex) for ex in expected.examples), expected


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_handout_shows_examples_never_patterns_or_notes(path: Path) -> None:
    t = read_transcript(path)
    for text in (to_markdown(t), to_html(t)):
        assert not WILDCARD.search(text.replace('<span class="prefix">', "").replace("</span>", ""))
        assert "** TLS started" not in text and "<password>" not in text and "&lt;password&gt;" not in text
        assert "/home/" not in text and str(REPO) not in text
        assert t.title in text or html.escape(t.title) in text  # the HTML page escapes it


def test_the_auth_lesson_shows_the_base64_its_text_talks_about() -> None:
    md = to_markdown(read_transcript(REPO / "transcripts" / "04-auth-login.transcript"))
    assert "S: 334 VXNlciBOYW1lAA==" in md and "S: 334 UGFzc3dvcmQA" in md
    assert "S: 221 2.0.0 mx.practice.test closing connection" in md
    assert "C: •••••••• (the password in base64" in md


def test_a_recorded_session_has_a_real_title_one_block_and_no_local_path(tmp_path: Path) -> None:
    t = parse_text(RECORDED)
    md = to_markdown(t)
    assert md.startswith("# An SMTP session with 127.0.0.1:2525\n")
    assert md.count("```smtp-transcript") == 1  # the recorder's mark did not split it into prose blocks
    assert "(sent by smtpshell on the user's behalf)" not in md and "C: EHLO me.example   (sent by smtpshell)" in md
    assert "/home/teacher" not in md and "practice-ca.pem" not in md and "message.eml" not in md
    assert "** TLS is on" in md and "C: AUTH PLAIN •••••••• (user name and password in base64" in md
    assert "connection closed" not in md
    assert to_markdown(t, title="Lesson 7").startswith("# Lesson 7\n")
    source = tmp_path / "recorded.transcript"
    source.write_text(RECORDED)
    out = subprocess.run([sys.executable, "-m", "smtpshell.transcript.export_cmd", str(source), "--title", "Week 3",
                          "--format", "html"], capture_output=True, text=True, check=True).stdout
    assert "<title>Week 3</title>" in out and "/home/teacher" not in out


@pytest.mark.parametrize("path", [*LESSONS, None], ids=lambda p: p.stem if p else "recorded")
def test_the_transcript_lexer_colours_exported_markdown_without_errors(path: Path | None) -> None:
    from pygments.token import Error, Generic

    from smtpshell.transcript.lexer import TranscriptLexer

    md = to_markdown(read_transcript(path) if path else parse_text(RECORDED))
    blocks = re.findall(r"```smtp-transcript\n(.*?)```", md, re.DOTALL)
    assert blocks
    for block in blocks:
        tokens = list(TranscriptLexer().get_tokens(block))
        assert [v for tok, v in tokens if tok in Error] == [], block
    explained = list(TranscriptLexer().get_tokens("\n".join(blocks)))
    assert any(tok is Generic.Emph and v.startswith("↳") for tok, v in explained)


# -- in a real browser, at A4 print width -------------------------------------------------

A4_CSS_PX = 794  # 210 mm at 96 px per inch


@needs_browser
@pytest.mark.timeout(180)
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_handout_fits_an_a4_page_in_chromium(path: Path, browser, tmp_path: Path) -> None:
    page = tmp_path / f"{path.stem}.html"
    page.write_text(to_html(read_transcript(path)), encoding="utf-8")
    browser.set_window_size(A4_CSS_PX, 1123)
    browser.get(page.as_uri())
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    width = browser.execute_script("return document.documentElement.clientWidth")
    too_wide = browser.execute_script(
        "const w = document.documentElement.clientWidth;"
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5"
        " || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))")
    assert too_wide == [], too_wide
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    shown = browser.execute_script("return document.body.innerText")
    assert not WILDCARD.search(shown) and "/home/" not in shown and str(REPO) not in shown
    background = browser.execute_script("return getComputedStyle(document.querySelector('.session')).backgroundColor")
    assert background in ("rgb(255, 255, 255)", "rgb(246, 248, 250)")  # light, in print too
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True})
    assert len(pdf["data"]) > 1000

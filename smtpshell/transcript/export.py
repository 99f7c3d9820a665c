"""Handouts: a transcript as Markdown, or as one self-contained HTML page.

Both keep the teaching text (the comments) as prose, the session as
``C:``/``S:`` lines, and add the one-line explanation of each reply that the
shell shows, so a printed handout reads like the screen. The HTML page has its
CSS inline (no file to fetch) and the reply-class colours of the terminal.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

from .. import knowledge
from ..protocol.commands import CommandLine
from ..protocol.replies import parse_enhanced
from .model import Step, Transcript

# The terminal's colours (ui/ansi.py) as CSS, per style class.
CSS = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
h1 { font-size: 1.5rem; } p.summary { font-style: italic; color: #555; }
pre.session { background: #1e1e1e; color: #ddd; padding: 0.8rem 1rem; border-radius: 6px; overflow-x: auto; line-height: 1.35; }
.prefix { color: #888; } .sent { font-weight: bold; color: #fff; }
.r1, .r3 { color: #4fc1e9; font-weight: bold; } .r2 { color: #5fd35f; font-weight: bold; }
.r4 { color: #f0c674; font-weight: bold; } .r5 { color: #ff6b6b; font-weight: bold; }
.explain { color: #999; font-style: italic; } .tls { color: #5fd35f; font-weight: bold; }
.note { color: #4fc1e9; } .warning { color: #f0c674; font-weight: bold; } .secret { color: #c678dd; }
footer { color: #888; font-size: 0.85rem; margin-top: 2rem; }
"""


@dataclass(frozen=True)
class Line:
    """One line of the session as shown: (style, prefix, text)."""

    style: str  # "sent", "r2".."r5", "explain", "tls", "note", "warning"
    prefix: str
    text: str


def explain(step: Step) -> str:
    """The shell's one-line explanation of the step's expected reply."""
    if not step.expected:
        return ""
    first = step.expected[0]
    verb = CommandLine.parse(step.line).verb if step.line else None
    enhanced = parse_enhanced(first.code, first.text)
    return knowledge.explain_reply(first.code, enhanced, verb, "\n".join(e.text for e in step.expected)).summary


def session_lines(step: Step) -> Iterator[Line]:
    if step.line is not None:
        yield Line("sent", "C: ", step.line)
    for i, e in enumerate(step.expected):
        sep = " " if i == len(step.expected) - 1 else "-"
        yield Line(f"r{e.code // 100}", "S: ", f"{e.code}{sep}{e.text}")
    summary = explain(step)
    if summary:
        yield Line("explain", "   ", f"↳ {summary}")
    for note in step.notes:
        yield Line("tls" if "TLS started" in note else "warning" if note.startswith("!!") else "note", "", note)


def _blocks(t: Transcript) -> Iterator[tuple[list[str], list[Step]]]:
    """(teaching text, the steps it introduces): a comment starts a new block."""
    comments: list[str] = list(t.intro)
    steps: list[Step] = []
    for step in t.steps:
        if step.comments and steps:
            yield comments, steps
            comments, steps = [], []
        comments += step.comments
        steps.append(step)
    if steps or comments:
        yield comments, steps


def _paragraphs(comments: list[str]) -> list[list[str]]:
    """Comment lines as paragraphs of visual lines: wrapped lines are joined,
    an indented line (a table row, a list) stays a line of its own."""
    paragraphs: list[list[str]] = [[]]
    joinable = False
    for line in comments:
        if not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            joinable = False
        elif line.startswith((" ", "\t")):
            paragraphs[-1].append(line.strip())
            joinable = False
        elif joinable:
            paragraphs[-1][-1] += " " + line.strip()
        else:
            paragraphs[-1].append(line.strip())
            joinable = True
    return [p for p in paragraphs if p]


def to_markdown(t: Transcript) -> str:
    out = [f"# {t.title}", ""]
    if t.header.get("summary"):
        out += [f"*{t.header['summary']}*", ""]
    if t.notes:
        out += ["```smtp-transcript", *t.notes, "```", ""]
    for comments, steps in _blocks(t):
        for paragraph in _paragraphs(comments):
            out += ["  \n".join(paragraph), ""]  # two spaces: a Markdown line break
        if steps:
            out.append("```smtp-transcript")
            out += [f"{line.prefix}{line.text}" for step in steps for line in session_lines(step)]
            out += ["```", ""]
    out.append(f"<sub>smtpshell transcript {t.name}; replay it with `smtpshell replay`, step through it with `smtpshell lesson`.</sub>")
    return "\n".join(out) + "\n"


def to_html(t: Transcript) -> str:
    e = html.escape
    body = [f"<h1>{e(t.title)}</h1>"]
    if t.header.get("summary"):
        body.append(f'<p class="summary">{e(t.header["summary"])}</p>')
    if t.notes:
        body.append('<pre class="session">' + "\n".join(_html_line(Line("tls", "", n)) for n in t.notes) + "</pre>")
    for comments, steps in _blocks(t):
        body += ["<p>" + "<br>\n".join(e(line) for line in p) + "</p>" for p in _paragraphs(comments)]
        if steps:
            lines = [_html_line(line) for step in steps for line in session_lines(step)]
            body.append('<pre class="session">' + "\n".join(lines) + "</pre>")
    body.append(f"<footer>smtpshell transcript {e(t.name)}</footer>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{e(t.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_line(line: Line) -> str:
    e = html.escape
    prefix = f'<span class="prefix">{e(line.prefix)}</span>' if line.prefix.strip() else e(line.prefix)
    if line.style.startswith("r"):
        code, text = line.text[:4], line.text[4:]
        return f'{prefix}<span class="{line.style}">{e(code)}</span>{e(text)}'
    if line.style == "sent" and line.text.split(" ")[-1].startswith("<") and line.text.endswith(">") and "@" not in line.text:
        return f'{prefix}<span class="secret">{e(line.text)}</span>'
    return f'{prefix}<span class="{line.style}">{e(line.text)}</span>'


FORMATS = {"md": to_markdown, "markdown": to_markdown, "html": to_html}

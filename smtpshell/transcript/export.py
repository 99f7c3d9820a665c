"""Handouts: a transcript as Markdown, or as one self-contained HTML page a teacher can print.

A handout shows what a student really sees, not what replay checks:

- each ``S:`` line shows its example (``#=`` lines, :mod:`.model`) where the lesson gives
  one; a pattern without one shows its fixed text, a wildcard as "…" (never ``*``);
- a credential line (``C: <password>``) says in words what went there;
- the shell's own notes (``** TLS started: ...``, ``** connection closed``, the
  recorder's "(sent by smtpshell ...)") become one plain sentence or nothing, and
  no local path (a CA file, a data file) reaches the page;
- the shell's one-line explanation of each reply comes along, as on screen.

The HTML page is light, wraps long lines with a hanging indent (nothing hides
behind a scroll bar) and has a print stylesheet.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .. import knowledge
from ..i18n import t as tr
from ..protocol.commands import CommandLine
from ..protocol.replies import parse_enhanced
from .model import NOTE, TLS_NOTE, WARNING, Expected, Step, Transcript
from .placeholders import CREDENTIALS, PASSWORD, SECRET, USERNAME

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5;
       color: #1d1d1d; background: #fff; }
h1 { font-size: 1.5rem; } p.summary { font-style: italic; color: #555; }
.session { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.88rem; background: #f6f8fa;
           border: 1px solid #d8dee4; border-radius: 6px; padding: 0.6rem 0.9rem; line-height: 1.35; }
.line { white-space: pre-wrap; overflow-wrap: anywhere; padding-left: 3ch; text-indent: -3ch; }
.prefix { color: #6e7781; } .sent { font-weight: bold; color: #1d1d1d; }
.r1, .r3 { color: #0a6f8f; font-weight: bold; } .r2 { color: #1f7a1f; font-weight: bold; }
.r4 { color: #9a6700; font-weight: bold; } .r5 { color: #b3261e; font-weight: bold; }
.explain { color: #57606a; font-style: italic; } .tls { color: #1f7a1f; font-style: italic; }
.warning { color: #9a6700; font-weight: bold; } .secret { color: #8a3ab9; font-style: italic; }
.varies { color: #6e7781; }
footer { color: #6e7781; font-size: 0.85rem; margin-top: 2rem; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  section { break-inside: avoid-page; }
  section + section { break-before: auto; }
  .session { break-inside: avoid; background: #fff; border-color: #bbb; }
  h1 { break-after: avoid; }
}
"""

# What a credential placeholder stands for, in words for the page.
_PLACEHOLDER_TEXT = {
    PASSWORD: ("handout.password", "•••••••• (the password in base64: smtpshell sends it for you and never shows it)"),
    USERNAME: ("handout.username", "(the user name in base64)"),
    CREDENTIALS: ("handout.credentials", "•••••••• (user name and password in base64: smtpshell sends them for you)"),
    SECRET: ("handout.secret", "•••••••• (a secret smtpshell sent for you and never shows)"),
}
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/:;,()'\"]+){2,}[\\/]?")
VARIES = "…"


@dataclass(frozen=True)
class Line:
    """One line of the session as shown: (style, prefix, text)."""

    style: str  # "sent", "secret", "r2".."r5", "explain", "tls", "warning"
    prefix: str
    text: str


def without_paths(text: str) -> str:
    """A local path (``/home/teacher/.local/state/smtpshell/practice-ca.pem``) as its file name only."""
    return _PATH.sub(lambda m: m.group(0).rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1], text)


def shown_text(expected: Expected) -> list[str]:
    """What the page shows for one S: line: its examples, or its pattern made readable."""
    if expected.examples:
        return list(expected.examples)
    if expected.any_lines:
        return [VARIES]
    parts = re.split(r"(\\\\|\\\*|\*)", expected.text)
    return ["".join({"\\\\": "\\", "\\*": "*", "*": VARIES}.get(p, p) for p in parts)]


def explain(step: Step) -> str:
    """The shell's one-line explanation of the step's expected reply."""
    if not step.expected:
        return ""
    first = step.expected[0]
    verb = CommandLine.parse(step.line).verb if step.line and not step.raw else None
    text = "\n".join("\n".join(shown_text(e)) for e in step.expected)
    enhanced = parse_enhanced(first.code, text)
    return knowledge.explain_reply(first.code, enhanced, verb, text).summary


def _client_line(text: str, automatic: bool) -> Line:
    for placeholder, (key, default) in _PLACEHOLDER_TEXT.items():
        if text == placeholder or text.endswith(" " + placeholder):
            head = text[: len(text) - len(placeholder)]
            return Line("secret", "C: ", head + tr(key, default))
    suffix = tr("handout.automatic", "   (sent by smtpshell)") if automatic else ""
    return Line("sent", "C: ", text + suffix)


def session_lines(step: Step) -> Iterator[Line]:
    if step.line is not None and step.raw:
        yield Line("sent", "C(raw): ", step.line)  # raw mode's escapes, as the student types them
    elif step.line is not None:
        yield _client_line(step.line, step.automatic)
    texts = [(e.code, text) for e in step.expected for text in shown_text(e)]
    for i, (code, text) in enumerate(texts):
        sep = " " if i == len(texts) - 1 else "-"
        yield Line(f"r{code // 100}", "S: ", f"{code}{sep}{text}".rstrip())
    summary = explain(step)
    if summary:
        yield Line("explain", "   ", f"↳ {summary}")
    for note in step.notes:
        if note.startswith(f"{NOTE} {TLS_NOTE}"):
            yield Line("tls", "", tr("handout.tls", "** TLS is on: from here on the connection is encrypted"))
        elif note.startswith(WARNING):
            yield Line("warning", "", without_paths(note))
        # Other notes are the shell's bookkeeping (closed, a file's name): not for the page.


def title_of(t: Transcript, title: str | None = None) -> str:
    if title:
        return title
    if t.header.get("title"):
        return t.header["title"]
    server = t.header.get("server", "")
    if server:
        return tr("handout.title", "An SMTP session with {server}", server=without_paths(server))
    return t.name


def _intro_notes(t: Transcript) -> list[str]:
    """The sentence that stands for notes before the first step (implicit TLS), if any."""
    if any(n.startswith(f"{NOTE} {TLS_NOTE}") for n in t.notes) or t.implicit_tls:
        return [tr("handout.implicit_tls", "This session is encrypted from the first byte (implicit TLS, port 465 style).")]
    return []


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
    return [[without_paths(line) for line in p] for p in paragraphs if p]


def _footer(t: Transcript) -> str:
    return tr("handout.footer", "smtpshell lesson {name}: replay it with smtpshell replay, step through it with smtpshell lesson.",
              name=t.name)


def to_markdown(t: Transcript, title: str | None = None) -> str:
    out = [f"# {title_of(t, title)}", ""]
    if t.header.get("summary"):
        out += [f"*{t.header['summary']}*", ""]
    out += [*(_intro_notes(t)), ""] if _intro_notes(t) else []
    for comments, steps in _blocks(t):
        for paragraph in _paragraphs(comments):
            out += ["  \n".join(paragraph), ""]  # two spaces: a Markdown line break
        if steps:
            # The project's Pygments lexer colours this; other renderers show it as plain text.
            out.append("```smtp-transcript")
            out += [f"{line.prefix}{line.text}".rstrip() for step in steps for line in session_lines(step)]
            out += ["```", ""]
    out.append(f"<sub>{_footer(t)}</sub>")
    return "\n".join(out) + "\n"


def to_html(t: Transcript, title: str | None = None) -> str:
    e = html.escape
    heading = title_of(t, title)
    body = [f"<h1>{e(heading)}</h1>"]
    if t.header.get("summary"):
        body.append(f'<p class="summary">{e(t.header["summary"])}</p>')
    body += [f"<p>{e(text)}</p>" for text in _intro_notes(t)]
    for comments, steps in _blocks(t):
        section = ["<p>" + "<br>\n".join(e(line) for line in p) + "</p>" for p in _paragraphs(comments)]
        if steps:
            lines = [_html_line(line) for step in steps for line in session_lines(step)]
            section.append('<div class="session">' + "\n".join(lines) + "</div>")
        body.append("<section>\n" + "\n".join(section) + "\n</section>")
    body.append(f"<footer>{e(_footer(t))}</footer>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{e(heading)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_line(line: Line) -> str:
    e = html.escape
    prefix = f'<span class="prefix">{e(line.prefix)}</span>' if line.prefix.strip() else e(line.prefix)
    if line.style.startswith("r"):
        code, text = line.text[:4], line.text[4:]
        text_html = e(text).replace(VARIES, f'<span class="varies">{VARIES}</span>')
        return f'<div class="line">{prefix}<span class="{line.style}">{e(code)}</span>{text_html}</div>'
    return f'<div class="line">{prefix}<span class="{line.style}">{e(line.text)}</span></div>'


FORMATS = {"md": to_markdown, "markdown": to_markdown, "html": to_html}

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
from ..i18n import DEFAULT, PSEUDO, current, t
from ..protocol.commands import CommandLine
from ..protocol.replies import parse_enhanced
from .model import NOTE, TLS_NOTE, WARNING, Expected, Step, Transcript
from .placeholders import CREDENTIALS, PASSWORD, SECRET, USERNAME

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
       "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5;
       color: #1d1d1d; background: #fff; }
h1 { font-size: 1.5rem; } p.summary { font-style: italic; color: #555; }
.session { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, "Noto Sans Mono CJK SC",
           "Sarasa Mono SC", "PingFang SC", "Microsoft YaHei", monospace; font-size: 0.88rem; background: #f6f8fa;
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

def _placeholder_text() -> dict[str, str]:
    """What a credential placeholder stands for, in words for the page (in the current language)."""
    return {
        PASSWORD: t("handout.password", "•••••••• (the password in base64: smtpshell sends it for you and never shows it)"),
        USERNAME: t("handout.username", "(the user name in base64)"),
        CREDENTIALS: t("handout.credentials", "•••••••• (user name and password in base64: smtpshell sends them for you)"),
        SECRET: t("handout.secret", "•••••••• (a secret smtpshell sent for you and never shows)"),
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
    for placeholder, words in _placeholder_text().items():
        if text == placeholder or text.endswith(" " + placeholder):
            head = text[: len(text) - len(placeholder)]
            return Line("secret", "C: ", head + words)
    suffix = t("handout.automatic", "   (sent by smtpshell)") if automatic else ""
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
            yield Line("tls", "", t("handout.tls", "** TLS is on: from here on the connection is encrypted"))
        elif note.startswith(WARNING):
            yield Line("warning", "", without_paths(note))
        # Other notes are the shell's bookkeeping (closed, a file's name): not for the page.


def title_of(transcript: Transcript, title: str | None = None) -> str:
    if title:
        return title
    if transcript.header.get("title"):
        return transcript.header["title"]
    server = transcript.header.get("server", "")
    if server:
        return t("handout.title", "An SMTP session with {server}", server=without_paths(server))
    return transcript.name


def _intro_notes(transcript: Transcript) -> list[str]:
    """The sentence that stands for notes before the first step (implicit TLS), if any."""
    if any(n.startswith(f"{NOTE} {TLS_NOTE}") for n in transcript.notes) or transcript.implicit_tls:
        return [t("handout.implicit_tls", "This session is encrypted from the first byte (implicit TLS, port 465 style).")]
    return []


def _blocks(transcript: Transcript) -> Iterator[tuple[list[str], list[Step]]]:
    """(teaching text, the steps it introduces): a comment starts a new block."""
    comments: list[str] = list(transcript.intro)
    steps: list[Step] = []
    for step in transcript.steps:
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


def _footer(transcript: Transcript) -> str:
    return t("handout.footer", "smtpshell lesson {name}: replay it with smtpshell replay, step through it with smtpshell lesson.",
              name=transcript.name)


def html_lang() -> str:
    """The page's ``lang``: the session's language as a BCP 47 tag (zh_CN -> zh-CN), so browsers pick CJK glyphs."""
    lang = current()
    return "en" if lang in (DEFAULT, PSEUDO) else lang.replace("_", "-")


def to_markdown(transcript: Transcript, title: str | None = None) -> str:
    out = [f"# {title_of(transcript, title)}", ""]
    if transcript.header.get("summary"):
        out += [f"*{transcript.header['summary']}*", ""]
    out += [*(_intro_notes(transcript)), ""] if _intro_notes(transcript) else []
    for comments, steps in _blocks(transcript):
        for paragraph in _paragraphs(comments):
            out += ["  \n".join(paragraph), ""]  # two spaces: a Markdown line break
        if steps:
            # The project's Pygments lexer colours this; other renderers show it as plain text.
            out.append("```smtp-transcript")
            out += [f"{line.prefix}{line.text}".rstrip() for step in steps for line in session_lines(step)]
            out += ["```", ""]
    out.append(f"<sub>{_footer(transcript)}</sub>")
    return "\n".join(out) + "\n"


def to_html(transcript: Transcript, title: str | None = None) -> str:
    e = html.escape
    heading = title_of(transcript, title)
    body = [f"<h1>{e(heading)}</h1>"]
    if transcript.header.get("summary"):
        body.append(f'<p class="summary">{e(transcript.header["summary"])}</p>')
    body += [f"<p>{e(text)}</p>" for text in _intro_notes(transcript)]
    for comments, steps in _blocks(transcript):
        section = ["<p>" + "<br>\n".join(e(line) for line in p) + "</p>" for p in _paragraphs(comments)]
        if steps:
            lines = [_html_line(line) for step in steps for line in session_lines(step)]
            section.append('<div class="session">' + "\n".join(lines) + "</div>")
        body.append("<section>\n" + "\n".join(section) + "\n</section>")
    body.append(f"<footer>{e(_footer(transcript))}</footer>")
    return (
        f"<!DOCTYPE html>\n<html lang=\"{e(html_lang())}\">\n<head>\n<meta charset=\"utf-8\">\n"
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

"""Read a transcript file into a :class:`~.model.Transcript` (format: :mod:`.model`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..i18n import t
from .model import (
    AUTOMATIC_COMMENT,
    CLIENT,
    CLIENT_RAW,
    COMMENT,
    EXAMPLE,
    HEADER,
    MAGIC,
    NOTE,
    SERVER,
    WARNING,
    Expected,
    Step,
    Transcript,
)


class TranscriptError(ValueError):
    """The file is not a transcript smtpshell can use; str() names the line."""


def read_transcript(path: str | Path) -> Transcript:
    path = Path(path)
    try:
        # newline="": no universal newlines, so a bare CR reaches parse_text (which refuses to split at it)
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise TranscriptError(t("transcript.cannot_read", "cannot read {path}: {reason}", path=path, reason=exc.strerror or exc)) from None
    transcript = parse_text(text, str(path))
    transcript.path = path
    return transcript


def parse_text(text: str, source: str = "transcript") -> Transcript:
    parser = _Parser(source)
    # The line rules of script files and stdin: a line ends at LF, one CR before it is part
    # of the end. str.splitlines would also end a line at a bare CR, U+2028, FF and more, so
    # "C: foo\rC: ." would end a message early and "C: NOOP\u2028C: RSET" send two commands;
    # split at LF only, a CR stays inside its line and the runner refuses that line.
    for number, raw in enumerate(text.split("\n"), 1):
        parser.line(number, raw[:-1] if raw.endswith("\r") else raw)
    return parser.finish()


def parse_expected(text: str, line_no: int, source: str = "transcript") -> Expected:
    """'250-mx.test' / '250 OK *' / '354' -> Expected."""
    code, sep, rest = text[:3], text[3:4], text[4:]
    if not (code.isdigit() and 100 <= int(code) <= 599) or sep not in ("", " ", "-"):
        raise TranscriptError(t("transcript.bad_code", "{where}: an S: line starts with a three-digit reply code, like 'S: 250 OK' (got {got})",
                                where=f"{source}:{line_no}", got=repr(text[:20])))
    return Expected(int(code), rest, line_no)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.transcript = Transcript()
        self.pending_comments: list[str] = []
        self.current: Step | None = None
        self.last = "none"  # kind of the last meaningful line: client, server, other

    def line(self, number: int, raw: str) -> None:
        if not raw.strip():
            if self.pending_comments and self.pending_comments[-1] != "":
                self.pending_comments.append("")
            return
        if raw.startswith(HEADER):
            self._header(number, raw[len(HEADER):])
        elif raw.startswith(CLIENT):
            self._client(number, _after_prefix(raw, CLIENT))
        elif raw.startswith(CLIENT_RAW):
            self._client(number, _after_prefix(raw, CLIENT_RAW), raw=True)
        elif raw.startswith(SERVER):
            self._server(number, _after_prefix(raw, SERVER))
        elif raw.startswith(EXAMPLE):
            self._example(number, _after_prefix(raw, EXAMPLE))
        elif raw.startswith(COMMENT):
            if raw.strip() != MAGIC:
                self.pending_comments.append(_after_prefix(raw, COMMENT))
        elif raw.startswith((NOTE, WARNING)):
            self._note(raw.rstrip())
        else:
            raise TranscriptError(t("transcript.bad_line", "{where}: a line starts with 'C: ', 'S: ', '#' or '**' (got {got}); see docs/transcripts.md",
                                    where=f"{self.source}:{number}", got=repr(raw[:30])))

    def _header(self, number: int, body: str) -> None:
        key, sep, value = body.strip().partition(":")
        if not sep or not key.strip():
            raise TranscriptError(t("transcript.bad_header", "{where}: a header line reads '#: key: value'", where=f"{self.source}:{number}"))
        self.transcript.header[key.strip().lower()] = value.strip()

    def _client(self, number: int, text: str, *, raw: bool = False) -> None:
        comments = self._take_comments()
        automatic = bool(comments) and comments[-1] == AUTOMATIC_COMMENT  # the recorder's mark, not teaching text
        if automatic:
            comments.pop()
        step = Step(text, number, comments=comments, automatic=automatic, raw=raw)
        self.transcript.steps.append(step)
        self.current = step
        self.last = "client"

    def _server(self, number: int, text: str) -> None:
        expected = parse_expected(text, number, self.source)
        step = self.current
        # A warning may come between a line and its reply (a bare LF, say): the reply is still its.
        awaiting_reply = step is not None and step.line is not None and not step.expected
        if step is None or (self.last not in ("client", "server") and not awaiting_reply):
            # Replies nothing was sent for: the greeting (or the server speaking unasked).
            step = Step(None, number, comments=self._take_comments())
            self.transcript.steps.append(step)
            self.current = step
        elif step.expected and step.expected[0].code != expected.code and self.last == "server":
            raise TranscriptError(t("transcript.mixed_codes", "{where}: every line of one reply has the same code ({above} above, {here} here)",
                                    where=f"{self.source}:{number}", above=step.expected[0].code, here=expected.code))
        step.expected.append(expected)
        self.last = "server"

    def _example(self, number: int, text: str) -> None:
        """'#= 334 VXNlcm5hbWU6' after an S: line: the example a handout shows for it."""
        step = self.current
        if step is None or not step.expected or self.last != "server":
            raise TranscriptError(t("transcript.example_place", "{where}: an example line ('#= ...') comes right after the S: line it shows",
                                    where=f"{self.source}:{number}"))
        expected = step.expected[-1]
        example = parse_expected(text, number, self.source)
        if example.code != expected.code:
            raise TranscriptError(t("transcript.example_code", "{where}: the example's code {example} is not the S: line's {code}",
                                    where=f"{self.source}:{number}", example=example.code, code=expected.code))
        if expected.examples and not expected.any_lines:
            raise TranscriptError(t("transcript.one_example", "{where}: one example per S: line (several only after 'S: {code}-...')",
                                    where=f"{self.source}:{number}", code=expected.code))
        step.expected[-1] = replace(expected, examples=(*expected.examples, example.text))

    def _note(self, text: str) -> None:
        if self.current is None:
            self.transcript.notes.append(text)
        else:
            self.current.notes.append(text)
        self.last = "other"

    def _take_comments(self) -> list[str]:
        comments = self.pending_comments
        while comments and comments[-1] == "":
            comments.pop()
        self.pending_comments = []
        return comments

    def finish(self) -> Transcript:
        done = self.transcript
        # Comments before the first step are the introduction, unless the first
        # step is the greeting, whose comments are the introduction anyway.
        if done.steps and done.steps[0].comments and done.steps[0].is_greeting:
            done.intro, done.steps[0].comments = done.steps[0].comments, []
        elif not done.steps:
            done.intro = self._take_comments()
        return done


def _after_prefix(raw: str, prefix: str) -> str:
    """Text after 'C:' / 'S:' / '#', minus the one space that follows the prefix."""
    rest = raw[len(prefix):]
    return rest[1:] if rest.startswith(" ") else rest

"""What a pty session showed, row by row, and which of its words bypassed ``t()``.

Used by the pseudo-locale coverage test (issue 14, must-show 2) and the zh_CN
pty test (must-show 1).

:class:`ScreenTerminal` is :class:`tests.plugins.pty.Terminal` with a terminal
emulator (pyte) behind it: every byte the program writes is drawn on a
screen that keeps its scrollback, the cursor-position requests are answered
with the emulator's real cursor, and after each wait the screen is
snapshotted under the name of the step the test was doing (the line it had
just typed), so a bad row is reported with the command that produced it.
Snapshots (not only the final screen) catch rows that are later redrawn,
such as the toolbar's states.

:func:`unmarked` applies the rule. In the pseudo-locale every text that went
through ``t()`` is ``⟦text⟧`` (nested texts are nested marks; a mark may go
on over the rows of a wrapped line). Everything else on a row must be one of:

1. **the server's text**: on a row starting ``S: ``, the text up to the first
   mark or the first run of two spaces (the EHLO table's annotation column),
   when it is a reply line the server really sent (``--record``'s transcript
   of the very session) or matches a line of the lesson being played;
2. **the wire, client side**: on a row starting ``C: ``, the same, when it is a
   line that went to the server (a line of the script, or the base64 of the
   user name, which the test computes itself);
3. **the user's input**: a line the test typed (or a lesson pre-filled at the
   prompt) at the end of the row, as the terminal echoes it;
4. **data**: the server's certificate (its subject and issuer attribute values
   and its names, read by the test from the certificate file, shown by
   ``/tls``), the server's 334 challenges decoded, the login typed, the
   practice server's own logins, mailboxes, lists, domain and scenario names;
5. **neutral tokens**, taken one whitespace-separated token at a time:
   a token with no letter (numbers, punctuation, box drawing, arrows, ``*``);
   a ``/command`` or ``-flag``; a value (a letter with a digit, or one of
   ``@ . / : = _ | \\ ,`` inside it: hosts, addresses, paths, versions,
   ``KEY=value``, ``a|b``, ``{a,b}``); a protocol token or metavariable, written
   in capitals (EHLO, STARTTLS, 5.1.1's RFC, FILE); the program's name
   (``smtpshell``); and on a row that starts with a ``/command``, a ``-flag``
   or ``smtpshell``, that command's syntax up to the description column (two
   spaces), as ``/tls [save FILE]``, ``-c CMD, --command CMD`` or
   ``smtpshell serve``; and, in a language (zh_CN: not in the pseudo-locale,
   where even these are smtpshell's text and marked), a key's name as the
   keyboard prints it (``Ctrl-D``, ``Tab``, ``Enter``), a unit symbol right after a number (``10 MiB``,
   ``4 ms``: IEC/SI symbols, no language's words); and the REPL's phase prompt
   when it is a protocol word (``smtp>``, ``data>``, ``auth>``: SMTP or a verb
   of smtpshell's own command catalogue, at the start of a row); a lower-case
   keyword right after a ``/command`` at the end of a row or before Chinese
   text (``/auth manual）``: the command's argument, quoted).

Tokens are cut at whitespace and where wide (CJK) text meets narrow text, so
``MiB，VRFY`` is three tokens.

Nothing else: no list of English lines or words. A lower-case or mixed-case
word that is not marked, not the server's and not typed is reported, and so
is any Chinese outside a mark.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pyte
import pytest

from smtpshell import i18n
from tests.plugins.pty import COLS, CPR_REQUEST, ROWS, SMTPSHELL, Terminal

OPEN, CLOSE = i18n.MARK_OPEN, i18n.MARK_CLOSE
HIDDEN = "\x00"  # stands for a character that is accounted for (marked, the server's, typed)
DATUM = "0"  # stands for a character of a datum (a certificate's name...): a digit, so its token stays a value
PROGRAM = "smtpshell"
_VALUE_CHARS = re.compile(r"[@./:=_|\\,]")
_GAP = re.compile(r" {2,}|\x00")
_ESCAPE = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
NEW_PROMPT = r"\x1b\[\?2004h" + _ESCAPE


# -- the terminal ------------------------------------------------------------------------


class ScreenTerminal(Terminal):
    """A pty terminal drawn by pyte, snapshotted under the name of the current step."""

    def __init__(self, child: pexpect.spawn, command: str, rows: int, cols: int) -> None:
        super().__init__(child)
        self.command = command  # how the program was started, for the report
        self.step = "(start-up)"
        self.typed: list[str] = []
        self.screen = pyte.HistoryScreen(cols, rows, history=1_000_000)
        self.stream = pyte.Stream(self.screen)
        self._history_rows: list[str] = []
        self.snapshots: list[tuple[str, list[str]]] = []

    def expect(self, pattern: str | type, timeout: float = 10) -> str:
        return self.expect_any([pattern], timeout)[1]

    def expect_any(self, patterns: list[str | type], timeout: float = 10) -> tuple[int, str]:
        """Wait for one of ``patterns``; returns (its index, the text before it)."""
        before = ""
        cpr = len(patterns)
        while True:
            index = self.child.expect([*patterns, re.escape(CPR_REQUEST)], timeout=timeout)
            got = self.child.before or ""
            after = self.child.after if isinstance(self.child.after, str) else ""
            self.screen_log += got + after
            self.stream.feed(got)
            before += got
            if index == cpr:
                # Answer as the terminal would: where the emulator's cursor really is.
                self.child.send(f"\x1b[{self.screen.cursor.y + 1};{self.screen.cursor.x + 1}R")
                before += CPR_REQUEST
                continue
            self.stream.feed(after)
            self.snapshot()
            return index, before

    def line(self, text: str) -> None:
        self.step = text
        self.typed.append(text)
        super().line(text)

    def secret(self, text: str, step: str = "(a password, typed hidden)") -> None:
        """Type a line that is not echoed (its text must never be on screen)."""
        self.step = step
        Terminal.line(self, text)

    def key(self, name: str) -> None:
        """Send a control key (``"d"`` for Ctrl-D), named as the step."""
        self.step = f"Ctrl-{name.upper()}"
        self.child.sendcontrol(name)

    def rows(self) -> list[str]:
        """The scrollback and the screen, top to bottom, each row right-stripped."""
        top = self.screen.history.top
        for line in list(top)[len(self._history_rows):]:
            self._history_rows.append(_render(line, self.screen.columns))
        return [*self._history_rows, *(r.rstrip() for r in self.screen.display)]

    def snapshot(self) -> None:
        """The rows now, but the cursor's: that row may be half written (the rest comes next)."""
        rows = self.rows()
        cursor = len(self._history_rows) + self.screen.cursor.y
        if cursor < len(rows):
            rows[cursor] = ""
        self.snapshots.append((self.step, rows))

    def wait_prompt(self, text: str, timeout: float = 10) -> str:
        """Wait for a new prompt showing ``text`` (not the redraw of the line just typed).

        prompt_toolkit turns bracketed paste on (ESC [?2004h) as each new prompt
        starts; the redraw of an accepted line, which shows the prompt too, does not.
        """
        return self.expect(NEW_PROMPT + styled(text.rstrip()), timeout)

    def finish(self, timeout: float = 10) -> int:
        self.step = "(the end)"
        return super().finish(timeout)


def _render(line: dict[int, pyte.screens.Char], columns: int) -> str:
    out, skip = [], False
    for x in range(columns):
        if skip:
            skip = False
            continue
        char = line[x].data
        skip = bool(char) and unicodedata.east_asian_width(char[0]) in ("W", "F")
        out.append(char)
    return "".join(out).rstrip()


# -- what the session's own facts allow ---------------------------------------------------


@dataclass
class Facts:
    """What the test knows came from elsewhere than smtpshell's words."""

    server_lines: set[str] = field(default_factory=set)  # reply lines as sent (e.g. "250 2.1.0 Sender <a@b> OK")
    server_patterns: list[str] = field(default_factory=list)  # a lesson's S: lines, '*' a wildcard
    client_lines: set[str] = field(default_factory=set)  # lines that went on the wire from the client
    typed: list[str] = field(default_factory=list)  # what the user typed (or a lesson pre-filled)
    values: list[str] = field(default_factory=list)  # data: the certificate's names, the login typed

    def add_transcript(self, path: Path) -> None:
        """The S: lines of a transcript smtpshell recorded (``--record``): the server's replies as
        received. Its C: lines are not taken: a secret is a placeholder there, which is words."""
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("S: "):
                self.server_lines.add(line[3:])
                if line.startswith("S: 334 "):  # a challenge: the shell shows it decoded, escaped
                    self.values.append(_decoded(line[7:]))

    def add_lesson(self, path: Path) -> None:
        """A lesson's lines: S: patterns for the live replies, C: lines (pre-filled at the prompt, then sent)."""
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("S: ") or line.startswith("#= "):
                self.server_patterns.append(line[3:])
            elif line.startswith("C:"):
                self.typed.append(line[3:])
                self.client_lines.add(line[3:])

    def add_certificate(self, pem: Path) -> None:
        from cryptography import x509

        for cert in x509.load_pem_x509_certificates(pem.read_bytes()):
            for name in (cert.subject, cert.issuer):
                self.values.extend(str(a.value) for a in name)
            try:
                sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            except x509.ExtensionNotFound:
                continue
            self.values.extend(str(getattr(n, "value", n)) for n in sans)

    def is_server_line(self, text: str) -> bool:
        return text in self.server_lines or any(fnmatch.fnmatchcase(text, p) for p in self.server_patterns)


def _decoded(challenge: str) -> str:
    import base64
    import binascii

    try:
        text = base64.b64decode(challenge, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return challenge
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


# -- the rule ------------------------------------------------------------------------------


def hide_marks(row: str, depth: int) -> tuple[str, int]:
    """The row with every marked character (and the marks) replaced by HIDDEN; the depth after it."""
    out = []
    for ch in row:
        if ch == OPEN:
            depth += 1
            out.append(HIDDEN)
        elif ch == CLOSE and depth:
            depth -= 1
            out.append(HIDDEN)
        else:
            out.append(HIDDEN if depth else ch)
    return "".join(out), depth


def _hide(text: str, start: int, end: int, by: str = HIDDEN) -> str:
    return text[:start] + by * (end - start) + text[end:]


def _hide_wire(text: str, facts: Facts) -> tuple[str, str, str]:
    """Hide the server's text after 'S: ' and the wire after 'C: '.

    Returns (text, problem, carry): ``carry`` is the rest of a wire line that
    the terminal wrapped onto the next row.
    """
    for prefix, lines in (("S: ", None), ("C: ", facts.client_lines)):
        if not text.startswith(prefix):
            continue
        gap = _GAP.search(text, len(prefix))
        end = gap.start() if gap else len(text)
        said = text[len(prefix):end]
        known = facts.is_server_line(said) if lines is None else said in lines
        if not said.strip() or known:  # nothing before the first mark, or really on the wire
            return _hide(text, len(prefix), end), "", ""
        if gap is None:  # the row ends inside the line: the terminal wrapped it
            candidates = facts.server_lines if lines is None else lines
            longer = sorted(line for line in candidates if line.startswith(said) and len(line) > len(said))
            if longer:
                return _hide(text, len(prefix), end), "", longer[0][len(said):]
        who = "the server" if prefix == "S: " else "the client"  # left to the word check below
        return text, f"{prefix.strip()} text that {who} did not send: {said!r}", ""
    return text, "", ""


def _hide_carry(text: str, carry: str) -> tuple[str, str]:
    """The rest of a wrapped wire line at the start of this row; returns (text, what is still to come)."""
    for rest in (carry, carry.lstrip(" ")):
        if rest and (text.startswith(rest) or rest.startswith(text)):
            shown = min(len(rest), len(text))
            return _hide(text, 0, shown), rest[shown:]
    return text, ""


def _hide_typed(text: str, facts: Facts) -> str:
    stripped = text.rstrip()
    for typed in sorted((t for t in facts.typed if t.strip()), key=len, reverse=True):
        if stripped.endswith(typed):
            start = len(stripped) - len(typed)
            if start == 0 or stripped[start - 1] in (" ", HIDDEN):
                return _hide(text, start, len(stripped))
    return text


def _typed_rest(row: str, facts: Facts) -> str:
    """A typed line too long for the row goes on in the next: what of it is still to come."""
    stripped = row.rstrip()
    for typed in sorted((t for t in facts.typed if t.strip()), key=len, reverse=True):
        for cut in range(len(typed) - 1, 0, -1):
            head = typed[:cut]
            if stripped.endswith(head):
                start = len(stripped) - len(head)
                if start == 0 or stripped[start - 1] in (" ", "\u27e7", HIDDEN):  # after a space or a prompt's mark
                    return typed[cut:]
    return ""


def _hide_typed_rest(text: str, rest: str) -> tuple[str, str]:
    """The next row of a wrapped typed line: hidden as input; what is left of it after this row."""
    body = text.rstrip()
    if rest and body and rest.startswith(body):
        return _hide(text, 0, len(body)), rest[len(body):]
    return text, ""


def _hide_values(text: str, facts: Facts) -> str:
    for value in sorted((v for v in facts.values if len(v) >= 3), key=len, reverse=True):
        for found in reversed([m.start() for m in re.finditer(re.escape(value), text)]):
            text = _hide(text, found, found + len(value), DATUM)  # the token around it stays one token
    return text


def _hide_syntax(text: str) -> str:
    """On a '/command ...', '-flag ...' or 'smtpshell SUBCOMMAND ...' row, its syntax up to the
    description column: what the user types, in no language."""
    lead = len(text) - len(text.lstrip(" " + HIDDEN))  # after a marked label too: ⟦usage: ⟧smtpshell serve
    if not re.match(rf"[/-]{{1,2}}[A-Za-z]|{PROGRAM} ", text[lead:]):
        return text
    gap = _GAP.search(text, lead)
    return _hide(text, lead, gap.start() if gap else len(text))


def is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalpha()


KEY = re.compile(r"(?:(?:Ctrl|Alt|Shift|Meta)-)+\S|Tab|Enter|Esc|Backspace|F\d+")
UNITS = frozenset({"B", "KiB", "MiB", "GiB", "TiB", "kB", "MB", "GB", "ms", "s"})


@functools.cache
def _protocol_words() -> frozenset[str]:
    from smtpshell.protocol.catalogue import VERBS

    return frozenset({*VERBS, "SMTP", "ESMTP", "LMTP"})


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, cut again where wide (CJK) characters meet narrow ones."""
    out = []
    for token in re.split(r"[\s\x00]+", text):
        out.extend(run for run in re.findall(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                                              r"\uff00-\uff60\uffe0-\uffe6]+|[^\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3"
                                              r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+", token))
    return [t for t in out if t]


def _stray_words(text: str, allow: tuple[str, ...], above: str = "") -> list[str]:
    tokens = _tokens(text)
    stray = []
    # In a language (not the pseudo-locale, where all of smtpshell's text is marked) a
    # translation keeps unit symbols and may keep a prompt's protocol word.
    language = "chinese" in allow
    for index, token in enumerate(tokens):
        if word_kind(token) in allow:
            continue
        before = tokens[index - 1] if index else above
        if language and token in UNITS and before[-1:].isdigit():
            continue  # 10 MiB, 4 ms
        if language and KEY.fullmatch(token):
            continue  # a key, named as printed on the keyboard: Ctrl-D, Tab
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if before.startswith("/") and before[1:2].isalpha() and re.fullmatch(r"[a-z]+", token) and (
                not after or unicodedata.east_asian_width(after[0]) in ("W", "F")):
            continue  # a /command's argument keyword, quoted in a Chinese sentence: /auth manual）
        if language and index == 0 and text.lstrip(" \x00").startswith(token) and token.endswith(">") and \
                token[:-1].upper() in _protocol_words():
            continue  # the phase prompt, named by its protocol word: smtp>, data>, auth>
        stray.append(token)
    return stray


def word_kind(token: str) -> str:
    """'neutral', 'chinese' or 'english' (any other word: a text smtpshell wrote)."""
    if not any(ch.isalpha() for ch in token):
        return "neutral"
    if any(is_cjk(ch) for ch in token):
        return "chinese"
    bare = token.lstrip("[({'\"")
    if bare[:1] in ("/", "-") and bare[1:2].isalnum() or bare[:2] == "--":
        return "neutral"  # a /command or a flag
    core = re.sub(r"^\W+|\W+$", "", token)
    letters = [ch for ch in core if ch.isalpha()]
    if (
        not letters
        or core == PROGRAM
        or any(ch.isdigit() for ch in core)
        or _VALUE_CHARS.search(core)
        or all(ch.isupper() for ch in letters)
    ):
        return "neutral"
    return "english"


@dataclass
class Finding:
    row: str  # as on screen, marks included
    words: list[str]  # the words that are not accounted for
    step: str  # what the test had just done when the row first appeared
    problem: str = ""


def check_rows(rows: Iterable[str], facts: Facts, *, allow: tuple[str, ...] = ("neutral",)) -> list[Finding]:
    """The rows holding words of a kind not in ``allow`` (step left empty: the caller knows it)."""
    findings = []
    depth, carry, before = 0, "", ""  # before: the last token of the row above (a wrapped "10 / MiB")
    typed_rest = ""  # the rest of a typed line the terminal wrapped onto the next row
    for row in rows:
        if not row.strip():
            depth, carry, before, typed_rest = 0, "", "", ""  # t() marks line by line: no mark goes on over a blank line
            continue
        if typed_rest:
            hidden, typed_rest = _hide_typed_rest(row, typed_rest)
            if hidden != row:
                continue  # the whole row is the input's continuation
        typed_rest = _typed_rest(row, facts)
        text, depth = hide_marks(row, depth)
        problem = ""
        if carry:
            text, carry = _hide_carry(text, carry)
        else:
            text, problem, carry = _hide_wire(text, facts)
        text = _hide_typed(text, facts)
        text = _hide_values(text, facts)
        text = _hide_syntax(text)
        words = _stray_words(text, allow, before)
        before = (_tokens(text) or [before])[-1]
        if words:  # a problem (S:/C: text off the wire) is said only with the words it brought
            findings.append(Finding(row, words, "", problem))
    return findings


def unmarked(term: ScreenTerminal, facts: Facts, *, allow: tuple[str, ...] = ("neutral",)) -> list[Finding]:
    """Every row of the session with an unaccounted word, once, with the step that first showed it."""
    facts = dataclasses.replace(facts, typed=[*facts.typed, *term.typed])
    seen: dict[str, Finding] = {}
    for step, rows in [*term.snapshots, (term.step, term.rows())]:
        for finding in check_rows(rows, facts, allow=allow):
            if finding.row not in seen:
                finding.step = step
                seen[finding.row] = finding
    return list(seen.values())


def report(findings_by_command: dict[str, list[Finding]]) -> str:
    """One block per command, each bad row with the step that produced it and its stray words."""
    out = []
    total = sum(len(f) for f in findings_by_command.values())
    out.append(f"{total} row(s) with text that did not go through t():")
    for command, findings in findings_by_command.items():
        if not findings:
            continue
        out.append(f"\n== {command}")
        for f in findings:
            why = f"   [{f.problem}]" if f.problem else ""
            out.append(f"  after {f.step!r}: {', '.join(f.words)}{why}\n      | {f.row}")
    return "\n".join(out)


# -- what the program shows for an English text, in a language ------------------------------


@functools.cache
def _templates() -> dict[str, str]:
    return i18n.ui_texts()


def _template_regex(template: str) -> re.Pattern[str]:
    """'Password for {user}@{host}: ' -> a regex with one group per placeholder."""
    parts, seen = [], set()
    pieces = re.split(r"\{(\w*)\}", template)  # literal, name, literal, name, ..., literal
    if any(not name for name in pieces[1::2]):
        return re.compile(r"(?!)")  # a positional placeholder: t() takes names only
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            parts.append(re.escape(piece.replace("{{", "{").replace("}}", "}")))
        else:
            parts.append(f"(?P={piece})" if piece in seen else f"(?P<{piece}>.+?)")
            seen.add(piece)
    return re.compile("".join(parts), re.DOTALL)


def translated(rendered: str, lang: str) -> str:
    """What smtpshell shows in ``lang`` for a text it shows in English as ``rendered``.

    Found through the code's own ``t()`` calls: the key whose English template
    matches ``rendered`` (the one with the most literal text), its values
    read back from ``rendered``. A text not (yet) under a key is shown as is.
    """
    best: tuple[int, str, str, dict[str, str]] | None = None
    for key, template in _templates().items():
        match = _template_regex(template).fullmatch(rendered)
        if match:
            literal = len(re.sub(r"\{\w*\}", "", template))
            if best is None or literal > best[0]:
                best = (literal, key, template, match.groupdict())
    if best is None:
        return rendered
    _, key, template, values = best
    before = i18n.current()
    try:
        i18n.set_language(lang)
        return i18n.t(key, template, **values)
    finally:
        i18n.set_language(before)


# -- starting the program -----------------------------------------------------------------

LANGUAGE_VARIABLES = ("SMTPSHELL_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


@pytest.fixture
def screen_pty() -> Iterator[Callable[..., ScreenTerminal]]:
    """``screen_pty(*args, env={...})``: the installed smtpshell in a pty drawn by pyte.

    The language variables of the test's own environment are removed (``env``
    sets the one a test means), and ``PAGER=cat``: long output is shown in
    place rather than in less, whose own words are not smtpshell's.
    """
    started: list[pexpect.spawn] = []

    def start(*args: str, env: dict[str, str] | None = None, rows: int = ROWS, cols: int = COLS) -> ScreenTerminal:
        child_env = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}
        child_env.update(TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows), PAGER="cat", EDITOR="true")
        child_env.pop("NO_COLOR", None)
        child_env.pop("PROMPT_TOOLKIT_NO_CPR", None)
        child_env.update(env or {})
        child = pexpect.spawn(SMTPSHELL, list(args), env=child_env, dimensions=(rows, cols),
                              encoding="utf-8", codec_errors="replace", timeout=10)
        child.delaybeforesend = None
        started.append(child)
        shown_env = " ".join(f"{k}={v}" for k, v in (env or {}).items() if k in LANGUAGE_VARIABLES)
        return ScreenTerminal(child, " ".join(filter(None, [shown_env, "smtpshell", *args])), rows, cols)

    yield start
    for child in started:
        if child.isalive():
            child.terminate(force=True)


def styled(text: str) -> str:
    """A regex for ``text`` as written to a terminal: styling escapes may sit between its characters."""
    return _ESCAPE.join(re.escape(ch) for ch in text)


def practice_values() -> list[str]:
    """The practice server's own data, which its banner lists: logins (names and passwords), mailboxes, lists."""
    from smtpshell.server.config import PracticeConfig
    from smtpshell.server.scenarios import Scenario

    config = PracticeConfig()
    names = [s.value for s in Scenario]  # what --scenario takes; the banner names the one in use
    return [*config.users, *config.users.values(), *config.mailboxes, *config.lists, *config.domains, *names]

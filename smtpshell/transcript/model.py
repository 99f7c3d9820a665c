r"""The transcript format as data.

A transcript file is lines of five kinds, told apart by their first characters::

    #: key: value     header (server, tls, date, tool, title, practice...)
    # text            a comment (in lessons: what the next step teaches)
    C: text           a line the client sent (exactly, CRLF not shown)
    C(raw): text      bytes sent in raw mode, as escapes (\r \n \t \\ \xHH; CRLF added
                      unless the text ends in \r or \n): replayed byte for byte, in one write
    S: 250-text       a line of the server's reply (text may hold wildcards)
    #= 250-text       the example a handout shows for the S: line above it (optional;
                      several after an 'S: 250-...' line; older readers see a comment)
    ** text / !! text a note or warning the shell showed (TLS started, closed...)

:class:`Step` groups one ``C:`` line with the ``S:`` lines that answer it and
the comments written before it; the server's greeting is a step with no line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CLIENT = "C:"
CLIENT_RAW = "C(raw):"  # raw mode (protocol/raw.py): older readers refuse the line rather than misread it
SERVER = "S:"
HEADER = "#:"
COMMENT = "#"
EXAMPLE = "#="  # checked before COMMENT: an example is a comment to older readers
NOTE = "**"
UNASKED_NOTE = "the server spoke unasked"  # the recorder's note before a reply nothing was waiting for
WARNING = "!!"

MAGIC = "# smtpshell transcript 1"
AUTOMATIC_COMMENT = "(sent by smtpshell on the user's behalf)"  # the recorder writes it before such a line
TLS_NOTE = "TLS started"  # a "** TLS started..." note: replay checks TLS is on
DATA_FILE_NOTE = "message from"  # "** message from FILE: ..." (/data): the content is not recorded

# Header keys the tools read; others are kept and shown.
KNOWN_KEYS = ("title", "summary", "server", "tls", "date", "tool", "practice", "user", "started", "next")


@dataclass(frozen=True)
class Expected:
    """One expected reply line: the code must match, the text is a pattern."""

    code: int
    text: str  # '*' matches any run of characters; a text of '...' matches any lines
    line_no: int
    examples: tuple[str, ...] = ()  # what a student would really see here, for handouts ('#=' lines)

    @property
    def any_lines(self) -> bool:
        return self.text == "..."

    def __str__(self) -> str:
        return f"{self.code} {self.text}".rstrip()


@dataclass
class Step:
    """One thing that happens: a line sent and its reply, or the greeting."""

    line: str | None  # None: the greeting (nothing is sent)
    line_no: int  # where the C: line (or first S: line) is
    expected: list[Expected] = field(default_factory=list)  # empty: no reply is checked
    comments: list[str] = field(default_factory=list)  # the teaching text before it
    notes: list[str] = field(default_factory=list)  # "** ..." / "!! ..." after it
    automatic: bool = False  # the recording shell sent it on the user's behalf
    raw: bool = False  # a C(raw): line: ``line`` is escapes for exact bytes (protocol/raw.py)

    @property
    def is_greeting(self) -> bool:
        return self.line is None

    @property
    def expects_tls(self) -> bool:
        """A '** TLS started' note follows: TLS must be on after this step."""
        return any(n.startswith(f"{NOTE} {TLS_NOTE}") for n in self.notes)


@dataclass
class Transcript:
    header: dict[str, str] = field(default_factory=dict)
    intro: list[str] = field(default_factory=list)  # comments before the greeting
    notes: list[str] = field(default_factory=list)  # "** ..." lines before the first step
    steps: list[Step] = field(default_factory=list)
    path: Path | None = None

    @property
    def name(self) -> str:
        if self.path is None:
            return "transcript"
        name = self.path.name
        return name[: -len(".transcript")] if name.endswith(".transcript") else self.path.stem

    @property
    def title(self) -> str:
        return self.header.get("title") or self.name

    @property
    def implicit_tls(self) -> bool:
        return self.header.get("tls", "").strip().lower() in ("implicit", "implicit-tls", "smtps")

    @property
    def checked_replies(self) -> int:
        return sum(1 for s in self.steps if s.expected)

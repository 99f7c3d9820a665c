"""The shapes of knowledge entries. Every entry names its source."""

from __future__ import annotations

from typing import NamedTuple

# NamedTuple, not frozen dataclasses: the tables hold hundreds of entries and are
# built at start-up of every explained session; a NamedTuple class and its
# instances cost a fraction of a frozen dataclass's (and no `inspect` import).


class CodeInfo(NamedTuple):
    """A basic three-digit reply code."""

    code: int
    title: str  # a short name for the code
    meaning: str  # one line in plain words
    source: str  # "RFC 5321 4.2.2"


class ContextInfo(NamedTuple):
    """What a reply means as the answer to one command.

    ``answers`` is a verb ("RCPT") or one of the special names GREETING,
    DATA_END (the lone "." after message content), AUTH_RESPONSE (a line
    answering a 334) and UNSOLICITED (nothing was waiting for it).
    ``code`` is a full code (550) or a class (5) meaning "any 5xx".
    """

    answers: str
    code: int
    meaning: str
    source: str
    hint: str = ""


class EnhancedInfo(NamedTuple):
    """One detail code of the IANA SMTP Enhanced Status Codes registry (X.S.D)."""

    subject: int
    detail: int
    title: str
    meaning: str
    source: str

    @property
    def key(self) -> str:
        return f"{self.subject}.{self.detail}"


class KeywordInfo(NamedTuple):
    """An EHLO keyword (service extension)."""

    keyword: str
    title: str
    meaning: str
    source: str
    registered: bool = True  # in the IANA SMTP Service Extensions registry
    decoder: str = ""  # name of a value decoder in knowledge.values
    obsolete: bool = False


class HintInfo(NamedTuple):
    """Practical advice for a well-known situation, matched on the parsed reply.

    A hint applies when every condition given matches: ``pattern`` (a regular
    expression searched case-insensitively in the reply text), ``codes`` (full
    codes or classes), ``enhanced`` (prefixes like "5.7.8" or "4.7."), and
    ``answers`` (what the reply answers, as in :class:`ContextInfo`).
    """

    id: str
    cause: str  # what probably happened
    hint: str  # what to try
    source: str
    pattern: str = ""
    codes: tuple[int, ...] = ()
    enhanced: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    # A fallback for the code in general: the context row for the very command and code
    # (DATA 503: "needs an accepted recipient first") comes before it.
    general: bool = False

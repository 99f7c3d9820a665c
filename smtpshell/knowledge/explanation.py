"""The shape of an explanation, as the renderer and ``/explain`` receive it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Explanation:
    summary: str  # one line: the code's meaning in context (or the code's own)
    detail: str = ""  # more, for /explain (several lines)
    hint: str = ""  # what to try
    source: str = ""  # the main source: "RFC 5321 4.2.2"
    enhanced: str = ""  # one line on the enhanced status code, if any
    cause: str = ""  # the more specific reading from the text, a provider table or the enhanced code
    title: str = ""  # "550 mailbox unavailable"
    value: str = ""  # for a keyword: its parameters decoded ("50 MiB limit")
    short: str = ""  # a few words ("message size"), for compact views
    sources: tuple[str, ...] = ()  # every source used
    known: bool = True  # False: not a standard code (or keyword)
    evidence: tuple[Any, ...] = ()  # engine.Evidence, in the engine's order (for /explain)
    specific: bool = True  # False: only the class fallback had something to say
    loose: bool = False  # the server's words overrode a code it uses loosely

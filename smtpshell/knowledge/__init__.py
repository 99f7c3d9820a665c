"""What codes, enhanced codes, EHLO keywords and commands mean: data + lookup.

This is the small lookup API the rest of smtpshell uses. The tables behind it
live in sibling modules; every entry carries its source (an RFC or registry).
"""

from __future__ import annotations

from dataclasses import dataclass

_CLASS_MEANING = {
    1: "positive preliminary reply (unused in SMTP)",
    2: "success: the command was accepted",
    3: "intermediate: go on, the server is waiting for more",
    4: "transient failure: try again later",
    5: "permanent failure: do not retry unchanged",
}


@dataclass(frozen=True)
class Explanation:
    summary: str  # one line
    detail: str = ""  # more, for /explain
    hint: str = ""  # what to try
    source: str = ""  # "RFC 5321 4.2.2"


def explain_reply(
    code: int, enhanced: str | None = None, verb: str | None = None, text: str = ""
) -> Explanation:
    """Explain a reply code in the context of the command it answers."""
    return Explanation(_CLASS_MEANING.get(code // 100, "unknown reply class"), source="RFC 5321 4.2.1")


def explain_keyword(keyword: str, params: tuple[str, ...] = ()) -> Explanation:
    """Explain one EHLO keyword and its parameters."""
    return Explanation(keyword)

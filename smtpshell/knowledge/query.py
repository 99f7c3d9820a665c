"""What ``/explain`` and ``smtpshell explain`` were asked about, parsed.

Besides a code (``550``), an enhanced code (``5.7.1``), both, or an EHLO keyword, the user may
paste what a server or a bounce message said: one reply line (``550 5.7.1 User unknown``), the
prefix alone (``550-5.7.1``), or a whole multi-line reply, with or without the enhanced code.
Bounce reports often print a multi-line reply on one line (``550-5.7.1 a 550-5.7.1 b 550 5.7.1
c``) or wrap it without prefixes; both are put back into lines here, so the engine reads the
same text it would have read on the wire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import t
from . import enhanced, keywords

_CODE_RE = re.compile(r"^[1-5]\d\d$")
# A reply line as pasted: the code, then '-', ' ' or the end, then the rest.
_REPLY_LINE = re.compile(r"^\s*(?P<code>[2-5]\d\d)(?P<sep>[ -]|$)(?P<rest>.*)$")
_ENHANCED_AT_START = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?= |$)")


@dataclass(frozen=True)
class Query:
    """What ``/explain`` or ``smtpshell explain`` was asked about."""

    code: int | None = None
    enhanced: str | None = None
    keyword: str | None = None
    lines: tuple[str, ...] = ()  # a pasted reply's text lines, without their code prefixes

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class QueryError(ValueError):
    """``/explain`` input that names no code or keyword; str() says what to type."""


def parse_query(text: str) -> Query:
    """'550', '5.7.1', '550 5.7.1', 'SIZE', or a pasted reply -> a :class:`Query`.

    Raises :class:`QueryError` with one line saying what to type.
    """
    words = text.split()
    if not words:
        raise QueryError(t("ui.explain.empty", "explain what? give a reply code (550), an enhanced code (5.7.1), both, an EHLO keyword, or paste the reply"))
    pasted = _pasted_reply(text)
    if pasted is not None:
        return _checked(pasted)
    code: int | None = None
    enhanced_code: str | None = None
    for word in words:
        if _CODE_RE.match(word) and code is None:
            code = int(word)
        elif enhanced.parse(word) is not None and enhanced_code is None:
            enhanced_code = word.upper()
        elif len(words) == 1 and (keywords.find(word)[0] is not None or re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*=?", word)):
            return Query(keyword=word.upper())
        else:
            raise QueryError(t("ui.explain.bad", "'{word}' is not a reply code (like 550), an enhanced code (like 5.1.1) or an EHLO keyword", word=word))
    return _checked(Query(code=code, enhanced=enhanced_code))


def _checked(query: Query) -> Query:
    code, enhanced_code = query.code, query.enhanced
    if code is not None and enhanced_code is not None and enhanced_code[0] not in "xX" and int(enhanced_code[0]) != code // 100:
        raise QueryError(t("ui.explain.mismatch", "{code} and {enhanced} disagree: an enhanced code starts with the reply's first digit",
                           code=code, enhanced=enhanced_code))
    return query


def _pasted_reply(text: str) -> Query | None:
    """A pasted reply (it starts with a code and has more than codes in it), else None."""
    first = _REPLY_LINE.match(text.strip().split("\n", 1)[0])
    if first is None:
        return None
    code = first["code"]
    rest = text.strip()[len(code):]
    words = rest.replace("-", " ", 1).split() if rest.startswith("-") else rest.split()
    if all(enhanced.parse(w) is not None for w in words) and len(words) <= 1 and "\n" not in text.strip():
        # "550", "550-5.7.1", "550 5.7.1": a code query, not a reply text
        if not words:
            return Query(code=int(code))
        return Query(code=int(code), enhanced=words[0].upper())
    lines = _split_lines(text.strip(), code)
    enhanced_code = None
    if lines:
        found = _ENHANCED_AT_START.match(lines[0])
        enhanced_code = found.group(1) if found else None
    return Query(code=int(code), enhanced=enhanced_code, lines=tuple(lines))


def _split_lines(text: str, code: str) -> list[str]:
    """The text of each reply line: prefixes removed; inline ``550-`` prefixes split back."""
    inline = re.compile(rf"\s(?={code}[- ](?:[245]\.\d{{1,3}}\.\d{{1,3}} )?)")
    out: list[str] = []
    for raw in text.splitlines():
        pieces = inline.split(raw) if raw.lstrip().startswith(code) and re.search(rf"\b{code}-", raw) else [raw]
        for piece in pieces:
            match = _REPLY_LINE.match(piece)
            if match and match["code"] == code:
                out.append(match["rest"].strip())
            elif piece.strip() and out:
                out[-1] = f"{out[-1]} {piece.strip()}"  # a wrapped line of a bounce message
            elif piece.strip():
                out.append(piece.strip())
    return out

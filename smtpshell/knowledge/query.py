"""What ``/explain`` and ``smtpshell explain`` were asked about, parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import t
from . import enhanced, keywords

_CODE_RE = re.compile(r"^[1-5]\d\d$")


@dataclass(frozen=True)
class Query:
    """What ``/explain`` or ``smtpshell explain`` was asked about."""

    code: int | None = None
    enhanced: str | None = None
    keyword: str | None = None


class QueryError(ValueError):
    """``/explain`` input that names no code or keyword; str() says what to type."""


def parse_query(text: str) -> Query:
    """'550', '5.7.1', '550 5.7.1', 'SIZE' -> a :class:`Query`. Raises :class:`QueryError`."""
    words = text.split()
    if not words:
        raise QueryError(t("ui.explain.empty", "explain what? give a reply code (550), an enhanced code (5.7.1), both, or an EHLO keyword"))
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
    if code is not None and enhanced_code is not None and enhanced_code[0] not in "xX" and int(enhanced_code[0]) != code // 100:
        raise QueryError(t("ui.explain.mismatch", "{code} and {enhanced} disagree: an enhanced code starts with the reply's first digit",
                           code=code, enhanced=enhanced_code))
    return Query(code=code, enhanced=enhanced_code)

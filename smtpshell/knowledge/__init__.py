"""What codes, enhanced codes, EHLO keywords and commands mean: data + lookup.

This is the small lookup API the rest of smtpshell uses. The tables behind it
live in sibling modules (:mod:`.replies`, :mod:`.contexts`, :mod:`.enhanced`,
:mod:`.keywords`, :mod:`.hints`); every entry carries its source (an RFC or
registry). Texts go through :func:`smtpshell.i18n.t`, so a language is added
as a catalogue file alone.

Explanations are built only from the parsed code, the enhanced code, the
command answered and known patterns in the text: server text is never copied
into an explanation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import t
from . import contexts, enhanced as enh, hints, keywords, replies, values
from .enhanced import parse as parse_enhanced
from .keywords import find as find_keyword
from .model import CodeInfo, ContextInfo, EnhancedInfo, HintInfo, KeywordInfo
from .query import Query, QueryError, parse_query
from .texts import all_texts

__all__ = [
    "Explanation", "explain_reply", "explain_enhanced", "explain_keyword", "answers_key", "completions",
    "Query", "QueryError", "parse_query", "parse_enhanced", "find_keyword", "all_texts",
    "CodeInfo", "ContextInfo", "EnhancedInfo", "HintInfo", "KeywordInfo",
]


@dataclass(frozen=True)
class Explanation:
    summary: str  # one line, the most specific meaning (in context when known)
    detail: str = ""  # more, for /explain (several lines)
    hint: str = ""  # what to try
    source: str = ""  # the main source: "RFC 5321 4.2.2"
    enhanced: str = ""  # one line on the enhanced status code, if any
    cause: str = ""  # what probably caused it (from a known situation)
    title: str = ""  # "550 mailbox unavailable"
    value: str = ""  # for a keyword: its parameters decoded ("50 MiB limit")
    short: str = ""  # a few words ("message size"), for compact views
    sources: tuple[str, ...] = ()  # every source used
    known: bool = True  # False: explained only by class / subject


# What a reply answers, from the kind of line sent (see protocol.session.Kind).
_SPECIAL_ANSWERS = {".": "DATA_END", "": "GREETING"}


def answers_key(verb: str | None) -> str | None:
    """Normalise what a reply answers: a verb, or GREETING/DATA_END/AUTH_RESPONSE/UNSOLICITED."""
    if verb is None:
        return None
    return _SPECIAL_ANSWERS.get(verb, verb.upper())


# -- translation helpers -------------------------------------------------------


def _code_title(info: CodeInfo) -> str:
    return t(f"reply.{info.code}.title", info.title)


def _code_meaning(info: CodeInfo) -> str:
    return t(f"reply.{info.code}.meaning", info.meaning)


def _context_meaning(c: ContextInfo) -> str:
    return t(f"context.{c.answers}.{c.code}.meaning", c.meaning)


def _context_hint(c: ContextInfo) -> str:
    return t(f"context.{c.answers}.{c.code}.hint", c.hint) if c.hint else ""


def _class_line(code: int) -> str:
    name, meaning = replies.CLASSES.get(code // 100, ("unknown", "not a valid reply class"))
    return t(f"class.{code // 100}.meaning", meaning)


def _second_digit(code: int) -> str:
    return t(f"digit2.{(code // 10) % 10}", replies.SECOND_DIGIT.get((code // 10) % 10, "unspecified"))


# -- lookups -------------------------------------------------------------------


def find_context(code: int, verb: str | None) -> ContextInfo | None:
    key = answers_key(verb)
    if key is None:
        return None
    for name in (key, contexts.ALIASES.get(key)):
        if name is None:
            continue
        found = contexts.INDEX.get((name, code)) or contexts.INDEX.get((name, code // 100))
        if found:
            return found
    if code == 421:
        return contexts.INDEX.get(("UNSOLICITED", 421))
    return None


def find_hint(code: int, enhanced: str | None, verb: str | None, text: str) -> HintInfo | None:
    key = answers_key(verb)
    for h in hints.HINTS:
        if h.codes and code not in h.codes and code // 100 not in h.codes:
            continue
        if h.enhanced and not (enhanced and any(enhanced == e or (e.endswith(".") and enhanced.startswith(e)) for e in h.enhanced)):
            continue
        if h.answers and key not in h.answers and contexts.ALIASES.get(key or "") not in h.answers:
            continue
        if h.pattern and not re.search(h.pattern, text, re.IGNORECASE):
            continue
        return h
    return None


def explain_enhanced(code: str) -> Explanation:
    """Explain an enhanced status code (RFC 3463): class, subject and detail."""
    parts = parse_enhanced(code)
    if parts is None:
        return Explanation(
            t("ui.enhanced.invalid", "'{code}' is not an enhanced status code (the form is 5.1.1)", code=code),
            known=False,
        )
    klass, subject, detail = parts
    sources: list[str] = []
    lines: list[str] = []
    if klass is not None:
        cname, cmeaning = enh.CLASSES.get(klass, ("?", ""))
        lines.append(t("ui.enhanced.class", "class {klass}: {name} ({meaning})", klass=klass,
                       name=t(f"enhanced.class.{klass}.title", cname), meaning=t(f"enhanced.class.{klass}.meaning", cmeaning)))
        sources.append(enh.CLASS_SOURCE)
    subj = enh.SUBJECTS.get(subject)
    if subj:
        lines.append(t("ui.enhanced.subject", "subject {subject}: {name} ({meaning})", subject=subject,
                       name=t(f"enhanced.subject.{subject}.title", subj[0]), meaning=t(f"enhanced.subject.{subject}.meaning", subj[1])))
        sources.append(enh.SUBJECT_SOURCE)
    info = enh.BY_KEY.get(f"{subject}.{detail}")
    if info is not None:
        title = t(f"enhanced.{info.key}.title", info.title)
        meaning = t(f"enhanced.{info.key}.meaning", info.meaning)
        if klass == 2 and detail == 0 and subj:
            # X.S.0 details are written for failures; 2.1.0 "sender OK" or 2.7.0
            # "authentication succeeded" only say which area the success concerns.
            meaning = t("ui.enhanced.success_other", "done, no more precise detail ({area})",
                        area=t(f"enhanced.subject.{subject}.meaning", subj[1]))
        sources.insert(0, info.source)
        summary = f"{title}: {meaning}"
        return Explanation(summary, "\n".join(lines), source=info.source, title=f"{code} {title}",
                           sources=tuple(sources), short=title)
    # Not in the registry: say what we can from the class and subject.
    if subj:
        summary = t("ui.enhanced.unknown_detail", "{area} problem (detail {detail} is not in the registry)",
                    area=t(f"enhanced.subject.{subject}.title", subj[0]), detail=detail)
    elif klass in enh.CLASSES:
        summary = t("ui.enhanced.unknown_subject", "{name} (subject {subject} is not in the registry)",
                    name=t(f"enhanced.class.{klass}.title", enh.CLASSES[klass][0]), subject=subject)
    else:
        summary = t("ui.enhanced.unknown_any", "subject {subject} is not in the registry", subject=subject)
    return Explanation(summary, "\n".join(lines), source=enh.REGISTRY, title=code, sources=tuple(sources or [enh.REGISTRY]),
                       known=False, short=summary)


def explain_reply(
    code: int, enhanced: str | None = None, verb: str | None = None, text: str = "", *, user: str | None = None
) -> Explanation:
    """Explain a reply code in the context of the command it answers.

    ``verb`` is the verb answered ("RCPT"), or GREETING, DATA_END (the "."
    ending a message), AUTH_RESPONSE (a line answering a 334), UNSOLICITED,
    or None when unknown. ``text`` is only searched for known situations.
    ``user`` is who the session logged in as, when that is known (a 235 says it).
    """
    info = replies.BY_CODE.get(code)
    ctx = find_context(code, verb)
    hint = find_hint(code, enhanced, verb, text)
    sources: list[str] = []
    detail: list[str] = []

    if info is not None:
        short = _code_title(info)
        title = f"{code} {short}"
        general = _code_meaning(info)
        sources.append(info.source)
    else:
        title = t("ui.reply.unknown_title", "{code} (not a standard code)", code=code)
        short = replies.CLASSES.get(code // 100, ("", ""))[0]
        general = t("ui.reply.unknown", "not a standard code; by its first digit: {klass}", klass=_class_line(code))
        digit = (code // 10) % 10
        if digit in replies.SECOND_DIGIT and digit not in (3, 4):
            general += t("ui.reply.unknown_area", "; by its second digit it is about {about}", about=_second_digit(code))
        sources.append(replies.CLASS_SOURCE)

    if ctx is not None and user and ctx.answers == "AUTH" and code == 235:
        summary = t("context.AUTH.235.meaning_user", "logged in as {user}: MAIL FROM now runs under that identity",
                    user=user)
        sources.insert(0, ctx.source)
        detail.append(t("ui.reply.general", "{code} in general: {meaning}", code=code, meaning=general))
    elif ctx is not None:
        summary = _context_meaning(ctx)
        sources.insert(0, ctx.source)
        detail.append(t("ui.reply.general", "{code} in general: {meaning}", code=code, meaning=general))
    else:
        summary = general
    detail.append(t("ui.reply.class", "{digit}xx: {meaning}", digit=code // 100, meaning=_class_line(code)))

    enhanced_line = ""
    if enhanced:
        e = explain_enhanced(enhanced)
        enhanced_line = f"{enhanced} {e.summary}"
        detail.append(e.detail)
        sources.extend(s for s in e.sources if s not in sources)

    hint_text = _context_hint(ctx) if ctx else ""
    cause = ""
    if hint is not None:
        cause = t(f"hint.{hint.id}.cause", hint.cause)
        hint_text = t(f"hint.{hint.id}.hint", hint.hint)
        sources.append(hint.source)

    return Explanation(
        summary=summary,
        detail="\n".join(d for d in detail if d),
        hint=hint_text,
        source=sources[0] if sources else "",
        enhanced=enhanced_line,
        cause=cause,
        title=title,
        sources=tuple(dict.fromkeys(sources)),
        known=info is not None,
        short=short,
    )


def explain_keyword(
    keyword: str, params: tuple[str, ...] = (), tls: bool | None = None, *, advertised: bool = True
) -> Explanation:
    """Explain one EHLO keyword and its parameters (decoded where it has a decoder).

    ``tls`` (when known) lets the AUTH decoder warn about cleartext passwords.
    ``advertised=False`` explains the keyword in general (``/explain SIZE``):
    no parameters to decode.
    """
    entry, params = find_keyword(keyword, params)
    if entry is None:
        if keyword.upper().startswith("X"):
            summary = t("ui.keyword.vendor", "a vendor extension (names starting with X are private, unregistered)")
        else:
            summary = t("ui.keyword.unknown", "not in the IANA registry: an extension of this server only")
        value = " ".join(params)
        return Explanation(summary, value=value, source=keywords.REGISTRY, title=keyword, known=False,
                           sources=(keywords.REGISTRY,), short=t("ui.keyword.unknown_short", "unknown extension"))
    key = entry.keyword
    meaning = t(f"keyword.{key}.meaning", entry.meaning)
    decoder = values.DECODERS.get(entry.decoder)
    if not advertised and not params:
        value = ""
    else:
        value = decoder(params, tls) if decoder else " ".join(params)
    summary = f"{value} — {meaning}" if value else meaning
    short = t(f"keyword.{key}.title", entry.title)
    detail = short
    if entry.obsolete:
        detail += t("ui.keyword.obsolete", " (obsolete)")
    if not entry.registered:
        detail += t("ui.keyword.unregistered", " (not in the IANA registry)")
    return Explanation(summary, detail, source=entry.source, title=key, value=value, sources=(entry.source,), short=short)




def completions() -> list[str]:
    """Words ``/explain`` accepts, for a completer: codes, enhanced codes (X.S.D), keywords, 'last'."""
    words = [str(c.code) for c in replies.CODES]
    words += [f"X.{e.key}" for e in enh.DETAILS]
    words += [k.keyword for k in keywords.KEYWORDS if not k.keyword.endswith("=")]
    return ["last", *words]

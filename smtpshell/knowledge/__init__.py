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

from ..i18n import t
from . import engine, keywords, replies, values
from . import enhanced as enh
from .engine import Evidence, Facts, Step
from .enhanced import parse as parse_enhanced
from .explanation import Explanation
from .keywords import find as find_keyword
from .model import CodeInfo, ContextInfo, EnhancedInfo, HintInfo, KeywordInfo
from .query import Query, QueryError, parse_query
from .texts import all_texts

__all__ = [
    "CodeInfo",
    "ContextInfo",
    "EnhancedInfo",
    "Evidence",
    "Explanation",
    "Facts",
    "HintInfo",
    "KeywordInfo",
    "Query",
    "QueryError",
    "Step",
    "all_texts",
    "answers_key",
    "completions",
    "explain_enhanced",
    "explain_keyword",
    "explain_reply",
    "find_keyword",
    "parse_enhanced",
    "parse_query",
]


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
    return engine.find_context(code, answers_key(verb))


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
    if klass == 2 and f"{subject}.{detail}" not in enh.SUCCESS_DETAILS and subj:
        # The registry words its details for failures: a 2.1.0 "sender OK" or a 2.7.0 "logged
        # in" only says which area the success concerns. One short line, no "other or undefined".
        summary = t("ui.enhanced.success", "success ({area})", area=t(f"enhanced.subject.{subject}.title", subj[0]))
        sources.insert(0, enh.CLASS_SOURCE)
        return Explanation(summary, "\n".join(lines), source=enh.CLASS_SOURCE, title=code, sources=tuple(dict.fromkeys(sources)),
                           short=t("ui.enhanced.success_short", "success"))
    if info is not None:
        title = t(f"enhanced.{info.key}.title", info.title)
        meaning = t(f"enhanced.{info.key}.meaning", info.meaning)
        if klass == 4 and info.key in enh.TRANSIENT:
            # RFC 3463 2: class 4 means the same message may go later; 4.7.1 is not "refused".
            title = t(f"enhanced.{info.key}.transient_title", enh.TRANSIENT[info.key][0])
            meaning = t(f"enhanced.{info.key}.transient", enh.TRANSIENT[info.key][1])
        elif klass == 4:
            meaning = t("ui.enhanced.for_now", "for now: {meaning}", meaning=meaning)
        sources.insert(0, info.source)
        summary = t("ui.enhanced.summary", "{title}: {meaning}", title=title, meaning=meaning)
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
    code: int,
    enhanced: str | None = None,
    verb: str | None = None,
    text: str = "",
    *,
    user: str | None = None,
    facts: Facts | None = None,
) -> Explanation:
    """Explain a reply: the engine's reading (:mod:`.engine`) as an :class:`Explanation`.

    ``verb`` is the verb answered ("RCPT"), or GREETING, DATA_END (the "."
    ending a message), AUTH_RESPONSE (a line answering a 334), UNSOLICITED,
    or None when unknown. ``text`` (the reply's lines) is searched, never copied.
    ``facts`` is what the session knows (logged in, as whom, TLS, MAIL FROM);
    ``user`` alone is a shortcut for ``Facts(auth_user=user)``.
    """
    answers = answers_key(verb)
    facts = (facts or Facts(auth_user=user))._replace(answers=answers)
    if user and not facts.auth_user:
        facts = facts._replace(auth_user=user)
    reading = engine.read(code, enhanced, text, facts)
    info = replies.BY_CODE.get(code)
    if info is not None:
        short = _code_title(info)
        title = f"{code} {short}"
        general = _code_meaning(info)
    else:
        title = t("ui.reply.unknown_title", "{code} (not a standard code)", code=code)
        short = t(f"class.{code // 100}.name", replies.CLASSES[code // 100][0]) if code // 100 in replies.CLASSES else ""
        general = t("ui.reply.unknown", "not a standard code; by its first digit: {klass}", klass=_class_line(code))
        digit = (code // 10) % 10
        if digit in replies.SECOND_DIGIT and digit not in (3, 4):
            general += t("ui.reply.unknown_area", "; by its second digit it is about {about}", about=_second_digit(code))
    # The summary is the code's meaning in context (the context table, else the code, else its
    # class); the cause is the more specific reading that spoke first, when another one did.
    plain = next((e for e in reading.evidence if e.key.startswith(("context.", "reply.", "class."))), None)
    summary = plain.meaning if plain is not None else general
    cause = reading.chosen.meaning if reading.chosen is not plain else ""
    if cause and reading.closes:
        cause = cause.rstrip(".") + t("ui.reply.closes", "; the server closes the connection (421)")
    if cause and reading.loose:
        cause = cause.rstrip(".") + t("ui.reply.loose_short", " ({code} used loosely)", code=code)
    detail = [t("ui.reply.general", "{code} in general: {meaning}", code=code, meaning=general),
              t("ui.reply.class", "{digit}xx: {meaning}", digit=code // 100, meaning=_class_line(code))]
    if reading.loose:
        detail.insert(0, t("ui.reply.loose", "the server uses {code} loosely here: its words, not the code's standard meaning, say what happened",
                           code=code))
    sources = [e.source for e in reading.evidence if e.source]
    sources.append(info.source if info is not None else replies.CLASS_SOURCE)
    enhanced_line = ""
    if enhanced:
        e = explain_enhanced(enhanced)
        enhanced_line = f"{enhanced} {e.summary}"
        detail.append(e.detail)
        sources.extend(e.sources)
    return Explanation(
        summary=summary,
        detail="\n".join(d for d in detail if d),
        hint=reading.hint,
        source=sources[0] if sources else "",
        enhanced=enhanced_line,
        cause=cause,
        title=title,
        sources=tuple(dict.fromkeys(sources)),
        known=info is not None,
        short=short,
        evidence=reading.evidence,
        specific=reading.specific,
        loose=reading.loose,
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

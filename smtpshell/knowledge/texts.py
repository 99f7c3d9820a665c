"""Every translatable knowledge text by key: the template of a language catalogue."""

from __future__ import annotations

from . import contexts, hints, keywords, next_steps, phrases, replies
from . import enhanced as enh


def all_texts() -> dict[str, str]:
    """Every translatable knowledge text, by key, in English (a catalogue template)."""
    out: dict[str, str] = {}
    for k, (name, meaning) in replies.CLASSES.items():
        out[f"class.{k}.name"] = name
        out[f"class.{k}.meaning"] = meaning
    for d, about in replies.SECOND_DIGIT.items():
        out[f"digit2.{d}"] = about
    for c in replies.CODES:
        out[f"reply.{c.code}.title"] = c.title
        out[f"reply.{c.code}.meaning"] = c.meaning
    for x in contexts.CONTEXTS:
        out[f"context.{x.answers}.{x.code}.meaning"] = x.meaning
        if x.hint:
            out[f"context.{x.answers}.{x.code}.hint"] = x.hint
    for k, (name, meaning) in enh.CLASSES.items():
        out[f"enhanced.class.{k}.title"] = name
        out[f"enhanced.class.{k}.meaning"] = meaning
    for k, (name, meaning) in enh.SUBJECTS.items():
        out[f"enhanced.subject.{k}.title"] = name
        out[f"enhanced.subject.{k}.meaning"] = meaning
    for e in enh.DETAILS:
        out[f"enhanced.{e.key}.title"] = e.title
        out[f"enhanced.{e.key}.meaning"] = e.meaning
    for kw in keywords.KEYWORDS:
        out[f"keyword.{kw.keyword}.title"] = kw.title
        out[f"keyword.{kw.keyword}.meaning"] = kw.meaning
    for h in hints.HINTS:
        out[f"hint.{h.id}.cause"] = h.cause
        out[f"hint.{h.id}.hint"] = h.hint
    for p in phrases.PHRASES:
        out[f"hint.{p.id}.cause"] = p.cause
        out[f"hint.{p.id}.hint"] = p.hint
    for key, text in next_steps._BY_PHASE.values():  # the toolbar's next step, by phase
        out[key] = text
    for enhanced, (title, meaning) in enh.TRANSIENT.items():
        out[f"enhanced.{enhanced}.transient"] = meaning
        out[f"enhanced.{enhanced}.transient_title"] = title
    return out


def provider_texts(lang: str = "en") -> dict[str, str]:
    """The provider tables' texts by key (``provider.<name>.<slug>.meaning``/``.hint``).

    ``lang="zh_CN"`` gives the rows' own Chinese: what a zh_CN catalogue can take as is.
    Reads the tables (kept apart from :func:`all_texts`, which stays cheap)."""
    from .provider_tables import texts_for

    return texts_for(lang)

"""The explanation engine: what one reply means, read from the evidence in a fixed order.

Theory of operation
-------------------
A reply carries several pieces of evidence and they often disagree: a Chinese provider sends
``501 mail from address must be same as authorization user`` although 501 means "syntax
error"; Postfix answers ``RCPT`` with "Client host rejected" although the recipient is fine.
The engine reads the evidence in one order, from the most specific to the most general, and the
first reading that says something specific gives the meaning line (and, with it, the hint):

1. **The server's text** (``phrases.PHRASES`` marked ``leads``: readings the session's facts
   sharpen, such as "sender must equal the login user"), matched on the whole reply: every line
   joined, without its code prefix and repeated enhanced code, lower-cased, Chinese included.
2. **The provider's own codes and tags** (``knowledge/providers/*.toml``, loaded the first time
   a failure needs them): NetEase's ``DT:SPM``, Microsoft's 5.7.606, Yahoo's ``[TSS04]``; then
   the rest of the server's text (``phrases.PHRASES``), wordings every server uses.
3. **The enhanced code, read with its class** (also when written inside the text, "(#4.4.4)"):
   4.7.1 is "not for now", not "refused"; a 2.X.Y success says nothing more than its context;
   X.S.0 and unregistered details fall through. It gives the meaning line when the command's
   context has nothing specific for the code (or the code is a catch-all, 451 or 554);
   otherwise it stands beside the meaning line, and its advice is preferred to the context's.
4. **The code in the context of the command it answers and the session's facts** (``Facts``:
   logged in and as whom, TLS, the MAIL FROM sent): 421 closes the connection whatever it
   answers; "relay denied" right after a login is not "log in first"; 454 to STARTTLS with TLS
   already on is not "TLS unavailable"; then the situations known by their codes alone
   (``hints.HINTS``: 535, 5.7.8, 4.7.1 to RCPT) and ``contexts.CONTEXTS``.
5. **The code** (``replies.CODES``), then 6. **its class**.

Where steps 1-2 win over a code whose standard meaning is about something else (556 is "null
MX", but the text is about too many recipients), the explanation says the server uses the code
loosely. Nothing here copies server text into an explanation: the text is only searched.

Success and intermediate replies skip steps 1-2 (no table is loaded for a 250).
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from ..i18n import current, t
from . import contexts, hints, phrases, replies
from . import enhanced as enh
from .model import ContextInfo

_ENHANCED_PREFIX = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\s*")
# Some servers put the enhanced code inside the text: "(#4.4.4)", "[#5.1.1]" (qmail, Yahoo).
_ENHANCED_INSIDE = re.compile(r"[(\[]#([245]\.\d{1,3}\.\d{1,3})[)\]]")
_SPACES = re.compile(r"\s+")


class Step(enum.IntEnum):
    """Where a reading came from, in the order the engine asks."""

    TEXT = 1
    PROVIDER = 2
    ENHANCED = 3
    CONTEXT = 4
    CODE = 5
    CLASS = 6


class Facts(NamedTuple):
    """What the session knows when a reply arrives (built by the renderer from the Session)."""

    answers: str | None = None  # a verb, or GREETING, DATA_END, AUTH_RESPONSE, UNSOLICITED
    tls: bool | None = None
    authenticated: bool | None = None
    auth_user: str | None = None  # who the session logged in (or is logging in) as
    mail_from: str | None = None  # the address sent in MAIL FROM ("" for <>), if any
    server: str | None = None  # the server's name (EHLO reply), to know the provider


class Evidence(NamedTuple):
    step: Step
    meaning: str
    hint: str
    source: str
    key: str  # what it is: a phrase id, a provider row key, "enhanced.7.1", "context.MAIL.550"
    stage: str = ""  # for steps 1-2: what the text is about


class Reading(NamedTuple):
    """The engine's verdict: the evidence in order, and which piece speaks."""

    evidence: tuple[Evidence, ...]
    chosen: Evidence
    hint: str
    loose: bool  # the text overrode a code whose standard meaning is about something else
    closes: bool  # a 421: the server closes the connection, whatever the meaning

    @property
    def specific(self) -> bool:
        return self.chosen.step < Step.CLASS


def reply_text(text: str) -> str:
    """The whole reply as one lower-cased line: lines joined, repeated enhanced codes dropped."""
    lines = (_ENHANCED_PREFIX.sub("", line) for line in text.split("\n"))
    return _SPACES.sub(" ", " ".join(lines)).strip().lower()


# What each code normally speaks about; a text reading of another stage means a loose use.
# Codes used for anything (451, 452, 454's two RFCs, 554) are left out on purpose.
_STANDARD_STAGES: dict[int, frozenset[str]] = {
    **{c: frozenset({"syntax"}) for c in (500, 501, 502, 503, 504, 555)},
    **{c: frozenset({"auth", "tls"}) for c in (530, 534, 535, 538, 432)},
    550: frozenset({"sender", "recipient", "content", "connection", "rate"}),
    551: frozenset({"recipient"}),
    552: frozenset({"content", "recipient"}),
    553: frozenset({"sender", "recipient", "syntax"}),
    556: frozenset(),
    521: frozenset(),
}


# Codes servers send for anything: their enhanced code says more than their context does.
_CATCH_ALL = frozenset({451, 554})


def read(code: int, enhanced: str | None, text: str, facts: Facts) -> Reading:
    """Every piece of evidence about one reply, in the engine's order, and the one that speaks."""
    evidence: list[Evidence] = []
    joined = reply_text(text)
    enhanced = enhanced or _enhanced_in_text(code, joined)
    if code >= 400 and joined:
        evidence += _text_and_provider(code, enhanced, joined, facts)
    context = _context(code, facts, evidence, enhanced)
    reading = _enhanced(enhanced) if enhanced else None
    if reading is not None and (code in _CATCH_ALL or not any(e.step is Step.CONTEXT for e in context)):
        evidence.append(reading)  # the command's context has nothing specific: the enhanced code speaks
        reading = None
    evidence += context
    if reading is not None:
        evidence.append(reading)  # it stands beside the context's meaning ("[5.1.1 ...]")
    evidence.append(_code_or_class(code))
    chosen = evidence[0]
    hint = _hint_for(chosen, evidence)
    standard = _STANDARD_STAGES.get(code)
    loose = (chosen.step <= Step.PROVIDER and standard is not None and bool(chosen.stage)
             and chosen.stage not in standard)
    closes = code == 421 and chosen.step < Step.CONTEXT
    return Reading(tuple(evidence), chosen, hint, loose, closes)


def _enhanced_in_text(code: int, joined: str) -> str | None:
    found = _ENHANCED_INSIDE.search(joined)
    return found.group(1) if found and int(found.group(1)[0]) == code // 100 else None


def _hint_for(chosen: Evidence, evidence: list[Evidence]) -> str:
    """The one hint: the speaking reading's, else the enhanced code's, else the first there is."""
    hint = chosen.hint
    if chosen.step >= Step.CONTEXT:  # the enhanced code's advice is more precise than the context's
        hint = next((e.hint for e in evidence if e.step is Step.ENHANCED and e.hint), hint)
    return hint or next((e.hint for e in evidence if e.hint), "")


# -- steps 1 and 2: the server's words, the provider's tags ----------------------------------


def _phrase(code: int, joined: str, leads: bool) -> Evidence | None:
    for p in phrases.PHRASES:
        if p.leads != leads:
            continue
        if p.codes and code not in p.codes and code // 100 not in p.codes:
            continue
        if re.search(p.pattern, joined):
            return Evidence(Step.TEXT, t(f"hint.{p.id}.cause", p.cause), t(f"hint.{p.id}.hint", p.hint),
                            p.source, p.id, p.stage)
    return None


def _text_and_provider(code: int, enhanced: str | None, joined: str, facts: Facts) -> list[Evidence]:
    from . import (
        provider_tables,  # the tables load here, on the first failure explained
    )

    out: list[Evidence] = []
    leading = _phrase(code, joined, leads=True)
    if leading is not None:
        out.append(_with_facts(leading, facts))
    provider = provider_tables.provider_of(facts.server, facts.auth_user, facts.mail_from)
    row = provider_tables.find(code, enhanced, joined, provider)
    if row is not None:
        chinese = current().split("_", 1)[0] == "zh"
        meaning = t(f"{row.key}.meaning", row.meaning_zh if chinese and row.meaning_zh else row.meaning)
        hint = t(f"{row.key}.hint", row.hint_zh if chinese and row.hint_zh else row.hint)
        out.append(Evidence(Step.PROVIDER, meaning, hint, row.source, row.key, row.stage))
    general = _phrase(code, joined, leads=False)
    if general is not None:
        out.append(_with_facts(general, facts))
    return out


def _with_facts(found: Evidence, facts: Facts) -> Evidence:
    """Sharpen a text reading with what the session knows (who logged in, what MAIL FROM said)."""
    if found.key == "sender-login" and facts.auth_user and facts.mail_from is not None:
        meaning = t("hint.sender-login.facts",
                    "the sender <{sender}> is not the account you logged in as ({user}): this server lets an account send only as itself",
                    sender=facts.mail_from, user=facts.auth_user)
        return found._replace(meaning=meaning)
    if found.key == "relay-denied" and facts.authenticated:
        return found._replace(
            meaning=t("hint.relay-denied.after_login",
                      "relay denied although you are logged in: this account may not send to that recipient through this server"),
            hint=t("hint.relay-denied.after_login_hint",
                   "make MAIL FROM your own address and submit to your provider's submission server (587 or 465)"))
    return found


# -- step 3: the enhanced code with its class -------------------------------------------------


def _enhanced(code: str) -> Evidence | None:
    parts = enh.parse(code)
    if parts is None or parts[0] not in (4, 5):
        return None  # 2.X.Y: the success needs no more words than the code's context gives
    klass, subject, detail = parts
    key = f"{subject}.{detail}"
    info = enh.BY_KEY.get(key)
    if info is None or detail == 0:
        return None  # X.S.0 and unregistered details say no more than the code does
    if klass == 4 and key in enh.TRANSIENT:
        meaning = t(f"enhanced.{key}.transient", enh.TRANSIENT[key][1])
    elif klass == 4:
        meaning = t("ui.enhanced.for_now", "for now: {meaning}", meaning=t(f"enhanced.{key}.meaning", info.meaning))
    else:
        meaning = t(f"enhanced.{key}.meaning", info.meaning)
    hint = next((t(f"hint.{h.id}.hint", h.hint) for h in hints.HINTS if h.enhanced and _prefix_match(code, h.enhanced)), "")
    return Evidence(Step.ENHANCED, meaning, hint, info.source, f"enhanced.{key}")


def _prefix_match(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code == p or (p.endswith(".") and code.startswith(p)) for p in prefixes)


# -- step 4: the code in context -------------------------------------------------------------


def _known_situation(code: int, enhanced: str | None, answers: str | None) -> tuple[Evidence, bool] | None:
    """A well-known situation recognised by its codes alone (hints.HINTS: 535, 5.7.8, 4.7.1 to RCPT...),
    and whether it is only a fallback for the code in general (``HintInfo.general``)."""
    for h in hints.HINTS:
        if h.pattern or not (h.codes or h.enhanced):
            continue
        if h.codes and code not in h.codes and code // 100 not in h.codes:
            continue
        if h.enhanced and not (enhanced and _prefix_match(enhanced, h.enhanced)):
            continue
        if h.answers and answers not in h.answers and contexts.ALIASES.get(answers or "") not in h.answers:
            continue
        return (Evidence(Step.CONTEXT, t(f"hint.{h.id}.cause", h.cause), t(f"hint.{h.id}.hint", h.hint), h.source,
                         f"hint.{h.id}"), h.general)
    return None


def _context(code: int, facts: Facts, found: list[Evidence], enhanced: str | None = None) -> list[Evidence]:
    out: list[Evidence] = []
    answers = facts.answers
    if code == 421 and answers not in (None, "UNSOLICITED", "GREETING"):
        c = contexts.INDEX[("UNSOLICITED", 421)]
        meaning = t("context.ANY.421.meaning", "the server closes the connection now (421), whatever it answers: nothing more is sent on it")
        out.append(Evidence(Step.CONTEXT, meaning, t("context.ANY.421.hint", "reconnect later and start again from EHLO"),
                            c.source, "context.421"))
    if answers == "STARTTLS" and code == 454 and facts.tls:
        out.append(Evidence(Step.CONTEXT, t("context.STARTTLS.454.tls_on", "TLS is already on: this connection is encrypted already"),
                            t("context.STARTTLS.454.tls_on_hint", "carry on inside this TLS: EHLO, then AUTH"), "RFC 3207 4",
                            "context.STARTTLS.454.tls"))
    if (answers == "MAIL" and code >= 400 and facts.authenticated and facts.auth_user and facts.mail_from is not None
            and facts.mail_from.lower() != facts.auth_user.lower() and not found):
        out.append(Evidence(Step.CONTEXT, t("context.MAIL.login_mismatch",
                                            "the sender <{sender}> is refused, and it is not the account you logged in as ({user})",
                                            sender=facts.mail_from, user=facts.auth_user),
                            t("context.MAIL.login_mismatch_hint", "try MAIL FROM with the address you logged in with"),
                            "RFC 6409 4.3", "context.MAIL.mismatch"))
    known = _known_situation(code, enhanced, answers)
    ctx = find_context(code, answers)
    # A general situation (503: "the wrong point of the conversation") says less than the
    # context row for this very command and code (DATA 503: "MAIL FROM, then RCPT TO, then DATA").
    exact = ctx is not None and ctx.code == code
    if known is not None and not (known[1] and exact):
        out.append(known[0])
        known = None
    if ctx is not None:
        if ctx.answers == "AUTH" and code == 235 and facts.auth_user:
            meaning = t("context.AUTH.235.meaning_user", "logged in as {user}: MAIL FROM now runs under that identity",
                        user=facts.auth_user)
        else:
            meaning = t(f"context.{ctx.answers}.{ctx.code}.meaning", ctx.meaning)
        hint = t(f"context.{ctx.answers}.{ctx.code}.hint", ctx.hint) if ctx.hint else ""
        if not hint:
            hint = _code_hint(code, answers)
        step = Step.CONTEXT if ctx.code >= 100 or code in replies.BY_CODE else Step.CLASS
        out.append(Evidence(step, meaning, hint, ctx.source, f"context.{ctx.answers}.{ctx.code}"))
    if known is not None:
        out.append(known[0])
    return out


def _code_hint(code: int, answers: str | None) -> str:
    """A hint matched on the code alone (the code-only rows of hints.HINTS)."""
    for h in hints.HINTS:
        if h.pattern or h.enhanced or not h.codes:
            continue
        if code not in h.codes:
            continue
        if h.answers and answers not in h.answers:
            continue
        return t(f"hint.{h.id}.hint", h.hint)
    return ""


def find_context(code: int, verb: str | None) -> ContextInfo | None:
    """What ``code`` means as the answer to ``verb``: the full code first, then its class."""
    if verb is None:
        return None
    for name in (verb, contexts.ALIASES.get(verb)):
        if name is None:
            continue
        found = contexts.INDEX.get((name, code)) or contexts.INDEX.get((name, code // 100))
        if found:
            return found
    if code == 421:
        return contexts.INDEX.get(("UNSOLICITED", 421))
    return None


# -- steps 5 and 6: the code, its class -----------------------------------------------------------


def _code_or_class(code: int) -> Evidence:
    info = replies.BY_CODE.get(code)
    if info is not None:
        return Evidence(Step.CODE, t(f"reply.{code}.meaning", info.meaning), _code_hint(code, None), info.source,
                        f"reply.{code}")
    _, meaning = replies.CLASSES.get(code // 100, ("unknown", "not a valid reply class"))
    general = t("ui.reply.unknown", "not a standard code; by its first digit: {klass}", klass=t(f"class.{code // 100}.meaning", meaning))
    digit = (code // 10) % 10
    if digit in replies.SECOND_DIGIT and digit not in (3, 4):
        general += t("ui.reply.unknown_area", "; by its second digit it is about {about}",
                     about=t(f"digit2.{digit}", replies.SECOND_DIGIT[digit]))
    return Evidence(Step.CLASS, general, "", replies.CLASS_SOURCE, f"class.{code // 100}")

"""Rendering: a pure function from (event, session) to styled text.

Styled text is a list of ``(style, text)`` pairs, the same shape as
prompt_toolkit's FormattedText, but this module never imports prompt_toolkit:
script mode turns it into ANSI with :mod:`.ansi`, the REPL prints it with its
own style. Style names are ``class:...`` names so themes can change colours:

=====================  ====================================================
``class:reply.2xx``    reply code, by class (also ``1xx``, ``3xx``, ``4xx``,
                       ``5xx``); the enhanced code gets ``class:reply.enhanced``
``class:explain``      the one-line explanation under a reply
``class:explain.hint`` what to try
``class:ehlo.*``       EHLO table: ``keyword``, ``added``, ``removed``, ``changed``
=====================  ====================================================

Server text is untrusted: every piece of it goes through :func:`safe`, and as
a second line of defence every fragment of every event is scrubbed before it
is returned. Colour and explanation come only from the parsed reply code.
"""

from __future__ import annotations

from .. import events as ev
from .. import i18n
from ..i18n import t
from ..lazy import lazy_module
from ..protocol.ehlo import Capabilities
from ..protocol.envelope import address_of
from ..protocol.replies import Reply, without_queue_id
from ..protocol.session import Kind, Pending, Session
from ..records import TYPE_CHECKING, NamedTuple
from ..untrusted import safe
from . import wire
from .width import cell_width, pad_to

if TYPE_CHECKING:
    from .. import knowledge
else:
    # The tables load on the first explanation: --explain off never pays for them.
    knowledge = lazy_module("smtpshell.knowledge")

StyledText = list[tuple[str, str]]

LEVELS = ("full", "brief", "failures", "off")
# What --explain auto means: script mode shows the wire and one line for failures (a log a
# sysadmin reads); the REPL, replay and lessons teach, so they explain everything.
SCRIPT_DEFAULT = "failures"
INTERACTIVE_DEFAULT = "full"


def level_for(asked: str | None, script: bool) -> str:
    """The level to render with: ``auto`` (or nothing) resolved for script mode or the REPL."""
    if asked in LEVELS:
        return asked
    return SCRIPT_DEFAULT if script else INTERACTIVE_DEFAULT


class RenderOptions(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    explain: str = "full"  # "full", "brief", "failures" (the wire, one line for 4xx/5xx) or "off"
    table_width: int = 34  # EHLO table: column where the meaning starts (at most)
    raw: bool = False  # /raw on, --raw: every line's end visible (render/wire.py)


def _scrub(fragments: StyledText) -> StyledText:
    """Defence in depth: no fragment may carry a control character but our own newlines."""
    out: StyledText = []
    for style, text in fragments:
        if text == "\n":
            out.append((style, text))
        elif "\n" not in text:  # most fragments: one safe(), no generator resumed part by part
            out.append((style, safe(text)))
        else:
            out.append((style, "\n".join([safe(part) for part in text.split("\n")])))
    return out


# -- events ---------------------------------------------------------------------------


def answers_of(sent: Pending | None) -> str:
    """What a reply answers, as knowledge names it (a verb, GREETING, DATA_END...)."""
    if sent is None:
        return "UNSOLICITED"
    if sent.kind is Kind.COMMAND:
        return sent.verb.upper() or "UNKNOWN"
    return sent.kind.name  # GREETING, DATA_END, AUTH_RESPONSE, DATA_LINE


def render_event(event: ev.Event, session: Session | None, options: RenderOptions = RenderOptions()) -> StyledText:
    return _scrub(_render_event(event, session, options))


def cache_key(event: ev.Event, session: Session | None, options: RenderOptions) -> tuple[object, ...] | None:
    """Everything :func:`render_event`'s output for ``event`` depends on (in one language), or
    None when it is not worth keeping or depends on more of the session than this names.

    Events with equal keys render alike, so a driver may keep the text it rendered by its
    key: a session of 1,000 messages shows the same dozen lines 1,000 times. Kept in step
    with :func:`_render_event` and :func:`render_reply` (tests/test_render_cache.py renders
    a varied session both ways).
    """
    if isinstance(event, ev.LineSent):
        return (event, options.raw)  # the line as shown, its notes; raw mode draws it otherwise
    if not isinstance(event, ev.ReplyReceived):
        return None  # connects, closes, warnings: a few a session
    reply, sent = event.exchange.reply, event.exchange.sent
    assert isinstance(reply, Reply)  # what ReplyReceived.reply says, without its call
    explain = options.explain
    if explain == "off" or (explain == "failures" and reply.code < 400):
        return (reply, options, sent is None)  # the wire lines (and, explained, the "unasked" note)
    answers = answers_of(sent)
    if answers in ("EHLO", "LHLO"):
        return None  # the EHLO table reads the session (TLS, the previous EHLO's capabilities)
    # The explanation reads the session only through its facts.
    return (reply, options, sent is None, answers, facts_of(session, sent, knowledge.answers_key(answers)))


def _render_event(event: ev.Event, session: Session | None, options: RenderOptions) -> StyledText:
    if isinstance(event, ev.ReplyReceived):
        view = _reply_view(event, session, options)
        if event.exchange.sent is None and options.explain != "off":
            # Nothing was waiting for it. In raw mode, a lenient server that read more commands
            # in the bytes than a strict one would (SMTP smuggling) shows up exactly like this.
            view += [("class:warning", "   " + t("ui.reply.unasked", "(the server spoke unasked: no command of yours was waiting for this reply)")), ("", "\n")]
        return view
    if isinstance(event, ev.LineSent) and (event.raw or options.raw):
        shown = wire.sent_lines(event) if event.raw else wire.plain_sent_line(event)
        if event.automatic:
            shown.insert(-1, ("class:note", t("ui.sent.automatic", "   (sent by smtpshell)")))
        return shown
    if isinstance(event, ev.LineSent):
        out: StyledText = [("class:sent.prefix", "C: "), ("class:sent", safe(event.shown))]
        if event.automatic:
            out.append(("class:note", t("ui.sent.automatic", "   (sent by smtpshell)")))
        if event.note:
            out.append(("class:note", f"   ({safe(event.note)})"))
        out.append(("", "\n"))
        return out
    if isinstance(event, ev.DataSent):
        return [("class:note", t("ui.data.summary",
                                  "   [{source}: {bytes_in} bytes, {lines} lines, {stuffed} dot-stuffed, {bytes_sent} bytes sent]",
                                  source=safe(event.source), bytes_in=event.bytes_in, lines=event.lines,
                                  stuffed=event.stuffed, bytes_sent=event.bytes_sent)), ("", "\n")]
    if isinstance(event, ev.ProtocolErrorReceived):
        raw = safe(event.error.raw.decode("utf-8", "backslashreplace"))
        return [("class:error", f"!! {safe(event.error.message)}"), ("class:note", f"  {raw[:80]}" if raw else ""), ("", "\n")]
    if isinstance(event, ev.TLSStarted):
        i = event.info
        return [("class:tls", t("ui.tls.started", "** TLS started: {version} {cipher}; certificate {note}",
                                version=safe(i.version), cipher=safe(i.cipher), note=safe(i.verify_note))), ("", "\n")]
    if isinstance(event, ev.Warning):
        return [("class:warning", f"!! {safe(event.message)}"), ("", "\n")]
    if isinstance(event, ev.Info):
        return [("class:info", f"** {safe(event.message)}"), ("", "\n")]
    if isinstance(event, ev.Connected):
        tls = t("ui.connected.tls", " (implicit TLS)") if event.implicit_tls else ""
        return [("class:info", t("ui.connected", "** connected to {host}:{port} ({peer}){tls}",
                                 host=safe(event.host), port=event.port, peer=safe(event.peer), tls=tls)), ("", "\n")]
    if isinstance(event, ev.Closed):
        return [("class:info" if event.clean else "class:warning",
                 t("ui.closed", "** connection closed: {reason}", reason=safe(event.reason))), ("", "\n")]
    return []


# -- replies ----------------------------------------------------------------------------


def _reply_view(event: ev.ReplyReceived, session: Session | None, options: RenderOptions) -> StyledText:
    """A received reply: as usual, or in raw mode its bytes with the line ends visible, then the explanation."""
    answers, sent = answers_of(event.exchange.sent), event.exchange.sent
    if not options.raw:
        return render_reply(event.reply, answers, options, session, sent=sent)
    explained = render_reply(event.reply, answers, options, session, sent=sent)
    return wire.reply_lines(event.reply, code_style(event.reply.code)) + wire.without_wire_lines(explained)


def code_style(code: int) -> str:
    return f"class:reply.{code // 100}xx"


def _wire_line(reply: Reply, index: int, style: str) -> StyledText:
    """One reply line as received: prefix, coloured code, separator, escaped text."""
    line = reply.lines[index]
    sep = " " if index == len(reply.lines) - 1 else "-"
    out: StyledText = [("class:reply.prefix", "S: "), (style, f"{reply.code}{sep}")]
    if reply.enhanced and line.startswith(reply.enhanced):
        out.append((f"class:reply.enhanced {style}", reply.enhanced))
        line = line[len(reply.enhanced):]
    out.append(("class:reply.text", safe(line)))
    return out


def facts_of(session: Session | None, sent: Pending | None, answers: str | None) -> knowledge.Facts:
    """What the engine may know about the session when it reads a reply (see knowledge.engine)."""
    if session is None:
        return knowledge.Facts(answers=answers)
    mail_from = session.sender
    if sent is not None and answers == "MAIL":
        mail_from = address_of(sent.text)  # a refused MAIL never reached the session's sender
        mail_from = "" if mail_from is None and "<>" in sent.text else mail_from
    caps = session.capabilities or session.previous_capabilities
    return knowledge.Facts(answers=answers, tls=session.tls, authenticated=session.authenticated,
                           auth_user=session.auth_user or session.auth_attempt_user, mail_from=mail_from,
                           server=caps.server_name if caps is not None else None)


def render_reply(
    reply: Reply,
    verb: str | None,
    options: RenderOptions = RenderOptions(),
    session: Session | None = None,
    *,
    sent: Pending | None = None,
) -> StyledText:
    """A reply, its code coloured by class, explained at ``options.explain`` level.

    ``verb`` is what the reply answers (a verb, or GREETING, DATA_END,
    AUTH_RESPONSE, UNSOLICITED; see :func:`answers_of`). ``session`` (after the
    reply was applied) lets an EHLO reply show what changed since the last one.
    """
    style = code_style(reply.code)
    out: StyledText = []
    if options.explain == "off" or (options.explain == "failures" and reply.klass < 4):
        for i in range(len(reply.lines)):
            out += _wire_line(reply, i, style) + [("", "\n")]
        return out
    answers = knowledge.answers_key(verb)
    if answers in ("EHLO", "LHLO") and reply.code == 250 and len(reply.lines) > 1:
        return render_ehlo(reply, options, session)
    for i in range(len(reply.lines)):
        out += _wire_line(reply, i, style) + [("", "\n")]
    out += _explanation(reply, answers, options.explain, facts_of(session, sent, answers))
    return out


# The lines under a reply, kept by what they depend on (in the language of the moment). A reply's
# text is read with its queue id put aside ("250 2.0.0 Ok: queued as 4XyZ12": the reply to each
# message names a new one), so that explanation is made once a session, not once a message.
EXPLANATIONS_KEPT = 256
_EXPLAINED: dict[tuple[object, ...], tuple[tuple[str, str], ...]] = {}
QUEUE_ID_PLACEHOLDER = "QUEUEID"


def _explanation(reply: Reply, answers: str | None, explain: str,
                 facts: knowledge.Facts) -> tuple[tuple[str, str], ...]:
    text = without_queue_id(reply.text, QUEUE_ID_PLACEHOLDER)
    key = (reply.code, reply.enhanced, answers, text, explain, facts, i18n.catalogue())
    kept = _EXPLAINED.get(key)
    if kept is not None:
        return kept
    made = _explain_lines(reply, answers, text, explain, facts)
    if text is not reply.text and any(QUEUE_ID_PLACEHOLDER in piece for _, piece in made):
        # The explanation says the id: it is made from this reply's own text, and not kept.
        return _explain_lines(reply, answers, reply.text, explain, facts)
    if len(_EXPLAINED) >= EXPLANATIONS_KEPT:
        _EXPLAINED.clear()
    _EXPLAINED[key] = made
    return made


def _explain_lines(reply: Reply, answers: str | None, text: str, explain: str,
                   facts: knowledge.Facts) -> tuple[tuple[str, str], ...]:
    """The explanation's lines under a reply's wire lines, its text being ``text``."""
    exp = knowledge.explain_reply(reply.code, reply.enhanced, answers, text, facts=facts)
    # Said once: one line of meaning (the enhanced code's few words beside it), at most one hint.
    extra = ""
    if reply.enhanced and not _says_nothing(reply.enhanced) and reply.klass != 2:
        extra = f"  [{reply.enhanced} {knowledge.explain_enhanced(reply.enhanced).short}]"
    if explain in ("brief", "failures") and reply.klass in (2, 3):
        extra = ""
    # A known situation read from the text is more specific than the code's meaning in context.
    out: StyledText = [("class:explain", f"   ↳ {exp.cause or exp.summary}{extra}"), ("", "\n")]
    if explain not in ("brief", "failures") and exp.hint:
        # After a failure the hint is a remedy; after success, the next step.
        label = (t("ui.reply.try", "try: {hint}", hint=exp.hint) if reply.code >= 400
                 else t("ui.reply.next", "next: {hint}", hint=exp.hint))
        out += [("class:explain.hint", "   → " + label), ("", "\n")]
    return tuple(out)


def _says_nothing(enhanced: str | None) -> bool:
    """X.0.0 ('other or undefined status') adds nothing to a one-line view."""
    return enhanced is not None and enhanced.split(".", 1)[1] == "0.0"


# -- EHLO -----------------------------------------------------------------------------------


class EhloRow(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    line: str  # the reply line as sent (untrusted)
    keyword: str  # upper-cased
    params: tuple[str, ...]
    explanation: knowledge.Explanation | None  # None for a blank line: nothing to explain


def ehlo_rows(reply: Reply, tls: bool | None = None) -> list[EhloRow]:
    """One row per line after the first (the server's name) of an EHLO reply.

    A blank line keeps its row: every line the server sent is shown."""
    rows = []
    for line in reply.lines[1:]:
        words = line.split()
        if not words:
            rows.append(EhloRow(line, "", (), None))
            continue
        keyword, params = words[0].upper(), tuple(words[1:])
        rows.append(EhloRow(line, keyword, params, knowledge.explain_keyword(keyword, params, tls)))
    return rows


def render_ehlo(reply: Reply, options: RenderOptions = RenderOptions(), session: Session | None = None) -> StyledText:
    """The EHLO reply as a table: each wire line, then the keyword's meaning; then what changed."""
    style = code_style(reply.code)
    tls = session.tls if session is not None else None
    rows = ehlo_rows(reply, tls)
    # The meaning column starts after the longest keyword line (within reason).
    width = min(max((cell_width(safe(r.line)) for r in rows), default=0) + 2, options.table_width)
    out: StyledText = _wire_line(reply, 0, style) + [("", "\n")]
    for i, row in enumerate(rows, start=1):
        shown = safe(row.line)
        sep = " " if i == len(reply.lines) - 1 else "-"
        pad = " " * max(1, width - cell_width(shown))
        exp = row.explanation
        if exp is None:
            meaning = ""
        else:
            meaning = (exp.value or exp.short) if options.explain == "brief" else exp.summary
        stripped = row.line.lstrip()
        first, space, rest = stripped.partition(" ")
        out += [("class:reply.prefix", "S: "), (style, f"{reply.code}{sep}"),
                ("class:ehlo.keyword", safe(row.line[: len(row.line) - len(stripped)] + first)),
                ("class:reply.text", safe(space + rest)),
                ("", pad), ("class:explain", safe(meaning)), ("", "\n")]
    if options.explain == "full":
        exp = knowledge.explain_reply(reply.code, reply.enhanced, "EHLO", reply.text)
        out += [("class:explain", f"   ↳ {exp.summary}"), ("", "\n")]
    previous = session.previous_capabilities if session is not None else None
    if previous is not None:
        out += render_capability_diff(previous, Capabilities.from_reply(reply), session, options)
    return out


def capability_diff(before: Capabilities, after: Capabilities) -> tuple[list[str], list[str], list[str]]:
    """(appeared, disappeared, changed) keywords between two EHLO replies."""
    appeared = [k for k in after.keywords if k not in before.keywords]
    gone = [k for k in before.keywords if k not in after.keywords]
    changed = [k for k in after.keywords if k in before.keywords and
               tuple(p.upper() for p in after.keywords[k]) != tuple(p.upper() for p in before.keywords[k])]
    return appeared, gone, changed


def render_capability_diff(before: Capabilities, after: Capabilities, session: Session | None,
                           options: RenderOptions = RenderOptions()) -> StyledText:
    appeared, gone, changed = capability_diff(before, after)
    # "since" heads a change ("what changed since STARTTLS"), "before" a sameness ("same
    # extensions as before STARTTLS"): two texts each, as languages word them differently.
    if session is not None and session.tls and "STARTTLS" in before.keywords:
        since = t("ui.ehlo.since_tls", "since STARTTLS")
        earlier = t("render.ehlo.before_tls", "before STARTTLS")
    elif session is not None and session.authenticated:
        since = t("ui.ehlo.since_auth", "since AUTH")
        earlier = t("render.ehlo.before_auth", "before AUTH")
    else:
        since = t("ui.ehlo.since_previous", "since the previous EHLO")
        earlier = t("render.ehlo.before_previous", "before the previous EHLO")
    if not (appeared or gone or changed):
        return [("class:explain", "   ↳ " + t("ui.ehlo.same", "same extensions as {since}", since=earlier)),
                ("", "\n")]
    if options.explain == "brief":
        parts = [f"+{k}" for k in appeared] + [f"-{k}" for k in gone] + [f"~{k}" for k in changed]
        return [("class:explain", "   ↳ " + t("ui.ehlo.changes_brief", "changed {since}: {changes}", since=since,
                                             changes=safe(" ".join(parts)))), ("", "\n")]
    out: StyledText = [("class:explain", "   ↳ " + t("ui.ehlo.changes", "what changed {since}:", since=since)), ("", "\n")]
    for k in appeared:
        value = " ".join(after.keywords[k])
        out += [("class:ehlo.added", "     + " + t("ui.ehlo.appeared", "{keyword} appeared", keyword=safe(f"{k} {value}".strip()))),
                ("", "\n")]
    for k in gone:
        out += [("class:ehlo.removed", "     - " + t("ui.ehlo.disappeared", "{keyword} disappeared", keyword=safe(k))), ("", "\n")]
    for k in changed:
        old, new = " ".join(before.keywords[k]) or "-", " ".join(after.keywords[k]) or "-"
        out += [("class:ehlo.changed", "     ~ " + t("ui.ehlo.changed", "{keyword}: {old} -> {new}", keyword=safe(k),
                                                     old=safe(old), new=safe(new))), ("", "\n")]
    return out


# -- /explain -------------------------------------------------------------------------------


def render_explanation(exp: knowledge.Explanation, code: int | None = None) -> StyledText:
    """An explanation in depth (for /explain and ``smtpshell explain``)."""
    head_style = code_style(code) if code is not None else "class:explain.title"
    out: StyledText = [(head_style, exp.title or exp.summary), ("", "\n")]

    def row(name: str, text: str, style: str = "class:explain") -> None:
        if not text:
            return
        lines = text.split("\n")
        label = f"  {pad_to(name, 10)} "  # in columns: a Chinese label is two per character
        out.extend([("class:explain.label", label), (style, lines[0]), ("", "\n")])
        for more in lines[1:]:
            out.extend([("", " " * cell_width(label)), (style, more), ("", "\n")])

    row(t("ui.explain.meaning", "meaning"), exp.summary)
    row(t("ui.explain.cause", "probably"), exp.cause)
    row(t("ui.explain.value", "value"), exp.value if exp.value and exp.value not in exp.summary else "")
    row(t("ui.explain.enhanced", "enhanced"), exp.enhanced)
    row(t("ui.explain.details", "details"), exp.detail)
    row(t("ui.explain.hint", "try"), exp.hint, "class:explain.hint")
    # Every piece of evidence, in the order the engine read it (knowledge/engine.py).
    row(t("ui.explain.evidence", "evidence"), "\n".join(_evidence_line(e) for e in exp.evidence))
    row(t("ui.explain.sources", "sources"), "; ".join(exp.sources) if exp.sources else exp.source, "class:note")
    return out


# Read when shown (the language may change after import).
_STEP_LABELS = {
    "TEXT": lambda: t("ui.explain.step.text", "the server's words"),
    "PROVIDER": lambda: t("ui.explain.step.provider", "provider table"),
    "ENHANCED": lambda: t("ui.explain.step.enhanced", "enhanced code"),
    "CONTEXT": lambda: t("ui.explain.step.context", "in context"),
    "CODE": lambda: t("ui.explain.step.code", "the code"),
    "CLASS": lambda: t("ui.explain.step.class", "its class"),
}


def _evidence_line(evidence: knowledge.Evidence) -> str:
    """One piece of the engine's evidence, in its order, with where it comes from."""
    label = _STEP_LABELS[evidence.step.name]()
    return t("ui.explain.evidence_line", "{label}: {meaning} ({source})", label=label, meaning=evidence.meaning,
             source=evidence.source)


def render_query(query: knowledge.Query, answers: str | None = None) -> StyledText:
    """Explain what the user asked about: a code, an enhanced code, both, a keyword, or a pasted reply.

    ``answers`` is the command the pasted reply answered, when the user said (explain --command)."""
    if query.keyword is not None:
        return _scrub(render_explanation(knowledge.explain_keyword(query.keyword, advertised=False)))
    if query.code is not None and query.lines:
        out: StyledText = []
        reply = Reply(query.code, query.lines, b"", query.enhanced)
        for i in range(len(reply.lines)):
            out += _wire_line(reply, i, code_style(reply.code)) + [("", "\n")]
        exp = knowledge.explain_reply(query.code, query.enhanced, answers, query.text)
        return _scrub(out + render_explanation(exp, query.code))
    if query.code is not None:
        return _scrub(render_explanation(knowledge.explain_reply(query.code, query.enhanced, answers), query.code))
    assert query.enhanced is not None
    exp = knowledge.explain_enhanced(query.enhanced)
    klass = query.enhanced[0]
    return _scrub(render_explanation(exp, int(klass) * 100 if klass.isdigit() else None))


def render_last(session: Session) -> StyledText:
    """The last reply of the session, explained in depth with its context."""
    last = session.last
    if last is None or not isinstance(last.reply, Reply):
        return [("class:note", t("ui.explain.no_last", "no reply yet: there is nothing to explain")), ("", "\n")]
    reply = last.reply
    answers = answers_of(last.sent)
    out: StyledText = []
    if last.sent is not None and last.sent.text:
        out += [("class:note", t("ui.explain.answers", "answer to: {line}", line=safe(last.sent.text))), ("", "\n")]
    for i in range(len(reply.lines)):
        out += _wire_line(reply, i, code_style(reply.code)) + [("", "\n")]
    exp = knowledge.explain_reply(reply.code, reply.enhanced, answers, reply.text,
                                  facts=facts_of(session, last.sent, knowledge.answers_key(answers)))
    out += render_explanation(exp, reply.code)
    return _scrub(out)

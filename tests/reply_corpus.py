"""Run one corpus entry (tests/data/replies/) through the parser, the engine and the renderer.

Shared by tests/test_reply_corpus.py and bench/explain_coverage.py. The reply bytes go through
the real :class:`ReplyParser` (so multi-line joining and 8-bit decoding are the real ones), and
the reply is rendered by :func:`render_reply` with a :class:`Session` holding the entry's facts,
so what is checked is exactly the meaning line and the hint line a user sees.
"""

from __future__ import annotations

from typing import NamedTuple

from smtpshell.protocol.replies import Reply, ReplyParser
from smtpshell.protocol.session import Kind, Pending, Session
from smtpshell.render import styled

# The corpus's command names -> what a reply answers, as the renderer names it.
ANSWERS = {"connect": "GREETING", ".": "DATA_END", "any": "UNSOLICITED"}


class Seen(NamedTuple):
    meaning: str  # the "↳" line
    hint: str  # the "→" line, or ""
    specific: bool  # not explained by the class fallback
    step: str  # which evidence gave the meaning line (knowledge.Step name)

    def problems(self, entry) -> list[str]:
        said = f"{self.meaning} {self.hint}".lower()
        out = [f"lacks {p!r}" for p in entry.data["must_say"] if p not in said]
        out += [f"says {p!r}" for p in entry.data.get("must_not_say", []) if p in said]
        return out


def parse_entry(entry) -> Reply:
    raw = entry.reply_bytes().replace(b"\n", b"\r\n") + b"\r\n"
    replies = [e for e in ReplyParser().feed(raw) if isinstance(e, Reply)]
    assert len(replies) == 1, f"{entry.id}: the parser made {len(replies)} replies"
    return replies[0]


def session_of(entry) -> Session:
    context = entry.data.get("context", {})
    session = Session()
    session.tls = bool(context.get("tls", False))
    session.auth_attempt_user = context.get("auth_user")  # smtpshell knows whom it logs in as
    if context.get("authenticated"):
        session.authenticated = True
        session.auth_user = context.get("auth_user")
    if "mail_from" in context and entry.data["command"] not in ("MAIL",):
        session.sender = context["mail_from"]
    return session


def sent_of(entry) -> Pending | None:
    command = entry.data["command"]
    context = entry.data.get("context", {})
    if command == "connect":
        return Pending(Kind.GREETING, "", "")
    if command == ".":
        return Pending(Kind.DATA_END, ".", "")
    if command == "any":
        return None
    if command == "MAIL" and "mail_from" in context:
        return Pending.command(f"MAIL FROM:<{context['mail_from']}>")
    return Pending.command(command)


def explain_entry(entry) -> Seen:
    reply = parse_entry(entry)
    sent = sent_of(entry)
    session = session_of(entry)
    fragments = styled.render_reply(reply, styled.answers_of(sent), styled.RenderOptions(explain="full"), session,
                                    sent=sent)
    text = "".join(t for _, t in fragments)
    meaning = next((line.strip() for line in text.splitlines() if line.strip().startswith("↳")), "")
    hint = next((line.strip() for line in text.splitlines() if line.strip().startswith("→")), "")
    exp = _explanation(reply, sent, session)
    return Seen(meaning, hint, exp.specific, exp.evidence[0].step.name.lower())


def _explanation(reply: Reply, sent: Pending | None, session: Session):  # type: ignore[no-untyped-def]
    from smtpshell import knowledge

    answers = knowledge.answers_key(styled.answers_of(sent))
    return knowledge.explain_reply(reply.code, reply.enhanced, answers, reply.text,
                                   facts=styled.facts_of(session, sent, answers))

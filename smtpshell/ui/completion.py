"""Completion, in two pure stages (no prompt_toolkit here, so it is unit-tested
and benchmarked on its own):

1. :func:`slot_at`: what goes at the cursor (a verb, ``FROM:``, an address, a
   MAIL parameter, an AUTH mechanism, a shell command, a file name...) and the
   part of it already typed;
2. :func:`candidates`: what may go there, each with a one-line summary, read
   from the command catalogue, the session (legal verbs first, the server's
   own EHLO capabilities) and the shell-command registry.

:mod:`.completer` wraps this for prompt_toolkit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from operator import itemgetter, methodcaller

from .. import knowledge
from ..i18n import t
from ..protocol import catalogue, envelope
from ..protocol.catalogue import ArgShape
from ..protocol.session import Phase, Session
from ..render.styled import LEVELS
from ..shell import registry
from ..shell.registry import ArgKind

# Slot kinds.
VERB = "verb"
KEYWORD = "keyword"  # FROM: / TO:
ADDRESS = "address"
PARAMETER = "parameter"
PARAM_VALUE = "param-value"
ARGUMENT = "argument"  # a verb's fixed arguments (BDAT LAST, XCLIENT NAME= ...)
MECHANISM = "mechanism"  # AUTH's first argument
HELO_NAME = "helo-name"
SHELL_COMMAND = "shell-command"
SHELL_ARG = "shell-arg"
NOTHING = "nothing"


@dataclass(frozen=True)
class Slot:
    kind: str
    word: str = ""  # what is typed already of the thing at the cursor
    verb: str = ""  # the SMTP verb of the line (upper case)
    param: str = ""  # PARAM_VALUE: the parameter name
    arg_kind: ArgKind = ArgKind.NONE  # SHELL_ARG: what the command takes
    line: str = ""  # the text before the cursor


@dataclass(frozen=True)
class Candidate:
    text: str  # what replaces ``word``
    summary: str = ""  # one line, shown next to it
    display: str = ""  # how it is listed, if not ``text``

    @property
    def shown(self) -> str:
        return self.display or self.text


@dataclass(frozen=True)
class Sources:
    """Completion material from outside the session."""

    history_addresses: Sequence[str] = ()
    helo_names: Sequence[str] = ()
    cwd: str = "."
    # /connect: the last target, then the practice server's, as HOST:PORT (most useful first)
    targets: Sequence[str] = ()

    def with_targets(self, targets: Sequence[str]) -> Sources:
        return replace(self, targets=targets)


def slot_at(before_cursor: str, session: Session | None = None) -> Slot:
    """What goes at the cursor, given the text before it."""
    if session is not None and session.phase in (Phase.DATA, Phase.AUTH):
        return Slot(NOTHING, line=before_cursor)  # message content / SASL answers: no help
    text = before_cursor.lstrip()
    if text.startswith(registry.PREFIX):
        body = text[len(registry.PREFIX) :]
        if " " not in body:
            return Slot(SHELL_COMMAND, body, line=before_cursor)
        name, _, rest = body.partition(" ")
        registry.load_all()
        try:
            cmd = registry.resolve(name)
        except registry.UnknownCommand:
            return Slot(NOTHING, line=before_cursor)
        return Slot(SHELL_ARG, rest.lstrip(), arg_kind=cmd.arg_kind, line=before_cursor)
    if " " not in text:
        return Slot(VERB, text, line=before_cursor)
    verb_word, _, args = text.partition(" ")
    verb = verb_word.upper()
    word = args.rsplit(" ", 1)[-1]
    position = len(args.split(" ")) - 1  # index of the word at the cursor
    entry = catalogue.lookup(verb)
    if entry is None:
        return Slot(NOTHING, word, verb, line=before_cursor)
    return _ARGUMENT_SLOTS[entry.argument](entry, args, word, position, before_cursor)


def _envelope_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    """MAIL FROM:<addr> params / RCPT TO:<addr> params, as protocol.envelope reads them."""
    parts = envelope.parse(args)
    if not parts.has_colon:
        if parts.rest is not None:  # "MAIL FROM <a@b>": past a keyword without ':'
            return Slot(NOTHING, word, entry.name, line=line)
        return Slot(KEYWORD, parts.keyword.text if parts.keyword else "", entry.name, line=line)
    path = parts.path
    if path is None:
        return Slot(ADDRESS, "", entry.name, line=line)
    if not parts.path_closed:
        if path.text.startswith("<"):  # no '>' yet
            return Slot(ADDRESS, path.text[1:], entry.name, line=line)
        if parts.rest is None:
            return Slot(ADDRESS, path.text, entry.name, line=line)  # no '<' yet: offer "<addr>"
        return Slot(NOTHING, word, entry.name, line=line)
    if parts.rest is None or not parts.rest.text[0].isspace():
        return Slot(NOTHING, word, entry.name, line=line)
    if "=" in word:
        name, _, value = word.partition("=")
        return Slot(PARAM_VALUE, value, entry.name, param=name.upper(), line=line)
    return Slot(PARAMETER, word, entry.name, line=line)


def _domain_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    if entry.identifies_client and position == 0:
        return Slot(HELO_NAME, word, entry.name, line=line)
    return _fixed_argument_slot(entry, args, word, position, line)


def _mechanism_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    return Slot(MECHANISM if position == 0 else NOTHING, word, entry.name, line=line)


def _attributes_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    return Slot(ARGUMENT, word, entry.name, line=line)  # NAME=value words, in any order


def _chunk_size_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    return Slot(ARGUMENT if position == 1 else NOTHING, word, entry.name, line=line)  # BDAT <size> [LAST]


def _topic_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    return Slot(VERB if position == 0 else NOTHING, word, entry.name, line=line)


def _fixed_argument_slot(entry: catalogue.Verb, args: str, word: str, position: int, line: str) -> Slot:
    """A verb's first argument, when the catalogue lists fixed ones; else nothing to offer."""
    return Slot(ARGUMENT if entry.arguments and position == 0 else NOTHING, word, entry.name, line=line)


# What the cursor's word is, by the verb's argument shape (the catalogue says which verb has which).
_ARGUMENT_SLOTS = {
    ArgShape.NONE: _fixed_argument_slot,
    ArgShape.DOMAIN: _domain_slot,
    ArgShape.ENVELOPE: _envelope_slot,
    ArgShape.MECHANISM: _mechanism_slot,
    ArgShape.ATTRIBUTES: _attributes_slot,
    ArgShape.CHUNK_SIZE: _chunk_size_slot,
    ArgShape.TOPIC: _topic_slot,
    ArgShape.TEXT: _fixed_argument_slot,
}


def candidates(slot: Slot, session: Session | None = None, sources: Sources = Sources()) -> list[Candidate]:
    """What may go in ``slot``, most useful first, filtered by what is typed."""
    make = _MAKERS.get(slot.kind)
    if make is None:
        return []
    return make(slot, session or Session(), sources)


def complete(text: str, cursor: int | None = None, session: Session | None = None,
             sources: Sources = Sources()) -> tuple[Slot, list[Candidate]]:
    """Both stages: plain text and cursor position in, (slot, candidates) out."""
    before = text if cursor is None else text[:cursor]
    slot = slot_at(before, session)
    return slot, candidates(slot, session, sources)


# -- candidate makers, one per slot kind ---------------------------------------


def _same_case(word: str, text: str) -> str:
    """Offer 'ehlo' to someone typing in lower case."""
    return text.lower() if word and word.islower() else text


def _matches(word: str, text: str) -> bool:
    return text.upper().startswith(word.upper())


def _verbs(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    legal = session.legal_verbs()
    order = legal + [name for name in catalogue.VERBS if name not in legal]
    out = []
    for name in order:
        verb = catalogue.VERBS[name]
        if not _matches(slot.word, name):
            continue
        if session.capabilities is not None and not session.verb_available(verb):
            continue  # the server did not advertise it (or TLS is already on)
        summary = verb.summary if name in legal else t("ui.complete.not_expected", "{summary} (not expected now)",
                                                        summary=verb.summary)
        out.append(Candidate(_same_case(slot.word, name), summary))
    if slot.verb:
        return out  # a verb's topic (HELP ...): shell commands cannot go there
    if not slot.word:
        out += _shell_commands(Slot(SHELL_COMMAND, ""), session, sources)
    return out


def _keyword(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    entry = catalogue.VERBS[slot.verb]
    assert entry.keyword is not None
    text = entry.keyword + "<"
    if _matches(slot.word, text) and slot.word.upper() != text:
        return [Candidate(_same_case(slot.word, entry.keyword) + "<", entry.syntax)]
    return []


# Per key, address completion looks at the newest ADDRESS_SCAN addresses at most and offers
# ADDRESS_MENU: a history of 100,000 lines costs a key no more than one of 2,000 (issue 18),
# and a menu longer than a screen helps nobody.
ADDRESS_SCAN = 2000
ADDRESS_MENU = 50


def _addresses(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    bare = not slot.line.rstrip().endswith("<") and "<" not in slot.line.split(":", 1)[-1]
    word = slot.word.lstrip("<").lower()
    out: list[Candidate] = []
    seen: set[str] = set()
    for origin, addresses in ((t("ui.complete.address.session", "used in this session"), session.addresses),
                              (t("ui.complete.address.history", "from history"), sources.history_addresses)):
        for address in islice(addresses, ADDRESS_SCAN):
            if len(out) >= ADDRESS_MENU:
                break
            if address in seen or not address.lower().startswith(word):
                continue
            seen.add(address)
            out.append(Candidate(f"<{address}>" if bare else f"{address}>", origin, address))
    entry = catalogue.lookup(slot.verb)
    if entry is not None and entry.null_path and "" not in seen and not word:
        out.append(Candidate("<>" if bare else ">", t("ui.complete.null_sender", "null sender (bounces, DSNs)"), "<>"))
    return out


_BEFORE_EQUALS = methodcaller("partition", "=")
_FIRST = itemgetter(0)


def _parameters(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    entry = catalogue.VERBS[slot.verb]
    # The parameters already on the line. The words are walked by map() in C, not a Python
    # loop: on a 10,000-character line a Python loop was most of a key's work (issue 18).
    words = slot.line.split(">", 1)[-1].split()
    used = set(map(str.upper, map(_FIRST, map(_BEFORE_EQUALS, words))))  # {w.partition("=")[0].upper()}
    out = []
    for p in entry.parameters:
        if p.name in used or not session.advertised(p.extension) or not _matches(slot.word, p.name):
            continue
        text = _same_case(slot.word, p.name) + ("=" if p.takes_value else "")
        out.append(Candidate(text, f"{p.summary} ({p.extension})", p.syntax))
    return out


def _parameter_values(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    p = catalogue.parameter(slot.verb, slot.param)
    if p is None or not session.advertised(p.extension):
        return []
    values = list(p.values)
    if p.name == "SIZE" and session.capabilities is not None and session.capabilities.size_limit:
        values.append(str(session.capabilities.size_limit))
    return [Candidate(v, p.summary) for v in values if _matches(slot.word, v)]


def _mechanisms(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    offered: Iterable[str]
    if session.capabilities is not None:
        offered = session.capabilities.auth_mechanisms  # exactly what it advertised
    else:  # the mechanisms the catalogue lists for the verb(s) that take one
        offered = dict.fromkeys(a for v in catalogue.VERBS.values() if v.argument is ArgShape.MECHANISM
                                for a in v.arguments)
    return [Candidate(m, mechanism_summary(m)) for m in offered if _matches(slot.word, m)]


def _arguments(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    entry = catalogue.VERBS[slot.verb]
    used = {w.split("=", 1)[0].upper() + "=" for w in slot.line.split()[1:-1]}
    return [Candidate(_same_case(slot.word, a), entry.syntax) for a in entry.arguments
            if a not in used and _matches(slot.word, a)]


def mechanism_summary(name: str) -> str:
    """What a mechanism is, from the SASL module itself (the one that runs it)."""
    from ..protocol import sasl

    known = sasl.MECHANISMS.get(name.upper())
    if known is not None and known.summary:
        return known.summary
    return t("ui.complete.unknown_mechanism", "a SASL mechanism smtpshell cannot run for you (/auth manual: type the base64)")


def _helo_names(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    names = list(dict.fromkeys([*sources.helo_names, "localhost"]))
    return [Candidate(n, t("ui.complete.helo_name", "your host name")) for n in names if n.lower().startswith(slot.word.lower())]


def _shell_commands(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    registry.load_all()
    word = slot.word.lower()
    return [
        Candidate(f"{registry.PREFIX}{cmd.name}", cmd.summary, f"{registry.PREFIX}{cmd.name} {cmd.usage}".rstrip())
        for cmd in registry.COMMANDS.values()
        if cmd.name.startswith(word)
    ]


def _shell_args(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    return SHELL_ARG_COMPLETERS[slot.arg_kind](slot, session, sources)


def _no_shell_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    return []


def _file_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    return file_candidates(slot.word, sources.cwd)


def _verb_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    verbs = [Candidate(name, catalogue.VERBS[name].summary) for name in catalogue.VERBS
             if _matches(slot.word, name)]
    commands = [c for c in _shell_commands(Slot(SHELL_COMMAND, slot.word.lstrip(registry.PREFIX)), session, sources)
                if c.text.startswith(slot.word) or not slot.word]
    return verbs + commands


def _code_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    """/explain 55 + Tab: the codes, enhanced codes and keywords knowledge/ explains."""
    if " " in slot.word:
        return []
    return [Candidate(_same_case(slot.word, word), t("ui.complete.explain", "explained by /explain"))
            for word in knowledge.completions() if _matches(slot.word, word)]


def _choices(slot: Slot, choices: Iterable[tuple[str, str]]) -> list[Candidate]:
    return [Candidate(word, summary) for word, summary in choices if _matches(slot.word, word)]


def _level_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    summaries = {
        "full": t("ui.complete.level.full", "each reply explained: meaning, RFC, what to try"),
        "brief": t("ui.complete.level.brief", "one line of meaning per reply"),
        "failures": t("ui.complete.level.failures", "the wire, and one line of meaning for each 4xx/5xx"),
        "off": t("ui.complete.level.off", "the bare wire, no explanations"),
    }
    return _choices(slot, ((level, summaries.get(level, "")) for level in LEVELS))


def _on_off_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    return _choices(slot, (("on", t("ui.complete.on", "switch it on")), ("off", t("ui.complete.off", "switch it off"))))


def _pipeline_mode_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    return _choices(slot, (("on", t("ui.complete.pipeline.on", "send commands without waiting for each reply")),
                           ("group", t("ui.complete.pipeline.group", "hold each group and send it in one write")),
                           ("off", t("ui.complete.pipeline.off", "one command at a time"))))


def _auth_mode_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    return _choices(slot, (("auto", t("ui.complete.auth.auto", "the shell answers each 334 challenge")),
                           ("manual", t("ui.complete.auth.manual", "you type each answer in base64"))))


def _mechanism_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    if " " in slot.word or slot.word.startswith("-"):
        return []
    return _mechanisms(Slot(MECHANISM, slot.word), session, sources)


# /connect: what a user reaches for, in this order (docs/interactive.md lists it); each
# summary is read when offered, so it is in the language of the moment.
CONNECT_FORMS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("localhost:25", lambda: t("ui.complete.target.25", "port 25: server to server (MX)")),
    ("localhost:587", lambda: t("ui.complete.target.587", "port 587: submission, STARTTLS")),
    ("localhost:465", lambda: t("ui.complete.target.465", "port 465: submission over implicit TLS")),
    ("smtp://", lambda: t("ui.complete.target.smtp", "smtp://HOST[:PORT]: plain, STARTTLS if you ask")),
    ("smtps://", lambda: t("ui.complete.target.smtps", "smtps://HOST[:PORT]: implicit TLS from the first byte")),
)


def _target_arg(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    """/connect + Tab: the last target and the practice server first, then the usual forms."""
    if " " in slot.word:
        return []
    out: list[Candidate] = []
    seen: set[str] = set()
    known = [(target, t("ui.complete.target.known", "connected before in this shell")) for target in sources.targets]
    forms = [(text, summary()) for text, summary in CONNECT_FORMS]
    for text, summary in known + forms:
        if text in seen or not text.lower().startswith(slot.word.lower()) or text == slot.word:
            continue
        seen.add(text)
        out.append(Candidate(text, summary))
    return out


# One completer per kind of shell-command argument. A kind without one fails
# here, at import, not as a silent empty menu.
SHELL_ARG_COMPLETERS = {
    ArgKind.NONE: _no_shell_arg,
    ArgKind.FILE: _file_arg,
    ArgKind.VERB: _verb_arg,
    ArgKind.CODE: _code_arg,
    ArgKind.LEVEL: _level_arg,
    ArgKind.TARGET: _target_arg,
    ArgKind.ON_OFF: _on_off_arg,
    ArgKind.PIPELINE_MODE: _pipeline_mode_arg,
    ArgKind.AUTH_MODE: _auth_mode_arg,
    ArgKind.MECHANISM: _mechanism_arg,
}
if set(SHELL_ARG_COMPLETERS) != set(ArgKind):
    raise RuntimeError(f"ui.completion: no completer for {set(ArgKind) - set(SHELL_ARG_COMPLETERS)}")


def file_candidates(word: str, cwd: str = ".") -> list[Candidate]:
    """File names completing ``word`` (a path as typed); directories end with '/'."""
    head, _, tail = word.rpartition("/")
    directory = os.path.expanduser(head + "/" if head or word.startswith("/") else "")
    base = directory if os.path.isabs(directory) else os.path.join(cwd, directory)
    try:
        entries = sorted(os.scandir(base or "."), key=lambda e: e.name)
    except OSError:
        return []
    out = []
    for entry in entries:
        if not entry.name.startswith(tail) or (entry.name.startswith(".") and not tail.startswith(".")):
            continue
        is_dir = entry.is_dir()
        prefix = head + "/" if head or word.startswith("/") else ""
        kind = t("ui.complete.directory", "directory") if is_dir else t("ui.complete.file", "file")
        out.append(Candidate(prefix + entry.name + ("/" if is_dir else ""), kind,
                             entry.name + ("/" if is_dir else "")))
    return out


_MAKERS = {
    VERB: _verbs,
    KEYWORD: _keyword,
    ADDRESS: _addresses,
    PARAMETER: _parameters,
    PARAM_VALUE: _parameter_values,
    ARGUMENT: _arguments,
    MECHANISM: _mechanisms,
    HELO_NAME: _helo_names,
    SHELL_COMMAND: _shell_commands,
    SHELL_ARG: _shell_args,
}

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..protocol import catalogue
from ..protocol.session import Phase, Session
from ..shell import registry

UNKNOWN_MECHANISM = "a SASL mechanism smtpshell cannot run for you (/auth manual: type the base64)"

# Slot kinds.
VERB = "verb"
KEYWORD = "keyword"  # FROM: / TO:
ADDRESS = "address"
PARAMETER = "parameter"
PARAM_VALUE = "param-value"
ARGUMENT = "argument"  # a verb's fixed first arguments (AUTH mechanisms, BDAT LAST ...)
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
    arg_kind: str = ""  # SHELL_ARG: the command's arg_kind ("file", "verb", ...)
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
    if entry.keyword:
        return _envelope_slot(entry, args, word, before_cursor)
    if verb in ("EHLO", "HELO", "LHLO") and position == 0:
        return Slot(HELO_NAME, word, verb, line=before_cursor)
    if verb == "HELP" and position == 0:
        return Slot(VERB, word, verb, line=before_cursor)
    if entry.arguments and (position == 0 or verb == "XCLIENT" or (verb == "BDAT" and position == 1)):
        return Slot(ARGUMENT, word, verb, line=before_cursor)
    return Slot(NOTHING, word, verb, line=before_cursor)


def _envelope_slot(entry: catalogue.Verb, args: str, word: str, line: str) -> Slot:
    """MAIL FROM:<addr> params / RCPT TO:<addr> params."""
    assert entry.keyword is not None
    lead = args.lstrip()
    if ":" not in lead:
        if " " in lead:
            return Slot(NOTHING, word, entry.name, line=line)
        return Slot(KEYWORD, lead, entry.name, line=line)
    _, _, path = lead.partition(":")
    path = path.lstrip()
    if ">" not in path:
        if path.startswith("<"):
            return Slot(ADDRESS, path[1:], entry.name, line=line)
        if " " not in path:
            return Slot(ADDRESS, path, entry.name, line=line)  # no '<' yet: offer "<addr>"
        return Slot(NOTHING, word, entry.name, line=line)
    after = path.split(">", 1)[1]
    if not after.startswith(" "):
        return Slot(NOTHING, word, entry.name, line=line)
    if "=" in word:
        name, _, value = word.partition("=")
        return Slot(PARAM_VALUE, value, entry.name, param=name.upper(), line=line)
    return Slot(PARAMETER, word, entry.name, line=line)


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
        summary = verb.summary if name in legal else f"{verb.summary} (not expected now)"
        out.append(Candidate(_same_case(slot.word, name), summary))
    if slot.verb == "HELP":
        return out
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


def _addresses(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    bare = not slot.line.rstrip().endswith("<") and "<" not in slot.line.split(":", 1)[-1]
    word = slot.word.lstrip("<")
    out, seen = [], set()
    for origin, addresses in (("used in this session", session.addresses),
                              ("from history", sources.history_addresses)):
        for address in addresses:
            if address in seen or not address.lower().startswith(word.lower()):
                continue
            seen.add(address)
            out.append(Candidate(f"<{address}>" if bare else f"{address}>", origin, address))
    if slot.verb == "MAIL" and "" not in seen and not word:
        out.append(Candidate("<>" if bare else ">", "null sender (bounces, DSNs)", "<>"))
    return out


def _parameters(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    entry = catalogue.VERBS[slot.verb]
    used = {w.split("=", 1)[0].upper() for w in slot.line.split(">", 1)[-1].split()}
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


def _arguments(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    entry = catalogue.VERBS[slot.verb]
    if slot.verb == "AUTH":
        if session.capabilities is not None:
            offered: Iterable[str] = session.capabilities.auth_mechanisms  # exactly what it advertised
        else:
            offered = entry.arguments
        return [Candidate(m, mechanism_summary(m)) for m in offered if _matches(slot.word, m)]
    used = {w.split("=", 1)[0].upper() + "=" for w in slot.line.split()[1:-1]}
    return [Candidate(_same_case(slot.word, a), entry.syntax) for a in entry.arguments
            if a not in used and _matches(slot.word, a)]


def mechanism_summary(name: str) -> str:
    """What a mechanism is, from the SASL module itself (the one that runs it)."""
    from ..protocol import sasl

    known = sasl.MECHANISMS.get(name.upper())
    return known.summary if known is not None and known.summary else UNKNOWN_MECHANISM


def _helo_names(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    names = list(dict.fromkeys([*sources.helo_names, "localhost"]))
    return [Candidate(n, "your host name") for n in names if n.lower().startswith(slot.word.lower())]


def _shell_commands(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    registry.load_all()
    word = slot.word.lower()
    return [
        Candidate(f"{registry.PREFIX}{cmd.name}", cmd.summary, f"{registry.PREFIX}{cmd.name} {cmd.usage}".rstrip())
        for cmd in registry.COMMANDS.values()
        if cmd.name.startswith(word)
    ]


def _shell_args(slot: Slot, session: Session, sources: Sources) -> list[Candidate]:
    if slot.arg_kind == "file":
        return file_candidates(slot.word, sources.cwd)
    if slot.arg_kind == "verb":
        verbs = [Candidate(name, catalogue.VERBS[name].summary) for name in catalogue.VERBS
                 if _matches(slot.word, name)]
        commands = [c for c in _shell_commands(Slot(SHELL_COMMAND, slot.word.lstrip(registry.PREFIX)), session, sources)
                    if c.text.startswith(slot.word) or not slot.word]
        return verbs + commands
    return []


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
        out.append(Candidate(prefix + entry.name + ("/" if is_dir else ""), "directory" if is_dir else "file",
                             entry.name + ("/" if is_dir else "")))
    return out


_MAKERS = {
    VERB: _verbs,
    KEYWORD: _keyword,
    ADDRESS: _addresses,
    PARAMETER: _parameters,
    PARAM_VALUE: _parameter_values,
    ARGUMENT: _arguments,
    HELO_NAME: _helo_names,
    SHELL_COMMAND: _shell_commands,
    SHELL_ARG: _shell_args,
}

"""The bottom toolbar and the right prompt, as pure functions of the state.

Toolbar: ``host:port | TLS lock and version | user | phase | syntax of the verb
being typed``, or, when nothing is being typed, ``... | the next step`` (whose
words name the phase, so it is said once). Right prompt: the phase, short, for
when the toolbar is hidden (F2); with the toolbar on, the REPL leaves it empty.
No prompt_toolkit here: the REPL calls these on each redraw.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import t
from ..knowledge.next_steps import next_step
from ..protocol import catalogue
from ..protocol.session import Phase, Session
from ..render.styled import StyledText
from ..shell import registry
from ..untrusted import safe

LOCK = "\U0001f512"  # the padlock
WARNING_SIGN = "\u26a0"


def phase_words(phase: Phase) -> str:
    """The phase as the toolbar and the right prompt name it, in the current language."""
    return _PHASE_WORDS[phase]()


# Read when shown (the language may change after import). A phase missing here fails at import.
_PHASE_WORDS = {
    Phase.CONNECTING: lambda: t("ui.phase.connecting", "connecting"),
    Phase.GREETED: lambda: t("ui.phase.greeted", "greeted"),
    Phase.IDENTIFIED: lambda: t("ui.phase.identified", "identified"),
    Phase.MAIL: lambda: t("ui.phase.mail", "sender given"),
    Phase.RCPT: lambda: t("ui.phase.rcpt", "recipients given"),
    Phase.DATA: lambda: t("ui.phase.data", "writing message"),
    Phase.BDAT: lambda: t("ui.phase.bdat", "sending chunks"),
    Phase.AUTH: lambda: t("ui.phase.auth", "authenticating"),
    Phase.CLOSING: lambda: t("ui.phase.closing", "closing"),
    Phase.CLOSED: lambda: t("ui.phase.closed", "closed"),
}
if set(_PHASE_WORDS) != set(Phase):
    raise RuntimeError(f"ui.toolbar: no words for {set(Phase) - set(_PHASE_WORDS)}")


@dataclass(frozen=True)
class Where:
    """Connection facts the session does not hold."""

    address: str = ""  # "host:port", "" when never connected
    tls_version: str | None = None  # "TLSv1.3"
    tls_verified: bool = True
    connected: bool = True
    raw: bool = False  # /raw on: typed escapes are sent as bytes
    pipelining: str = ""  # "on" or "group" while /pipeline is on


def toolbar(session: Session, where: Where, typed: str = "") -> StyledText:
    out: StyledText = []
    sep = ("class:toolbar.sep", " \u2502 ")
    if where.address:
        out.append(("class:toolbar.host", f" {where.address}"))
    else:
        out.append(("class:toolbar.host", " " + t("ui.toolbar.not_connected", "not connected")))
    out.append(sep)
    if not where.connected or session.phase is Phase.CLOSED:
        out.append(("class:toolbar.closed", t("ui.toolbar.disconnected", "disconnected")))
    elif session.tls:
        version = where.tls_version or "TLS"
        if where.tls_verified:
            out.append(("class:toolbar.tls", f"{LOCK} {version}"))
        else:
            # --insecure: encrypted, but to whom is unknown. Say it loudly, all session long.
            out.append(("class:toolbar.insecure", f" {WARNING_SIGN} {version} "
                        + t("ui.toolbar.not_verified", "NOT VERIFIED (--insecure)") + " "))
    else:
        out.append(("class:toolbar.plain", t("ui.toolbar.plaintext", "plaintext")))
    if session.authenticated:
        user = (t("ui.toolbar.user", "user {name}", name=safe(session.auth_user)) if session.auth_user
                else t("ui.toolbar.authenticated", "authenticated"))
        out += [sep, ("class:toolbar.user", user)]
    # Modes that change what a typed line does are on screen all the time they are on.
    if where.raw:
        out += [sep, ("class:toolbar.raw", t("ui.toolbar.raw", "RAW: escapes are bytes"))]
    if where.pipelining:
        out += [sep, ("class:toolbar.mode", t("ui.toolbar.pipelining", "pipelining {mode}", mode=where.pipelining))]
    line = help_line(session, typed)
    if not (line and line[0][1] == next_step(session)):
        # The next-step hint names the phase itself ("greeted: try EHLO"): the phase is said once.
        out += [sep, ("class:toolbar.phase", phase_words(session.phase))]
    out += [sep, *line]
    return out


def help_line(session: Session, typed: str) -> StyledText:
    """The syntax of what is being typed, or else the hint for the next step."""
    text = typed.lstrip()
    if session.is_data_content:
        return [("class:toolbar.hint", next_step(session)),
                ("class:toolbar.hint", "  " + t("ui.toolbar.editor", "(Ctrl-X Ctrl-E: write it in $EDITOR)"))]
    if text.startswith(registry.PREFIX):
        name = text[len(registry.PREFIX) :].split(" ", 1)[0]
        registry.load_all()
        try:
            cmd = registry.resolve(name) if name else None
        except registry.UnknownCommand:
            return [("class:toolbar.error", t("ui.toolbar.unknown_command", "no shell command /{name}: /help lists them",
                                              name=safe(name)))]
        if cmd is not None:
            return [("class:toolbar.syntax", f"{registry.PREFIX}{cmd.name} {cmd.usage}".rstrip()),
                    ("class:toolbar.hint", f"  {cmd.summary}")]
        return [("class:toolbar.hint", t("ui.toolbar.shell_command", "a shell command: /help lists them"))]
    word = text.split(" ", 1)[0]
    verb = catalogue.lookup(word) if word and session.phase is not Phase.AUTH else None
    if verb is None:
        return [("class:toolbar.hint", next_step(session))]
    out: StyledText = [("class:toolbar.syntax", verb.syntax)]
    if verb.extension and session.capabilities is not None and not session.verb_available(verb):
        out.append(("class:toolbar.warning", "  " + t("ui.toolbar.not_available", "({extension} not available on this server now)",
                                                      extension=verb.extension)))
    else:
        out.append(("class:toolbar.hint", f"  {verb.summary}"))
    return out


def right_prompt(session: Session, where: Where) -> StyledText:
    if not where.connected or session.phase is Phase.CLOSED:
        return [("class:rprompt.closed", t("ui.toolbar.disconnected", "disconnected"))]
    if session.tls and not where.tls_verified:
        return [("class:rprompt.insecure", f"{WARNING_SIGN} " + t("ui.rprompt.unverified", "unverified")),
                ("class:rprompt", f" {phase_words(session.phase)}")]
    lock = f"{LOCK} " if session.tls else ""
    return [("class:rprompt", f"{lock}{phase_words(session.phase)}")]

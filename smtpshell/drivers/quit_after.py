"""--quit-after STAGE: cut a script's lines after a stage of the session (as swaks does).

The stages, in order: connect, greeting, ehlo, tls, auth, mail, rcpt, data.
Each line belongs to the stage of its verb (EHLO/HELO/LHLO, STARTTLS, AUTH or /login,
MAIL, RCPT, DATA and the message up to its "."); other lines (NOOP, /commands,
AUTH's answers) stay in the stage before them. The first line of a later stage
ends the script; the script driver then says QUIT as it always does. The
greeting is always read when connecting, so connect and greeting both stop
right after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..i18n import t

STAGES = ("connect", "greeting", "ehlo", "tls", "auth", "mail", "rcpt", "data")
_STAGE_OF_VERB = {"EHLO": "ehlo", "HELO": "ehlo", "LHLO": "ehlo", "STARTTLS": "tls", "AUTH": "auth",
                  "MAIL": "mail", "RCPT": "rcpt", "DATA": "data", "/LOGIN": "auth"}


def parse_stage(text: str) -> str:
    stage = text.strip().lower()
    if stage not in STAGES:
        raise ValueError(t("quit_after.bad", "--quit-after {text}: one of {stages}", text=text, stages=", ".join(STAGES)))
    return stage


def quit_after(lines: Iterable[str], stage: str) -> Iterator[str]:
    """The lines up to the end of ``stage`` (lazy: a script on stdin is read only as far as needed)."""
    last = STAGES.index(stage)
    in_data = False
    for line in lines:
        if in_data:
            yield line
            if line == ".":
                if stage == "data":
                    return  # the last stage is over: nothing after it goes out
                in_data = False
            continue
        word = line.strip().split(" ", 1)[0].split(":", 1)[0].upper()
        verb_stage = _STAGE_OF_VERB.get(word)
        if verb_stage is not None and STAGES.index(verb_stage) > last:
            return
        yield line
        in_data = verb_stage == "data"

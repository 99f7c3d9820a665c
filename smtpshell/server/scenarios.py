"""The security-lesson scenarios: one table, read by the server, ``--help`` and the welcome text.

Each scenario changes one protocol behaviour of the otherwise ordinary practice
server, so a class can watch the shell notice it. The behaviour itself lives in
:mod:`.smtp`; this module only names and describes them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scenario(enum.Enum):
    NORMAL = "normal"
    STARTTLS_INJECTION = "starttls-injection"
    STARTTLS_REFUSED = "starttls-refused"
    STARTTLS_STRIPPED = "starttls-stripped"
    SLOW = "slow"
    GARBAGE = "garbage"
    DROP = "drop"
    SMUGGLING = "smuggling"


@dataclass(frozen=True)
class ScenarioInfo:
    summary: str  # one line, for --help and the welcome text
    lesson: str  # what to try, and what the shell should show


SCENARIOS: dict[Scenario, ScenarioInfo] = {
    Scenario.NORMAL: ScenarioInfo(
        "a well-behaved server",
        "EHLO, then MAIL FROM, RCPT TO, DATA; STARTTLS before AUTH.",
    ),
    Scenario.STARTTLS_INJECTION: ScenarioInfo(
        "sends extra plaintext right after its 220 to STARTTLS (in the same TCP segment)",
        "Type STARTTLS: the shell discards the injected line and warns (CVE-2011-0411 style attack).",
    ),
    Scenario.STARTTLS_REFUSED: ScenarioInfo(
        "advertises STARTTLS but answers it with 454",
        "Type STARTTLS: 454 means no encryption today; a careful client does not go on to AUTH.",
    ),
    Scenario.STARTTLS_STRIPPED: ScenarioInfo(
        "leaves STARTTLS out of its EHLO reply, as a downgrading attacker would",
        "Type EHLO: STARTTLS is missing, so everything, passwords included, would go in clear text.",
    ),
    Scenario.SLOW: ScenarioInfo(
        "waits a few seconds before every reply (a tarpit)",
        "Type anything: the reply comes late; with a short --timeout the shell gives up cleanly.",
    ),
    Scenario.GARBAGE: ScenarioInfo(
        "answers the first EHLO/HELO with a line that is not SMTP (binary and terminal escapes)",
        "Type EHLO: the shell shows the garbage escaped, never raw; type EHLO again and go on.",
    ),
    Scenario.DROP: ScenarioInfo(
        "cuts the connection in the middle of its EHLO reply",
        "Type EHLO: the shell reports the half reply and the lost connection.",
    ),
    Scenario.SMUGGLING: ScenarioInfo(
        "takes a bare LF or CR as a line end, so LF . LF or CR . CR ends a message (open to SMTP smuggling)",
        "Type /raw on, then inside DATA send 'hi\\n.\\nMAIL FROM:<x@y>...': a second message appears in "
        "/mailbox (lesson 08-smtp-smuggling).",
    ),
}


def parse_scenario(text: str) -> Scenario:
    """'starttls-injection' -> Scenario; ValueError with the valid names otherwise."""
    try:
        return Scenario(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in Scenario)
        raise ValueError(f"unknown scenario {text!r}: choose one of {names}") from None

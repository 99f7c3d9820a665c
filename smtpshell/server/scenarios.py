"""The security-lesson scenarios: one table, read by the server, ``--help`` and the welcome text.

Each scenario changes one protocol behaviour of the otherwise ordinary practice
server, so a class can watch the shell notice it. The behaviour itself lives in
:mod:`.smtp`; this module only names and describes them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..i18n import t


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


def _describe() -> dict[Scenario, ScenarioInfo]:
    # Built at each look-up, so the words are in the language current then (not at import).
    return {
        Scenario.NORMAL: ScenarioInfo(
            t("server.scenario.normal.summary", "a well-behaved server"),
            t("server.scenario.normal.lesson", "EHLO, then MAIL FROM, RCPT TO, DATA; STARTTLS before AUTH."),
        ),
        Scenario.STARTTLS_INJECTION: ScenarioInfo(
            t("server.scenario.starttls_injection.summary", "sends extra plaintext right after its 220 to STARTTLS (in the same TCP segment)"),
            t("server.scenario.starttls_injection.lesson", "Type STARTTLS: the shell discards the injected line and warns (CVE-2011-0411 style attack)."),
        ),
        Scenario.STARTTLS_REFUSED: ScenarioInfo(
            t("server.scenario.starttls_refused.summary", "advertises STARTTLS but answers it with 454"),
            t("server.scenario.starttls_refused.lesson", "Type STARTTLS: 454 means no encryption today; a careful client does not go on to AUTH."),
        ),
        Scenario.STARTTLS_STRIPPED: ScenarioInfo(
            t("server.scenario.starttls_stripped.summary", "leaves STARTTLS out of its EHLO reply, as a downgrading attacker would"),
            t("server.scenario.starttls_stripped.lesson", "Type EHLO: STARTTLS is missing, so everything, passwords included, would go in clear text."),
        ),
        Scenario.SLOW: ScenarioInfo(
            t("server.scenario.slow.summary", "waits a few seconds before every reply (a tarpit)"),
            t("server.scenario.slow.lesson", "Type anything: the reply comes late; with a short --timeout the shell gives up cleanly."),
        ),
        Scenario.GARBAGE: ScenarioInfo(
            t("server.scenario.garbage.summary", "answers the first EHLO/HELO with a line that is not SMTP (binary and terminal escapes)"),
            t("server.scenario.garbage.lesson", "Type EHLO: the shell shows the garbage escaped, never raw; type EHLO again and go on."),
        ),
        Scenario.DROP: ScenarioInfo(
            t("server.scenario.drop.summary", "cuts the connection in the middle of its EHLO reply"),
            t("server.scenario.drop.lesson", "Type EHLO: the shell reports the half reply and the lost connection."),
        ),
        Scenario.SMUGGLING: ScenarioInfo(
            t("server.scenario.smuggling.summary", "takes a bare LF or CR as a line end, so LF . LF or CR . CR ends a message (open to SMTP smuggling)"),
            t("server.scenario.smuggling.lesson", "Type /raw on, then inside DATA send 'hi\\n.\\nMAIL FROM:<x@y>...': a second message appears in /mailbox (lesson 08-smtp-smuggling)."),
        ),
    }


class _Scenarios(Mapping[Scenario, ScenarioInfo]):
    """The table, read like a dict; each look-up is in the current language."""

    def __getitem__(self, scenario: Scenario) -> ScenarioInfo:
        return _describe()[scenario]

    def __iter__(self) -> Iterator[Scenario]:
        return iter(Scenario)

    def __len__(self) -> int:
        return len(Scenario)


SCENARIOS: Mapping[Scenario, ScenarioInfo] = _Scenarios()


def parse_scenario(text: str) -> Scenario:
    """'starttls-injection' -> Scenario; ValueError with the valid names otherwise."""
    try:
        return Scenario(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in Scenario)
        raise ValueError(t("server.scenario.unknown", "unknown scenario {name}: choose one of {names}", name=repr(text), names=names)) from None

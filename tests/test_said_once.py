"""Issue 11, must-show 5: one 535 prints one meaning and at most one hint, in every driver.

The meaning of a reply is said by the renderer alone (knowledge/, through
i18n); the AUTH flow adds no line of its own about the result. Checked
against the real SASL server on loopback, in script mode, in replay and in
the installed REPL in a pty.
"""

from __future__ import annotations

import pathlib

from smtpshell.client.target import parse_target
from tests.plugins.pty import plain
from tests.plugins.transcripts import replay_file

WRONG = "not-the-password"


def explanation_after(screen: str, wire: str) -> list[str]:
    """The lines the shell printed after the reply line starting with ``wire``, up to the next wire line."""
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(wire))
    out = []
    for line in lines[start + 1:]:
        if line.startswith(("C: ", "S: ")):
            break
        if out and line.startswith(" " * 5) and out[-1].lstrip().startswith(("↳", "→")):
            out[-1] += " " + line.strip()  # a continuation row of a wrapped explanation: the same line
            continue
        out.append(line)
    return out


def assert_said_once(lines: list[str]) -> None:
    meanings = [line for line in lines if line.lstrip().startswith("↳")]
    hints = [line for line in lines if line.lstrip().startswith("→")]
    notes = [line for line in lines if "535" in line or "credentials" in line.lower()]
    assert len(meanings) == 1, lines
    assert len(hints) <= 1, lines
    # Nothing else restates the result (the AUTH flow used to add "** 535 5.7.8: ...").
    assert notes == [line for line in meanings + hints if line in notes], lines


def test_script_mode_says_a_failed_login_once(sasl_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(sasl_server.address, "--user", "alice", "-c", "EHLO client.test", "-c", "AUTH PLAIN",
                        env={"SMTPSHELL_PASSWORD": WRONG})
    assert "S: 535" in run.screen
    assert_said_once(explanation_after(run.screen, "S: 535"))


async def test_replay_says_a_failed_login_once(sasl_server, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "login.transcript"
    path.write_text(
        "# smtpshell transcript 1\n"
        "S: 220 *\n"
        "C: EHLO client.test\nS: 250-*\nS: 250 *\n"
        "C: AUTH PLAIN AGFsaWNlAG5vdC10aGUtcGFzc3dvcmQ=\nS: 535 *\n",
        encoding="utf-8",
    )
    replayed = await replay_file(path, parse_target(sasl_server.address, implicit_tls=False))
    assert "S: 535" in replayed.screen
    assert_said_once(explanation_after(replayed.screen, "S: 535"))


def test_the_repl_says_a_failed_login_once(sasl_server, shell_pty) -> None:  # type: ignore[no-untyped-def]
    term = shell_pty(sasl_server.address, "--user", "alice", "--no-netrc", env={"SMTPSHELL_PASSWORD": WRONG})
    term.prompt()
    term.line("EHLO client.test")
    term.prompt()
    term.line("AUTH PLAIN")
    term.expect_text("535")
    term.prompt()
    term.line("/quit")
    term.finish()
    screen = plain(term.screen_log).replace("\r", "")
    assert_said_once(explanation_after(screen[screen.index("535") - 3:], "S: 535"))

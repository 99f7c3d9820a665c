"""Must-show 4: a line holding CR, LF or NUL is refused and nothing of it is sent.

smtpshell runs as a subprocess in script mode against a scripted server on
127.0.0.1 that records every byte it receives.
"""

from __future__ import annotations

import pytest

from tests.plugins.servers import ServerThread, answering_script


@pytest.fixture
def wire(scripted_server):  # type: ignore[no-untyped-def]
    """(server, received lines): answers 250 to everything, 334 to AUTH LOGIN, 221 to QUIT."""
    received: list[bytes] = []
    answers = {b"EHLO": b"250-mx.test\r\n250 AUTH LOGIN PLAIN\r\n", b"AUTH LOGIN": b"334 VXNlcm5hbWU6\r\n"}
    server: ServerThread = scripted_server(answering_script(answers, received))
    return server, received


@pytest.mark.parametrize(
    "bad",
    [
        "MAIL FROM:<a@b>\r\nRSET",
        "MAIL FROM:<a@b>\nRSET",
        "RCPT TO:<victim@example.org\r>",  # a pasted address holding a bare CR
        "EHLO client\r\nMAIL FROM:<a@b>",  # the EHLO name
        "VRFY x\x00y",
    ],
    ids=["CRLF", "LF", "bare CR", "EHLO name", "NUL"],
)
def test_a_line_with_cr_lf_or_nul_is_refused_and_nothing_sent(wire, run_smtpshell, bad: str) -> None:  # type: ignore[no-untyped-def]
    server, received = wire
    if "\x00" in bad:  # NUL cannot travel in argv: feed the script on stdin instead
        run = run_smtpshell(server.address, stdin=f"EHLO ok\n{bad}\nNOOP\n")
    else:
        run = run_smtpshell(server.address, "-c", "EHLO ok", "-c", bad, "-c", "NOOP")
    assert received == [b"EHLO ok", b"NOOP", b"QUIT"], run.screen
    refusals = [line for line in run.stderr.splitlines() if "refused" in line]
    assert len(refusals) == 1 and "nothing was sent" in refusals[0]
    assert "Traceback" not in run.screen


def test_helo_flag_with_crlf_is_refused(wire, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    server, received = wire
    run = run_smtpshell(server.address, "--helo", "x\r\nMAIL FROM:<a@b>", "-c", "NOOP")
    assert b"MAIL" not in b"\n".join(received) and not b"\n".join(received).startswith(b"EHLO")
    assert "refused" in run.stderr and "Traceback" not in run.screen


@pytest.mark.parametrize("user", ["alice\r\nRSET", "alice\x01auth=Bearer x"], ids=["CRLF", "ctrl-A"])
def test_username_with_control_characters_is_refused_before_auth(wire, run_smtpshell, user: str) -> None:  # type: ignore[no-untyped-def]
    server, received = wire
    run = run_smtpshell(server.address, "--user", user, "-c", "EHLO ok", "-c", "AUTH LOGIN", "-c", "NOOP",
                        env={"SMTPSHELL_PASSWORD": "pw-pw-pw"})
    assert received == [b"EHLO ok", b"NOOP", b"QUIT"], run.screen
    assert "refused: the username holds" in run.stderr

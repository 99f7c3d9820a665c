"""Must-show 5: the plaintext-AUTH warning and confirmation for a host outside
loopback, without ever connecting off this machine.

The decision is a pure function of the address (tested directly); the prompt
flow is tested end to end against a server on 127.0.0.1 with one seam faked:
``AuthController.peer_address``, the address the decision is made on, returns
a TEST-NET address (RFC 5737) instead of 127.0.0.1.
"""

from __future__ import annotations

import pytest

from smtpshell import events as ev
from smtpshell.auth import AuthOptions
from smtpshell.auth.safety import Verdict, is_loopback, plaintext_auth_decision, split_peer
from tests.plugins.auth import USERS, run_in_process
from tests.plugins.servers import answering_script

REMOTE = "192.0.2.25"  # TEST-NET-1: documentation only, never routed


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "mail.localhost", "::ffff:127.0.0.1"])
def test_loopback_goes_ahead_silently(address: str) -> None:
    assert is_loopback(address)
    assert plaintext_auth_decision(address, tls=False, interactive=False, allowed=False).verdict is Verdict.GO


@pytest.mark.parametrize("address", [REMOTE, "2001:db8::25", "mail.example.org", "10.0.0.1", "0.0.0.0"])
def test_remote_plaintext_asks_refuses_or_warns(address: str) -> None:
    assert not is_loopback(address)
    asked = plaintext_auth_decision(address, tls=False, interactive=True, allowed=False)
    assert asked.verdict is Verdict.ASK and "not encrypted" in asked.message and address in asked.message
    refused = plaintext_auth_decision(address, tls=False, interactive=False, allowed=False)
    assert refused.verdict is Verdict.REFUSE and "--allow-plaintext-auth" in refused.message
    assert "Nothing was sent" in refused.message
    allowed = plaintext_auth_decision(address, tls=False, interactive=False, allowed=True)
    assert allowed.verdict is Verdict.GO_WITH_WARNING and "not encrypted" in allowed.message


def test_tls_makes_remote_auth_fine() -> None:
    assert plaintext_auth_decision(REMOTE, tls=True, interactive=False, allowed=False).verdict is Verdict.GO


@pytest.mark.parametrize(("peer", "address"), [("1.2.3.4:25", "1.2.3.4"), ("[2001:db8::1]:587", "2001:db8::1")])
def test_split_peer(peer: str, address: str) -> None:
    assert split_peer(peer) == address


# -- the flow, with the peer address faked at its one seam ---------------------------------


@pytest.fixture
def recording_server(scripted_server):  # type: ignore[no-untyped-def]
    """A scripted SMTP server on 127.0.0.1 that records every line it receives."""
    received: list[bytes] = []
    answers = {b"EHLO": b"250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n", b"AUTH": b"235 2.7.0 Authentication successful\r\n"}
    thread = scripted_server(answering_script(answers, received))
    return thread, received


def _remote(controller) -> None:  # type: ignore[no-untyped-def]
    controller.peer_address = lambda: REMOTE  # the seam: pretend the peer is outside loopback


LINES = ["EHLO client.test", "AUTH PLAIN", "NOOP"]
CREDENTIALS = AuthOptions(user="alice")


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTPSHELL_PASSWORD", USERS["alice"])


async def test_script_mode_refuses_remote_plaintext_auth_and_sends_nothing(recording_server) -> None:  # type: ignore[no-untyped-def]
    thread, received = recording_server
    run = await run_in_process(thread.address, LINES, auth=CREDENTIALS, patch=_remote)
    assert not any(line.upper().startswith(b"AUTH") for line in received)
    assert b"NOOP" in received  # the session went on
    assert "refused: AUTH without TLS to 192.0.2.25" in run.err
    assert len([line for line in run.err.splitlines() if "AUTH without TLS" in line]) == 1


async def test_allow_flag_goes_ahead_with_a_warning(recording_server) -> None:  # type: ignore[no-untyped-def]
    thread, received = recording_server
    options = AuthOptions(user="alice", allow_plaintext_auth=True)
    run = await run_in_process(thread.address, LINES, auth=options, patch=_remote)
    warnings = [e for e in run.events if isinstance(e, ev.Warning) and e.kind == "plaintext-auth"]
    assert len(warnings) == 1 and "not encrypted" in warnings[0].message
    assert b"AUTH PLAIN" in received and "235" in run.out


async def test_interactive_warns_explains_and_respects_no(recording_server) -> None:  # type: ignore[no-untyped-def]
    thread, received = recording_server
    run = await run_in_process(thread.address, LINES, auth=CREDENTIALS, patch=_remote, interactive=True, answers=["n"])
    assert [label for label, _ in run.asked] == ["Send credentials without encryption anyway? [y/N] "]
    assert "not encrypted" in run.out and "base64 is an encoding, not encryption" in run.out
    assert not any(line.upper().startswith(b"AUTH") for line in received)
    assert "AUTH was not sent" in run.out


async def test_interactive_yes_sends_and_asks_once_per_connection(recording_server) -> None:  # type: ignore[no-untyped-def]
    thread, received = recording_server
    run = await run_in_process(thread.address, [*LINES, "AUTH PLAIN"], auth=CREDENTIALS, patch=_remote,
                               interactive=True, answers=["yes"])
    assert [label for label, _ in run.asked] == ["Send credentials without encryption anyway? [y/N] "]
    assert [line for line in received if line.startswith(b"AUTH")] == [b"AUTH PLAIN", b"AUTH PLAIN"]


async def test_loopback_is_not_asked_about(recording_server) -> None:  # type: ignore[no-untyped-def]
    thread, received = recording_server
    run = await run_in_process(thread.address, LINES, auth=CREDENTIALS, interactive=True)
    assert run.asked == [] and b"AUTH PLAIN" in received


async def test_after_starttls_remote_auth_goes_ahead_without_a_warning(starttls_server, ca_file) -> None:  # type: ignore[no-untyped-def]
    from smtpshell.client.tls import TLSOptions

    run = await run_in_process(starttls_server.address, ["EHLO client.test", "AUTH PLAIN"], auth=CREDENTIALS,
                               patch=_remote, starttls=True, tls=TLSOptions(cafile=ca_file))
    assert any(isinstance(e, ev.TLSStarted) for e in run.events)
    assert not [e for e in run.events if isinstance(e, ev.Warning) and e.kind == "plaintext-auth"]
    assert "235 2.7.0" in run.out and "AUTH without TLS" not in run.screen

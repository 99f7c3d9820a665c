"""The security-lesson scenarios, each watched through the real client."""

from __future__ import annotations

import asyncio

import pytest

from smtpshell import events as ev
from smtpshell.client import ConnectionClosed, ReplyTimeout
from smtpshell.protocol.replies import ProtocolError, Reply
from smtpshell.server import SCENARIOS, Scenario
from smtpshell.server.scenarios import parse_scenario
from tests.plugins.practice import StartPractice, message, practice_client


def keywords(reply: Reply) -> set[str]:
    return {line.split(" ", 1)[0].upper() for line in reply.lines[1:]}


async def test_starttls_injection_is_detected_and_discarded(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.STARTTLS_INJECTION)
    client = await practice_client(server)
    await client.ok("STARTTLS", 220)
    injected = client.warnings("starttls-injection")
    assert len(injected) == 1
    assert injected[0].detail.startswith(b"250 ")  # the line the server slipped in
    assert client.log.of(ev.TLSStarted)
    # The injected 250 was not taken as the answer to the next command.
    reply = await client.ok("EHLO client.test")
    assert "AUTH" in keywords(reply)
    assert (await client.login("alice", "wonderland")).code == 235  # type: ignore[union-attr]


async def test_normal_server_injects_nothing(start_practice: StartPractice) -> None:
    client = await practice_client(await start_practice())
    await client.ok("STARTTLS", 220)
    await client.ok("EHLO client.test")
    assert client.warnings("starttls-injection") == []


async def test_starttls_refused_454(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.STARTTLS_REFUSED)
    client = await practice_client(server, ehlo=False)
    assert "STARTTLS" in keywords(await client.ok("EHLO client.test"))
    reply = await client.ok("STARTTLS", 454)
    assert reply.enhanced == "4.7.0"
    assert not client.log.of(ev.TLSStarted)
    # Still in clear text, so AUTH stays refused.
    await client.ok("AUTH PLAIN", 530)


async def test_starttls_stripped_from_ehlo(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.STARTTLS_STRIPPED)
    client = await practice_client(server, ehlo=False)
    reply = await client.ok("EHLO client.test")
    assert "STARTTLS" not in keywords(reply)
    assert "SIZE" in keywords(reply)
    await client.ok("STARTTLS", 500)
    assert not client.log.of(ev.TLSStarted)


async def test_slow_server_is_slow_but_correct(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.SLOW, slow_delay=0.2)
    # A client that waits long enough gets every reply, in order.
    patient = await practice_client(server, timeout=10)
    reply = await patient.send_mail("a@practice.test", ["bob@practice.test"], message())
    assert isinstance(reply, Reply) and reply.code == 250
    # An impatient one times out cleanly, without a reply.
    impatient = await practice_client(server, timeout=10, greet=False)
    with pytest.raises(ReplyTimeout):
        await impatient.conn.next_exchange(timeout=0.05)


async def test_garbage_is_reported_and_the_session_goes_on(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.GARBAGE)
    client = await practice_client(server, ehlo=False)
    garbage = await client.say("EHLO client.test")
    assert isinstance(garbage, ProtocolError) and garbage.replaces_reply
    assert b"\x1b[2J" in garbage.raw  # what a raw print would have done to the screen
    errors = client.log.of(ev.ProtocolErrorReceived)
    assert errors and errors[0].exchange is not None
    # Only the first EHLO: the next one, and a whole message, work.
    await client.ok("EHLO client.test")
    reply = await client.send_mail("a@practice.test", ["bob@practice.test"], message())
    assert isinstance(reply, Reply) and reply.code == 250


async def test_drop_mid_reply_is_reported(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.DROP)
    client = await practice_client(server, ehlo=False)
    cut = await client.say("EHLO client.test")
    assert isinstance(cut, ProtocolError)
    assert b"250-mx.practice.test" in cut.raw
    with pytest.raises(ConnectionClosed):
        await client.say("NOOP")
    for _ in range(100):  # connection_lost runs a loop turn after the EOF
        if client.log.of(ev.Closed):
            break
        await asyncio.sleep(0.01)
    closed = client.log.of(ev.Closed)
    assert closed and closed[0].by_peer and not closed[0].clean


async def test_server_stays_up_after_a_dropped_connection(start_practice: StartPractice) -> None:
    server = await start_practice(scenario=Scenario.DROP)
    for _ in range(3):
        client = await practice_client(server, ehlo=False)
        assert isinstance(await client.say("EHLO client.test"), ProtocolError)
    # HELO is also cut once per connection; the greeting always comes.
    client = await practice_client(server, ehlo=False)
    assert isinstance(await client.say("HELO client.test"), ProtocolError)


def test_every_scenario_is_described_and_parsed() -> None:
    assert set(SCENARIOS) == set(Scenario)
    for scenario, info in SCENARIOS.items():
        assert info.summary and info.lesson
        assert parse_scenario(scenario.value.upper()) is scenario
    with pytest.raises(ValueError, match="choose one of"):
        parse_scenario("nonsense")

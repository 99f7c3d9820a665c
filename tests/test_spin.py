"""A wait polls the socket for a moment before it sleeps, only while that finds replies
(client/spin.py): the policy's counting, and a slow server that is polled a few times only."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest

from smtpshell import events as ev
from smtpshell.client import blocking, spin
from smtpshell.client.blocking import BlockingConnection, run_blocking
from smtpshell.client.spin import SpinPolicy
from smtpshell.client.target import Target
from tests.plugins.servers import ServerThread, read_command
from tests.test_socket_timeouts import in_a_thread


def polls_of(policy: SpinPolicy, answers: list[bool]) -> list[int]:
    """The waits (numbered from 0) that polled, each poll answered by the next of ``answers``."""
    polled, waits = [], 0
    for answer in answers:
        while not policy.wanted():
            waits += 1
        polled.append(waits)
        policy.found(answer)
        waits += 1
    return polled


def test_a_server_that_answers_in_time_is_polled_at_every_wait() -> None:
    assert polls_of(SpinPolicy(), [True] * 6) == [0, 1, 2, 3, 4, 5]


def test_misses_make_the_next_waits_sleep_at_once_for_twice_as_many_each_time() -> None:
    # miss at 0: skip 1; miss at 2: skip 2; miss at 5: skip 4; at 10: skip 8 ...
    assert polls_of(SpinPolicy(), [False] * 5) == [0, 2, 5, 10, 19]


def test_the_skips_stop_growing_and_a_hit_starts_over() -> None:
    policy = SpinPolicy()
    gaps = []
    last = None
    for at in polls_of(policy, [False] * 10 + [True]):  # ten misses, then a poll that finds its reply
        if last is not None:
            gaps.append(at - last - 1)
        last = at
    assert gaps[-3:] == [spin.MOST_SKIPPED] * 3
    assert [policy.wanted() for _ in range(3)] == [True, True, True]


class CountedPolls(BlockingConnection):
    polls = 0

    def _read_polling(self, budget: float) -> bool:
        CountedPolls.polls += 1
        return super()._read_polling(budget)


def test_one_cpu_is_never_polled_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert not spin.worth_polling()
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert spin.worth_polling()


def test_a_server_that_answers_slowly_is_polled_for_a_few_waits_only(
        scripted_server: Callable[..., ServerThread], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocking, "worth_polling", lambda: True)  # whatever this machine has
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.03)  # the greeting too: every wait misses
        writer.write(b"220 slow.test\r\n")
        while True:
            line = await read_command(reader)
            await asyncio.sleep(0.03)  # six hundred times the polling budget
            if line.upper() == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            writer.write(b"250 ok\r\n")
            await writer.drain()

    server = scripted_server(slow)
    host, port = server.address.rsplit(":", 1)
    CountedPolls.polls = 0

    async def session() -> int:
        conn = await CountedPolls.open(Target(host, int(port)), ev.EventBus(), timeout=10)
        await conn.greeting()
        for _ in range(10):
            await conn.command("NOOP")
        await conn.command("QUIT")
        await conn.close()
        return CountedPolls.polls

    # 12 waits (the greeting, ten NOOPs, QUIT): polled at waits 0, 2, 5 and 10 (see the test above).
    assert in_a_thread(lambda: run_blocking(session())) == 4

"""After QUIT inside TLS, the server's close_notify is answered, so the connection closes at once.

Before: the client read the server's close_notify and said nothing back; the
server (asyncio's TLS) waited for ours until its shutdown timeout (30 s), and
the REPL sat at "the server is closing the connection" that long before the
closed> prompt. The wait below is bounded well under that timeout.
"""

from __future__ import annotations

import asyncio

from smtpshell import events as ev
from tests.plugins.practice import practice_client


async def test_quit_inside_starttls_closes_without_waiting_for_the_servers_timeout(practice_server) -> None:
    client = await practice_client(practice_server)
    await client.starttls()
    await client.ok("QUIT", 221)
    for _ in range(100):  # up to 10 s; asyncio's TLS shutdown timeout is 30 s
        if client.log.of(ev.Closed):
            break
        await asyncio.sleep(0.1)
    (closed,) = client.log.of(ev.Closed)
    assert closed.by_peer and closed.clean, closed
    assert closed.reason == "closed after QUIT"

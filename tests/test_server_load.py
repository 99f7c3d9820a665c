"""Many clients at once, every message stored, none lost (a bounded functional test).

The load figure (100 clients x 10 messages, against a bare aiosmtpd) is
bench/bench_server_load.py; no timing is asserted here.
"""

from __future__ import annotations

import asyncio

from smtpshell.server.load import run_load
from tests.plugins.practice import StartPractice

CLIENTS = 12
MESSAGES = 3


async def test_concurrent_clients_every_message_stored_none_lost(start_practice: StartPractice, tmp_path) -> None:
    server = await start_practice(store_dir=tmp_path / "maildir")
    result = await run_load(server.host, server.port, clients=CLIENTS, messages=MESSAGES)
    total = CLIENTS * MESSAGES
    assert result.failed == 0
    assert result.accepted == total
    assert server.mailbox.count == total
    stored_subjects = {m.subject for m in server.mailbox}
    assert stored_subjects == set(result.subjects)  # every accepted message is the one stored
    assert len(list((tmp_path / "maildir" / "new").iterdir())) == total
    assert sorted(m.number for m in server.mailbox) == list(range(1, total + 1))  # no number given twice
    # Dot-stuffing survived the load: the body line starting with '.' came through once.
    assert all(m.data.endswith(b"\r\n.leading dot\r\n") for m in server.mailbox)
    for _ in range(100):  # the server notices each QUIT's close a loop turn later
        if server.connections == 0:
            break
        await asyncio.sleep(0.01)
    assert server.connections == 0  # every session ended with QUIT


async def test_concurrent_starttls_sessions_all_stored(start_practice: StartPractice) -> None:
    server = await start_practice()
    result = await run_load(server.host, server.port, clients=5, messages=3,
                            cafile=server.ca_file, starttls=True)
    assert result.failed == 0 and result.accepted == 15
    assert server.mailbox.count == 15
    assert all(m.tls and m.tls.startswith("TLS") for m in server.mailbox)

"""A bounded classroom load on the practice server, shared by the load test and bench/.

``run_load`` opens ``clients`` connections at once with the real client and has
each send ``messages`` messages over one session; it returns what the senders
saw accepted, so the caller can check it against what the server stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .. import events as ev
from ..client import Connection, Target, TLSOptions
from ..protocol.replies import Reply


@dataclass(frozen=True)
class LoadResult:
    accepted: int  # messages whose end-of-data got 250
    failed: int
    subjects: frozenset[str]


async def run_load(host: str, port: int, *, clients: int, messages: int, domain: str = "practice.test",
                   cafile: str | None = None, starttls: bool = False, timeout: float = 30.0) -> LoadResult:
    results = await asyncio.gather(
        *(_one_client(host, port, n, messages, domain, cafile, starttls, timeout) for n in range(clients)),
        return_exceptions=True,
    )
    accepted: set[str] = set()
    failed = 0
    for result in results:
        if isinstance(result, BaseException):
            failed += messages
            continue
        accepted |= result
        failed += messages - len(result)
    return LoadResult(len(accepted), failed, frozenset(accepted))


async def _one_client(host: str, port: int, number: int, messages: int, domain: str,
                      cafile: str | None, starttls: bool, timeout: float) -> set[str]:
    conn = await Connection.open(Target(host, port), ev.EventBus(), TLSOptions(cafile=cafile), timeout=timeout)
    sent: set[str] = set()
    try:
        await _expect(conn, None, 220)
        await _expect(conn, f"EHLO student{number}.test", 250)
        if starttls:
            await _expect(conn, "STARTTLS", 220)
            await _expect(conn, f"EHLO student{number}.test", 250)
        for m in range(messages):
            subject = f"load {number}-{m}"
            await _expect(conn, f"MAIL FROM:<student{number}@{domain}>", 250)
            await _expect(conn, f"RCPT TO:<alice@{domain}>", 250)
            await _expect(conn, "DATA", 354)
            body = f"Subject: {subject}\r\nFrom: student{number}@{domain}\r\n\r\nmessage {m}\r\n.leading dot\r\n"
            await conn.send_message([body.encode()], "load")
            if await _expect(conn, None, 250, reply_only=True):
                sent.add(subject)
        await _expect(conn, "QUIT", 221)
    finally:
        await conn.close()
    return sent


async def _expect(conn: Connection, line: str | None, code: int, reply_only: bool = False) -> bool:
    exchange = await (conn.next_exchange() if line is None else conn.command(line))
    ok = isinstance(exchange.reply, Reply) and exchange.reply.code == code
    if not ok and not reply_only:
        raise RuntimeError(f"{line or 'reply'}: expected {code}, got {exchange.reply!r}")
    return ok

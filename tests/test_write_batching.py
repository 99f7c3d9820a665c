"""Script mode writes a message in large writes, not one write per line (issue 18).

Against a real aiosmtpd server on 127.0.0.1: the blocking connection (script
mode's) sends MAIL, RCPT, DATA and the whole message with its '.' in four
writes, as smtplib does; the asyncio connection (the REPL's) keeps one write
per typed line, so each line goes out as it is typed.
"""

from __future__ import annotations

import asyncio

from smtpshell import events as ev
from smtpshell.client.blocking import BlockingConnection
from smtpshell.client.connection import Connection
from smtpshell.client.target import Target
from smtpshell.protocol.line import LineKind

BODY = ["Subject: batched", "", "line one", ".leading dot", "line three"]


async def _send_one(connection_class: type, address: str) -> tuple[int, object]:
    host, port = address.rsplit(":", 1)
    conn = await connection_class.open(Target(host, int(port)), ev.EventBus(), timeout=10)
    await conn.greeting()
    await conn.command("EHLO batch.test")
    before = conn.writes
    await conn.command("MAIL FROM:<alice@example.org>")
    await conn.command("RCPT TO:<bob@example.org>")
    await conn.command("DATA")
    for line in BODY:
        await conn.send(line, kind=LineKind.DATA_LINE)
    await conn.send(".", kind=LineKind.DATA_END)
    reply = (await conn.next_exchange()).reply
    writes = conn.writes - before
    await conn.command("QUIT")
    await conn.close()
    return writes, reply


def test_script_mode_sends_a_message_in_one_write(smtp_server) -> None:  # type: ignore[no-untyped-def]
    writes, reply = asyncio.run(_send_one(BlockingConnection, smtp_server.address))
    assert reply.code == 250  # type: ignore[attr-defined]
    assert writes == 4  # before: 3 + one per line + the '.' = 9
    content = smtp_server.messages[0].content
    assert b"\r\n.leading dot\r\n" in content  # dot-stuffed on the wire, unstuffed by the server


def test_the_repl_connection_writes_each_line_as_it_is_typed(smtp_server) -> None:  # type: ignore[no-untyped-def]
    writes, reply = asyncio.run(_send_one(Connection, smtp_server.address))
    assert reply.code == 250  # type: ignore[attr-defined]
    assert writes == 3 + len(BODY) + 1

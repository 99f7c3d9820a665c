"""The asyncio client against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from smtpshell import events as ev
from smtpshell.client import Connection, ConnectionFailed, Target, TLSOptions
from smtpshell.protocol import Reply
from smtpshell.protocol.line import LineKind
from tests.plugins.servers import ServerThread, SmtpServer, read_command

# Every test here runs against both connection shells (asyncio and blocking).
pytestmark = pytest.mark.usefixtures("both_connections")


async def open_conn(port: int, log: ev.EventLog, **kwargs: object) -> Connection:
    bus = ev.EventBus()
    bus.subscribe(log)
    tls = kwargs.pop("tls", None)
    host = str(kwargs.pop("host", "127.0.0.1"))
    conn = await Connection.open(Target(host, port, **kwargs), bus, tls, timeout=10)  # type: ignore[arg-type]
    await conn.greeting()
    return conn


def code(exchange: object) -> int:
    reply = exchange.reply  # type: ignore[attr-defined]
    assert isinstance(reply, Reply), reply
    return reply.code


async def test_plain_session_delivers_byte_exact(smtp_server: SmtpServer) -> None:
    log = ev.EventLog()
    conn = await open_conn(smtp_server.port, log)
    assert code(await conn.command("EHLO client.test")) == 250
    assert code(await conn.command("MAIL FROM:<alice@example.org>")) == 250
    assert code(await conn.command("RCPT TO:<bob@example.org>")) == 250
    assert code(await conn.command("DATA")) == 354
    for line in ["Subject: dots", "", ".starts with a dot", "..two dots", "end"]:
        await conn.send(line, kind=LineKind.DATA_LINE)
    assert code(await conn.command(".", kind=LineKind.DATA_END)) == 250
    assert code(await conn.command("QUIT")) == 221
    await conn.close()
    (msg,) = smtp_server.messages
    assert msg.mail_from == "alice@example.org"
    assert msg.rcpt_tos == ["bob@example.org"]
    assert msg.content == b"Subject: dots\r\n\r\n.starts with a dot\r\n..two dots\r\nend\r\n"
    notes = [e.note for e in log.of(ev.LineSent) if e.note]
    assert notes == ["dot-stuffed: sent as '..starts with a dot'", "dot-stuffed: sent as '...two dots'"]


async def test_streamed_message_from_chunks(smtp_server: SmtpServer) -> None:
    log = ev.EventLog()
    conn = await open_conn(smtp_server.port, log)
    await conn.command("EHLO client.test")
    await conn.command("MAIL FROM:<a@example.org>")
    await conn.command("RCPT TO:<b@example.org>")
    assert code(await conn.command("DATA")) == 354
    body = b"Subject: big\n\n" + b"".join(b".line %d\n" % i for i in range(2000))
    await conn.send_message((body[i : i + 777] for i in range(0, len(body), 777)), "test body")
    assert code(await conn.next_exchange()) == 250
    (data_event,) = log.of(ev.DataSent)
    assert data_event.stuffed == 2000
    assert smtp_server.messages[0].content == body.replace(b"\n", b"\r\n")


async def test_streamed_message_over_tls_in_whole_records(implicit_tls_server: SmtpServer, ca_file: str) -> None:
    # Under TLS a chunk's rest (past its last whole 16 KiB record) waits for the next chunk and
    # goes out with the end of data: nothing may be lost, doubled or reordered on the way.
    log = ev.EventLog()
    conn = await open_conn(implicit_tls_server.port, log, implicit_tls=True, tls=TLSOptions(cafile=ca_file))
    await conn.command("EHLO client.test")
    await conn.command("MAIL FROM:<a@example.org>")
    await conn.command("RCPT TO:<b@example.org>")
    assert code(await conn.command("DATA")) == 354
    body = b"Subject: records\n\n" + b"".join(b".line %d of the message\n" % i for i in range(9000))
    sizes = [5000, 16384, 40000, 1, 70000]
    chunks, at = [], 0
    while at < len(body):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(body[at : at + size])
        at += size
    writes = conn.writes
    await conn.send_message(chunks, "test body")
    assert code(await conn.next_exchange()) == 250
    (data_event,) = log.of(ev.DataSent)
    assert data_event.stuffed == 9000
    assert implicit_tls_server.messages[0].content == body.replace(b"\n", b"\r\n")
    assert conn.writes - writes < len(chunks)  # chunks shorter than a record wait for the next


async def test_implicit_tls(implicit_tls_server: SmtpServer, ca_file: str) -> None:
    log = ev.EventLog()
    conn = await open_conn(implicit_tls_server.port, log, implicit_tls=True, tls=TLSOptions(cafile=ca_file))
    (started,) = log.of(ev.TLSStarted)
    assert started.info.version.startswith("TLSv1.")
    assert started.info.verified and not started.upgraded
    assert started.info.chain and "127.0.0.1" in started.info.chain[0].names
    assert conn.session.tls
    assert code(await conn.command("EHLO client.test")) == 250
    assert conn.session.advertised("AUTH")
    await conn.command("QUIT")


async def test_starttls_changes_capabilities(starttls_server: SmtpServer, ca_file: str) -> None:
    log = ev.EventLog()
    conn = await open_conn(starttls_server.port, log, tls=TLSOptions(cafile=ca_file))
    await conn.command("EHLO client.test")
    before = conn.session.capabilities
    assert before is not None and before.has("STARTTLS") and not before.has("AUTH")
    assert code(await conn.command("STARTTLS")) == 220
    assert conn.session.tls and conn.session.capabilities is None  # forgotten
    await conn.command("EHLO client.test")
    after = conn.session.capabilities
    assert after is not None and after.has("AUTH") and not after.has("STARTTLS")
    assert log.of(ev.TLSStarted)[0].upgraded
    assert not log.of(ev.Warning)
    await conn.command("QUIT")


async def test_private_ca_needs_cafile(implicit_tls_server: SmtpServer, starttls_server: SmtpServer) -> None:
    with pytest.raises(ConnectionFailed, match="certificate"):
        await open_conn(implicit_tls_server.port, ev.EventLog(), implicit_tls=True)
    log = ev.EventLog()
    conn = await open_conn(starttls_server.port, log)
    await conn.command("EHLO client.test")
    with pytest.raises(ConnectionFailed, match="certificate"):
        await conn.command("STARTTLS")
    await asyncio.sleep(0.05)
    assert not conn.is_open
    assert log.of(ev.Closed)


async def test_insecure_connects_and_is_marked(implicit_tls_server: SmtpServer) -> None:
    log = ev.EventLog()
    conn = await open_conn(implicit_tls_server.port, log, implicit_tls=True, tls=TLSOptions(insecure=True))
    assert not log.of(ev.TLSStarted)[0].info.verified
    await conn.command("QUIT")


async def test_starttls_injection_in_one_segment_is_discarded(
    scripted_server, server_ssl_context: ssl.SSLContext, ca_file: str
) -> None:
    received_after_tls: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 evil.test ESMTP\r\n")
        await read_command(reader)  # EHLO
        writer.write(b"250-evil.test\r\n250 STARTTLS\r\n")
        await read_command(reader)  # STARTTLS
        writer.write(b"220 ready\r\n250-injected\r\n")  # one segment
        await writer.drain()
        await writer.start_tls(server_ssl_context)
        line = await read_command(reader)
        received_after_tls.append(line)
        writer.write(b"250-evil.test\r\n250-AUTH PLAIN\r\n250 SIZE 1000\r\n")
        received_after_tls.append(await read_command(reader))
        writer.write(b"221 bye\r\n")
        await writer.drain()

    server: ServerThread = scripted_server(script)
    log = ev.EventLog()
    conn = await open_conn(server.port, log, tls=TLSOptions(cafile=ca_file))
    await conn.command("EHLO me")
    assert code(await conn.command("STARTTLS")) == 220
    (warning,) = [w for w in log.of(ev.Warning) if w.kind == "starttls-injection"]
    assert warning.detail == b"250-injected\r\n"
    assert code(await conn.command("EHLO me")) == 250
    caps = conn.session.capabilities
    assert caps is not None and set(caps.keywords) == {"AUTH", "SIZE"}
    await conn.command("QUIT")
    assert received_after_tls == [b"EHLO me", b"QUIT"]


async def test_server_closing_is_reported(scripted_server) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 bye soon\r\n")
        await read_command(reader)
        writer.write(b"250-half a rep")
        await writer.drain()

    server = scripted_server(script)
    log = ev.EventLog()
    conn = await open_conn(server.port, log)
    exchange = await conn.command("EHLO me")
    assert "closed in the middle" in exchange.reply.message
    await asyncio.sleep(0.05)
    (closed,) = log.of(ev.Closed)
    assert closed.by_peer and not closed.clean


async def test_refused_connection_is_one_clear_error() -> None:
    probe = ServerThread(asyncio.Protocol).start()
    port = probe.port
    probe.stop()
    with pytest.raises(ConnectionFailed, match="refused"):
        await Connection.open(Target("127.0.0.1", port), ev.EventBus(), timeout=5)


async def test_ipv6_loopback() -> None:
    from aiosmtpd.smtp import SMTP

    from tests.plugins.servers import RecordingHandler

    try:
        server = ServerThread(lambda: SMTP(RecordingHandler()), host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        log = ev.EventLog()
        conn = await open_conn(server.port, log, host="::1")
        (connected,) = log.of(ev.Connected)
        assert connected.peer == f"[::1]:{server.port}"
        assert code(await conn.command("QUIT")) == 221
    finally:
        server.stop()

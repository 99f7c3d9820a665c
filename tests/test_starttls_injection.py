"""STARTTLS safety against scripted servers on 127.0.0.1.

- Plaintext the server sends after its 220 and before TLS is discarded and
  reported, whether it comes in the same segment as the 220, as a partial line,
  in a separate segment, or glued in front of the first TLS record.
- Only 220 starts a handshake: 454, 502 (and a stray 250) leave the session in
  plaintext, explained.
- A pasted ``STARTTLS`` + ``EHLO x`` writes exactly one line before the handshake.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

import pytest

from smtpshell import events as ev
from smtpshell.client import Connection, ConnectionFailed, Target, TLSOptions
from smtpshell.protocol import Reply
from tests.plugins.servers import ServerThread, read_command
from tests.plugins.tls import ServerTLS, read_until_tls

Start = Callable[..., ServerThread]

# Every test here runs against both connection shells (asyncio and blocking).
pytestmark = pytest.mark.usefixtures("both_connections")


async def _prologue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Greeting, EHLO offering STARTTLS, and the client's STARTTLS line."""
    writer.write(b"220 evil.test ESMTP\r\n")
    assert await read_command(reader) == b"EHLO client.test"
    writer.write(b"250-evil.test\r\n250 STARTTLS\r\n")
    assert await read_command(reader) == b"STARTTLS"


async def _serve_inside_tls(tls: ServerTLS, seen: list[bytes]) -> None:
    """Inside TLS: answer EHLO with a clean capability list, then QUIT."""
    line = await tls.readline()
    seen.append(line)
    await tls.write(b"250-clean.test\r\n250 SIZE 1000\r\n")
    line = await tls.readline()
    seen.append(line)
    await tls.write(b"221 bye\r\n")


async def _client(port: int, ca_file: str, log: ev.EventLog) -> Connection:
    bus = ev.EventBus()
    bus.subscribe(log)
    conn = await Connection.open(Target("127.0.0.1", port), bus, TLSOptions(cafile=ca_file), timeout=10)
    await conn.greeting()
    await conn.command("EHLO client.test")
    return conn


def _injected(log: ev.EventLog) -> bytes:
    return b"".join(w.detail for w in log.of(ev.Warning) if w.kind == "starttls-injection")


INJECTION = b"250-injected.test\r\n250 AUTH PLAIN\r\n"


def _variant(name: str, server_ctx: ssl.SSLContext, seen: list[bytes]) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _prologue(reader, writer)
        tls = ServerTLS(reader, writer, server_ctx)
        if name == "same-segment":
            writer.write(b"220 go ahead\r\n" + INJECTION)
            _, hello = await read_until_tls(reader)
            await tls.handshake(hello)
        elif name == "partial-line":
            writer.write(b"220 go ahead\r\n" + INJECTION + b"250 half a li")
            _, hello = await read_until_tls(reader)
            await tls.handshake(hello)
        elif name == "separate-segment":
            writer.write(b"220 go ahead\r\n")
            _, hello = await read_until_tls(reader)  # the client is in its handshake now
            writer.write(INJECTION)
            await writer.drain()
            await asyncio.sleep(0.05)  # let it arrive as a segment of its own
            await tls.handshake(hello)
        elif name == "glued-to-tls-record":
            writer.write(b"220 go ahead\r\n")
            _, hello = await read_until_tls(reader)
            writer.write(b"250 no newline here")  # sent with the ServerHello, no line end
            await tls.handshake(hello)
        await _serve_inside_tls(tls, seen)

    return script


EXPECTED = {
    "same-segment": INJECTION,
    "partial-line": INJECTION + b"250 half a li",
    "separate-segment": INJECTION,
    "glued-to-tls-record": b"250 no newline here",
}


@pytest.mark.parametrize("variant", list(EXPECTED))
async def test_injected_plaintext_is_discarded_and_reported(
    scripted_server: Start, server_ssl_context: ssl.SSLContext, ca_file: str, variant: str
) -> None:
    seen: list[bytes] = []
    server = scripted_server(_variant(variant, server_ssl_context, seen))
    log = ev.EventLog()
    conn = await _client(server.port, ca_file, log)
    exchange = await conn.command("STARTTLS")
    assert isinstance(exchange.reply, Reply) and exchange.reply.code == 220
    assert conn.tls_info is not None and conn.session.tls
    # Every injected byte is reported, none more, and none became a reply.
    assert _injected(log) == EXPECTED[variant]
    assert conn.drop_exchanges() == 0
    assert conn.session.capabilities is None  # forgotten, not filled in by the injection
    after = await conn.command("EHLO client.test")
    assert isinstance(after.reply, Reply) and after.reply.lines[0] == "clean.test"
    assert not conn.session.advertised("AUTH")
    assert conn.session.advertised("SIZE")
    await conn.command("QUIT")
    assert seen == [b"EHLO client.test", b"QUIT"]
    warnings = [w for w in log.of(ev.Warning) if w.kind == "starttls-injection"]
    assert all("STARTTLS response injection" in w.message for w in warnings)
    replies = [e.reply.code for e in log.of(ev.ReplyReceived)]
    assert replies == [220, 250, 220, 250, 221]  # greeting, EHLO, STARTTLS, EHLO in TLS, QUIT
    await conn.close()


@pytest.mark.parametrize(
    ("answer", "meaning"),
    [
        (b"454 4.7.0 TLS not available due to temporary reason", "temporary"),
        (b"502 5.5.1 Command not implemented", "does not implement STARTTLS"),
        (b"250 sure, whatever", "go-ahead is 220"),
    ],
)
async def test_refused_starttls_stays_plaintext_and_says_so(
    scripted_server: Start, ca_file: str, answer: bytes, meaning: str
) -> None:
    after: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _prologue(reader, writer)
        writer.write(answer + b"\r\n")
        after.append(await reader.readline())  # plaintext, not a ClientHello
        writer.write(b"250-evil.test\r\n250 STARTTLS\r\n")
        await read_command(reader)

    server = scripted_server(script)
    log = ev.EventLog()
    conn = await _client(server.port, ca_file, log)
    exchange = await conn.command("STARTTLS")
    assert isinstance(exchange.reply, Reply) and exchange.reply.code == int(answer[:3])
    assert conn.tls_info is None and not conn.session.tls and not conn.tls_pending
    (refused,) = [w for w in log.of(ev.Warning) if w.kind == "starttls-refused"]
    assert f"STARTTLS answered {answer[:3].decode()}, not 220" in refused.message
    assert "stays in plaintext" in refused.message and meaning in refused.message
    assert not log.of(ev.TLSStarted)
    await conn.command("EHLO client.test")
    assert after == [b"EHLO client.test\r\n"]  # the next line went out as plaintext, no handshake
    await conn.close()


async def test_pasted_starttls_and_ehlo_write_once_before_the_handshake(
    scripted_server: Start, server_ssl_context: ssl.SSLContext, ca_file: str
) -> None:
    """STARTTLS then EHLO, the second sent without waiting for the first's reply."""
    early: list[bytes] = []
    inside: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _prologue(reader, writer)
        # Give a careless client every chance to send EHLO in plaintext now.
        try:
            early.append(await asyncio.wait_for(reader.read(65536), 0.3))
        except TimeoutError:
            early.append(b"")
        writer.write(b"220 go ahead\r\n")
        plain, hello = await read_until_tls(reader)
        early.append(plain)
        tls = ServerTLS(reader, writer, server_ssl_context)
        await tls.handshake(hello)
        await _serve_inside_tls(tls, inside)

    server = scripted_server(script)
    log = ev.EventLog()
    conn = await _client(server.port, ca_file, log)
    writes_at_handshake: list[int] = []
    conn.bus.subscribe(lambda e: writes_at_handshake.append(conn.writes) if isinstance(e, ev.TLSStarted) else None)
    before = conn.writes
    await conn.send("STARTTLS")
    await conn.send("EHLO client.test")  # not waiting for STARTTLS's reply: this must wait for TLS
    first, second = await conn.next_exchange(), await conn.next_exchange()
    assert isinstance(first.reply, Reply) and first.reply.code == 220
    assert isinstance(second.reply, Reply) and second.reply.lines[0] == "clean.test"
    assert writes_at_handshake == [before + 1]  # exactly one write (STARTTLS) before the handshake
    assert early == [b"", b""]  # the server saw nothing after STARTTLS before the ClientHello
    await conn.command("QUIT")
    assert inside == [b"EHLO client.test", b"QUIT"]
    kinds = [type(e).__name__ for e in log.events if isinstance(e, (ev.TLSStarted, ev.LineSent))]
    assert kinds[-3:] == ["TLSStarted", "LineSent", "LineSent"]  # EHLO shown after TLS started


async def test_handshake_failure_after_220_closes_with_the_reason(scripted_server: Start, ca_file: str) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _prologue(reader, writer)
        writer.write(b"220 go ahead\r\n")
        await read_until_tls(reader)
        writer.write(b"this is not TLS\r\n")
        await writer.drain()
        writer.close()

    server = scripted_server(script)
    log = ev.EventLog()
    conn = await _client(server.port, ca_file, log)
    with pytest.raises(ConnectionFailed) as failed:
        await conn.command("STARTTLS")
    assert "during the TLS handshake" in str(failed.value)
    assert _injected(log) == b"this is not TLS\r\n"
    assert not conn.is_open and not log.of(ev.TLSStarted)
    (closed,) = log.of(ev.Closed)
    assert not closed.clean


async def test_after_starttls_the_user_is_told_to_ehlo_again(
    starttls_server: object, ca_file: str
) -> None:
    log = ev.EventLog()
    conn = await _client(starttls_server.port, ca_file, log)  # type: ignore[attr-defined]
    await conn.command("STARTTLS")
    infos = [i.message for i in log.of(ev.Info)]
    assert any("say EHLO again" in m for m in infos)
    assert conn.session.capabilities is None and conn.session.previous_capabilities is not None
    assert "STARTTLS" not in conn.session.legal_verbs()
    await conn.command("EHLO client.test")
    assert conn.session.advertised("AUTH")  # the new capabilities only
    await conn.close()


async def test_implicit_tls_to_a_plaintext_server_fails_at_once(scripted_server: Start) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 plain.test ESMTP\r\n")
        await reader.read(65536)
        await asyncio.sleep(5)

    server = scripted_server(script)
    with pytest.raises(ConnectionFailed) as failed:
        await Connection.open(Target("127.0.0.1", server.port, implicit_tls=True), ev.EventBus(), TLSOptions(), timeout=30)
    assert "answered in plaintext ('220 plain.test ESMTP')" in str(failed.value)
    assert "without --tls" in str(failed.value)

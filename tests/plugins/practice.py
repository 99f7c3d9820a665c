"""The practice server in the test's own event loop, and a small client around the real Connection."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from smtpshell import events as ev
from smtpshell.client import Connection, Target, TLSOptions
from smtpshell.protocol.replies import ProtocolError, Reply
from smtpshell.server import PracticeConfig, PracticeServer

StartPractice = Callable[..., Awaitable[PracticeServer]]


@pytest.fixture(scope="session")
def practice_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state dir for the session: the certificate is made once, then reused."""
    return tmp_path_factory.mktemp("practice-state")


@pytest.fixture
async def start_practice(practice_state_dir: Path) -> AsyncIterator[StartPractice]:
    """``await start_practice(greylisting=True, ...)``: a PracticeServer with those settings."""
    started: list[PracticeServer] = []

    async def start(on_message: Any = None, **settings: Any) -> PracticeServer:
        settings.setdefault("state_dir", practice_state_dir)
        server = await PracticeServer(PracticeConfig(**settings), on_message=on_message).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


@pytest.fixture
async def practice_server(start_practice: StartPractice) -> PracticeServer:
    return await start_practice()


class PracticeClient:
    """The real client (smtpshell.client.Connection), with the events it emitted kept."""

    def __init__(self, conn: Connection, log: ev.EventLog) -> None:
        self.conn = conn
        self.log = log

    async def say(self, line: str, **kwargs: Any) -> Reply | ProtocolError:
        return (await self.conn.command(line, **kwargs)).reply

    async def ok(self, line: str, code: int = 250) -> Reply:
        """Send ``line``, assert the reply code, return the reply."""
        reply = await self.say(line)
        assert isinstance(reply, Reply), f"{line!r} got {reply!r}"
        assert reply.code == code, f"{line!r} got {reply.code} {reply.text!r}"
        return reply

    async def starttls(self) -> None:
        await self.ok("STARTTLS", 220)
        await self.ok("EHLO client.test")

    async def login(self, user: str, password: str) -> Reply | ProtocolError:
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return await self.say(f"AUTH PLAIN {token}", shown="AUTH PLAIN <secret>", secret=True)

    async def send_mail(self, sender: str, recipients: Iterable[str], body: bytes) -> Reply | ProtocolError:
        await self.ok(f"MAIL FROM:<{sender}>")
        for rcpt in recipients:
            await self.ok(f"RCPT TO:<{rcpt}>")
        await self.ok("DATA", 354)
        await self.conn.send_message([body], "test")
        return (await self.conn.next_exchange()).reply

    def warnings(self, kind: str) -> list[ev.Warning]:
        return [w for w in self.log.of(ev.Warning) if w.kind == kind]

    async def close(self) -> None:
        await self.conn.close()


async def practice_client(server: PracticeServer, *, implicit_tls: bool = False, timeout: float = 10.0,
                          greet: bool = True, ehlo: bool = True) -> PracticeClient:
    """Connect to ``server`` trusting its certificate; read the greeting and send EHLO by default."""
    bus = ev.EventBus()
    log = ev.EventLog()
    bus.subscribe(log)
    port = server.tls_port if implicit_tls else server.port
    assert port is not None
    conn = await Connection.open(Target(server.host, port, implicit_tls=implicit_tls), bus,
                                 TLSOptions(cafile=server.ca_file), timeout=timeout)
    client = PracticeClient(conn, log)
    if greet:
        greeting = (await conn.greeting()).reply
        assert isinstance(greeting, Reply) and greeting.code == 220, greeting
        if ehlo:
            await client.ok("EHLO client.test")
    return client


def message(subject: str = "hello", body: str = "Hi there.") -> bytes:
    return f"From: a@practice.test\r\nTo: bob@practice.test\r\nSubject: {subject}\r\n\r\n{body}\r\n".encode()

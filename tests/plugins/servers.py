"""Real servers on 127.0.0.1 for the tests: aiosmtpd (plain, STARTTLS, implicit
TLS, AUTH) and small scripted servers for hostile behaviour.

Each runs in a thread with its own event loop on a free port, so the same
fixture serves async tests, subprocess tests and pseudo-terminal tests.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword

HOST = "127.0.0.1"
USERS = {"alice": "wonderland-Pa55", "bob": "builder-S3cret"}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes  # exactly as received, after the server removed dot-stuffing
    tls: bool
    auth: str | None


@dataclass
class RecordingHandler:
    """Accepts everything (or rejects listed recipients) and keeps each message."""

    messages: list[Received] = field(default_factory=list)
    reject_rcpt: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Envelope, address: str, options: list[str]) -> str:
        if address in self.reject_rcpt or address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(
            Received(
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
                content,
                session.ssl is not None,
                getattr(session, "login_data", None) and str(session.login_data),
            )
        )
        return f"250 2.0.0 OK: queued as TEST{len(self.messages):04d}"


def authenticator(server: SMTP, session: Any, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    if isinstance(auth_data, LoginPassword):
        user = auth_data.login.decode()
        if USERS.get(user) == auth_data.password.decode():
            return AuthResult(success=True, auth_data=user)
    return AuthResult(success=False, handled=False)


class ServerThread:
    """Runs ``factory()`` (an asyncio Protocol factory) on 127.0.0.1:free port in a thread."""

    def __init__(self, factory: Callable[[], asyncio.Protocol], ssl_context: ssl.SSLContext | None = None,
                 host: str = HOST) -> None:
        self.factory = factory
        self.ssl_context = ssl_context
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.host = host
        self.error: OSError | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            try:
                self._server = await self.loop.create_server(self.factory, self.host, 0, ssl=self.ssl_context)
            except OSError as exc:  # e.g. no IPv6 on this machine
                self.error = exc
                self._ready.set()
                return
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self.loop.run_until_complete(start())
        if self.error is not None:
            self.loop.close()
            return
        self.loop.run_forever()
        self.loop.close()

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test server did not start")
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        if self.error is not None:
            return

        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks(self.loop):
                if task is not asyncio.current_task():
                    task.cancel()

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self.loop)
        try:
            fut.result(5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class SmtpServer:
    thread: ServerThread
    handler: RecordingHandler

    @property
    def host(self) -> str:
        return self.thread.host

    @property
    def port(self) -> int:
        return self.thread.port

    @property
    def address(self) -> str:
        return self.thread.address

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_cert(test_ca: trustme.CA) -> trustme.LeafCert:
    return test_ca.issue_cert("localhost", "127.0.0.1", "::1")


@pytest.fixture(scope="session")
def ca_file(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def server_ssl_context(server_cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    return ctx


def start_smtp(handler: RecordingHandler | None = None, *, ssl_context: ssl.SSLContext | None = None,
               implicit: bool = False, **smtp_kwargs: Any) -> SmtpServer:
    """An aiosmtpd server in a thread. ``ssl_context`` + not implicit = STARTTLS."""
    handler = handler or RecordingHandler()
    kwargs: dict[str, Any] = dict(hostname="mx.test", ident="smtpshell-test ESMTP")
    if ssl_context is not None and not implicit:
        kwargs["tls_context"] = ssl_context
    kwargs.update(smtp_kwargs)
    thread = ServerThread(lambda: SMTP(handler, **kwargs), ssl_context if implicit else None).start()
    return SmtpServer(thread, handler)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP, no TLS, no AUTH."""
    server = start_smtp()
    yield server
    server.thread.stop()


@pytest.fixture
def starttls_server(server_ssl_context: ssl.SSLContext) -> Iterator[SmtpServer]:
    """STARTTLS offered; AUTH (LOGIN, PLAIN) advertised only after TLS."""
    server = start_smtp(
        ssl_context=server_ssl_context,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    yield server
    server.thread.stop()


@pytest.fixture
def implicit_tls_server(server_ssl_context: ssl.SSLContext) -> Iterator[SmtpServer]:
    """TLS from the first byte (port 465 style), AUTH offered."""
    server = start_smtp(
        ssl_context=server_ssl_context,
        implicit=True,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    yield server
    server.thread.stop()


@pytest.fixture
def auth_server() -> Iterator[SmtpServer]:
    """Plain connection with AUTH allowed without TLS (loopback tests only)."""
    server = start_smtp(authenticator=authenticator, auth_require_tls=False)
    yield server
    server.thread.stop()


Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class _ScriptProtocol(asyncio.StreamReaderProtocol):
    def __init__(self, script: Script) -> None:
        self._script_reader = asyncio.StreamReader()

        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await script(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        super().__init__(self._script_reader, run)


@pytest.fixture
def scripted_server() -> Iterator[Callable[[Script], ServerThread]]:
    """``scripted_server(script)`` starts a server whose connection handler is ``script``."""
    started: list[ServerThread] = []

    def start(script: Script, ssl_context: ssl.SSLContext | None = None) -> ServerThread:
        thread = ServerThread(lambda: _ScriptProtocol(script), ssl_context).start()
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread.stop()


async def read_command(reader: asyncio.StreamReader) -> bytes:
    """A scripted server's helper: the next line from the client (CRLF stripped)."""
    line = await reader.readline()
    if not line:
        raise ConnectionError("client went away")
    return line.rstrip(b"\r\n")


def answering_script(answers: dict[bytes, bytes], received: list[bytes],
                     greeting: bytes = b"220 mx.test ESMTP\r\n") -> Script:
    """A scripted server that records each line (CRLF stripped) and answers from
    ``answers``: the whole line upper-cased is looked up first, then its verb;
    anything else gets 250, and QUIT gets 221 and the end of the connection."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        while True:
            line = await reader.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n")
            received.append(line)
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            writer.write(answers.get(line.upper(), answers.get(verb, b"250 OK\r\n")))
            await writer.drain()

    return script


@pytest.fixture(params=["asyncio", "blocking"])
def both_connections(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a client test twice: with the asyncio Connection and with the blocking one
    (script mode's). The test module's ``Connection`` name is swapped for the run."""
    if request.param == "blocking":
        from smtpshell.client.blocking import BlockingConnection

        monkeypatch.setattr(request.module, "Connection", BlockingConnection)
    return str(request.param)


@dataclass
class RawWire:
    """Every byte the client sent, and each message (DATA content up to CRLF . CRLF)."""

    raw: bytearray = field(default_factory=bytearray)
    messages: list[bytes] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)

    def bare_line_ends(self) -> int:
        """CRs not followed by LF, and LFs not preceded by CR: what a lenient server might end a line at."""
        data = bytes(self.raw)
        return data.count(b"\r") + data.count(b"\n") - 2 * data.count(b"\r\n")


def raw_server(scripted_server: Callable[..., ServerThread], wire: RawWire, *, ok: bytes = b"250 ok",
               bye: bytes = b"221 bye") -> ServerThread:
    """A strict server (only CRLF ends a line) that keeps every byte it is sent: for raw-wire tests.
    ``ok`` answers each command but DATA and QUIT, ``bye`` answers QUIT."""
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        buffer = b""
        in_data = False
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            wire.raw += chunk
            buffer += chunk
            while True:
                if in_data:
                    end = (b"\r\n" + buffer).find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    wire.messages.append(buffer[:max(end, 0)])
                    buffer = buffer[end + 3:]
                    in_data = False
                    writer.write(b"250 2.0.0 queued\r\n")
                    continue
                line, sep, rest = buffer.partition(b"\r\n")
                if not sep:
                    break
                buffer = rest
                wire.commands.append(line)
                verb = line.split(b" ", 1)[0].upper()
                if verb == b"QUIT":
                    writer.write(bye + b"\r\n")
                    await writer.drain()
                    return
                in_data = verb == b"DATA"
                writer.write(b"354 go ahead\r\n" if in_data else ok + b"\r\n")
            await writer.drain()

    return scripted_server(script)

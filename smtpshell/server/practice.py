"""PracticeServer: the practice SMTP server in the current asyncio loop.

    async with PracticeServer(PracticeConfig()) as server:
        server.host, server.port, server.tls_port, server.ca_file, server.mailbox

Two listening sockets: ``port`` (plain, with STARTTLS) and ``tls_port``
(implicit TLS, port 465 style). Port 0 picks a free port. Stopping closes the
listeners and every open connection.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ..i18n import t
from .certs import CertFiles, ensure_certificate, given_certificate, server_context
from .config import PracticeConfig, PracticeServerError
from .paths import state_dir
from .policy import TeachingPolicy
from .scenarios import SCENARIOS, Scenario
from .smtp import PracticeSMTP
from .store import Mailbox, StoredMessage

if TYPE_CHECKING:
    from .feed import ClassFeed
    from .web import WebView


class ServerError(PracticeServerError):
    """The server cannot listen; str() is one line for the user."""


class PracticeServer:
    def __init__(self, config: PracticeConfig | None = None,
                 on_message: Callable[[StoredMessage], None] | None = None) -> None:
        self.config = config or PracticeConfig()
        self.mailbox = Mailbox(self.config.store_dir)
        if on_message is not None:
            self.mailbox.subscribe(on_message)
        self.policy = TeachingPolicy(self.config, self.mailbox)
        self.host = self.config.host
        self.port = 0
        self.tls_port: int | None = None
        self.cert: CertFiles | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._connections: set[PracticeSMTP] = set()
        self.feed: ClassFeed | None = None  # the class feed, with the web view only
        self.web: WebView | None = None

    def port_for(self, implicit_tls: bool) -> int:
        """The port a client should use: the implicit-TLS one when TLS is asked from the first
        byte (never the plaintext port in its place)."""
        if not implicit_tls:
            return self.port
        if self.tls_port is None:
            raise PracticeServerError(t("practice.no_tls_port", "implicit TLS was asked for, but the server has "
                                        "no implicit-TLS port (started with --no-tls-port?)"))
        return self.tls_port

    @property
    def ca_file(self) -> str:
        """The PEM file a client should trust to verify this server."""
        assert self.cert is not None, "the server is not started"
        return str(self.cert.ca)

    @property
    def connections(self) -> int:
        return len(self._connections)

    # -- starting and stopping -------------------------------------------------

    async def start(self) -> PracticeServer:
        self.cert = self._certificate()
        context = server_context(self.cert)
        try:
            plain = await self._listen(self.config.port, starttls=context, implicit=None)
            self._servers.append(plain)
            self.port = plain.sockets[0].getsockname()[1]
            if self.config.tls_port is not None:
                tls = await self._listen(self.config.tls_port, starttls=None, implicit=context)
                self._servers.append(tls)
                self.tls_port = tls.sockets[0].getsockname()[1]
            if self.config.web is not None:
                await self._start_web(self.config.web)
        except BaseException:
            await self.stop()
            raise
        return self

    async def _start_web(self, spec: str) -> None:
        # aiohttp is imported here only: without --web the server never loads it.
        try:
            from .feed import ClassFeed
            from .web import WebView, parse_web
        except ImportError as exc:
            raise ServerError(f"the web view needs aiohttp ({exc.name} is missing): pip install aiohttp") from None
        try:
            host, port = parse_web(spec, self.config.host)
        except ValueError as exc:
            raise ServerError(str(exc)) from None
        self.feed = ClassFeed(self.config.scenario.value)
        self.web = WebView(self, self.feed, host, port)
        try:
            await self.web.start()
        except OSError as exc:
            self.web = None
            raise ServerError(f"the web view cannot listen on {_hostport(host, port)}: {exc.strerror or exc}") from None

    def _class_view_url(self, transport: asyncio.BaseTransport) -> str | None:
        sockname = transport.get_extra_info("sockname")
        if self.web is None or not sockname:
            return None
        return self.web.url_for(str(sockname[0]))

    async def _listen(self, port: int, *, starttls: ssl.SSLContext | None,
                      implicit: ssl.SSLContext | None) -> asyncio.Server:
        loop = asyncio.get_running_loop()

        def factory() -> PracticeSMTP:
            return PracticeSMTP(
                self.policy, scenario=self.config.scenario, tls_context=starttls,
                on_open=self._connections.add, on_close=self._connections.discard, loop=loop,
                feed=self.feed, web_url=self._class_view_url,
            )

        try:
            return await loop.create_server(factory, self.config.host, port, ssl=implicit,
                                            reuse_address=True, backlog=256)
        except OSError as exc:
            where = _hostport(self.config.host, port)
            reason = exc.strerror or str(exc)
            hint = " (is another server using it? try another --port or --tls-port)" if exc.errno in (98, 48, 10048) else ""
            raise ServerError(f"cannot listen on {where}: {reason}{hint}") from None

    def _certificate(self) -> CertFiles:
        if self.config.cert_file is not None:
            return given_certificate(self.config.cert_file, self.config.key_file)
        names = [self.config.hostname, "localhost", "127.0.0.1", "::1"]
        host = self.config.host
        if host and host not in ("0.0.0.0", "::", ""):
            names.append(host)
        else:
            names.append(socket.gethostname())  # a classroom reaches the teacher's machine by name
        return ensure_certificate(self.config.state_dir or state_dir(), names)

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
            self.web = None
        for server in self._servers:
            server.close()
        for connection in list(self._connections):
            connection.abort()
        await asyncio.sleep(0)  # let connection_lost run
        for server in self._servers:
            try:
                await asyncio.wait_for(server.wait_closed(), 2)
            except TimeoutError:
                pass
        self._servers.clear()

    async def __aenter__(self) -> PracticeServer:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    # -- what to tell the user -----------------------------------------------------

    def welcome_lines(self) -> list[str]:
        c = self.config
        domain = c.domains[0]
        where = f"{_hostport(self.host, self.port)} (plain, STARTTLS offered)"
        if self.tls_port is not None:
            where += f" and {_hostport(self.host, self.tls_port)} (implicit TLS)"
        lines = [f"practice SMTP server {c.hostname}, listening on {where}"]
        names = ", ".join(f"{n}@{domain}" for n in [*c.users, *c.mailboxes])
        lists = ", ".join(f"{n}@{domain}" for n in c.lists)
        lines.append(f"accepts mail for {names}" + (f" and the list {lists}" if lists else ""))
        others = ", ".join(c.domains[1:])
        if others:
            lines.append(f"also its other domains: {others} (same names)")
        lines.append("mail to other domains is refused (relay denied) unless you log in with AUTH")
        creds = ", ".join(f"{user} / {password}" for user, password in c.users.items())
        when = "after STARTTLS" if c.auth_requires_tls else "with or without TLS"
        lines.append(f"demo logins: {creds} (AUTH PLAIN, LOGIN or CRAM-MD5, {when})")
        extras = [f"size limit {_size(c.size_limit)}", f"VRFY {'on' if c.vrfy else 'off'}",
                  f"EXPN {'on (try EXPN students)' if c.expn and 'students' in c.lists else 'on' if c.expn else 'off'}",
                  "greylisting on (the first try gets 451)" if c.greylisting else "greylisting off"]
        lines.append(", ".join(extras))
        info = SCENARIOS[c.scenario]
        lines.append(f"scenario: {c.scenario.value}: {info.summary}")
        if c.scenario is not Scenario.NORMAL:
            lines.append(f"try this: {info.lesson}")
        lines.append(f"certificate: trust {self.ca_file} to verify it (clients: --cafile)")
        if self.web is not None:
            lines.append(t("server.welcome.web", "class view (read-only web page and JSON API): {url}; "
                           "the practice CA for students: {url}ca.pem", url=self.web.url))
        if c.store_dir is not None:
            lines.append(f"messages are stored in the maildir {c.store_dir}")
        else:
            lines.append("messages are kept in memory only (/mailbox lists them)")
        return lines


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _size(n: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def default_store_dir() -> Path:
    return state_dir() / "maildir"

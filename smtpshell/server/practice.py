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
            raise PracticeServerError(t("practice.no_tls_port", "implicit TLS was asked for, but the server has no implicit-TLS port (started with --no-tls-port?)"))
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
            raise ServerError(t("server.web.needs_aiohttp", "the web view needs aiohttp ({name} is missing): pip install aiohttp",
                                name=exc.name)) from None
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
            raise ServerError(t("server.web.cannot_listen", "the web view cannot listen on {where}: {reason}",
                                where=_hostport(host, port), reason=exc.strerror or exc)) from None

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
            if exc.errno in (98, 48, 10048):
                raise ServerError(t("server.cannot_listen.in_use", "cannot listen on {where}: {reason} (is another server using it? try another --port or --tls-port)",
                                    where=where, reason=reason)) from None
            raise ServerError(t("server.cannot_listen", "cannot listen on {where}: {reason}", where=where, reason=reason)) from None

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
        plain = _hostport(self.host, self.port)
        if self.tls_port is not None:
            lines = [t("server.welcome.listening_tls", "practice SMTP server {hostname}, listening on {plain} (plain, STARTTLS offered) and {tls} (implicit TLS)",
                       hostname=c.hostname, plain=plain, tls=_hostport(self.host, self.tls_port))]
        else:
            lines = [t("server.welcome.listening", "practice SMTP server {hostname}, listening on {plain} (plain, STARTTLS offered)",
                       hostname=c.hostname, plain=plain)]
        names = ", ".join(f"{n}@{domain}" for n in [*c.users, *c.mailboxes])
        lists = ", ".join(f"{n}@{domain}" for n in c.lists)
        if lists:
            lines.append(t("server.welcome.accepts_lists", "accepts mail for {names} and the list {lists}", names=names, lists=lists))
        else:
            lines.append(t("server.welcome.accepts", "accepts mail for {names}", names=names))
        others = ", ".join(c.domains[1:])
        if others:
            lines.append(t("server.welcome.other_domains", "also its other domains: {domains} (same names)", domains=others))
        lines.append(t("server.welcome.relay", "mail to other domains is refused (relay denied) unless you log in with AUTH"))
        creds = ", ".join(f"{user} / {password}" for user, password in c.users.items())
        if c.auth_requires_tls:
            lines.append(t("server.welcome.logins_tls", "demo logins: {logins} (AUTH PLAIN, LOGIN or CRAM-MD5, after STARTTLS)", logins=creds))
        else:
            lines.append(t("server.welcome.logins_any", "demo logins: {logins} (AUTH PLAIN, LOGIN or CRAM-MD5, with or without TLS)", logins=creds))
        size, vrfy, expn, greylisting = self._extras()
        lines.append(t("server.welcome.settings", "{size}, {vrfy}, {expn}, {greylisting}", size=size, vrfy=vrfy, expn=expn,
                       greylisting=greylisting))
        info = SCENARIOS[c.scenario]
        lines.append(t("server.welcome.scenario", "scenario: {name}: {summary}", name=c.scenario.value, summary=info.summary))
        if c.scenario is not Scenario.NORMAL:
            lines.append(t("server.welcome.try", "try this: {lesson}", lesson=info.lesson))
        lines.append(t("server.welcome.certificate", "certificate: trust {ca_file} to verify it (clients: --cafile)", ca_file=self.ca_file))
        if self.web is not None:
            lines.append(t("server.welcome.web", "class view (read-only web page and JSON API): {url}; the practice CA for students: {url}ca.pem", url=self.web.url))
        if c.store_dir is not None:
            lines.append(t("server.welcome.maildir", "messages are stored in the maildir {path}", path=c.store_dir))
        else:
            lines.append(t("server.welcome.memory", "messages are kept in memory only (/mailbox lists them)"))
        return lines

    def _extras(self) -> tuple[str, str, str, str]:
        """The welcome's settings line: size limit, VRFY, EXPN, greylisting."""
        c = self.config
        on, off = t("server.welcome.on", "on"), t("server.welcome.off", "off")
        if c.expn and "students" in c.lists:
            expn = t("server.welcome.expn_try", "EXPN on (try EXPN students)")
        else:
            expn = t("server.welcome.expn", "EXPN {state}", state=on if c.expn else off)
        greylisting = (t("server.welcome.greylisting_on", "greylisting on (the first try gets 451)") if c.greylisting
                       else t("server.welcome.greylisting_off", "greylisting off"))
        return (t("server.welcome.size_limit", "size limit {size}", size=_size(c.size_limit)),
                t("server.welcome.vrfy", "VRFY {state}", state=on if c.vrfy else off), expn, greylisting)


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _size(n: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return t("server.size.bytes", "{count} bytes", count=n)


def default_store_dir() -> Path:
    return state_dir() / "maildir"

"""The class view: a read-only web page and JSON API next to the practice server (``--web``).

aiohttp runs on the same asyncio loop as aiosmtpd; this module is imported only
when ``--web`` is given, so neither script mode nor the default run pays for it.

Routes (all GET; documented in docs/practice-server.md):

=============================  =====================================================
``/``                          the page (plain HTML; ``/static/app.js`` fills it)
``/ca.pem``                    the practice CA, for ``--cafile`` (practice use only)
``/api/info``                  scenario, host name, ports, the students' command line
``/api/sessions``              one summary per client connection, oldest first
``/api/sessions/ID``           one session with its C:/S: lines (styled fragments)
``/api/mailboxes``             per recipient: the message numbers, newest last
``/api/messages``              message summaries (``?limit=N``: the newest N)
``/api/messages/N``            one message: envelope, decoded headers, parts, raw
``/api/messages/N/raw``        the message as stored (text/plain)
``/api/events``                server-sent events: ``session``, ``line``, ``message``
=============================  =====================================================

Nothing a client sent is ever written into markup: the JSON holds text
escaped with :func:`~smtpshell.untrusted.safe`, the page sets it with
``textContent``, and a Content-Security-Policy forbids inline script.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from ..i18n import PSEUDO, current, t
from ..untrusted import safe
from . import messages
from .config import PracticeConfig
from .feed import ClassFeed
from .scenarios import SCENARIOS
from .store import Mailbox, StoredMessage


class ClassroomServer(Protocol):
    """What the view reads of the practice server (practice.PracticeServer; named here so web does not import it back)."""

    config: PracticeConfig
    mailbox: Mailbox
    host: str
    port: int
    tls_port: int | None

    @property
    def ca_file(self) -> str: ...

STATIC = Path(__file__).with_name("web_static")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
QUEUE_LIMIT = 200_000  # events waiting for one slow browser; past it, the page is told to reload
# The page's words, in the current language. The HTML gets them escaped; app.js reads the same table
# from a JSON data block (not a script: the Content-Security-Policy allows no inline script).
def labels() -> dict[str, str]:
    return {
        "connect": t("web.connect", "Students connect with"),
        "scenario_label": t("web.scenario", "Scenario"),
        "ca_label": t("web.ca", "The practice CA:"),
        "sessions": t("web.sessions", "Sessions"),
        "mailboxes": t("web.mailboxes", "Mailboxes"),
        "pick_session": t("web.pick_session", "Click a session to follow its conversation"),
        "connecting": t("web.connecting", "connecting to the live feed…"),
        "col_address": t("web.col.address", "address"),
        "col_helo": t("web.col.helo", "HELO"),
        "col_login": t("web.col.login", "login"),
        "col_tls": t("web.col.tls", "TLS"),
        "col_scenario": t("web.col.scenario", "scenario"),
        "col_lines": t("web.col.lines", "lines"),
        "live": t("web.live", "live"),
        "reconnecting": t("web.reconnecting", "reconnecting…"),
        "load_failed": t("web.load_failed", "could not load: "),
        "session": t("web.session", "Session"),
        "message": t("web.message", "Message"),
        "no_subject": t("web.no_subject", "(no subject)"),
        "envelope": t("web.envelope", "Envelope"),
        "from_client": t("web.from_client", "from client"),
        "no_tls": t("web.no_tls", "no TLS"),
        "no_auth": t("web.no_auth", "no AUTH"),
        "size": t("web.size", "size"),
        "bytes_queued": t("web.bytes_queued", " bytes, queued as "),
        "headers": t("web.headers", "Headers (decoded)"),
        "part": t("web.part", "Part: "),
        "raw": t("web.raw", "Raw source"),
        "no_recipient": t("web.no_recipient", "(no recipient)"),
        "bytes": t("web.bytes", " bytes"),
    }


_HOST_OK = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$")


def parse_web(text: str, default_host: str) -> tuple[str, int]:
    """'8025' / '0.0.0.0:8025' / '[::1]:8025' -> (host, port); ValueError with one line."""
    text = text.strip()
    host, port_text = default_host, text
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or text[end + 1:end + 2] != ":":
            raise ValueError(t("web.arg.ipv6", "--web {text}: write [IPv6]:PORT", text=text))
        host, port_text = text[1:end], text[end + 2:]
    elif ":" in text:
        host, port_text = text.rsplit(":", 1)
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(t("web.arg.bad", "--web {text}: write [HOST:]PORT, e.g. --web 8025", text=text)) from None
    if not 0 <= port <= 65535:
        raise ValueError(t("web.arg.port_range", "--web {text}: {port} is not a port number (0-65535)", text=text, port=port))
    return host or default_host, port


def html_lang() -> str:
    """The page's ``lang`` attribute: the current language as a BCP 47 tag (zh_CN -> zh-CN)."""
    lang = current()
    return "en" if lang in ("en", PSEUDO) else lang.replace("_", "-")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class WebView:
    """The class view of one :class:`PracticeServer`; ``start()`` listens, ``stop()`` closes."""

    def __init__(self, server: ClassroomServer, feed: ClassFeed, host: str, port: int) -> None:
        self.server = server
        self.feed = feed
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._queues: set[asyncio.Queue[str | None]] = set()
        self._unsubscribe: list[Any] = []

    @property
    def url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::", "") else socket.gethostname()
        return f"http://{_url_host(host)}:{self.port}/"

    def url_for(self, local_address: str) -> str | None:
        """The URL a client that reached ``local_address`` can open, or None if the view is not there."""
        if self.host in ("0.0.0.0", "::", "") or self.host == local_address:
            return f"http://{_url_host(local_address)}:{self.port}/"
        return None

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> WebView:
        app = web.Application(middlewares=[_security_headers])
        app.add_routes([
            web.get("/", self.page),
            web.get("/ca.pem", self.ca),
            web.get("/api/info", self.info),
            web.get("/api/sessions", self.sessions),
            web.get(r"/api/sessions/{id:\d+}", self.session),
            web.get("/api/mailboxes", self.mailboxes),
            web.get("/api/messages", self.messages_list),
            web.get(r"/api/messages/{number:\d+}", self.message),
            web.get(r"/api/messages/{number:\d+}/raw", self.message_raw),
            web.get("/api/events", self.events),
            web.static("/static", STATIC, show_index=False),
        ])
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # port 0: the one picked
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self._unsubscribe = [self.feed.subscribe(self._broadcast),
                             self.server.mailbox.subscribe(self._on_message)]
        return self

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        for queue in list(self._queues):
            queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- events -----------------------------------------------------------------------------

    def _on_message(self, message: StoredMessage) -> None:
        self._broadcast({"type": "message", "message": messages.summary(message)})

    def _broadcast(self, event: dict[str, Any]) -> None:
        if not self._queues:
            return
        data = json.dumps(event, ensure_ascii=False)
        for queue in list(self._queues):
            if queue.qsize() >= QUEUE_LIMIT:
                self._queues.discard(queue)
                queue.put_nowait(json.dumps({"type": "reload"}))
                queue.put_nowait(None)
            else:
                queue.put_nowait(data)

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={**SECURITY_HEADERS, "Content-Type": "text/event-stream; charset=utf-8",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._queues.add(queue)
        try:
            await response.write(b"retry: 1000\n: connected\n\n")
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), 15)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                batch = [item]
                while not queue.empty() and len(batch) < 500:  # many events, one write
                    batch.append(queue.get_nowait())
                done = None in batch
                chunk = "".join(f"data: {item}\n\n" for item in batch if item is not None)
                if chunk:
                    await response.write(chunk.encode("utf-8"))
                if done:
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._queues.discard(queue)
        return response

    # -- pages and data ---------------------------------------------------------------------

    def _student_host(self, request: web.Request) -> str:
        """The name the students use for this machine: the one this browser used, if plain."""
        host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").endswith("]") else request.host
        if host and _HOST_OK.match(host) and host not in ("0.0.0.0",):
            return host
        host = self.server.host
        return _url_host(socket.gethostname() if host in ("0.0.0.0", "::", "") else host)

    def info_data(self, request: web.Request) -> dict[str, Any]:
        server, config = self.server, self.server.config
        host = self._student_host(request)
        scenario = SCENARIOS[config.scenario]
        web_base = f"http://{host}:{self.port}"
        return {
            "hostname": config.hostname,
            "scenario": config.scenario.value,
            "scenario_summary": scenario.summary,
            "scenario_lesson": scenario.lesson,
            "smtp_port": server.port,
            "tls_port": server.tls_port,
            "domains": list(config.domains),
            "ca_url": f"{web_base}/ca.pem",
            "fetch_ca": f"curl -o practice-ca.pem {web_base}/ca.pem",
            "student_command": f"smtpshell {host}:{server.port} --cafile practice-ca.pem",
            "student_command_tls": (f"smtpshell smtps://{host}:{server.tls_port} --cafile practice-ca.pem"
                                    if server.tls_port else ""),
            "messages": server.mailbox.count,
        }

    async def page(self, request: web.Request) -> web.Response:
        info = self.info_data(request)
        e = html.escape
        text = (STATIC / "index.html").read_text(encoding="utf-8")
        values = {
            "title": e(t("web.title", "Practice server {hostname}: class view", hostname=info["hostname"])),
            "scenario": e(t("web.scenario_line", "{name}: {summary}.", name=info["scenario"], summary=info["scenario_summary"])),
            "lesson": e(info["scenario_lesson"]),
            "fetch_ca": e(info["fetch_ca"]),
            "student_command": e(info["student_command"]),
            "student_command_tls": e(info["student_command_tls"]),
            "ca_url": e(info["ca_url"]),
            "ca_note": e(t("web.ca_note", "This certificate authority is made for the practice server only: trust it with --cafile for this class, never in a browser or your system's store.")),
            "lang": e(html_lang()),
        }
        words = labels()
        values.update({f"label_{name}": e(word) for name, word in words.items()})
        # JSON in a data block: '<' escaped so no client or catalogue text can close the element.
        values["labels_json"] = json.dumps(words, ensure_ascii=True).replace("<", "\\u003c")
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return web.Response(text=text, content_type="text/html", charset="utf-8")

    async def ca(self, request: web.Request) -> web.Response:
        data = Path(self.server.ca_file).read_bytes()
        return web.Response(body=data, content_type="application/x-pem-file",
                            headers={"Content-Disposition": 'attachment; filename="practice-ca.pem"'})

    async def info(self, request: web.Request) -> web.Response:
        return _json(self.info_data(request))

    async def sessions(self, request: web.Request) -> web.Response:
        return _json([s.summary() for s in self.feed.sessions])

    async def session(self, request: web.Request) -> web.Response:
        found = self.feed.get(int(request.match_info["id"]))
        if found is None:
            raise web.HTTPNotFound(text=t("web.no_such_session", "no such session (old sessions are forgotten)"))
        return _json({**found.summary(), "conversation": found.lines})

    async def mailboxes(self, request: web.Request) -> web.Response:
        boxes: dict[str, list[int]] = {}
        for message in self.server.mailbox:
            for rcpt in message.rcpt_tos or (t("web.no_recipient", "(no recipient)"),):
                boxes.setdefault(rcpt.lower(), []).append(message.number)
        return _json([{"address": safe(a), "messages": n} for a, n in sorted(boxes.items())])

    async def messages_list(self, request: web.Request) -> web.Response:
        items = list(self.server.mailbox)
        limit = request.query.get("limit", "")
        if limit.isdigit():
            items = items[-int(limit):] if int(limit) else []
        return _json({"count": self.server.mailbox.count, "messages": [messages.summary(m) for m in items]})

    def _message(self, request: web.Request) -> StoredMessage:
        message = self.server.mailbox.get(int(request.match_info["number"]))
        if message is None:
            raise web.HTTPNotFound(text=t("web.no_such_message", "no such message"))
        return message

    async def message(self, request: web.Request) -> web.Response:
        return _json(messages.detail(self._message(request)))

    async def message_raw(self, request: web.Request) -> web.Response:
        return web.Response(text=messages.raw_text(self._message(request)), content_type="text/plain", charset="utf-8")


def _json(data: Any) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False), content_type="application/json", charset="utf-8")


@web.middleware
async def _security_headers(request: web.Request,
                            handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
    response = await handler(request)
    if response.prepared:  # the event stream: sent its headers already
        return response
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response

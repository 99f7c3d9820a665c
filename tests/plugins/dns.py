"""A real DNS server on 127.0.0.1 for the --mx tests, built with dnspython's message API.

It answers UDP and TCP on one port from a small zone (``ZONE``), follows a
CNAME inside the zone the way a recursive resolver hands it out (the CNAME
first, then the target's records), answers SERVFAIL for the names in
``SERVFAIL`` and NXDOMAIN for names it does not know. Every query it got is
kept in ``queries`` so a test can see what was asked.

``mx_dns`` (fixture) starts one whose MX hosts point at 127.0.0.1, where the
practice or aiosmtpd server of the test listens, and at 127.0.0.2, where
nothing does (the unreachable first MX).
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

REACHABLE = "127.0.0.1"
UNREACHABLE = "127.0.0.2"  # loopback, but the test servers listen on 127.0.0.1 only

# name -> [(type, rdata text)]
ZONE: dict[str, list[tuple[str, str]]] = {
    # MX ordered by preference; the best one cannot be reached
    "fallback.test.": [("MX", "20 mx2.fallback.test."), ("MX", "10 mx1.fallback.test.")],
    "mx1.fallback.test.": [("A", UNREACHABLE)],
    "mx2.fallback.test.": [("A", REACHABLE)],
    # one plain MX
    "direct.test.": [("MX", "10 mail.direct.test.")],
    "mail.direct.test.": [("A", REACHABLE)],
    # null MX (RFC 7505)
    "nomail.test.": [("MX", "0 .")],
    # no MX, only an address: the implicit MX
    "implicit.test.": [("A", REACHABLE)],
    # the MX names an alias
    "alias.test.": [("MX", "10 smtp.alias.test.")],
    "smtp.alias.test.": [("CNAME", "real.alias.test.")],
    "real.alias.test.": [("A", REACHABLE)],
    # every MX unreachable
    "dead.test.": [("MX", "10 mx.dead.test.")],
    "mx.dead.test.": [("A", UNREACHABLE)],
}
SERVFAIL = {"broken.test."}


@dataclass
class DnsServer:
    zone: dict[str, list[tuple[str, str]]]
    servfail: set[str]
    host: str = "127.0.0.1"
    port: int = 0
    queries: list[tuple[str, str, str]] = field(default_factory=list)  # (transport, name, type)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def answer(self, wire: bytes, transport: str) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().lower()
        self.queries.append((transport, name, dns.rdatatype.to_text(question.rdtype)))
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        response.flags |= dns.flags.AA | dns.flags.RA
        self._fill(response, name, question.rdtype, depth=0)
        return response.to_wire()

    def _fill(self, response: dns.message.Message, name: str, rdtype: int, depth: int) -> None:
        records = self.zone.get(name)
        if records is None:
            if depth == 0:
                response.set_rcode(dns.rcode.NXDOMAIN)
            return
        wanted = dns.rdatatype.to_text(rdtype)
        for kind, text in records:
            if kind == "CNAME" and wanted != "CNAME":
                response.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", text))
                self._fill(response, text.lower(), rdtype, depth + 1)
                return
        matching = [text for kind, text in records if kind == wanted]
        if matching:
            response.answer.append(dns.rrset.from_text_list(name, 300, "IN", wanted, matching))


class _Udp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(self.server.dns.answer(data, "udp"), self.client_address)  # type: ignore[attr-defined]


class _Tcp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        head = self.request.recv(2)
        if len(head) < 2:
            return
        (length,) = struct.unpack("!H", head)
        data = b""
        while len(data) < length:
            chunk = self.request.recv(length - len(data))
            if not chunk:
                return
            data += chunk
        reply = self.server.dns.answer(data, "tcp")  # type: ignore[attr-defined]
        self.request.sendall(struct.pack("!H", len(reply)) + reply)


def start_dns(zone: dict[str, list[tuple[str, str]]] | None = None,
              servfail: set[str] | None = None) -> tuple[DnsServer, list[socketserver.BaseServer]]:
    server = DnsServer(ZONE if zone is None else zone, SERVFAIL if servfail is None else servfail)
    # One port for both transports: bind UDP first, then TCP on the same number.
    for _ in range(20):
        udp = socketserver.ThreadingUDPServer((server.host, 0), _Udp)
        port = udp.server_address[1]
        try:
            tcp = socketserver.ThreadingTCPServer((server.host, port), _Tcp, bind_and_activate=False)
            tcp.allow_reuse_address = True
            tcp.server_bind()
            tcp.server_activate()
        except OSError:
            udp.server_close()
            continue
        break
    else:  # pragma: no cover - the machine has no free port pair
        raise RuntimeError("no free port for the test DNS server")
    server.port = port
    servers: list[socketserver.BaseServer] = [udp, tcp]
    for s in servers:
        s.dns = server  # type: ignore[attr-defined]
        s.daemon_threads = True  # type: ignore[attr-defined]
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return server, servers


@pytest.fixture
def mx_dns() -> Iterator[DnsServer]:
    server, servers = start_dns()
    yield server
    for s in servers:
        s.shutdown()
        s.server_close()


def unreachable_port_is_closed(port: int) -> bool:
    """True when nothing listens on UNREACHABLE:port (what the fallback tests rely on)."""
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((UNREACHABLE, port)) != 0

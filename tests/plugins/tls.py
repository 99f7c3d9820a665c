"""TLS fixtures: certificates made for the tests, and server-side TLS for scripted servers.

``cert_kinds`` holds one server SSL context per kind of certificate a client
must judge: valid, expired, not yet valid, wrong host, self-signed, signed by
an unknown CA. The trusted CA is ``test_ca`` (``ca_file``) from servers.py.

``ServerTLS`` does a scripted server's TLS over ssl.SSLObject + MemoryBIO,
so the script sees exactly which bytes arrived before the ClientHello.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from dataclasses import dataclass

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class CertKind:
    name: str
    context: ssl.SSLContext  # a server context presenting this certificate
    expect: str | None  # the diagnosis key the client must give; None = accepted
    subject_cn: str  # a part of the subject the message must name


def _server_context(cert_pem: bytes, key_pem: bytes, tmp: pytest.TempPathFactory, name: str) -> ssl.SSLContext:
    directory = tmp.mktemp(f"cert-{name}")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(key_pem)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert_path), str(key_path))
    return ctx


def _trustme_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(ctx)
    return ctx


def make_self_signed(common_name: str, names: list[str]) -> tuple[bytes, bytes]:
    """A self-signed RSA 2048 certificate for ``names`` (DNS names or IP addresses)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    sans: list[x509.GeneralName] = []
    for n in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture(scope="session")
def cert_kinds(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CertKind]:
    day = datetime.timedelta(days=1)
    here = ("localhost", "127.0.0.1")
    kinds = [
        CertKind("valid", _trustme_context(test_ca.issue_cert(*here, common_name="valid.test")), None, "valid.test"),
        CertKind(
            "expired",
            _trustme_context(test_ca.issue_cert(*here, common_name="expired.test",
                                                not_before=NOW - 40 * day, not_after=NOW - 3 * day)),
            "expired", "expired.test",
        ),
        CertKind(
            "not-yet-valid",
            _trustme_context(test_ca.issue_cert(*here, common_name="future.test",
                                                not_before=NOW + 5 * day, not_after=NOW + 60 * day)),
            "not-yet-valid", "future.test",
        ),
        CertKind(
            "wrong-host",
            _trustme_context(test_ca.issue_cert("mail.example.net", common_name="mail.example.net")),
            "wrong-host", "mail.example.net",
        ),
        CertKind(
            "self-signed",
            _server_context(*make_self_signed("selfsigned.test", list(here)), tmp_path_factory, "self-signed"),
            "self-signed", "selfsigned.test",
        ),
        CertKind(
            "unknown-ca",
            _trustme_context(trustme.CA(organization_name="Nobody Trusts Me Ltd").issue_cert(
                *here, common_name="unknownca.test")),
            "unknown-ca", "unknownca.test",
        ),
    ]
    return {k.name: k for k in kinds}


class ServerTLS:
    """Server-side TLS for a scripted server, over the script's reader and writer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: ssl.SSLContext) -> None:
        self.reader, self.writer = reader, writer
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self._plain = b""

    async def _pump(self) -> None:
        self._flush()
        await self.writer.drain()
        data = await self.reader.read(65536)
        if not data:
            raise ConnectionError("client went away")
        self.incoming.write(data)

    def _flush(self) -> None:
        out = self.outgoing.read()
        if out:
            self.writer.write(out)

    async def handshake(self, first_bytes: bytes = b"") -> None:
        self.incoming.write(first_bytes)
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._pump()
            except ssl.SSLError:
                self._flush()  # the alert, so the client hears why
                await self.writer.drain()
                raise
        self._flush()
        await self.writer.drain()

    async def readline(self) -> bytes:
        while b"\n" not in self._plain:
            try:
                self._plain += self.obj.read(65536)
                continue
            except ssl.SSLWantReadError:
                await self._pump()
            except ssl.SSLZeroReturnError:
                raise ConnectionError("client closed TLS") from None
        line, _, self._plain = self._plain.partition(b"\n")
        return line.rstrip(b"\r")

    async def write(self, data: bytes) -> None:
        self.obj.write(data)
        self._flush()
        await self.writer.drain()


async def read_until_tls(reader: asyncio.StreamReader, limit: float = 10.0) -> tuple[bytes, bytes]:
    """Read until the client's ClientHello starts: (plaintext before it, the TLS bytes so far)."""
    seen = b""
    async with asyncio.timeout(limit):
        while b"\x16\x03" not in seen:
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionError("client went away before TLS")
            seen += chunk
    cut = seen.index(b"\x16\x03")
    return seen[:cut], seen[cut:]

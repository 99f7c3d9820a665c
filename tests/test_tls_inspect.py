"""/tls shows what was negotiated and the certificate chain; --keylog writes session keys."""

from __future__ import annotations

import asyncio
import hashlib
import io
import pathlib
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from smtpshell import exitcodes
from smtpshell.client import Target, TLSOptions
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.events import CertSummary, TLSInfo
from smtpshell.shell.tls_cmds import tls_report
from tests.plugins.servers import ServerThread, SmtpServer, start_smtp
from tests.plugins.tls import ServerTLS


def _run(target: Target, lines: list[str], tls: TLSOptions, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    driver = ScriptDriver(lines, target, RunOptions(timeout=10, tls=tls, **options), out=out, err=err)  # type: ignore[arg-type]
    code = asyncio.run(driver.run())
    return code, out.getvalue(), err.getvalue()


def _fingerprint(pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _field(out: str, label: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in out.splitlines() if line.strip().startswith(label + ":")]


def test_tls_command_shows_every_field(implicit_tls_server: SmtpServer, server_cert: trustme.LeafCert,
                                       test_ca: trustme.CA, ca_file: str) -> None:
    target = Target("127.0.0.1", implicit_tls_server.port, implicit_tls=True)
    code, out, err = _run(target, ["/tls"], TLSOptions(cafile=ca_file))
    assert code == exitcodes.OK, err
    leaf_pem = server_cert.cert_chain_pems[0].bytes()
    leaf = x509.load_pem_x509_certificate(leaf_pem)
    ca = x509.load_pem_x509_certificate(test_ca.cert_pem.bytes())
    assert f"TLS with 127.0.0.1:{implicit_tls_server.port} (implicit TLS from the first byte)" in out
    (version,) = _field(out, "version")
    assert version in ("TLSv1.2", "TLSv1.3")
    (cipher,) = _field(out, "cipher")
    assert "bits)" in cipher and ("AES" in cipher or "CHACHA" in cipher)
    assert _field(out, "SNI sent") == ["none (connected by IP address; no name is sent)"]
    assert _field(out, "ALPN") == ["none negotiated"]
    (verified,) = _field(out, "verified")
    # --cafile replaces the system's CAs (load_verify_locations alone): the words say so (they said "and")
    assert verified.startswith(f"yes, verified against {ca_file} only, not the system's CAs"), verified
    # What the server sent (its own certificate only: the test server sends no CA) and,
    # apart, the chain verification built (ending in the test CA, the trust anchor).
    assert "Certificates the server sent (1, its own first):" in out and " [0] server" in out
    assert "Chain verification built (2" in out
    assert f" [1] trusted root: {ca.subject.rfc4514_string()}" in out
    assert _field(out, "subject") == [leaf.subject.rfc4514_string()]
    assert _field(out, "issuer")[0] == ca.subject.rfc4514_string()
    assert _field(out, "names")[0] == "localhost, 127.0.0.1, ::1"
    valid = _field(out, "valid")[0]
    days = (leaf.not_valid_after_utc - datetime.now(UTC)).days
    assert leaf.not_valid_before_utc.strftime("%Y-%m-%d") in valid
    assert leaf.not_valid_after_utc.strftime("%Y-%m-%d") in valid
    assert valid.endswith(f"({days} days left)") or valid.endswith(f"({days - 1} days left)")
    assert _field(out, "key")[0] == "EC secp256r1 (256 bits)"  # trustme's default key
    assert _field(out, "SHA-256")[0] == _fingerprint(leaf_pem)
    assert len(_field(out, "SHA-256")) == 1  # the CA was not sent, so it is not listed as sent


def test_tls_command_after_starttls_and_sni(server_cert: trustme.LeafCert, ca_file: str) -> None:
    """--sni NAME is sent (the server sees it) and shown."""
    seen: list[str | None] = []
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    ctx.sni_callback = lambda sock, name, c: seen.append(name)  # type: ignore[assignment,misc]
    server = start_smtp(ssl_context=ctx)
    try:
        code, out, err = _run(Target("127.0.0.1", server.port), ["/tls", "EHLO a", "/tls", "STARTTLS", "/tls"],
                              TLSOptions(cafile=ca_file, sni="localhost"))
    finally:
        server.thread.stop()
    assert code == exitcodes.OK, err
    no_tls = "No TLS on this connection: everything is sent in plaintext."
    assert out.count(no_tls) == 2
    assert "say EHLO to see whether the server offers STARTTLS" in out
    assert "the server offers STARTTLS: type STARTTLS to upgrade" in out
    assert "(upgraded with STARTTLS)" in out
    assert _field(out, "SNI sent") == ["localhost"]
    assert seen == ["localhost"]
    assert "say EHLO again" in out  # the Info after the upgrade


def test_tls_command_marks_an_insecure_session(implicit_tls_server: SmtpServer) -> None:
    target = Target("127.0.0.1", implicit_tls_server.port, implicit_tls=True)
    code, out, err = _run(target, ["/tls"], TLSOptions(insecure=True))
    assert code == exitcodes.OK, err
    (verified,) = _field(out, "verified")
    assert verified.startswith("NO: NOT verified (--insecure)")
    assert "dates and name look right, the issuer was not checked" in verified


def test_tls_report_days_left_and_warnings() -> None:
    """The pure formatter: days left from a fixed 'now', expired certificates flagged."""
    now = datetime(2030, 1, 1, tzinfo=UTC)
    cert = CertSummary(
        subject="CN=mx.example.org", issuer="CN=Example CA", names=("mx.example.org",),
        not_before=(now - timedelta(days=10)).isoformat(), not_after=(now + timedelta(days=45)).isoformat(),
        days_left=45, sha256="AB:CD", key="RSA 2048 bits", self_signed=False,
    )
    info = TLSInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", 128, "mx.example.org", "smtp", True, "verified", (cert,))
    text = "".join(t for _, t in tls_report(info, "mx.example.org:25", TLSOptions(keylog="/tmp/k.log"), upgraded=True, now=now))
    assert "(45 days left)" in text and "ALPN:        smtp" in text and "SNI sent:    mx.example.org" in text
    assert "key log:     /tmp/k.log" in text and "key:         RSA 2048 bits" in text
    later = now + timedelta(days=50)
    styled = tls_report(info, "mx.example.org:25", TLSOptions(), upgraded=True, now=later)
    (valid,) = [(style, t) for style, t in styled if "expired 5 days ago" in t]
    assert valid[0] == "class:warning"


@pytest.fixture
def keylog_path(tmp_path: pathlib.Path) -> str:
    return str(tmp_path / "keys.log")


def test_keylog_flag_writes_session_keys(implicit_tls_server: SmtpServer, ca_file: str, keylog_path: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smtpshell", "--tls", "--cafile", ca_file, "--keylog", keylog_path,
         "-c", "EHLO client.test", f"127.0.0.1:{implicit_tls_server.port}"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == exitcodes.OK, result.stderr
    keys = open(keylog_path).read()
    labels = {line.split()[0] for line in keys.splitlines() if line and not line.startswith("#")}
    assert labels & {"CLIENT_TRAFFIC_SECRET_0", "CLIENT_RANDOM"}, keys[:200]


def test_sslkeylogfile_env_is_honoured(implicit_tls_server: SmtpServer, ca_file: str, keylog_path: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", keylog_path)
    target = Target("127.0.0.1", implicit_tls_server.port, implicit_tls=True)
    code, out, _ = _run(target, ["/tls"], TLSOptions(cafile=ca_file))
    assert code == exitcodes.OK
    assert f"key log:     {keylog_path}" in out
    assert f"TLS session keys appended to {keylog_path}" in out  # the shell says what it did
    assert "TRAFFIC_SECRET" in open(keylog_path).read() or "CLIENT_RANDOM" in open(keylog_path).read()


def test_unwritable_keylog_is_one_clear_line(implicit_tls_server: SmtpServer, ca_file: str) -> None:
    target = Target("127.0.0.1", implicit_tls_server.port, implicit_tls=True)
    code, out, err = _run(target, ["EHLO a"], TLSOptions(cafile=ca_file, keylog="/nonexistent-dir/keys.log"))
    assert code == exitcodes.CONNECTION
    assert "cannot write the key log /nonexistent-dir/keys.log" in err
    assert "Traceback" not in out + err


@pytest.fixture
def client_cert_server(test_ca: trustme.CA, server_cert: trustme.LeafCert) -> Iterator[SmtpServer]:
    """Implicit TLS that demands a client certificate signed by the test CA."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    test_ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server = start_smtp(ssl_context=ctx, implicit=True)
    yield server
    server.thread.stop()


def test_client_certificate(client_cert_server: SmtpServer, test_ca: trustme.CA, ca_file: str, tmp_path: pathlib.Path) -> None:
    client = test_ca.issue_cert("client.test")
    cert_file, key_file = tmp_path / "client.pem", tmp_path / "client.key"
    client.cert_chain_pems[0].write_to_path(str(cert_file))
    client.private_key_pem.write_to_path(str(key_file))
    target = Target("127.0.0.1", client_cert_server.port, implicit_tls=True)
    code, out, err = _run(target, ["EHLO a", "/tls"], TLSOptions(cafile=ca_file, certfile=str(cert_file), keyfile=str(key_file)))
    assert code == exitcodes.OK, err
    assert f"client cert: {cert_file}" in out


def test_missing_client_certificate_is_explained(scripted_server: Callable[..., ServerThread], test_ca: trustme.CA,
                                                 server_cert: trustme.LeafCert, ca_file: str) -> None:
    """A server that demands a client certificate and sends its alert: the alert is put in words."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    test_ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tls = ServerTLS(reader, writer, ctx)
        try:
            await tls.handshake()
        except ssl.SSLError:
            return
        await tls.write(b"220 should not get here\r\n")

    server = scripted_server(script)
    code, out, err = _run(Target("127.0.0.1", server.port, implicit_tls=True), ["EHLO a"], TLSOptions(cafile=ca_file))
    assert code == exitcodes.CONNECTION
    assert "the server wants a client certificate (--cert FILE --key FILE)" in err

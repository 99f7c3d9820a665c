"""--tls-version, --ciphers, --tls-save and /tls save against loopback TLS servers."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from cryptography import x509

from smtpshell import exitcodes
from smtpshell.client.tls_options import BadTLSVersion, parse_tls_version
from tests.plugins.servers import SmtpServer, start_smtp
from tests.test_script_mode import assert_no_traceback, run


def tls_run(server: SmtpServer, ca_file: str, *extra: str):
    result = run(["--tls", server.address, "--cafile", ca_file, "--explain", "off", *extra])
    assert_no_traceback(result)
    return result


def test_parse_tls_version_forms() -> None:
    assert parse_tls_version("1.2") == ("1.2", "1.2")
    assert parse_tls_version("1.2-1.3") == ("1.2", "1.3")
    assert parse_tls_version("1.2-") == ("1.2", None)
    assert parse_tls_version("-1.2") == (None, "1.2")
    for bad in ("1.4", "1.3-1.2", "-", "tls1.2"):
        with pytest.raises(BadTLSVersion):
            parse_tls_version(bad)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_tls_version_is_what_gets_negotiated(implicit_tls_server: SmtpServer, ca_file: str, version: str) -> None:
    result = tls_run(implicit_tls_server, ca_file, "--tls-version", version, "-c", "NOOP")
    assert result.returncode == exitcodes.OK, result.stderr
    assert f"TLS started: TLSv{version} " in result.stdout


def test_tls_version_the_server_cannot_do_fails_clearly(server_cert: trustme.LeafCert, ca_file: str) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server = start_smtp(ssl_context=ctx, implicit=True)
    try:
        only_13 = tls_run(server, ca_file, "--tls-version", "1.3-", "-c", "NOOP")
        up_to_12 = tls_run(server, ca_file, "--tls-version", "1.2-1.3", "-c", "NOOP")
    finally:
        server.thread.stop()
    assert only_13.returncode == exitcodes.CONNECTION
    assert "TLS started" not in only_13.stdout and "S: 250" not in only_13.stdout
    assert up_to_12.returncode == exitcodes.OK and "TLS started: TLSv1.2 " in up_to_12.stdout


def test_ciphers_choose_the_tls12_cipher(implicit_tls_server: SmtpServer, ca_file: str) -> None:
    result = tls_run(implicit_tls_server, ca_file, "--tls-version", "1.2", "--ciphers", "ECDHE+AESGCM:!AES256",
                     "-c", "NOOP")
    assert result.returncode == exitcodes.OK, result.stderr
    assert "TLSv1.2 ECDHE-" in result.stdout and "AES128-GCM" in result.stdout


def test_bad_flags_are_one_line(implicit_tls_server: SmtpServer, ca_file: str) -> None:
    bad_version = tls_run(implicit_tls_server, ca_file, "--tls-version", "1.9", "-c", "NOOP")
    assert bad_version.returncode == exitcodes.USAGE and "--tls-version 1.9" in bad_version.stderr
    bad_ciphers = tls_run(implicit_tls_server, ca_file, "--ciphers", "NO-SUCH-CIPHER", "-c", "NOOP")
    assert bad_ciphers.returncode == exitcodes.CONNECTION
    assert "--ciphers NO-SUCH-CIPHER" in bad_ciphers.stderr + bad_ciphers.stdout


def _saved_ders(path: Path) -> list[bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding

    return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(path.read_bytes())]


def _sent_ders(server_cert: trustme.LeafCert) -> list[bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding

    return [x509.load_pem_x509_certificate(b.bytes()).public_bytes(Encoding.DER) for b in server_cert.cert_chain_pems]


def test_tls_save_flag_writes_the_chain_the_server_sent(implicit_tls_server: SmtpServer, ca_file: str,
                                                         server_cert: trustme.LeafCert, tmp_path: Path) -> None:
    saved = tmp_path / "chain.pem"
    result = tls_run(implicit_tls_server, ca_file, "--tls-save", str(saved), "-c", "NOOP")
    assert result.returncode == exitcodes.OK, result.stderr
    assert f"saved 1 certificate(s) to {saved}: the chain the server sent" in result.stdout
    assert _saved_ders(saved) == _sent_ders(server_cert)  # what was sent (leaf; trustme sends no intermediate)


def test_tls_save_after_starttls_and_the_command(starttls_server: SmtpServer, ca_file: str,
                                                server_cert: trustme.LeafCert, tmp_path: Path) -> None:
    by_flag, by_command = tmp_path / "flag.pem", tmp_path / "command.pem"
    result = run([starttls_server.address, "--cafile", ca_file, "--sni", "localhost", "--starttls",
                  "--helo", "client.test", "--tls-save", str(by_flag), "-c", f"/tls save {by_command}"])
    assert_no_traceback(result)
    assert result.returncode == exitcodes.OK, result.stderr
    assert _saved_ders(by_flag) == _saved_ders(by_command) == _sent_ders(server_cert)
    assert f"saved 1 certificate(s) to {by_command}" in result.stdout


def test_tls_save_without_tls_says_so(smtp_server: SmtpServer, tmp_path: Path) -> None:
    result = run([smtp_server.address, "-c", f"/tls save {tmp_path / 'x.pem'}"])
    assert result.returncode == exitcodes.USAGE
    assert "TLS is not on" in result.stderr
    assert not (tmp_path / "x.pem").exists()

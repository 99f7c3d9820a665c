"""The practice server's certificate: made once with ``cryptography``, kept in the state dir.

Two certificates, as in real life: a small private CA (``practice-ca.pem``, the
file a client trusts with ``--cafile``) and the server's certificate signed by
it. A bare self-signed leaf would also verify today, but stricter verifiers
(Python 3.13's VERIFY_X509_STRICT) want a real CA, so we make one.

If the names the server needs (its hostname, the address it listens on) are not
all in the stored certificate, a new pair is made: nothing depends on the old.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from ..i18n import t
from .config import PracticeServerError

try:
    import fcntl
except ImportError:  # Windows: no lock; two servers starting at the same instant are unlikely
    fcntl = None  # type: ignore[assignment]  # the module or None, tested before use

CA_NAME = "practice-ca.pem"
CERT_NAME = "practice-cert.pem"
KEY_NAME = "practice-key.pem"
VALID_DAYS = 825  # the longest validity clients accept for a server certificate


class CertificateError(PracticeServerError):
    """The certificate cannot be made or used; str() is one line for the user."""


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path
    ca: Path  # what clients trust: the CA, or the certificate itself for --cert


def ensure_certificate(directory: Path, names: list[str]) -> CertFiles:
    """The stored certificate if it covers ``names``, else a freshly made one."""
    files = CertFiles(directory / CERT_NAME, directory / KEY_NAME, directory / CA_NAME)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Two servers starting at once must not mix one's key with the other's certificate.
        with open(directory / ".cert.lock", "a") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            if not (all(p.is_file() for p in (files.cert, files.key, files.ca)) and _covers(files.cert, names)):
                _generate(files, names)
    except OSError as exc:
        raise CertificateError(t("server.cert.cannot_write", "cannot write the practice certificate in {directory}: {reason} (set XDG_STATE_HOME, or pass --cert and --key)",
                                 directory=directory, reason=exc.strerror or exc)) from None
    return files


def given_certificate(cert: Path, key: Path | None) -> CertFiles:
    """``--cert/--key``: clients trust the certificate file itself (or its chain)."""
    return CertFiles(cert, key or cert, cert)


def server_context(files: CertFiles) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(str(files.cert), str(files.key))
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
        raise CertificateError(t("server.cert.unusable", "cannot use the certificate {cert} with key {key}: {reason}",
                                 cert=files.cert, key=files.key, reason=reason)) from None
    return ctx


def _covers(cert_path: Path, names: list[str]) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except Exception:  # unreadable or odd: make a new one
        return False
    have = {str(n).lower() for n in san.get_values_for_type(x509.DNSName)}
    have |= {str(n) for n in san.get_values_for_type(x509.IPAddress)}
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
    return cert.not_valid_after_utc > soon and all(_canonical(n) in have for n in names)


def _canonical(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def _generate(files: CertFiles, names: list[str]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtpshell practice"),
        x509.NameAttribute(NameOID.COMMON_NAME, "smtpshell practice CA"),
    ])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name.lower()))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtpshell practice"),
            x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
        ]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # The key first, private from the start; the CA key is not kept (a new pair is cheap).
    _write(files.key, key_pem, private=True)
    _write(files.cert, cert.public_bytes(pem))
    _write(files.ca, ca_cert.public_bytes(pem))


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)  # atomic: two servers starting at once never see half a file

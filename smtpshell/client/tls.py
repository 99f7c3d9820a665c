"""TLS settings: the SSL context the client uses, and what a session negotiated.

Verification is on by default (system CAs, hostname check, SNI). ``--cafile``
adds a private CA; ``--insecure`` turns checking off and the session is marked
as such everywhere. The key log (``--keylog`` or ``SSLKEYLOGFILE``) lets
Wireshark decrypt a capture.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone

from ..events import CertSummary, TLSInfo


@dataclass(frozen=True)
class TLSOptions:
    cafile: str | None = None
    insecure: bool = False
    certfile: str | None = None
    keyfile: str | None = None
    keylog: str | None = None
    sni: str | None = None  # override the name sent and checked


class TLSSetupError(Exception):
    """A TLS option cannot be used (missing file, bad key); one line for the user."""


def make_context(options: TLSOptions) -> ssl.SSLContext:
    try:
        ctx = ssl.create_default_context(cafile=options.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise TLSSetupError(f"cannot use --cafile {options.cafile}: {_reason(exc)}") from None
    if options.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if options.certfile:
        try:
            ctx.load_cert_chain(options.certfile, options.keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise TLSSetupError(
                f"cannot use the client certificate {options.certfile}: {_reason(exc)}"
            ) from None
    keylog = options.keylog or os.environ.get("SSLKEYLOGFILE")
    if keylog:
        try:
            ctx.keylog_filename = keylog
        except OSError as exc:
            raise TLSSetupError(f"cannot write the key log {keylog}: {_reason(exc)}") from None
    return ctx


def server_hostname(host: str, options: TLSOptions) -> str | None:
    """The name to send as SNI and to check; None for a bare IP address."""
    name = options.sni or host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return name
    # An IP address is still checked against the certificate's IP SANs.
    return name.strip("[]")


def describe(obj: ssl.SSLObject, options: TLSOptions, sni: str | None) -> TLSInfo:
    """What was negotiated on a finished handshake."""
    cipher = obj.cipher() or ("?", "?", 0)
    chain: list[CertSummary] = []
    der_chain = _chain_der(obj)
    for der in der_chain:
        try:
            chain.append(summarise_certificate(der))
        except Exception:  # a certificate we cannot parse must not end the session
            continue
    if options.insecure:
        note = "NOT verified (--insecure): anyone could be in the middle"
    elif options.cafile:
        note = f"verified against {options.cafile}"
    else:
        note = "verified against the system's trusted CAs"
    return TLSInfo(
        version=obj.version() or "?",
        cipher=cipher[0],
        bits=int(cipher[2] or 0),
        sni=sni,
        alpn=obj.selected_alpn_protocol(),
        verified=not options.insecure,
        verify_note=note,
        chain=tuple(chain),
    )


def _chain_der(obj: ssl.SSLObject) -> list[bytes]:
    # Python 3.13 made the chain public; 3.11 and 3.12 have it on the C object.
    for name in ("get_verified_chain", "get_unverified_chain"):
        getter = getattr(obj, name, None) or getattr(getattr(obj, "_sslobj", None), name, None)
        if getter is None:
            continue
        try:
            certs = getter()
        except Exception:
            continue
        if certs:
            return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in certs]  # type: ignore[attr-defined]
    leaf = obj.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def summarise_certificate(der: bytes) -> CertSummary:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(
            [str(n) for n in san.get_values_for_type(x509.DNSName)]
            + [str(n) for n in san.get_values_for_type(x509.IPAddress)]
        )
    except x509.ExtensionNotFound:
        names = ()
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_desc = f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_desc = f"EC {key.curve.name}"
    elif isinstance(key, ed25519.Ed25519PublicKey):
        key_desc = "Ed25519"
    elif isinstance(key, ed448.Ed448PublicKey):
        key_desc = "Ed448"
    elif isinstance(key, dsa.DSAPublicKey):
        key_desc = f"DSA {key.key_size}"
    else:
        key_desc = type(key).__name__
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    days_left = (not_after - datetime.now(timezone.utc)).days
    digest = hashlib.sha256(der).hexdigest().upper()
    return CertSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        names=names,
        not_before=not_before.isoformat(),
        not_after=not_after.isoformat(),
        days_left=days_left,
        sha256=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        key=key_desc,
        self_signed=cert.subject == cert.issuer,
    )


def explain_tls_error(exc: BaseException, host: str) -> str:
    """One line, in plain words, for a failed handshake."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        msg = exc.verify_message or str(exc)
        return (
            f"TLS certificate of {host} not accepted: {msg}. "
            "Try --cafile FILE for a private CA, or --insecure to look anyway."
        )
    return f"TLS handshake with {host} failed: {_reason(exc)}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.replace("_", " ").lower()
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

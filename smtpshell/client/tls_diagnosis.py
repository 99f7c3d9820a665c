"""Why a TLS handshake failed, in plain words.

OpenSSL says ``certificate verify failed: unable to get local issuer
certificate``; a person wants to hear "signed by a CA this computer does not
trust", see which certificate it was (subject, names, dates) and what to try.
This module turns the error, plus the certificate chain the server sent (read
even though verification failed), into that.

Everything here is data plus pure functions: tables keyed by OpenSSL verify
codes and error reasons, and a diagnosis built from a :class:`CertSummary`.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

from ..events import CertSummary


@dataclass(frozen=True)
class Problem:
    """One kind of certificate problem: a key, plain words, and what to try."""

    key: str  # "expired", "not-yet-valid", "self-signed", "unknown-ca", "wrong-host", ...
    words: str  # what is wrong, to follow "not accepted: "
    advice: str  # what to try


_ASK_ADMIN = "the server's administrator must fix the certificate"
_LOOK_ANYWAY = "--insecure connects anyway so you can look at it with /tls (the session is marked not verified)"

PROBLEMS: dict[str, Problem] = {
    "expired": Problem(
        "expired", "the certificate has expired",
        f"{_ASK_ADMIN} (renew it); check this computer's clock; {_LOOK_ANYWAY}",
    ),
    "not-yet-valid": Problem(
        "not-yet-valid", "the certificate is not valid yet",
        f"check this computer's clock and the server's; {_LOOK_ANYWAY}",
    ),
    "self-signed": Problem(
        "self-signed", "the certificate is self-signed (it vouches for itself; no CA signed it)",
        f"if you trust it, save it as a PEM file and pass --cafile FILE; {_LOOK_ANYWAY}",
    ),
    "unknown-ca": Problem(
        "unknown-ca", "it is signed by a certificate authority this computer does not trust",
        "for a private CA pass --cafile CA.pem; if the server forgot to send its intermediate "
        f"certificate, {_ASK_ADMIN}; {_LOOK_ANYWAY}",
    ),
    "wrong-host": Problem(
        "wrong-host", "the certificate is not for this host name",
        "connect with a name the certificate lists (see 'names' above), or --sni NAME to check "
        f"against another name; {_LOOK_ANYWAY}",
    ),
    "revoked": Problem("revoked", "the certificate has been revoked by its CA", _ASK_ADMIN),
    "bad-signature": Problem(
        "bad-signature", "the certificate's signature does not check out (damaged or forged)",
        "do not trust this connection; ask the server's administrator",
    ),
    "bad-purpose": Problem(
        "bad-purpose", "the certificate is not meant for a TLS server",
        _ASK_ADMIN,
    ),
    "other": Problem("other", "the certificate could not be verified", f"{_LOOK_ANYWAY}"),
}

# OpenSSL X509_V_ERR_* codes (x509_vfy.h) -> the problem in PROBLEMS.
VERIFY_CODES: dict[int, str] = {
    2: "unknown-ca",  # unable to get issuer certificate
    4: "bad-signature",  # unable to decrypt certificate's signature
    7: "bad-signature",  # certificate signature failure
    9: "not-yet-valid",
    10: "expired",
    18: "self-signed",  # self-signed certificate (depth zero)
    19: "unknown-ca",  # self-signed certificate in chain: a root nobody here trusts
    20: "unknown-ca",  # unable to get local issuer certificate
    21: "unknown-ca",  # unable to verify the first certificate
    23: "revoked",
    24: "unknown-ca",  # invalid CA certificate
    26: "bad-purpose",
    62: "wrong-host",  # hostname mismatch
    64: "wrong-host",  # IP address mismatch
}

# Handshake failures that are not about the certificate: OpenSSL reason -> plain words.
HANDSHAKE_REASONS: dict[str, str] = {
    "WRONG_VERSION_NUMBER": "the server did not answer in TLS (this port may speak plaintext: "
    "try without --tls, then STARTTLS)",
    "UNSUPPORTED_PROTOCOL": "no TLS version in common (the server may offer only old versions "
    "that are switched off here)",
    "TLSV1_ALERT_PROTOCOL_VERSION": "the server refused every TLS version offered",
    "NO_PROTOCOLS_AVAILABLE": "no TLS version is enabled",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": "the server found nothing in common with us (cipher, "
    "version or a required client certificate)",
    "NO_SHARED_CIPHER": "no cipher in common",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "the server wants a client certificate (--cert FILE --key FILE)",
    "SSLV3_ALERT_BAD_CERTIFICATE": "the server did not accept the client certificate",
    "TLSV1_ALERT_UNKNOWN_CA": "the server does not trust the CA of your client certificate",
    "TLSV1_ALERT_ACCESS_DENIED": "the server denied access",
    "UNEXPECTED_EOF_WHILE_READING": "the server closed the connection in the middle of the handshake",
    "DH_KEY_TOO_SMALL": "the server's Diffie-Hellman key is too small to be safe",
    "UNSAFE_LEGACY_RENEGOTIATION_DISABLED": "the server needs insecure legacy renegotiation",
    "TLSV1_ALERT_INTERNAL_ERROR": "the server reported an internal error",
    "TLSV1_UNRECOGNIZED_NAME": "the server does not know the name we sent (SNI); try --sni NAME",
    "RECORD_LAYER_FAILURE": "the server sent something that is not TLS",
}


@dataclass(frozen=True)
class Failure:
    """A diagnosed handshake failure."""

    key: str  # a PROBLEMS key, or "handshake"
    summary: str  # one line: what happened and what to try
    detail: str  # several lines: the certificate and the advice ("" if no certificate)


def diagnose(
    exc: BaseException,
    where: str,
    chain: list[CertSummary],
    checked_name: str | None,
    trust_note: str,
    now: datetime | None = None,
) -> Failure:
    """Explain a failed handshake with ``where`` (host:port)."""
    if not isinstance(exc, ssl.SSLCertVerificationError):
        words = handshake_words(exc)
        return Failure("handshake", f"TLS handshake with {where} failed: {words}", "")
    key = VERIFY_CODES.get(exc.verify_code or -1, "other")
    leaf = chain[0] if chain else None
    now = now or datetime.now(UTC)
    if key == "unknown-ca" and leaf is not None and leaf.self_signed and len(chain) == 1:
        key = "self-signed"  # a lone self-signed leaf can show up as code 19/20
    problem = PROBLEMS[key]
    words = problem.words
    if leaf is not None:
        words += _specifics(key, leaf, checked_name, now)
    summary = f"TLS certificate of {where} not accepted: {words}; the connection was closed"
    lines = [f"TLS certificate of {where} not accepted: {words}."]
    if exc.verify_message:
        lines.append(f"  OpenSSL says: {exc.verify_message} (verify code {exc.verify_code})")
    if leaf is not None:
        lines += certificate_lines(leaf, now)
        others = [p for p in local_problems(leaf, checked_name, now) if p != key]
        if others:
            lines.append("  also:     " + "; ".join(PROBLEMS[p].words for p in others))
    else:
        lines.append("  (the server's certificate could not be read)")
    if checked_name:
        lines.append(f"  checked:  the name {checked_name}, {trust_note}")
    lines.append(f"  try:      {problem.advice}")
    return Failure(key, summary + f" ({_short_advice(key)})", "\n".join(lines))


def certificate_lines(cert: CertSummary, now: datetime | None = None) -> list[str]:
    """The certificate as a person reads it; used in failures and by /tls."""
    now = now or datetime.now(UTC)
    return [
        f"  subject:  {cert.subject or '(empty)'}",
        f"  names:    {', '.join(cert.names) if cert.names else '(none: no subject alternative names)'}",
        f"  issuer:   {cert.issuer}{'  (itself: self-signed)' if cert.self_signed else ''}",
        f"  valid:    {_date(cert.not_before)} to {_date(cert.not_after)} ({validity_words(cert, now)})",
    ]


def validity_words(cert: CertSummary, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    before = datetime.fromisoformat(cert.not_before)
    after = datetime.fromisoformat(cert.not_after)
    if now < before:
        return f"not valid for another {_days(before - now)}"
    if now > after:
        return f"expired {_days(now - after)} ago"
    return f"{_days(after - now)} left"


def local_problems(cert: CertSummary, checked_name: str | None, now: datetime | None = None) -> list[str]:
    """What we can see is wrong with a certificate without a trust store.

    Used to say what else is wrong after a failure, and under --insecure to say
    whether verification would have passed (the chain's trust is not judged here).
    """
    now = now or datetime.now(UTC)
    found = []
    if now > datetime.fromisoformat(cert.not_after):
        found.append("expired")
    if now < datetime.fromisoformat(cert.not_before):
        found.append("not-yet-valid")
    if cert.self_signed:
        found.append("self-signed")
    if checked_name and not name_matches(checked_name, cert.names):
        found.append("wrong-host")
    return found


def name_matches(name: str, sans: tuple[str, ...]) -> bool:
    """RFC 6125 matching, as OpenSSL does it: exact, or one wildcard label on the left."""
    try:
        wanted_ip = ipaddress.ip_address(name)
    except ValueError:
        wanted_ip = None
    host = name.lower().rstrip(".")
    for san in sans:
        if wanted_ip is not None:
            try:
                if ipaddress.ip_address(san) == wanted_ip:
                    return True
            except ValueError:
                pass
            continue
        pattern = san.lower().rstrip(".")
        if pattern == host:
            return True
        if pattern.startswith("*.") and "." in host and host.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def _specifics(key: str, leaf: CertSummary, checked_name: str | None, now: datetime) -> str:
    if key == "expired":
        return f" (on {_date(leaf.not_after)}, {validity_words(leaf, now)})"
    if key == "not-yet-valid":
        return f" (from {_date(leaf.not_before)}, {validity_words(leaf, now)})"
    if key == "wrong-host":
        names = ", ".join(leaf.names) if leaf.names else "no names"
        return f" (we asked for {checked_name}; it is for {names})"
    if key in ("self-signed", "unknown-ca"):
        return f" (issuer {leaf.issuer})"
    return ""


_SHORT_ADVICE = {
    "expired": "the certificate must be renewed; --insecure to look anyway",
    "not-yet-valid": "check the clocks; --insecure to look anyway",
    "self-signed": "trust it with --cafile FILE, or --insecure to look anyway",
    "unknown-ca": "try --cafile CA.pem for a private CA, or --insecure to look anyway",
    "wrong-host": "connect by a name the certificate lists, or --sni NAME; --insecure to look anyway",
}


def _short_advice(key: str) -> str:
    return _SHORT_ADVICE.get(key, "--insecure to look anyway")


def handshake_words(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason in HANDSHAKE_REASONS:
        return HANDSHAKE_REASONS[reason]
    if isinstance(reason, str) and reason:
        return reason.replace("_", " ").lower()
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _date(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def _days(delta: object) -> str:
    days = getattr(delta, "days", 0)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(getattr(delta, "seconds", 0) // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"

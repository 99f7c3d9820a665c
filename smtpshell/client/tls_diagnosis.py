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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from ..events import CertSummary
from ..i18n import t

_V = TypeVar("_V")


@dataclass(frozen=True)
class Problem:
    """One kind of certificate problem: a key, plain words, and what to try."""

    key: str  # "expired", "not-yet-valid", "self-signed", "unknown-ca", "wrong-host", ...
    words: str  # what is wrong, to follow "not accepted: "
    advice: str  # what to try


def _problems() -> dict[str, Problem]:
    # Built at each look-up, so the words are in the language current then (not at import).
    ask_admin = t("client.tls.problem.ask_admin", "the server's administrator must fix the certificate")
    look_anyway = t("client.tls.problem.look_anyway", "--insecure connects anyway so you can look at it with /tls (the session is marked not verified)")
    return {
        "expired": Problem(
            "expired", t("client.tls.problem.expired", "the certificate has expired"),
            t("client.tls.problem.expired.advice", "{ask_admin} (renew it); check this computer's clock; {look_anyway}",
              ask_admin=ask_admin, look_anyway=look_anyway),
        ),
        "not-yet-valid": Problem(
            "not-yet-valid", t("client.tls.problem.not_yet_valid", "the certificate is not valid yet"),
            t("client.tls.problem.not_yet_valid.advice", "check this computer's clock and the server's; {look_anyway}", look_anyway=look_anyway),
        ),
        "self-signed": Problem(
            "self-signed", t("client.tls.problem.self_signed", "the certificate is self-signed (it vouches for itself; no CA signed it)"),
            t("client.tls.problem.self_signed.advice", "if you trust it, save it as a PEM file and pass --cafile FILE; {look_anyway}",
              look_anyway=look_anyway),
        ),
        "unknown-ca": Problem(
            "unknown-ca", t("client.tls.problem.unknown_ca", "it is signed by a certificate authority this computer does not trust"),
            t("client.tls.problem.unknown_ca.advice", "for a private CA pass --cafile CA.pem; if the server forgot to send its intermediate certificate, {ask_admin}; {look_anyway}",
              ask_admin=ask_admin, look_anyway=look_anyway),
        ),
        "wrong-host": Problem(
            "wrong-host", t("client.tls.problem.wrong_host", "the certificate is not for this host name"),
            t("client.tls.problem.wrong_host.advice", "connect with a name the certificate lists (see 'names' above), or --sni NAME to check against another name; {look_anyway}",
              look_anyway=look_anyway),
        ),
        "revoked": Problem("revoked", t("client.tls.problem.revoked", "the certificate has been revoked by its CA"), ask_admin),
        "bad-signature": Problem(
            "bad-signature", t("client.tls.problem.bad_signature", "the certificate's signature does not check out (damaged or forged)"),
            t("client.tls.problem.bad_signature.advice", "do not trust this connection; ask the server's administrator"),
        ),
        "bad-purpose": Problem(
            "bad-purpose", t("client.tls.problem.bad_purpose", "the certificate is not meant for a TLS server"),
            ask_admin,
        ),
        "other": Problem("other", t("client.tls.problem.other", "the certificate could not be verified"), look_anyway),
    }


class _Table(Mapping[str, _V]):
    """A table of words read like a dict, each look-up in the current language."""

    def __init__(self, build: Callable[[], dict[str, _V]]) -> None:
        self._build = build

    def __getitem__(self, key: str) -> _V:
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())


PROBLEMS: Mapping[str, Problem] = _Table(_problems)

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
def _handshake_reasons() -> dict[str, str]:
    return {
        "WRONG_VERSION_NUMBER": t("client.tls.handshake.wrong_version_number", "the server did not answer in TLS (this port may speak plaintext: try without --tls, then STARTTLS)"),
        "UNSUPPORTED_PROTOCOL": t("client.tls.handshake.unsupported_protocol", "no TLS version in common (the server may offer only old versions that are switched off here)"),
        "TLSV1_ALERT_PROTOCOL_VERSION": t("client.tls.handshake.tlsv1_alert_protocol_version", "the server refused every TLS version offered"),
        "NO_PROTOCOLS_AVAILABLE": t("client.tls.handshake.no_protocols_available", "no TLS version is enabled"),
        "SSLV3_ALERT_HANDSHAKE_FAILURE": t("client.tls.handshake.sslv3_alert_handshake_failure", "the server found nothing in common with us (cipher, version or a required client certificate)"),
        "NO_SHARED_CIPHER": t("client.tls.handshake.no_shared_cipher", "no cipher in common"),
        "TLSV13_ALERT_CERTIFICATE_REQUIRED": t("client.tls.handshake.tlsv13_alert_certificate_required", "the server wants a client certificate (--cert FILE --key FILE)"),
        "SSLV3_ALERT_BAD_CERTIFICATE": t("client.tls.handshake.sslv3_alert_bad_certificate", "the server did not accept the client certificate"),
        "TLSV1_ALERT_UNKNOWN_CA": t("client.tls.handshake.tlsv1_alert_unknown_ca", "the server does not trust the CA of your client certificate"),
        "TLSV1_ALERT_ACCESS_DENIED": t("client.tls.handshake.tlsv1_alert_access_denied", "the server denied access"),
        "UNEXPECTED_EOF_WHILE_READING": t("client.tls.handshake.unexpected_eof_while_reading", "the server closed the connection in the middle of the handshake"),
        "DH_KEY_TOO_SMALL": t("client.tls.handshake.dh_key_too_small", "the server's Diffie-Hellman key is too small to be safe"),
        "UNSAFE_LEGACY_RENEGOTIATION_DISABLED": t("client.tls.handshake.unsafe_legacy_renegotiation_disabled", "the server needs insecure legacy renegotiation"),
        "TLSV1_ALERT_INTERNAL_ERROR": t("client.tls.handshake.tlsv1_alert_internal_error", "the server reported an internal error"),
        "TLSV1_UNRECOGNIZED_NAME": t("client.tls.handshake.tlsv1_unrecognized_name", "the server does not know the name we sent (SNI); try --sni NAME"),
        "RECORD_LAYER_FAILURE": t("client.tls.handshake.record_layer_failure", "the server sent something that is not TLS"),
    }


HANDSHAKE_REASONS: Mapping[str, str] = _Table(_handshake_reasons)


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
        return Failure("handshake", t("client.tls.handshake_failed", "TLS handshake with {where} failed: {words}", where=where, words=words), "")
    key = VERIFY_CODES.get(exc.verify_code or -1, "other")
    leaf = chain[0] if chain else None
    now = now or datetime.now(UTC)
    if key == "unknown-ca" and leaf is not None and leaf.self_signed and len(chain) == 1:
        key = "self-signed"  # a lone self-signed leaf can show up as code 19/20
    problem = PROBLEMS[key]
    words = problem.words
    if leaf is not None:
        words += _specifics(key, leaf, checked_name, now)
    summary = t("client.tls.not_accepted_closed", "TLS certificate of {where} not accepted: {words}; the connection was closed", where=where, words=words)
    lines = [t("client.tls.not_accepted", "TLS certificate of {where} not accepted: {words}.", where=where, words=words)]
    if exc.verify_message:
        lines.append(t("client.tls.openssl_says", "  OpenSSL says: {message} (verify code {code})", message=exc.verify_message, code=exc.verify_code))
    if leaf is not None:
        lines += certificate_lines(leaf, now)
        others = [p for p in local_problems(leaf, checked_name, now) if p != key]
        if others:
            lines.append(t("client.tls.cert.also", "  also:     {problems}", problems="; ".join(PROBLEMS[p].words for p in others)))
    else:
        lines.append(t("client.tls.cert.unreadable", "  (the server's certificate could not be read)"))
    if checked_name:
        lines.append(t("client.tls.cert.checked", "  checked:  the name {name}, {trust}", name=checked_name, trust=trust_note))
    lines.append(t("client.tls.cert.try", "  try:      {advice}", advice=problem.advice))
    return Failure(key, t("client.tls.summary_with_advice", "{summary} ({advice})", summary=summary, advice=_short_advice(key)),
                   "\n".join(lines))


def certificate_lines(cert: CertSummary, now: datetime | None = None) -> list[str]:
    """The certificate as a person reads it; used in failures and by /tls."""
    now = now or datetime.now(UTC)
    names = ", ".join(cert.names) if cert.names else t("client.tls.cert.no_names", "(none: no subject alternative names)")
    issuer = cert.issuer + (t("client.tls.cert.itself", "  (itself: self-signed)") if cert.self_signed else "")
    return [
        t("client.tls.cert.subject", "  subject:  {subject}", subject=cert.subject or t("client.tls.cert.empty", "(empty)")),
        t("client.tls.cert.names", "  names:    {names}", names=names),
        t("client.tls.cert.issuer", "  issuer:   {issuer}", issuer=issuer),
        t("client.tls.cert.valid", "  valid:    {start} to {end} ({left})", start=_date(cert.not_before), end=_date(cert.not_after),
          left=validity_words(cert, now)),
    ]


def validity_words(cert: CertSummary, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    before = datetime.fromisoformat(cert.not_before)
    after = datetime.fromisoformat(cert.not_after)
    if now < before:
        return t("client.tls.valid.not_yet", "not valid for another {time}", time=_days(before - now))
    if now > after:
        return t("client.tls.valid.expired", "expired {time} ago", time=_days(now - after))
    return t("client.tls.valid.left", "{time} left", time=_days(after - now))


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
        return t("client.tls.specific.expired", " (on {date}, {left})", date=_date(leaf.not_after), left=validity_words(leaf, now))
    if key == "not-yet-valid":
        return t("client.tls.specific.not_yet_valid", " (from {date}, {left})", date=_date(leaf.not_before), left=validity_words(leaf, now))
    if key == "wrong-host":
        names = ", ".join(leaf.names) if leaf.names else t("client.tls.specific.no_names", "no names")
        return t("client.tls.specific.wrong_host", " (we asked for {wanted}; it is for {names})", wanted=checked_name, names=names)
    if key in ("self-signed", "unknown-ca"):
        return t("client.tls.specific.issuer", " (issuer {issuer})", issuer=leaf.issuer)
    return ""


def _short_advice(key: str) -> str:
    advice = {
        "expired": t("client.tls.short.expired", "the certificate must be renewed; --insecure to look anyway"),
        "not-yet-valid": t("client.tls.short.not_yet_valid", "check the clocks; --insecure to look anyway"),
        "self-signed": t("client.tls.short.self_signed", "trust it with --cafile FILE, or --insecure to look anyway"),
        "unknown-ca": t("client.tls.short.unknown_ca", "try --cafile CA.pem for a private CA, or --insecure to look anyway"),
        "wrong-host": t("client.tls.short.wrong_host", "connect by a name the certificate lists, or --sni NAME; --insecure to look anyway"),
    }
    return advice.get(key) or t("client.tls.short.other", "--insecure to look anyway")


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
        return t("client.tls.days.one", "{count} day", count=days) if days == 1 else t("client.tls.days", "{count} days", count=days)
    hours = int(getattr(delta, "seconds", 0) // 3600)
    return t("client.tls.hours.one", "{count} hour", count=hours) if hours == 1 else t("client.tls.hours", "{count} hours", count=hours)

"""TLS settings: the SSL context the client uses, and what a session negotiated.

Verification is on by default (system CAs, hostname check, SNI). ``--cafile``
trusts that file's CAs instead of the system's (as ``create_default_context(cafile=)``
and curl's ``--cacert`` do); ``--insecure`` turns checking off and the session is marked
as such everywhere. The key log (``--keylog`` or ``SSLKEYLOGFILE``) lets
Wireshark decrypt a capture. Why a handshake failed is worked out in
:mod:`.tls_diagnosis`.
"""

from __future__ import annotations

import _ssl  # the DER constant of certificate objects (not re-exported by ssl)
import ssl
from collections.abc import Sequence

from ..events import CertSummary, TLSInfo
from ..i18n import t
from ..records import TYPE_CHECKING
from ..untrusted import safe
from .tls_options import TLSOptions

if TYPE_CHECKING:
    from .tls_diagnosis import Failure


class TLSSetupError(Exception):
    """A TLS option cannot be used (missing file, bad key); one line for the user."""


def make_context(options: TLSOptions) -> ssl.SSLContext:
    keylog = options.keylog_path
    if keylog:
        _prepare_keylog(keylog)  # before create_default_context, which opens SSLKEYLOGFILE itself
    try:
        ctx = _default_context(options.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise TLSSetupError(t("client.tls.bad_cafile", "cannot use --cafile {path}: {reason}", path=options.cafile, reason=_reason(exc))) from None
    if options.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if options.min_version or options.max_version or options.ciphers:
        from .tls_limits import UnusableLimit, apply_limits  # only with --tls-version, --ciphers

        try:
            apply_limits(ctx, options)
        except UnusableLimit as exc:
            raise TLSSetupError(str(exc)) from None
    if options.certfile:
        try:
            ctx.load_cert_chain(options.certfile, options.keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise TLSSetupError(t("client.tls.bad_certfile", "cannot use the client certificate {path}: {reason}",
                                  path=options.certfile, reason=_reason(exc))) from None
    if keylog:
        ctx.keylog_filename = keylog
    return ctx


def _default_context(cafile: str | None) -> ssl.SSLContext:
    """``create_default_context`` without its own SSLKEYLOGFILE handling (we open that file ourselves)."""
    # What create_default_context(cafile=) does, less its keylog_filename = $SSLKEYLOGFILE
    # (which would open that path, through a link, before we could check it).
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile=cafile)
    else:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    return ctx


def _prepare_keylog(keylog: str) -> None:
    """Create the key log now, 0600, never through a symbolic link (it holds keys); a bad path fails here."""
    from ..private_files import LinkRefused, touch_private  # pathlib: only with a key log

    try:
        touch_private(keylog)
    except LinkRefused:
        raise TLSSetupError(t("tls.keylog_link", "the key log {path} is a symbolic link; smtpshell does not follow links for files that hold keys: remove the link or give the real file",
                              path=safe(keylog))) from None
    except OSError as exc:
        raise TLSSetupError(t("client.tls.keylog_unwritable", "cannot write the key log {path}: {reason}", path=keylog, reason=_reason(exc))) from None


def server_hostname(host: str, options: TLSOptions) -> str | None:
    """The name to send as SNI and to check; IP addresses are checked against IP SANs."""
    name = options.sni or host
    return name.strip("[]") if is_ip(name.strip("[]")) else name


# Every character an IP address can be written with, less the zone of an IPv6 one
# ("fe80::1%eth0"), which may be anything: a name outside these is no address.
_ADDRESS_CHARS = frozenset("0123456789abcdefABCDEF.:")


def is_ip(name: str) -> bool:
    """Whether ``name`` is an IPv4 or IPv6 address, as ``ipaddress.ip_address`` judges.

    A host name (almost always letters beyond a-f) is told apart without importing
    ipaddress, which costs more at start-up than the rest of the check; anything
    that could be an address still goes to it.
    """
    if "%" not in name and not set(name) <= _ADDRESS_CHARS:
        return False
    import ipaddress

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def trust_note(options: TLSOptions) -> str:
    """Against what the certificate was (or was not) checked."""
    if options.insecure:
        return t("client.tls.trust.insecure", "NOT verified (--insecure): anyone could be in the middle")
    if options.cafile:
        # load_verify_locations(cafile) alone: the system's CAs are not loaded (see _default_context).
        # The file is --cafile's, or the practice server's own CA (drivers/embedded.py).
        return t("client.tls.trust.cafile_only", "verified against {path} only, not the system's CAs",
                 path=options.cafile)
    return t("client.tls.trust.system", "verified against the system's trusted CAs")


def describe(obj: ssl.SSLObject, options: TLSOptions, sni: str | None, checked_name: str | None = None) -> TLSInfo:
    """What was negotiated on a finished handshake."""
    cipher = obj.cipher() or ("?", "?", 0)
    # What the server sent and what verification built are different answers
    # (a missing intermediate, the local CA): kept apart, never one for the other.
    # Both are parsed only when someone looks (CertChain).
    chain = CertChain(sent_chain_der(obj))
    built = CertChain(_call_chain_getter(obj, "get_verified_chain") if not options.insecure else [])
    note = trust_note(options)
    if options.insecure and chain:
        # Say what verification would have found, as far as we can tell without it.
        from .tls_diagnosis import PROBLEMS, local_problems

        found = local_problems(chain[0], checked_name)
        if found:
            note += t("client.tls.would_fail", "; it would have failed: {problems}", problems="; ".join(PROBLEMS[p].words for p in found))
        else:
            note += t("client.tls.looks_right", "; dates and name look right, the issuer was not checked")
    return TLSInfo(
        version=obj.version() or "?",
        cipher=cipher[0],
        bits=int(cipher[2] or 0),
        sni=sni,
        alpn=obj.selected_alpn_protocol(),
        verified=not options.insecure,
        verify_note=note,
        chain=chain,  # type: ignore[arg-type]  # a lazy Sequence, read like the tuple
        verified_chain=built,  # type: ignore[arg-type]  # lazy, as chain
        sent_complete=bool(unverified_chain_der(obj)),
    )


def diagnose_failure(
    exc: BaseException, obj: ssl.SSLObject | None, where: str, options: TLSOptions, checked_name: str | None
) -> Failure:
    """Why the handshake on ``obj`` failed, with the certificate the server sent."""
    from .tls_diagnosis import diagnose  # its tables (and dataclasses) only when a handshake failed

    chain = summarise_chain(unverified_chain_der(obj)) if obj is not None else []
    return diagnose(exc, where, chain, checked_name, _checked_against(options))


def summarise_chain(ders: list[bytes]) -> list[CertSummary]:
    out = []
    for der in ders:
        try:
            out.append(summarise_certificate(der))
        except Exception:  # a certificate we cannot parse must not end the session
            continue
    return out


class CertChain(Sequence[CertSummary]):
    """The server's chain, summarised only when someone looks (``/tls``, --insecure checks).

    Summarising needs ``cryptography.x509``, which costs more to import than a
    whole script session; a handshake that nobody inspects should not pay it.
    The DER bytes are kept (public data, a few KiB) and parsed once, on first use.
    """

    __slots__ = ("_ders", "_summaries")

    def __init__(self, ders: list[bytes]) -> None:
        self._ders = ders
        self._summaries: tuple[CertSummary, ...] | None = None

    def _parsed(self) -> tuple[CertSummary, ...]:
        if self._summaries is None:
            self._summaries = tuple(summarise_chain(self._ders))
        return self._summaries

    def __len__(self) -> int:
        return len(self._parsed())

    def __getitem__(self, index):  # type: ignore[no-untyped-def]  # int or slice, as the tuple it stands for
        return self._parsed()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CertChain):
            other = other._parsed()
        return self._parsed() == other

    def __hash__(self) -> int:
        return hash(self._parsed())

    def __repr__(self) -> str:
        return f"CertChain({len(self._ders)} certificate(s))"


def sent_chain_der(obj: ssl.SSLObject) -> list[bytes]:
    """The certificates the server sent (leaf first); only the leaf where this Python cannot say more."""
    ders = unverified_chain_der(obj)
    if ders:
        return ders
    try:
        leaf = obj.getpeercert(binary_form=True)
    except ValueError:
        return []
    return [leaf] if leaf else []


def unverified_chain_der(obj: ssl.SSLObject) -> list[bytes]:
    """The certificates the server sent, even after verification failed.

    ``getpeercert`` refuses once a handshake has failed, but OpenSSL keeps the
    peer's chain; Python 3.13 exposes it, 3.11 and 3.12 have it on the C object.
    """
    return _call_chain_getter(obj, "get_unverified_chain")


def _call_chain_getter(obj: ssl.SSLObject, name: str) -> list[bytes]:
    getter = getattr(obj, name, None) or getattr(getattr(obj, "_sslobj", None), name, None)
    if getter is None:
        return []
    try:
        certs = getter() or []
    except Exception:
        return []
    der = _ssl.ENCODING_DER
    return [c if isinstance(c, bytes) else c.public_bytes(der) for c in certs]


def summarise_certificate(der: bytes) -> CertSummary:
    import hashlib
    from datetime import UTC, datetime

    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(
            [str(n) for n in san.get_values_for_type(x509.DNSName)]
            + [str(n) for n in san.get_values_for_type(x509.IPAddress)]
        )
    except x509.ExtensionNotFound:
        names = ()
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    days_left = (not_after - datetime.now(UTC)).days
    digest = hashlib.sha256(der).hexdigest().upper()
    # The fields are the certificate owner's text: escaped here, once, so every
    # place that shows them (/tls, the failure summary, the transcript) is safe.
    return CertSummary(
        subject=safe(cert.subject.rfc4514_string()),
        issuer=safe(cert.issuer.rfc4514_string()),
        names=tuple(safe(name) for name in names),
        not_before=not_before.isoformat(),
        not_after=not_after.isoformat(),
        days_left=days_left,
        sha256=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        key=describe_key(cert.public_key()),
        self_signed=cert.subject == cert.issuer,
    )


def describe_key(key: object) -> str:
    """'RSA 2048 bits', 'EC secp256r1 (256 bits)', 'Ed25519 (256 bits)'."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return t("client.tls.key.bits", "{kind} {bits} bits", kind="RSA", bits=key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return t("client.tls.key.curve", "{kind} {curve} ({bits} bits)", kind="EC", curve=key.curve.name, bits=key.key_size)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return t("client.tls.key.fixed", "{kind} ({bits} bits)", kind="Ed25519", bits=256)
    if isinstance(key, ed448.Ed448PublicKey):
        return t("client.tls.key.fixed", "{kind} ({bits} bits)", kind="Ed448", bits=456)
    if isinstance(key, dsa.DSAPublicKey):
        return t("client.tls.key.bits", "{kind} {bits} bits", kind="DSA", bits=key.key_size)
    return type(key).__name__


def _checked_against(options: TLSOptions) -> str:
    if options.cafile:
        return t("client.tls.against.cafile_only", "against {path} only", path=options.cafile)
    return t("client.tls.against.system", "against the system's trusted CAs")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.replace("_", " ").lower()
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

"""TLS rules and wording as data: pure functions, no network."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smtpshell.client.starttls import refusal_message, tls_record_start
from smtpshell.client.tls import is_ip
from smtpshell.client.tls_diagnosis import HANDSHAKE_REASONS, PROBLEMS, VERIFY_CODES, diagnose, name_matches
from smtpshell.events import CertSummary
from smtpshell.protocol.replies import ReplyParser

SERVER_HELLO = b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03"
ALERT = b"\x15\x03\x03\x00\x02\x02\x28"


def test_every_verify_code_has_words_and_advice() -> None:
    for code, key in VERIFY_CODES.items():
        problem = PROBLEMS[key]
        assert problem.words and problem.advice, code
    assert all(HANDSHAKE_REASONS.values())


@given(st.binary(max_size=200).filter(lambda b: b"\x15" not in b and b"\x16" not in b), st.sampled_from([SERVER_HELLO, ALERT]))
def test_tls_starts_right_after_any_plaintext(plain: bytes, record: bytes) -> None:
    assert tls_record_start(plain + record) == len(plain)
    assert tls_record_start(plain) is None


def test_a_stray_0x16_byte_is_not_a_record() -> None:
    assert tls_record_start(b"250 \x16 hello\r\n") is None
    assert tls_record_start(b"\x16\x03\x03\x00\x7a\x01") is None  # a ClientHello is not what a server sends
    assert tls_record_start(b"x\x16\x03") == 1  # a header cut short at the segment end still counts


def test_name_matching() -> None:
    assert name_matches("mx.example.org", ("mx.example.org",))
    assert name_matches("MX.Example.org.", ("mx.example.org",))
    assert name_matches("mx.example.org", ("*.example.org",))
    assert not name_matches("a.mx.example.org", ("*.example.org",))
    assert not name_matches("example.org", ("*.example.org",))
    assert name_matches("127.0.0.1", ("localhost", "127.0.0.1"))
    assert not name_matches("127.0.0.2", ("127.0.0.1",))
    assert name_matches("::1", ("0:0:0:0:0:0:0:1",))


def _reply(raw: bytes):  # type: ignore[no-untyped-def]
    (reply,) = ReplyParser().feed(raw)
    return reply


def test_refusal_messages() -> None:
    assert "temporary" in refusal_message(_reply(b"454 4.7.0 TLS not available\r\n"))
    assert "does not implement STARTTLS" in refusal_message(_reply(b"502 no\r\n"))
    assert "go-ahead is 220" in refusal_message(_reply(b"250 ok\r\n"))
    assert "A permanent refusal" in refusal_message(_reply(b"550 nope\r\n"))
    for code in (454, 502, 250, 550):
        assert "stays in plaintext" in refusal_message(_reply(b"%d x\r\n" % code))


def _cert(**changes: object) -> CertSummary:
    now = datetime.now(UTC)
    base = dict(subject="CN=mx.example.org", issuer="CN=CA", names=("mx.example.org",),
                not_before=(now - timedelta(days=1)).isoformat(), not_after=(now + timedelta(days=9)).isoformat(),
                days_left=9, sha256="AA", key="RSA 2048 bits", self_signed=False)
    base.update(changes)
    return CertSummary(**base)  # type: ignore[arg-type]


def _verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code = code
    exc.verify_message = message
    return exc


def test_diagnosis_mentions_secondary_problems() -> None:
    """OpenSSL names one problem; the others we can see are listed too."""
    now = datetime.now(UTC)
    cert = _cert(not_after=(now - timedelta(days=2)).isoformat(), names=("other.example",))
    failure = diagnose(_verify_error(10, "certificate has expired"), "mx.example.org:25", [cert], "mx.example.org", "x")
    assert failure.key == "expired"
    assert "also:     the certificate is not for this host name" in failure.detail


def test_lone_self_signed_leaf_reported_as_self_signed() -> None:
    cert = _cert(issuer="CN=mx.example.org", self_signed=True)
    failure = diagnose(_verify_error(19, "self-signed certificate in certificate chain"), "h:25", [cert], "mx.example.org", "x")
    assert failure.key == "self-signed"


def test_unreadable_certificate_still_explained() -> None:
    failure = diagnose(_verify_error(20, "unable to get local issuer certificate"), "h:25", [], "h", "x")
    assert failure.key == "unknown-ca" and "could not be read" in failure.detail
    other = diagnose(ssl.SSLError(1, "x"), "h:25", [], "h", "x")
    assert other.key == "handshake" and other.detail == ""



@given(st.one_of(st.ip_addresses().map(str), st.text(alphabet="0123456789abcdefABCDEF.:%[]-xyzlo e", max_size=40),
                 st.sampled_from(["localhost", "mail.example.org", "cafe.de", "fe80::1%eth0", "01.2.3.4", "::ffff:1.2.3.4",
                                  "1.2.3", "[::1]", "", "%", "dead:beef::"])))
def test_is_ip_judges_as_ipaddress_does(name: str) -> None:
    """The cheap pre-check (which spares host names the ipaddress import) never changes the answer."""
    import ipaddress

    try:
        ipaddress.ip_address(name)
        expected = True
    except ValueError:
        expected = False
    assert is_ip(name) is expected


def test_tls_layer_gives_ssl_the_same_name_without_the_idna_codec() -> None:
    """An ASCII name reaches ssl as bytes (no idna codec); the SSLObject holds the same text as before."""
    from smtpshell.client.tls_layer import TLSLayer

    ctx = ssl.create_default_context()
    for name in ("localhost", "Mail.Example.ORG", "127.0.0.1"):
        assert TLSLayer(ctx, name).obj.server_hostname == ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=name).server_hostname == name
    assert TLSLayer(ctx, "bücher.example").obj.server_hostname == "xn--bcher-kva.example"  # non-ASCII: still the codec
    assert TLSLayer(ctx, None).obj.server_hostname is None

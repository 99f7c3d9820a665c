"""Certificate verification against certificates made for the test, over STARTTLS and implicit TLS.

Each kind (valid, expired, not yet valid, wrong host, self-signed, unknown CA)
must give the right outcome, and a failure must say why in plain words with
the certificate's subject, names and dates and what to try.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import pytest

from smtpshell import events as ev
from smtpshell import exitcodes
from smtpshell.client import Connection, ConnectionFailed, Target, TLSOptions
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.protocol import Reply
from tests.plugins.servers import SmtpServer, start_smtp
from tests.plugins.tls import CertKind

KINDS = ["valid", "expired", "not-yet-valid", "wrong-host", "self-signed", "unknown-ca"]

# What the failure must say, per kind, in plain words, and what it must suggest.
WORDS = {
    "expired": "has expired",
    "not-yet-valid": "not valid yet",
    "wrong-host": "not for this host name",
    "self-signed": "self-signed",
    "unknown-ca": "certificate authority this computer does not trust",
}
ADVICE = {
    "expired": "renew",
    "not-yet-valid": "clock",
    "wrong-host": "--sni",
    "self-signed": "--cafile",
    "unknown-ca": "--cafile",
}


@pytest.fixture
def servers() -> Iterator[list[SmtpServer]]:
    started: list[SmtpServer] = []
    yield started
    for server in started:
        server.thread.stop()


async def _connect(kind: CertKind, mode: str, tls: TLSOptions, log: ev.EventLog, servers: list[SmtpServer]) -> Connection:
    """Connect to a server presenting ``kind``, by STARTTLS or implicit TLS. Raises ConnectionFailed."""
    server = start_smtp(ssl_context=kind.context, implicit=(mode == "implicit"))
    servers.append(server)
    bus = ev.EventBus()
    bus.subscribe(log)
    target = Target("127.0.0.1", server.port, implicit_tls=(mode == "implicit"))
    conn = await Connection.open(target, bus, tls, timeout=10)
    await conn.greeting()
    if mode == "starttls":
        reply = (await conn.command("EHLO client.test")).reply
        assert isinstance(reply, Reply) and reply.code == 250
        exchange = await conn.command("STARTTLS")
        assert isinstance(exchange.reply, Reply) and exchange.reply.code == 220
    return conn


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
@pytest.mark.parametrize("name", KINDS)
async def test_verification_outcome_and_message(
    cert_kinds: dict[str, CertKind], ca_file: str, name: str, mode: str, servers: list[SmtpServer]
) -> None:
    kind = cert_kinds[name]
    log = ev.EventLog()
    if kind.expect is None:
        conn = await _connect(kind, mode, TLSOptions(cafile=ca_file), log, servers)
        (started,) = log.of(ev.TLSStarted)
        assert started.info.verified
        assert started.upgraded is (mode == "starttls")
        assert "CN=valid.test" in started.info.chain[0].subject
        assert not [w for w in log.of(ev.Warning) if w.kind.startswith("tls-") or w.kind == "insecure"]
        await conn.close()
        return
    with pytest.raises(ConnectionFailed) as failed:
        await _connect(kind, mode, TLSOptions(cafile=ca_file), log, servers)
    summary = str(failed.value)
    assert WORDS[name] in summary, summary
    assert "--insecure" in summary and "\n" not in summary
    assert not log.of(ev.TLSStarted)
    # The detailed explanation is on the event stream (screen and transcript).
    text = "\n".join(w.message for w in log.of(ev.Warning) if w.kind == f"tls-{name}")
    assert WORDS[name] in text
    assert f"CN={kind.subject_cn}" in text  # the subject
    assert "names:" in text and "valid:" in text and " to " in text and "UTC" in text  # names, dates
    assert ADVICE[name] in text  # what to try
    assert "checked:  the name 127.0.0.1" in text
    (closed,) = log.of(ev.Closed)
    # Said once: the close points at the warnings instead of repeating them (issue 13).
    assert not closed.clean and WORDS[name] not in closed.reason and "TLS handshake failed" in closed.reason


async def test_failure_names_specifics(cert_kinds: dict[str, CertKind], ca_file: str, servers: list[SmtpServer]) -> None:
    """The one-liners carry the facts that matter: dates, the names asked for and listed, the issuer."""
    log = ev.EventLog()
    with pytest.raises(ConnectionFailed) as failed:
        await _connect(cert_kinds["wrong-host"], "implicit", TLSOptions(cafile=ca_file), log, servers)
    assert "we asked for 127.0.0.1; it is for mail.example.net" in str(failed.value)
    with pytest.raises(ConnectionFailed) as failed:
        await _connect(cert_kinds["expired"], "implicit", TLSOptions(cafile=ca_file), log, servers)
    assert "expired 3 days ago" in str(failed.value)
    with pytest.raises(ConnectionFailed) as failed:
        await _connect(cert_kinds["unknown-ca"], "implicit", TLSOptions(cafile=ca_file), log, servers)
    assert "Nobody Trusts Me Ltd" in str(failed.value)


async def test_sni_name_is_sent_and_checked(cert_kinds: dict[str, CertKind], ca_file: str, servers: list[SmtpServer]) -> None:
    """--sni changes the name sent and checked: a name the certificate lacks fails as wrong host."""
    log = ev.EventLog()
    with pytest.raises(ConnectionFailed) as failed:
        await _connect(cert_kinds["valid"], "implicit", TLSOptions(cafile=ca_file, sni="other.example"), log, servers)
    assert "we asked for other.example; it is for localhost, 127.0.0.1" in str(failed.value)
    log = ev.EventLog()
    conn = await _connect(cert_kinds["valid"], "implicit", TLSOptions(cafile=ca_file, sni="localhost"), log, servers)
    assert log.of(ev.TLSStarted)[0].info.sni == "localhost"
    await conn.close()


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
@pytest.mark.parametrize("name", [k for k in KINDS if k != "valid"])
async def test_insecure_connects_and_marks_the_session(
    cert_kinds: dict[str, CertKind], name: str, mode: str, servers: list[SmtpServer]
) -> None:
    log = ev.EventLog()
    conn = await _connect(cert_kinds[name], mode, TLSOptions(insecure=True), log, servers)
    (started,) = log.of(ev.TLSStarted)
    assert started.info.verified is False
    assert "NOT verified (--insecure)" in started.info.verify_note
    assert [w for w in log.of(ev.Warning) if w.kind == "insecure"]
    if name != "unknown-ca":  # what can be judged without a trust store is named
        assert WORDS[name] in started.info.verify_note, started.info.verify_note
    assert conn.session.tls
    reply = (await conn.command("EHLO client.test")).reply
    assert isinstance(reply, Reply) and reply.code == 250
    await conn.close()


def _script(port: int, lines: list[str], tls: TLSOptions, *, starttls: bool = False, implicit: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = RunOptions(timeout=10, helo="client.test" if starttls else None, starttls=starttls, tls=tls)
    driver = ScriptDriver(lines, Target("127.0.0.1", port, implicit), options, out=out, err=err)
    code = asyncio.run(driver.run())
    return code, out.getvalue(), err.getvalue()


def test_script_mode_shows_the_failure_and_exits_with_connection_status(cert_kinds: dict[str, CertKind], ca_file: str) -> None:
    """What a person sees: the explanation on stdout, one line on stderr, status 'connection'."""
    server = start_smtp(ssl_context=cert_kinds["expired"].context)
    try:
        code, out, err = _script(server.port, ["MAIL FROM:<a@example.org>"], TLSOptions(cafile=ca_file), starttls=True)
    finally:
        server.thread.stop()
    assert code == exitcodes.CONNECTION
    assert "has expired" in out and "CN=expired.test" in out and "try:" in out
    assert "has expired" in err
    assert "MAIL FROM" not in out  # nothing more was sent
    assert "Traceback" not in out + err


def test_script_mode_insecure_is_marked(cert_kinds: dict[str, CertKind]) -> None:
    server = start_smtp(ssl_context=cert_kinds["self-signed"].context, implicit=True)
    try:
        code, out, err = _script(server.port, ["EHLO client.test"], TLSOptions(insecure=True), implicit=True)
    finally:
        server.thread.stop()
    assert code == exitcodes.OK, out + err
    assert "NOT verified (--insecure)" in out
    assert "this session is NOT verified" in out

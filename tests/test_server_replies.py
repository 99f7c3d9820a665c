"""The practice server's teaching replies, each driven through the real client."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac

from smtpshell import events as ev
from smtpshell.protocol.replies import Reply
from smtpshell.server import PracticeServer
from tests.plugins.practice import StartPractice, message, practice_client


def ehlo_keywords(reply: Reply) -> set[str]:
    return {line.split(" ", 1)[0].upper() for line in reply.lines[1:]}


async def test_greeting_and_ehlo_advertise_what_the_server_does(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server, ehlo=False)
    reply = await client.ok("EHLO client.test")
    keywords = ehlo_keywords(reply)
    assert {"STARTTLS", "SIZE", "ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME"} <= keywords
    assert "AUTH" not in keywords  # not before TLS
    assert f"SIZE {practice_server.config.size_limit}" in reply.lines


async def test_local_user_accepted_and_message_stored_with_trace_headers(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    reply = await client.send_mail("someone@outside.test", ["bob@practice.test"], message("lesson one"))
    assert isinstance(reply, Reply) and reply.code == 250 and reply.enhanced == "2.0.0"
    assert len(practice_server.mailbox) == 1
    stored = practice_server.mailbox[-1]
    assert stored.subject == "lesson one"
    assert stored.rcpt_tos == ("bob@practice.test",)
    assert stored.tls is None and stored.auth_user is None
    assert stored.queue_id in reply.text
    head = stored.added_headers.decode()
    assert head.startswith("Return-Path: <someone@outside.test>\r\n")
    assert "Delivered-To: bob@practice.test\r\n" in head
    assert "with ESMTP id " + stored.queue_id in head
    assert stored.data.endswith(message("lesson one"))


async def test_unknown_local_user_gets_550_5_1_1(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.ok("MAIL FROM:<a@practice.test>")
    reply = await client.ok("RCPT TO:<nobody@practice.test>", 550)
    assert reply.enhanced == "5.1.1"


async def test_domains_are_case_insensitive_and_lists_are_recipients(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.ok("MAIL FROM:<a@practice.test>")
    await client.ok("RCPT TO:<Alice@PRACTICE.test>")
    await client.ok("RCPT TO:<students@practice.test>")


async def test_relay_denied_without_auth_554_5_7_1(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.ok("MAIL FROM:<alice@practice.test>")
    reply = await client.ok("RCPT TO:<friend@elsewhere.test>", 554)
    assert reply.enhanced == "5.7.1"
    assert "Relay access denied" in reply.text


async def test_relay_allowed_after_starttls_and_auth(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.starttls()
    tls = client.log.of(ev.TLSStarted)
    assert tls and tls[0].info.verified and tls[0].upgraded  # verified against server.ca_file
    reply = await client.login("alice", "wonderland")
    assert isinstance(reply, Reply) and reply.code == 235
    result = await client.send_mail("alice@practice.test", ["friend@elsewhere.test"], message("out"))
    assert isinstance(result, Reply) and result.code == 250
    stored = practice_server.mailbox[-1]
    assert stored.auth_user == "alice" and stored.tls and stored.tls.startswith("TLS")
    assert "with ESMTPSA id" in stored.added_headers.decode()


async def test_auth_before_starttls_is_530_5_7_0(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    reply = await client.ok("AUTH LOGIN", 530)
    assert reply.enhanced == "5.7.0"


async def test_auth_without_tls_when_allowed(start_practice: StartPractice) -> None:
    server = await start_practice(auth_requires_tls=False)
    client = await practice_client(server, ehlo=False)
    assert "AUTH" in ehlo_keywords(await client.ok("EHLO client.test"))
    reply = await client.login("bob", "builder")
    assert isinstance(reply, Reply) and reply.code == 235


async def test_auth_mechanisms_after_starttls(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server, ehlo=False)
    await client.ok("EHLO client.test")
    await client.ok("STARTTLS", 220)
    reply = await client.ok("EHLO client.test")
    auth = next(line for line in reply.lines if line.startswith("AUTH "))
    assert set(auth.split()[1:]) == {"PLAIN", "LOGIN", "CRAM-MD5"}

    # LOGIN: two 334 questions, base64 answers.
    question = await client.ok("AUTH LOGIN", 334)
    assert base64.b64decode(question.text).startswith(b"User Name")
    await client.ok(base64.b64encode(b"bob").decode(), 334)
    done = await client.ok(base64.b64encode(b"builder").decode(), 235)
    assert done.enhanced == "2.7.0"


async def test_auth_cram_md5(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.starttls()
    challenge_reply = await client.ok("AUTH CRAM-MD5", 334)
    challenge = base64.b64decode(challenge_reply.text)
    assert challenge.startswith(b"<") and challenge.endswith(b"@mx.practice.test>")
    digest = hmac.new(b"wonderland", challenge, hashlib.md5).hexdigest()
    await client.ok(base64.b64encode(f"alice {digest}".encode()).decode(), 235)


async def test_auth_cram_md5_wrong_password_is_535(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.starttls()
    challenge = base64.b64decode((await client.ok("AUTH CRAM-MD5", 334)).text)
    digest = hmac.new(b"not-it", challenge, hashlib.md5).hexdigest()
    reply = await client.ok(base64.b64encode(f"alice {digest}".encode()).decode(), 535)
    assert reply.enhanced == "5.7.8"


async def test_wrong_password_is_535_5_7_8(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server)
    await client.starttls()
    reply = await client.login("alice", "guess")
    assert isinstance(reply, Reply) and reply.code == 535 and reply.enhanced == "5.7.8"


async def test_users_from_config_replace_the_demo_users(start_practice: StartPractice) -> None:
    server = await start_practice(users={"dave": "s3cret"})
    client = await practice_client(server)
    await client.starttls()
    assert (await client.login("alice", "wonderland")).code == 535  # type: ignore[union-attr]
    assert (await client.login("dave", "s3cret")).code == 235  # type: ignore[union-attr]


async def test_implicit_tls_port_offers_auth_at_once(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server, implicit_tls=True, ehlo=False)
    tls = client.log.of(ev.TLSStarted)
    assert tls and not tls[0].upgraded and tls[0].info.verified
    keywords = ehlo_keywords(await client.ok("EHLO client.test"))
    assert "AUTH" in keywords and "STARTTLS" not in keywords
    assert (await client.login("alice", "wonderland")).code == 235  # type: ignore[union-attr]
    await client.ok("STARTTLS", 503)  # TLS is already on


async def test_size_is_advertised_and_enforced_552_5_3_4(start_practice: StartPractice) -> None:
    server = await start_practice(size_limit=2000)
    client = await practice_client(server)
    reply = await client.ok("MAIL FROM:<a@practice.test> SIZE=5000", 552)
    assert reply.enhanced == "5.3.4"
    await client.ok("MAIL FROM:<a@practice.test> SIZE=100")
    await client.ok("RCPT TO:<bob@practice.test>")
    await client.ok("DATA", 354)
    await client.conn.send_message([message(body="x" * 70 + "\r\n") * 40], "big")
    too_big = (await client.conn.next_exchange()).reply
    assert isinstance(too_big, Reply) and too_big.code == 552 and too_big.enhanced == "5.3.4"
    assert len(server.mailbox) == 0
    # The session goes on after the refusal.
    result = await client.send_mail("a@practice.test", ["bob@practice.test"], message())
    assert isinstance(result, Reply) and result.code == 250


async def test_greylisting_first_try_451_4_7_1_then_accepted(start_practice: StartPractice) -> None:
    server = await start_practice(greylisting=True)
    client = await practice_client(server)
    await client.ok("MAIL FROM:<a@outside.test>")
    first = await client.ok("RCPT TO:<bob@practice.test>", 451)
    assert first.enhanced == "4.7.1" and "Greylisted" in first.text
    await client.ok("RSET")
    # A new connection, as a real retrying server would open.
    again = await practice_client(server)
    await again.ok("MAIL FROM:<a@outside.test>")
    await again.ok("RCPT TO:<bob@practice.test>")
    # Another sender is a new triplet: greylisted again.
    await again.ok("RSET")
    await again.ok("MAIL FROM:<b@outside.test>")
    await again.ok("RCPT TO:<bob@practice.test>", 451)


async def test_greylisting_delay_refuses_early_retry(start_practice: StartPractice) -> None:
    server = await start_practice(greylisting=True, greylist_delay=60)
    now = [1000.0]
    server.policy.clock = lambda: now[0]
    client = await practice_client(server)
    await client.ok("MAIL FROM:<a@outside.test>")
    await client.ok("RCPT TO:<bob@practice.test>", 451)
    now[0] += 30
    early = await client.ok("RCPT TO:<bob@practice.test>", 451)
    assert "30 seconds" in early.text
    now[0] += 31
    await client.ok("RCPT TO:<bob@practice.test>")


async def test_greylisting_spares_authenticated_senders(start_practice: StartPractice) -> None:
    server = await start_practice(greylisting=True)
    client = await practice_client(server)
    await client.starttls()
    await client.login("alice", "wonderland")
    await client.ok("MAIL FROM:<alice@practice.test>")
    await client.ok("RCPT TO:<bob@practice.test>")


async def test_vrfy_answers_and_can_be_turned_off(start_practice: StartPractice) -> None:
    server = await start_practice()
    client = await practice_client(server)
    known = await client.ok("VRFY alice")
    assert "<alice@practice.test>" in known.text and known.enhanced == "2.1.5"
    await client.ok("VRFY <carol@practice.test>")
    unknown = await client.ok("VRFY zed", 550)
    assert unknown.enhanced == "5.1.1"
    off = await practice_client(await start_practice(vrfy=False))
    reply = await off.ok("VRFY alice", 252)
    assert reply.enhanced == "2.5.2"


async def test_expn_expands_the_list_and_can_be_turned_off(start_practice: StartPractice) -> None:
    server = await start_practice()
    client = await practice_client(server)
    reply = await client.ok("EXPN students")
    assert len(reply.lines) == 3
    assert any("<carol@practice.test>" in line for line in reply.lines)
    await client.ok("EXPN nosuchlist", 550)
    off = await practice_client(await start_practice(expn=False))
    assert (await off.ok("EXPN students", 502)).enhanced == "5.5.1"


async def test_stock_errors_carry_enhanced_codes(practice_server: PracticeServer) -> None:
    client = await practice_client(practice_server, ehlo=False)
    assert (await client.ok("MAIL FROM:<a@practice.test>", 503)).enhanced == "5.5.1"
    await client.ok("EHLO client.test")
    assert (await client.ok("RCPT TO:<bob@practice.test>", 503)).enhanced == "5.5.1"
    assert (await client.ok("FROB", 500)).enhanced == "5.5.1"
    assert (await client.ok("NOOP")).enhanced == "2.0.0"
    help_reply = await client.ok("HELP", 214)
    assert "EXPN" in help_reply.text and "STARTTLS" in help_reply.text
    assert (await client.ok("HELP MAIL", 214)).enhanced == "2.0.0"
    quit_reply = await client.ok("QUIT", 221)
    assert quit_reply.enhanced == "2.0.0"


async def test_maildir_storage_and_live_callback(start_practice: StartPractice, tmp_path) -> None:
    seen = []
    server = await start_practice(store_dir=tmp_path / "maildir", on_message=seen.append)
    client = await practice_client(server)
    await client.send_mail("a@practice.test", ["bob@practice.test", "carol@practice.test"], message("stored"))
    files = list((tmp_path / "maildir" / "new").iterdir())
    assert len(files) == 1
    assert files[0].read_bytes() == server.mailbox[-1].data
    assert server.mailbox[-1].path == files[0]
    assert [m.subject for m in seen] == ["stored"]
    assert server.mailbox.count == 1


async def test_welcome_lines_say_where_what_and_how(practice_server: PracticeServer) -> None:
    text = "\n".join(practice_server.welcome_lines())
    assert f"{practice_server.host}:{practice_server.port}" in text
    assert f":{practice_server.tls_port}" in text
    assert "alice@practice.test" in text and "students@practice.test" in text
    assert "alice / wonderland" in text and "bob / builder" in text
    assert "after STARTTLS" in text
    assert "scenario: normal" in text
    assert practice_server.ca_file in text


async def test_certificate_is_made_once_and_kept(start_practice: StartPractice, tmp_path) -> None:
    first = await start_practice(state_dir=tmp_path)
    pem = (tmp_path / "practice-cert.pem").read_bytes()
    key_mode = (tmp_path / "practice-key.pem").stat().st_mode & 0o777
    assert key_mode == 0o600
    second = await start_practice(state_dir=tmp_path)
    assert (tmp_path / "practice-cert.pem").read_bytes() == pem
    assert first.ca_file == second.ca_file
    # A name the stored certificate lacks: a new one is made.
    await start_practice(state_dir=tmp_path, hostname="mx.other.test")
    assert (tmp_path / "practice-cert.pem").read_bytes() != pem


async def test_stop_closes_open_connections(start_practice: StartPractice) -> None:
    server = await start_practice()
    client = await practice_client(server)
    assert server.connections == 1
    await server.stop()
    for _ in range(50):
        if not client.conn.is_open:
            break
        await asyncio.sleep(0.01)
    assert not client.conn.is_open
    assert server.connections == 0


async def test_idle_client_gets_421_before_the_server_hangs_up(start_practice: StartPractice) -> None:
    server = await start_practice(idle_timeout=0.2)
    client = await practice_client(server)
    for _ in range(300):
        if client.log.of(ev.Closed):
            break
        await asyncio.sleep(0.01)
    replies = [e.reply for e in client.log.of(ev.ReplyReceived)]
    assert replies[-1].code == 421 and replies[-1].enhanced == "4.4.2"
    assert client.log.of(ev.Closed)[0].by_peer


async def test_ipv6_loopback(start_practice: StartPractice) -> None:
    import socket

    import pytest

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = await start_practice(host="::1")
    except Exception as exc:  # IPv6 present in Python but not configured
        pytest.skip(f"cannot listen on ::1: {exc}")
    assert f"[::1]:{server.port}" in server.welcome_lines()[0]
    client = await practice_client(server)
    await client.starttls()  # the certificate names ::1
    reply = await client.send_mail("a@practice.test", ["bob@practice.test"], message())
    assert isinstance(reply, Reply) and reply.code == 250

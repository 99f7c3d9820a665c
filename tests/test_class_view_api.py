"""The class view's JSON API without a browser: a student's /mailbox against a teacher's server
(found through the EHLO reply's XCLASSVIEW line), the CA at /ca.pem, redaction in the feed,
Chinese decoding, and that script mode never imports aiohttp."""

from __future__ import annotations

import base64
import json
import os
import smtplib
import subprocess
import sys
import urllib.request
from pathlib import Path

from smtpshell.server.feed import ClassFeed
from smtpshell.server.messages import decode_bytes, decode_header

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def _get(url: str) -> bytes:
    return urllib.request.urlopen(url, timeout=10).read()


def test_a_students_mailbox_reads_a_teachers_class_view(class_server) -> None:
    classroom = class_server()
    port = classroom.server.port
    subject = "=?UTF-8?B?" + base64.b64encode("作业 1".encode()).decode() + "?="
    lines = ["EHLO student.example", "MAIL FROM:<carol@practice.test>", "RCPT TO:<bob@practice.test>", "DATA",
             f"Subject: {subject}", "", "hello teacher", ".", "/mailbox", "/mailbox last", "QUIT"]
    args = [SMTPSHELL, f"127.0.0.1:{port}", "--color", "never"] + [a for line in lines for a in ("-c", line)]
    run = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    out = run.stdout + run.stderr
    assert f"XCLASSVIEW http://127.0.0.1:{classroom.server.web.port}/" in out
    assert "1 message(s) received" in out and "作业 1" in out  # the list, decoded
    assert "hello teacher" in out and "Delivered-To: bob@practice.test" in out  # /mailbox last, in full
    assert "works with smtpshell's" not in out


def test_mailbox_without_a_class_view_says_what_to_do(class_server) -> None:
    classroom = class_server(web=None)
    args = [SMTPSHELL, f"127.0.0.1:{classroom.server.port}", "-c", "EHLO me", "-c", "/mailbox"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert "serve --web" in run.stdout + run.stderr and "Traceback" not in run.stderr


def test_the_ca_is_served_at_a_fixed_url_and_the_info_says_how_to_connect(class_server) -> None:
    classroom = class_server()
    assert _get(classroom.web_url + "ca.pem") == Path(classroom.server.ca_file).read_bytes()
    info = json.loads(_get(classroom.web_url + "api/info"))
    assert info["student_command"] == f"smtpshell 127.0.0.1:{classroom.server.port} --cafile practice-ca.pem"
    assert info["fetch_ca"].endswith("/ca.pem") and info["scenario"] == "normal"
    page = _get(classroom.web_url).decode()
    assert "practice server only" in page and "<script src=\"/static/app.js\"" in page


def test_auth_is_redacted_before_it_reaches_the_feed(class_server) -> None:
    classroom = class_server(auth_requires_tls=False)
    for mechanism in ("PLAIN", "LOGIN", "CRAM-MD5"):
        client = smtplib.SMTP("127.0.0.1", classroom.server.port, timeout=10)
        client.ehlo("me")
        client.user, client.password = "bob", "builder"
        method = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login, "CRAM-MD5": client.auth_cram_md5}[mechanism]
        assert client.auth(mechanism, method, initial_response_ok=mechanism != "LOGIN")[0] == 235
        client.quit()
    feed = classroom.server.feed
    everything = json.dumps([s.lines for s in feed.sessions]) + _get(classroom.web_url + "api/sessions").decode()
    for secret in ("builder", base64.b64encode(b"builder").decode(), base64.b64encode(b"\0bob\0builder").decode(),
                   base64.b64encode(b"bob").decode()):
        assert secret not in everything
    assert "AUTH PLAIN <credentials>" in everything and "<password>" in everything and "<secret>" in everything
    assert [s.login for s in feed.sessions] == ["bob", "bob", "bob"]


def test_a_pipelined_auth_line_is_redacted_even_before_the_334() -> None:
    feed = ClassFeed("normal")
    session = feed.opened("127.0.0.1:1")
    feed.client_bytes(session, b"AUTH LOGIN\r\nYm9i\r\nc2VjcmV0\r\n")  # sent before any reply
    text = json.dumps(session.lines)
    assert "Ym9i" not in text and "c2VjcmV0" not in text and "<password>" in text


def test_chinese_headers_and_bodies_are_decoded() -> None:
    gbk = base64.b64encode("镕基，你好".encode("gbk")).decode()  # 镕 is GBK, not GB2312
    assert decode_header(f"=?gb2312?B?{gbk}?=") == "镕基，你好"
    assert decode_header("=?utf-8?q?=E4=BD=A0=E5=A5=BD?= world") == "你好 world"
    raw_utf8 = "作业".encode().decode("ascii", "surrogateescape")  # an SMTPUTF8 header as the parser keeps it
    assert decode_header(raw_utf8) == "作业"
    assert decode_bytes("你好".encode("gb18030"), "gb2312") == "你好"
    assert decode_bytes(b"\xff\xfe", "no-such-charset")  # never raises


def test_script_mode_and_a_plain_serve_never_import_aiohttp(class_server) -> None:
    code = ("import sys; from smtpshell.cli import main; main(['127.0.0.1:1', '-c', 'NOOP']); "
            "print('aiohttp' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().endswith("False")
    code = ("import asyncio, sys; from smtpshell.server import PracticeServer, PracticeConfig\n"
            "async def go():\n    async with PracticeServer(PracticeConfig()):\n        pass\n"
            "asyncio.run(go()); print('aiohttp' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "False", run.stderr


def test_the_default_run_takes_web_too() -> None:
    run = subprocess.run([SMTPSHELL, "--web", "127.0.0.1:0", "-c", "EHLO me", "-c", "QUIT"],
                         capture_output=True, text=True, timeout=60)
    assert "class view (read-only web page and JSON API): http://127.0.0.1:" in run.stderr
    assert "XCLASSVIEW http://127.0.0.1:" in run.stdout
    bad = subprocess.run([SMTPSHELL, "--web", "nope", "-c", "QUIT"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "--web nope: write [HOST:]PORT" in bad.stderr and "Traceback" not in bad.stderr


def test_serve_warns_when_the_class_can_reach_it(tmp_path: Path) -> None:
    from smtpshell.server.command import open_to_network_warning

    assert open_to_network_warning("127.0.0.1") is None and open_to_network_warning("::1") is None
    assert "anyone who can reach this machine" in (open_to_network_warning("0.0.0.0") or "")

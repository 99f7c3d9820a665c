"""A message from parts (--from/--to/--header/--body/--attach) and --quit-after, against aiosmtpd."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from smtpshell import exitcodes
from smtpshell.drivers.quit_after import quit_after
from tests.plugins.servers import SmtpServer
from tests.test_script_mode import assert_no_traceback, run

SESSION = ["EHLO a.test", "STARTTLS", "EHLO a.test", "AUTH PLAIN AGFsaWNlAHg=", "MAIL FROM:<a@a.test>",
           "RCPT TO:<b@b.test>", "RCPT TO:<c@b.test>", "DATA", "MAIL FROM: looks like a verb", ".", "NOOP"]


def parts_run(server: SmtpServer, *args: str):
    result = run([server.address, "--explain", "off", *args])
    assert_no_traceback(result)
    return result


def test_message_from_parts_is_a_real_mime_message(smtp_server: SmtpServer, tmp_path: Path) -> None:
    attachment = tmp_path / "report.pdf"
    attachment.write_bytes(bytes(range(256)) * 20)
    body = tmp_path / "body.txt"
    body.write_text("Hello Bob,\n.\nthe report is attached. Grüße\n", encoding="utf-8")
    result = parts_run(smtp_server, "--from", "alice@example.org", "--to", "bob@example.org", "--to",
                       "carol@example.org", "--header", "Subject: quarterly report", "--header", "X-Test: 1",
                       "--body", f"@{body}", "--attach", f"@{attachment}")
    assert result.returncode == exitcodes.OK, result.stderr
    # the session is the normal one, each line on screen
    for line in ("C: MAIL FROM:<alice@example.org>", "C: RCPT TO:<bob@example.org>",
                 "C: RCPT TO:<carol@example.org>", "C: DATA", "C: QUIT"):
        assert line in result.stdout
    (received,) = smtp_server.messages
    assert received.mail_from == "alice@example.org"
    assert received.rcpt_tos == ["bob@example.org", "carol@example.org"]
    msg = email.message_from_bytes(received.content, policy=policy.default)
    assert msg["Subject"] == "quarterly report" and msg["X-Test"] == "1"
    assert msg["To"] == "bob@example.org, carol@example.org"
    assert msg.is_multipart()
    text = msg.get_body(("plain",))
    assert text is not None and text.get_content().replace("\r\n", "\n") == "Hello Bob,\n.\nthe report is attached. Grüße\n"
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "report.pdf" and part.get_content_type() == "application/pdf"
    assert part.get_content() == attachment.read_bytes()


def test_body_text_and_default_subject(smtp_server: SmtpServer) -> None:
    result = parts_run(smtp_server, "--to", "bob@example.org", "--body", "one line")
    assert result.returncode == exitcodes.OK, result.stderr
    msg = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    assert msg["Subject"] == "test message from smtpshell"
    assert msg.get_content().replace("\r\n", "\n") == "one line\n"


@pytest.mark.parametrize(("args", "words"), [
    (["--from", "a@x.test"], "at least one --to"),
    (["--to", "b@x.test", "--attach", "@/no/such/file"], "--attach /no/such/file"),
    (["--to", "b@x.test", "--header", "no colon"], "write it as 'Name: value'"),
    (["--to", "<b@x.test>"], "without <>"),
    (["--to", "b@x.test", "-c", "NOOP"], "replaces -c"),
])
def test_bad_parts_are_one_line(smtp_server: SmtpServer, args: list[str], words: str) -> None:
    result = parts_run(smtp_server, *args)
    assert result.returncode == exitcodes.USAGE
    assert words in result.stderr and smtp_server.messages == []


def test_message_from_parts_logs_in_with_user(auth_server: SmtpServer) -> None:
    result = run([auth_server.address, "--explain", "off", "--user", "alice", "--allow-plaintext-auth",
                  "--from", "alice@example.org", "--to", "bob@example.org"],
                 env={"SMTPSHELL_PASSWORD": "wonderland-Pa55"})
    assert_no_traceback(result)
    assert result.returncode == exitcodes.OK, result.stdout + result.stderr
    assert "C: AUTH " in result.stdout and "S: 235" in result.stdout
    assert "wonderland" not in result.stdout + result.stderr
    assert result.stdout.index("S: 235") < result.stdout.index("C: MAIL FROM:<alice@example.org>")
    assert len(auth_server.messages) == 1
    cut = run([auth_server.address, "--user", "alice", "--allow-plaintext-auth", "--to", "bob@example.org",
               "--quit-after", "ehlo"], env={"SMTPSHELL_PASSWORD": "wonderland-Pa55"})
    assert "C: AUTH" not in cut.stdout  # /login is the auth stage


def test_quit_after_cuts_at_each_stage() -> None:
    def cut(stage: str) -> list[str]:
        return list(quit_after(SESSION, stage))

    assert cut("greeting") == cut("connect") == []
    assert cut("ehlo") == ["EHLO a.test"]
    assert cut("tls") == SESSION[:3]
    assert cut("auth") == SESSION[:4]
    assert cut("mail") == SESSION[:5]
    assert cut("rcpt") == SESSION[:7]
    assert cut("data") == SESSION[:-1]  # a verb inside the message is message text; NOOP after "." is not sent


@pytest.mark.parametrize(("stage", "last_sent", "not_sent"), [
    ("greeting", None, "C: EHLO"),
    ("ehlo", "C: EHLO", "C: MAIL"),
    ("mail", "C: MAIL FROM:<alice@example.org>", "C: RCPT"),
    ("rcpt", "C: RCPT TO:<bob@example.org>", "C: DATA"),
])
def test_quit_after_with_a_message_from_parts(smtp_server: SmtpServer, stage: str, last_sent: str | None,
                                              not_sent: str) -> None:
    result = parts_run(smtp_server, "--from", "alice@example.org", "--to", "bob@example.org",
                       "--quit-after", stage)
    assert result.returncode == exitcodes.OK, result.stderr
    assert "S: 220" in result.stdout and "C: QUIT" in result.stdout and "S: 221" in result.stdout
    if last_sent:
        assert last_sent in result.stdout
    assert not_sent not in result.stdout
    assert smtp_server.messages == []


def test_quit_after_data_sends_the_message_then_quits(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "--quit-after", "data", "--explain", "off"],
                 stdin="EHLO a.test\nMAIL FROM:<a@a.test>\nRCPT TO:<b@b.test>\nDATA\nSubject: x\n\nhi\n.\nNOOP\n")
    assert result.returncode == exitcodes.OK, result.stderr
    assert len(smtp_server.messages) == 1
    assert "C: NOOP" not in result.stdout and "C: QUIT" in result.stdout


def test_quit_after_bad_stage(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "--quit-after", "helo", "-c", "NOOP"])
    assert result.returncode == exitcodes.USAGE and "--quit-after helo: one of connect" in result.stderr

"""``smtpshell export --as swaks|curl|openssl``: record a session, export it, run the command for real.

swaks, curl and openssl are the machine's own (skipped where one is missing);
each exported command is run by bash against a loopback aiosmtpd server, and
the server must receive the same envelope and message the recording sent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from smtpshell import exitcodes
from tests.plugins.servers import SmtpServer
from tests.test_script_mode import assert_no_traceback, run

MESSAGE = ["Subject: exported", "", "sent again by another tool"]
SESSION = ["EHLO export.test", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>",
           "RCPT TO:<carol@example.org>", "DATA", *MESSAGE, ".", "QUIT"]


def record(server: SmtpServer, path: Path, *extra: str, lines: list[str] = SESSION) -> None:
    args = [server.address, "--record", str(path), *extra]
    for line in lines:
        args += ["-c", line]
    result = run(args)
    assert result.returncode == exitcodes.OK, result.stderr
    server.messages.clear()


def export(path: Path, tool: str) -> str:
    result = run(["export", str(path), "--as", tool])
    assert_no_traceback(result)
    assert result.returncode == exitcodes.OK, result.stderr
    return result.stdout


def run_bash(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False)


def assert_delivered_again(server: SmtpServer) -> None:
    (received,) = server.messages
    assert received.mail_from == "alice@example.org"
    assert received.rcpt_tos == ["bob@example.org", "carol@example.org"]
    body = received.content.replace(b"\r\n", b"\n")
    assert b"Subject: exported" in body and b"sent again by another tool" in body


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def test_export_as_swaks_runs(smtp_server: SmtpServer, tmp_path: Path) -> None:
    need("swaks")
    path = tmp_path / "s.transcript"
    record(smtp_server, path)
    command = export(path, "swaks")
    assert command.startswith("swaks \\\n") and f"--port {smtp_server.port}" in command
    assert "--ehlo export.test" in command and "--to bob@example.org,carol@example.org" in command
    done = run_bash(command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_delivered_again(smtp_server)


def test_export_as_curl_runs(smtp_server: SmtpServer, tmp_path: Path) -> None:
    need("curl")
    path = tmp_path / "c.transcript"
    record(smtp_server, path)
    command = export(path, "curl")
    assert f"--url smtp://127.0.0.1:{smtp_server.port}/export.test" in command
    done = run_bash(command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_delivered_again(smtp_server)


def test_export_as_openssl_runs_over_implicit_tls(implicit_tls_server: SmtpServer, ca_file: str,
                                                  tmp_path: Path) -> None:
    need("openssl")
    path = tmp_path / "o.transcript"
    record(implicit_tls_server, path, "--tls", "--cafile", ca_file)
    command = export(path, "openssl")
    assert f"-connect 127.0.0.1:{implicit_tls_server.port}" in command and "-starttls" not in command
    done = run_bash(command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "250" in done.stdout and "221" in done.stdout  # the server's replies, as s_client printed them
    assert_delivered_again(implicit_tls_server)


def test_export_as_openssl_after_starttls(starttls_server: SmtpServer, ca_file: str, tmp_path: Path) -> None:
    need("openssl")
    path = tmp_path / "st.transcript"
    lines = ["EHLO export.test", "STARTTLS", "EHLO export.test", *SESSION[1:]]
    record(starttls_server, path, "--cafile", ca_file, "--sni", "localhost", lines=lines)
    command = export(path, "openssl")
    assert "-starttls smtp" in command and "-name export.test" in command
    assert "\nSTARTTLS\n" not in command  # s_client says it; the here-document starts after it
    done = run_bash(command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_delivered_again(starttls_server)
    (received,) = starttls_server.messages
    assert received.tls


def test_export_refuses_what_a_tool_cannot_say(smtp_server: SmtpServer, tmp_path: Path) -> None:
    path = tmp_path / "p.transcript"
    record(smtp_server, path, lines=["EHLO export.test", "VRFY bob", "QUIT"])
    for tool, words in (("openssl", "never used TLS"), ("curl", "sent none")):
        result = run(["export", str(path), "--as", tool])
        assert result.returncode == exitcodes.USAGE and words in result.stderr
    swaks = export(path, "swaks")
    assert "# not sent by swaks: VRFY bob" in swaks and "--quit-after RCPT" in swaks


def test_export_keeps_secrets_out(auth_server: SmtpServer, tmp_path: Path) -> None:
    path = tmp_path / "a.transcript"
    lines = ["EHLO export.test", "AUTH PLAIN", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>",
             "RCPT TO:<carol@example.org>", "DATA", *MESSAGE, ".", "QUIT"]
    result = run([auth_server.address, "--record", str(path), "--user", "alice", "--allow-plaintext-auth",
                  *[arg for line in lines for arg in ("-c", line)]],
                 env={"SMTPSHELL_PASSWORD": "wonderland-Pa55"})
    assert result.returncode == exitcodes.OK, result.stderr
    auth_server.messages.clear()
    for tool in ("swaks", "curl"):
        command = export(path, tool)
        assert "wonderland" not in command and "AGFsaWNl" not in command
        assert "$SMTPSHELL_PASSWORD" in command
    if shutil.which("swaks"):
        done = run_bash("export SMTPSHELL_USER=alice SMTPSHELL_PASSWORD=wonderland-Pa55\n" + export(path, "swaks"))
        assert done.returncode == 0, done.stdout + done.stderr
        assert_delivered_again(auth_server)

"""Script mode and the command line, run as a user runs them: the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smtpshell import exitcodes
from tests.plugins.servers import SmtpServer

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [SMTPSHELL, *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=full_env
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_piped_commands_print_replies_and_exit_0(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address], stdin="EHLO x\nQUIT\n")
    assert result.returncode == exitcodes.OK, result.stderr
    assert "S: 250-mx.test" in result.stdout
    assert "S: 221" in result.stdout
    assert "C: EHLO x" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_5xx_reply_gives_documented_status(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address], stdin="EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<nobody@example.org>\nQUIT\n")
    assert result.returncode == exitcodes.PERMANENT
    assert "S: 550 5.1.1" in result.stdout


def test_colour_forced_and_no_color_respected(smtp_server: SmtpServer) -> None:
    coloured = run([smtp_server.address, "--color=always", "-c", "NOOP"])
    assert "\x1b[1;32m250" in coloured.stdout
    plain = run([smtp_server.address, "--color=auto", "-c", "NOOP"], env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout


def test_data_in_script_and_automatic_quit(smtp_server: SmtpServer) -> None:
    script = "EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nSubject: s\n\n.dot line\n# not a comment inside DATA\n.\n"
    result = run([smtp_server.address], stdin=script)
    assert result.returncode == exitcodes.OK, result.stdout + result.stderr
    assert "C: QUIT   (sent by smtpshell)" in result.stdout
    assert smtp_server.messages[0].content == b"Subject: s\r\n\r\n.dot line\r\n# not a comment inside DATA\r\n"


def test_refused_data_skips_the_content(smtp_server: SmtpServer) -> None:
    # DATA without a recipient is refused; the body lines must not go out as commands.
    result = run([smtp_server.address], stdin="EHLO x\nDATA\nRSET\nQUIT2\n.\nNOOP\n")
    assert "C: RSET" not in result.stdout and "QUIT2" not in result.stdout
    assert "C: NOOP" in result.stdout
    assert result.returncode == exitcodes.PERMANENT


def test_data_file_is_streamed(smtp_server: SmtpServer, tmp_path: Path) -> None:
    message = tmp_path / "msg.eml"
    message.write_bytes(b"Subject: file\n\n.dotted\nlast line without newline")
    result = run([smtp_server.address, "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>",
                  "-c", "RCPT TO:<b@example.org>", "-c", f"/data {message}", "-c", "QUIT"])
    assert result.returncode == exitcodes.OK, result.stdout + result.stderr
    assert "1 dot-stuffed" in result.stdout
    assert smtp_server.messages[0].content == b"Subject: file\r\n\r\n.dotted\r\nlast line without newline\r\n"


def test_script_file(smtp_server: SmtpServer, tmp_path: Path) -> None:
    script = tmp_path / "s.smtp"
    script.write_text("# a comment\nEHLO x\n\nNOOP\n")
    result = run([smtp_server.address, "--script", str(script)])
    assert result.returncode == exitcodes.OK
    assert result.stdout.count("C: ") == 3  # EHLO, NOOP, automatic QUIT


def test_helo_flag_sends_ehlo_automatically(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "--helo", "me.test", "-c", "NOOP"])
    assert "C: EHLO me.test   (sent by smtpshell)" in result.stdout


def test_starttls_flag(starttls_server: SmtpServer, ca_file: str) -> None:
    result = run([starttls_server.address, "--starttls", "--cafile", ca_file, "--helo", "me", "-c", "NOOP"])
    assert result.returncode == exitcodes.OK, result.stdout + result.stderr
    out = result.stdout
    assert out.index("C: STARTTLS") < out.index("TLS started") < out.rindex("C: EHLO me")
    assert "250-AUTH" in out[out.index("TLS started"):]


def test_starttls_flag_without_offer_fails(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "--starttls", "-c", "EHLO x"])
    assert result.returncode == exitcodes.CONNECTION
    assert "did not offer STARTTLS" in result.stderr


def test_implicit_tls_url(implicit_tls_server: SmtpServer, ca_file: str) -> None:
    result = run([f"smtps://127.0.0.1:{implicit_tls_server.port}", "--cafile", ca_file, "-c", "EHLO x"])
    assert result.returncode == exitcodes.OK, result.stderr
    assert "TLS started" in result.stdout


def test_untrusted_certificate_is_one_line(implicit_tls_server: SmtpServer) -> None:
    result = run(["--tls", implicit_tls_server.address, "-c", "EHLO x"])
    assert result.returncode == exitcodes.CONNECTION
    assert "certificate" in result.stderr
    assert_no_traceback(result)


def test_injection_is_refused_and_nothing_sent(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "-c", "MAIL FROM:<a@b>\r\nRSET"])
    assert "refused" in result.stderr
    assert "C: MAIL" not in result.stdout
    assert result.returncode == exitcodes.USAGE  # the script was not carried out as written


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], "unrecognized arguments"),
        (["127.0.0.1:99999"], "bad port"),
        (["--script", "/nonexistent/file"], "No such file"),
        (["--cafile", "/nonexistent/ca.pem", "127.0.0.1:25"], "no such file"),
        (["--timeout", "soon"], "invalid float"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    result = run(args, stdin="")
    assert result.returncode == exitcodes.USAGE
    assert message in result.stderr
    assert_no_traceback(result)


def test_refused_connection(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run([f"127.0.0.1:{port}", "-c", "EHLO x"])
    assert result.returncode == exitcodes.CONNECTION
    assert "refused" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert_no_traceback(result)


def test_unknown_host_is_one_line() -> None:
    # An empty label fails inside this machine (IDNA encoding): no DNS query is made.
    result = run(["bad..host", "-c", "EHLO x"], timeout=60)
    assert result.returncode == exitcodes.CONNECTION
    assert "cannot find host" in result.stderr
    assert_no_traceback(result)


def test_module_entry_point_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "smtpshell", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("smtpshell ")


def test_reader_going_away_is_quiet(smtp_server: SmtpServer) -> None:
    # `smtpshell ... | head -1`: the pipe closes after the first line.
    proc = subprocess.Popen(
        [SMTPSHELL, smtp_server.address], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    proc.stdin.write(b"EHLO x\n" + b"NOOP\n" * 200)
    proc.stdin.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == exitcodes.OK
    assert "Traceback" not in err and "Exception" not in err


def test_stalled_server_times_out_in_one_line(scripted_server) -> None:
    import asyncio

    from tests.plugins.servers import read_command

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 stalls ESMTP\r\n")
        await read_command(reader)
        await asyncio.sleep(30)  # never answers EHLO

    server = scripted_server(script)
    result = run([server.address, "--timeout", "1", "-c", "EHLO x", "-c", "NOOP"])
    assert result.returncode == exitcodes.CONNECTION
    assert "no reply from the server within 1 s" in result.stderr
    assert "C: NOOP" not in result.stdout  # the session is out of step: nothing more is sent
    assert_no_traceback(result)


def test_huge_line_from_a_hostile_server(scripted_server) -> None:
    import asyncio

    from tests.plugins.servers import read_command

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hostile ESMTP\r\n")
        await read_command(reader)
        writer.write(b"250 " + b"A" * (10 * 1024 * 1024) + b"\r\n")  # a 10 MB line
        writer.write(b"250 ok\r\n")
        await writer.drain()
        await read_command(reader)
        writer.write(b"221 bye\r\n")
        await writer.drain()

    server = scripted_server(script)
    result = run([server.address, "-c", "EHLO x", "-c", "NOOP"])
    assert "longer than 65536 bytes" in result.stdout
    assert "C: NOOP" in result.stdout and "S: 250 ok" in result.stdout  # the session went on
    assert len(result.stdout) < 100_000  # the 10 MB were not echoed
    assert result.returncode == exitcodes.CONNECTION  # a reply that was not SMTP
    assert_no_traceback(result)


def test_a_script_session_loads_no_event_loop_terminal_or_auth_flow(smtp_server: SmtpServer) -> None:
    """Start-up stays lean: against a given server, script mode imports none of these."""
    heavy = ("asyncio", "prompt_toolkit", "pygments", "aiosmtpd", "smtpshell.auth.flow")
    code = (
        "import sys\n"
        "from smtpshell.cli import main\n"
        f"status = main([{smtp_server.address!r}, '-c', 'EHLO x', '-c', '/level'])\n"
        f"loaded = [m for m in {heavy!r} if m in sys.modules]\n"
        "print('LOADED', loaded, status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "S: 250" in result.stdout, result.stdout + result.stderr
    assert "LOADED [] 0" in result.stdout, result.stdout + result.stderr

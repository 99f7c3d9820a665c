"""Issue 15: the command line a sysadmin expects.

Mistakes caught before the network, the user from an smtp:// URL, exit
statuses that name the server's refusal (and, with --exit-codes=stage, where
the session failed), completion scripts and a manual page made from the
parser. Every run is the real ``smtpshell`` against a server on 127.0.0.1.
"""

from __future__ import annotations

import socket

import pytest

from smtpshell.drivers import stages
from tests.plugins.auth import USERS
from tests.plugins.servers import answering_script

RELAY_DENIED = {
    b"RCPT": b"554 5.7.1 <b@elsewhere.example>: Relay access denied\r\n",
    b"DATA": b"554 5.5.1 Error: no valid recipients\r\n",
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: nothing listens there


@pytest.mark.parametrize(("typed", "meant"), [("srve", "serve"), ("lessons", "lesson"), ("replya", "replay")])
def test_a_misspelt_subcommand_is_caught_before_any_lookup(run_smtpshell, typed: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(typed)
    assert run.returncode == 2
    assert f"did you mean 'smtpshell {meant}'" in run.stderr
    assert "connect" not in run.stdout  # no host lookup, no connection attempt


def test_a_host_name_that_is_no_subcommand_is_left_alone(run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(f"localhost:{_closed_port()}", "-c", "NOOP")
    assert "did you mean" not in run.stderr
    assert run.returncode == 3  # a connection error: it really tried


def test_scenario_with_a_target_is_an_error(run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell("127.0.0.1:25", "--scenario", "greylist", "-c", "NOOP")
    assert run.returncode == 2 and "--scenario" in run.stderr and "no effect with a TARGET" in run.stderr


def test_the_user_comes_from_the_url(auth_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(f"smtp://alice@{auth_server.address}", "--explain", "full", "-c", "EHLO x", "-c", "AUTH PLAIN",
                        env={"SMTPSHELL_PASSWORD": USERS["alice"]})
    assert "235" in run.screen and "logged in as alice" in run.screen, run.screen
    assert run.returncode == 0


def test_a_password_in_the_url_is_refused_and_never_shown(run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell("smtp://alice:Hunter2-secret@127.0.0.1:25", "-c", "NOOP")
    assert run.returncode == 2
    assert "password in the URL" in run.stderr and "Hunter2-secret" not in run.screen


def test_a_refused_data_exits_with_the_servers_5xx_not_a_usage_error(scripted_server, run_smtpshell, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = scripted_server(answering_script(RELAY_DENIED, []))
    message = tmp_path / "msg.eml"
    message.write_text("Subject: hi\n\nhello\n")
    run = run_smtpshell(f"127.0.0.1:{server.port}", stdin=(
        f"EHLO me\nMAIL FROM:<a@example.org>\nRCPT TO:<b@elsewhere.example>\n/data {message}\nQUIT\n"))
    assert "554 5.5.1" in run.screen and "file was not sent" in run.screen
    assert run.returncode == 5, run.screen


@pytest.mark.parametrize(("answers", "lines", "stage"), [
    ({}, ["EHLO me", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>"], 0),
    ({b"EHLO": b"550 5.7.1 go away\r\n"}, ["EHLO me"], stages.EHLO),
    ({b"MAIL": b"553 5.1.8 bad sender\r\n"}, ["EHLO me", "MAIL FROM:<a@example.org>"], stages.MAIL),
    (RELAY_DENIED, ["EHLO me", "MAIL FROM:<a@example.org>", "RCPT TO:<b@elsewhere.example>"], stages.RCPT),
    ({b"DATA": b"451 4.3.0 try later\r\n"}, ["EHLO me", "MAIL FROM:<a@b.example>", "RCPT TO:<c@b.example>", "DATA"],
     stages.DATA),
    ({b"STARTTLS": b"454 4.7.0 TLS not available\r\n"}, ["EHLO me", "STARTTLS"], stages.TLS),
    ({b"AUTH": b"535 5.7.8 bad credentials\r\n"}, ["EHLO me", "AUTH PLAIN AGFsaWNlAHg="], stages.AUTH),
])
def test_stage_exit_codes(scripted_server, run_smtpshell, answers, lines, stage) -> None:  # type: ignore[no-untyped-def]
    server = scripted_server(answering_script(answers, []))
    args = [a for line in lines for a in ("-c", line)]
    run = run_smtpshell(f"127.0.0.1:{server.port}", "--exit-codes=stage", "--allow-plaintext-auth", *args)
    assert run.returncode == stage, run.screen


def test_stage_exit_codes_for_the_greeting_and_the_connection(scripted_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    server = scripted_server(answering_script({}, [], greeting=b"554 5.7.1 no service for you\r\n"))
    assert run_smtpshell(f"127.0.0.1:{server.port}", "--exit-codes=stage", "-c", "EHLO me").returncode == stages.GREETING
    assert run_smtpshell(f"127.0.0.1:{_closed_port()}", "--exit-codes=stage", "-c", "EHLO me").returncode == stages.CONNECT


def test_completion_scripts_and_the_manual_page_come_from_the_parser(run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    bash = run_smtpshell("--print-completion=bash")
    zsh = run_smtpshell("--print-completion=zsh")
    man = run_smtpshell("--print-man")
    for run in (bash, zsh, man):
        assert run.returncode == 0 and "--exit-codes" in run.stdout.replace("\\-", "-")
    assert "complete" in bash.stdout and "#compdef" in zsh.stdout and man.stdout.startswith(".TH")


def test_help_opens_with_three_examples(run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    out = run_smtpshell("--help").stdout
    examples = out.split("examples:\n", 1)[1].split("\n\n", 1)[0]
    assert sum(1 for line in examples.splitlines() if line.lstrip().startswith("smtpshell")) == 3


@pytest.mark.parametrize("argv", [["lessons", "01"], ["srve", "--port", "2525"], ["replya", "x.transcript"]])
def test_a_misspelt_subcommand_with_arguments_is_caught_too(run_smtpshell, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(*argv)  # before: argparse's "unrecognized arguments", no hint
    assert run.returncode == 2
    assert "did you mean 'smtpshell " in run.stderr and "unrecognized" not in run.stderr


def test_record_to_a_folder_fails_before_connecting(scripted_server, run_smtpshell, tmp_path) -> None:  # type: ignore[no-untyped-def]
    received: list[bytes] = []
    server = scripted_server(answering_script({}, received))
    run = run_smtpshell(f"127.0.0.1:{server.port}", "--record", str(tmp_path), "-c", "NOOP")
    assert run.returncode == 2 and "is a folder" in run.stderr, run.screen
    assert received == [] and "220" not in run.screen  # before: it connected and failed only at the end


def test_web_with_a_target_is_an_error(run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell("127.0.0.1:25", "--web", "8025", "-c", "NOOP")
    assert run.returncode == 2 and "--web" in run.stderr and "no effect with a TARGET" in run.stderr


def test_a_4xx_reply_exits_4(scripted_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    server = scripted_server(answering_script({b"MAIL": b"451 4.7.1 greylisted, try again later\r\n"}, []))
    run = run_smtpshell(f"127.0.0.1:{server.port}", "-c", "EHLO me", "-c", "MAIL FROM:<a@example.org>")
    assert run.returncode == 4, run.screen


def test_stage_exit_code_for_the_message_after_the_dot(scripted_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    answers = {b"DATA": b"354 go ahead\r\n", b".": b"554 5.7.1 message refused as spam\r\n"}
    server = scripted_server(answering_script(answers, []))
    run = run_smtpshell(f"127.0.0.1:{server.port}", "--exit-codes=stage", "-c", "EHLO me", "-c", "MAIL FROM:<a@b.example>",
                        "-c", "RCPT TO:<c@b.example>", "-c", "DATA", "-c", ".")
    assert run.returncode == stages.MESSAGE == 26, run.screen


def test_stage_exit_code_for_a_failed_tls_handshake(scripted_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    # 220 to STARTTLS, then plaintext where the TLS handshake should be
    server = scripted_server(answering_script({b"STARTTLS": b"220 2.0.0 go ahead\r\n"}, []))
    run = run_smtpshell(f"127.0.0.1:{server.port}", "--exit-codes=stage", "-c", "EHLO me", "-c", "STARTTLS")
    assert run.returncode == stages.TLS == 29, run.screen
    assert "Traceback" not in run.screen

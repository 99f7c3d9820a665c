"""Must-show 1 and 2: every mechanism against aiosmtpd on 127.0.0.1, right and
wrong credentials, replies explained; then everything the run produced (screen,
transcript, files under HOME and the XDG dirs) is searched for the secrets.

smtpshell runs as a subprocess in script mode (``python -m smtpshell -c ...``),
the password in an environment variable, the token too.
"""

from __future__ import annotations

import pytest

from tests.plugins.auth import TOKEN, USERS, leaked

PASSWORD = USERS["alice"]
WRONG_PASSWORD = "not-Wonderland-99"
WRONG_TOKEN = "ya29.wrong-Token-fedcba9876543210"

# (label, lines after EHLO, uses a token?)
CASES = [
    ("LOGIN", ["AUTH LOGIN"], False),
    ("LOGIN initial response, typed", ["AUTH LOGIN YWxpY2U="], False),
    ("LOGIN initial response, /login", ["/login LOGIN --initial"], False),
    ("PLAIN", ["AUTH PLAIN"], False),
    ("PLAIN initial response", ["/login PLAIN --initial"], False),
    ("CRAM-MD5", ["AUTH CRAM-MD5"], False),
    ("XOAUTH2", ["AUTH XOAUTH2"], True),
    ("XOAUTH2 initial response", ["/login XOAUTH2 --initial"], True),
    ("OAUTHBEARER", ["AUTH OAUTHBEARER"], True),
]


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
@pytest.mark.parametrize(("label", "lines", "uses_token"), CASES, ids=[c[0] for c in CASES])
def test_auth_succeeds_or_fails_and_leaks_nothing(sasl_server, run_smtpshell, label, lines, uses_token, right) -> None:  # type: ignore[no-untyped-def]
    password = PASSWORD if right else WRONG_PASSWORD
    token = TOKEN if right else WRONG_TOKEN
    env = {"SMTPSHELL_TOKEN": token} if uses_token else {"SMTPSHELL_PASSWORD": password}
    script = ["/record transcript.txt", "EHLO client.test", *lines, "MAIL FROM:<alice@example.org>"]
    args = [a for line in script for a in ("-c", line)]
    # --explain full: a successful login is explained only when tutoring (script mode's default
    # shows the wire and one line for failures, issue 13).
    run = run_smtpshell(sasl_server.address, "--user", "alice", "--explain", "full", *args, env=env)

    screen = run.screen
    assert "Traceback" not in screen
    if right:
        assert run.returncode == 0, screen
        assert "235 2.7.0" in screen
        assert "logged in as alice" in screen  # the result, explained
    else:
        assert run.returncode == 5, screen
        assert "535 5.7.8" in screen
        assert "the username or password (or token) is wrong" in screen
    assert "334 challenge, base64-decoded" in screen or "initial response" in screen
    # The transcript was written (so the search below covers it) and holds the exchange.
    transcripts = [p for p in run.everything() if p.endswith("transcript.txt")]
    assert transcripts and "AUTH" in run.everything()[transcripts[0]]
    # Nothing anywhere holds the secret, its base64, or the base64 of the SASL string.
    assert leaked(run, password=password if not uses_token else None, token=token if uses_token else None) == []


def test_wrong_user_right_password_fails(sasl_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(sasl_server.address, "--user", "bob", "-c", "EHLO x", "-c", "AUTH PLAIN",
                        env={"SMTPSHELL_PASSWORD": PASSWORD})
    assert run.returncode == 5 and "535 5.7.8" in run.screen
    assert leaked(run, user="bob", password=PASSWORD) == []


def test_manual_mode_student_types_base64(sasl_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    import base64

    user_b64 = base64.b64encode(b"alice").decode()
    pass_b64 = base64.b64encode(PASSWORD.encode()).decode()
    run = run_smtpshell(sasl_server.address, "--auth-mode", "manual",
                        "-c", "EHLO x", "-c", "AUTH LOGIN", "-c", user_b64, "-c", pass_b64)
    assert run.returncode == 0, run.screen
    assert '334 challenge, base64-decoded: "User Name\\x00"' in run.screen
    assert 'your answer, base64-decoded: the username "alice"' in run.screen
    assert "your answer, base64-decoded: the password <password hidden>" in run.screen
    assert "235 2.7.0" in run.screen and "(sent by smtpshell)" not in run.screen.split("235")[0]
    assert leaked(run, password=PASSWORD) == []


def test_manual_plain_typed_on_the_auth_line_is_masked(sasl_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    import base64

    plain = base64.b64encode(f"\0alice\0{PASSWORD}".encode()).decode()
    run = run_smtpshell(sasl_server.address, "-c", "EHLO x", "-c", f"AUTH PLAIN {plain}")
    assert run.returncode == 0, run.screen
    assert "C: AUTH PLAIN <secret hidden>" in run.screen
    assert 'user "alice", NUL, password <password hidden>' in run.screen
    assert leaked(run, password=PASSWORD) == []


def test_script_mode_without_password_refuses_and_sends_nothing(sasl_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(sasl_server.address, "--user", "alice", "--no-netrc", "-c", "EHLO x", "-c", "AUTH LOGIN")
    assert "C: AUTH" not in run.screen
    refusals = [line for line in run.stderr.splitlines() if "AUTH LOGIN needs a password" in line]
    assert len(refusals) == 1
    assert "SMTPSHELL_PASSWORD" in refusals[0] and "netrc" in refusals[0]
    assert "Traceback" not in run.screen


def test_password_from_netrc(sasl_server, run_smtpshell, tmp_path) -> None:  # type: ignore[no-untyped-def]
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {PASSWORD}\n")
    netrc.chmod(0o600)
    run = run_smtpshell(sasl_server.address, "--netrc-file", str(netrc), "--explain", "full", "-c", "EHLO x", "-c", "AUTH LOGIN")
    assert run.returncode == 0, run.screen
    assert "logged in as alice" in run.screen  # the user came from netrc too
    assert leaked(run, password=PASSWORD) == []


def test_netrc_password_is_not_used_for_another_user(sasl_server, run_smtpshell, tmp_path) -> None:  # type: ignore[no-untyped-def]
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {PASSWORD}\n")
    run = run_smtpshell(sasl_server.address, "--netrc-file", str(netrc), "--user", "bob",
                        "-c", "EHLO x", "-c", "AUTH PLAIN")
    assert "C: AUTH" not in run.screen and "needs a password" in run.stderr


def test_broken_netrc_is_reported_without_its_content(sasl_server, run_smtpshell, tmp_path) -> None:  # type: ignore[no-untyped-def]
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {PASSWORD} bogus {PASSWORD}-x\n")
    run = run_smtpshell(sasl_server.address, "--netrc-file", str(netrc), "--user", "alice",
                        "-c", "EHLO x", "-c", "AUTH PLAIN")
    assert "cannot be parsed" in run.screen
    assert leaked(run, password=PASSWORD) == [] and f"{PASSWORD}-x" not in run.screen


def test_token_from_file(sasl_server, run_smtpshell, tmp_path) -> None:  # type: ignore[no-untyped-def]
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    run = run_smtpshell(sasl_server.address, "--user", "alice", "--token-file", str(token_file),
                        "-c", "EHLO x", "-c", "/login")
    assert run.returncode == 0, run.screen
    assert "using OAUTHBEARER" in run.screen and "235" in run.screen
    assert leaked(run, token=TOKEN) == []


def test_not_advertised_mechanism_is_sent_with_a_note(auth_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(auth_server.address, "--user", "alice", "-c", "EHLO x", "-c", "AUTH CRAM-MD5",
                        env={"SMTPSHELL_PASSWORD": PASSWORD})
    assert "did not advertise CRAM-MD5" in run.screen
    assert "C: AUTH CRAM-MD5" in run.screen and "504 5.5.4" in run.screen


def test_results_are_explained_for_each_code() -> None:
    """AUTH results come from knowledge/, in the context of AUTH, like every other reply."""
    from smtpshell.knowledge import explain_reply

    for code, enhanced in [(235, "2.7.0"), (334, None), (535, "5.7.8"), (534, "5.7.9"), (538, "5.7.11"),
                           (454, "4.7.0"), (530, "5.7.0")]:
        exp = explain_reply(code, enhanced, "AUTH", user="alice")
        assert exp.summary and exp.sources[0].startswith("RFC"), (code, enhanced)
    assert "STARTTLS" in explain_reply(538, "5.7.11", "AUTH").hint
    assert "as alice" in explain_reply(235, "2.7.0", "AUTH", user="alice").summary


def test_the_leak_search_finds_a_leak() -> None:
    """The search above can fail: a run that printed the base64 of the PLAIN string is caught."""
    import base64

    from tests.plugins.auth import Run

    plain = base64.b64encode(f"\0alice\0{PASSWORD}".encode()).decode()
    assert leaked(Run(0, f"C: AUTH PLAIN {plain}\n", ""), password=PASSWORD)
    assert leaked(Run(0, "", f"oops {base64.b64encode(PASSWORD.encode()).decode()}"), password=PASSWORD)


def test_fixture_accounts_match_the_shared_server_accounts() -> None:
    from tests.plugins.servers import USERS as SERVER_USERS

    assert USERS == SERVER_USERS

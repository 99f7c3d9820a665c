"""Issue 13, must-show 3: a STARTTLS upgrade and a TLS failure each print their explanation once.

Script mode, the installed smtpshell, a real aiosmtpd server with STARTTLS on loopback. Before
issue 13, "say EHLO again" was printed by the 220's hint, by the note after the handshake and
by the EHLO table's STARTTLS row; a failed handshake was explained by the warnings, repeated
by the "connection closed" line (the failed AUTH is covered by tests/test_said_once.py).
"""

from __future__ import annotations

SCRIPT = "EHLO client.test\nSTARTTLS\nEHLO client.test\nQUIT\n"
UNTRUSTED = "certificate authority this computer does not trust"


def test_a_starttls_upgrade_says_ehlo_again_once(starttls_server, ca_file, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(starttls_server.address, "--cafile", ca_file, stdin=SCRIPT)
    assert "** TLS started" in run.stdout, run.screen
    assert run.screen.count("EHLO again") == 1, run.screen


def test_a_tls_failure_is_explained_once_on_the_screen(starttls_server, run_smtpshell) -> None:  # type: ignore[no-untyped-def]
    run = run_smtpshell(starttls_server.address, stdin=SCRIPT)  # no --cafile: the test CA is not trusted
    assert run.stdout.count(UNTRUSTED) == 1, run.stdout
    assert "TLS handshake failed (why: see above)" in run.stdout
    # The one line on stderr carries the summary, for a script reading only stderr.
    assert run.stderr.count(UNTRUSTED) == 1, run.stderr
    assert "Traceback" not in run.screen

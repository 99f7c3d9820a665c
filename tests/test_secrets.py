"""Which typed lines may carry a credential (the history filter's rule)."""

from __future__ import annotations

import pytest

from smtpshell.protocol.replies import Reply
from smtpshell.protocol.secrets import is_secret_line
from smtpshell.protocol.session import Kind, Pending, Phase, Session


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("AUTH PLAIN AGFsaWNlAHB3", True),
        ("auth plain AGFsaWNlAHB3", True),
        ("AUTH XOAUTH2 dXNlcj1hAWF1dGg9QmVhcmVyIHQBAQ==", True),
        ("AUTH FOOBAR c2VjcmV0", True),  # unknown mechanism: assume the worst
        ("AUTH LOGIN YWxpY2U=", False),  # LOGIN's initial response is the username
        ("AUTH LOGIN", False),
        ("AUTH PLAIN", False),
        ("EHLO client.example", False),
        ("MAIL FROM:<a@b>", False),
        ("/b64 hunter2", True),
        ("/unb64 aHVudGVyMg==", True),
        ("/help AUTH", False),
    ],
)
def test_lines_outside_an_exchange(line: str, secret: bool) -> None:
    assert is_secret_line(line, Session()) is secret
    assert is_secret_line(line) is secret


def _in_auth_phase() -> Session:
    s = Session()
    s.phase = Phase.IDENTIFIED
    s.sent(Pending.command("AUTH LOGIN"))
    s.received(Reply(334, ("VXNlcm5hbWU6",), b"334 VXNlcm5hbWU6\r\n"))
    assert s.phase is Phase.AUTH
    return s


def test_every_answer_to_a_challenge_is_secret_but_cancel() -> None:
    session = _in_auth_phase()
    assert session.line_kind("d29uZGVy") is Kind.AUTH_RESPONSE
    assert is_secret_line("d29uZGVy", session)
    assert is_secret_line("MAIL FROM:<x@y>", session)  # even if it looks like a command
    assert not is_secret_line("*", session)

"""What one more message costs a script session, counted, not timed (issue 18, "1,000 messages").

A scripted session of N messages runs in this process against the aiosmtpd test server
(in its own thread), with the blocking connection script mode uses. Two counts per extra
message, taken as the difference between a 20- and a 10-message session so start-up and
the greeting do not count:

- writes to stdout: the output is held and written when the session is about to wait for
  the server, one write per round trip (4 a message) instead of one per line shown (12);
- Python function calls (``sys.setprofile``, this thread only), with ``--explain off``:
  about 890 a message before the hot path was trimmed (the rendered text kept, the policy
  and listeners skipping what does not concern a line), about 500 after. (With
  ``--explain full`` this server's replies differ message by message, so each is
  explained afresh: about 640, not asserted.)
"""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

from smtpshell.client.blocking import BlockingConnection, run_blocking
from smtpshell.client.target import Target
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.render.styled import RenderOptions
from tests.plugins.servers import SmtpServer


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def script(messages: int) -> list[str]:
    lines = ["EHLO x"]
    for n in range(messages):
        lines += ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", f"Subject: {n}", "",
                  "line one", "line two", "."]
    return lines


def session(address: str, messages: int, explain: str) -> tuple[int, int, str]:
    """(stdout writes, Python calls, the output) of one scripted session."""
    host, port = address.rsplit(":", 1)
    out, err = CountingStream(), io.StringIO()
    driver = ScriptDriver(script(messages), Target(host, int(port)), RunOptions(connector=BlockingConnection.open),
                          out=out, err=err, render=RenderOptions(explain=explain))
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        status = run_blocking(driver.run())
    finally:
        sys.setprofile(None)
    assert status == 0, err.getvalue()
    return out.writes, calls, out.getvalue()


@pytest.mark.parametrize("explain", ["off", "full"])
def test_one_more_message_costs_a_write_per_round_trip(smtp_server: SmtpServer, explain: str) -> None:
    few_writes, _, few = session(smtp_server.address, 10, explain)
    many_writes, _, many = session(smtp_server.address, 20, explain)
    assert many.count("C: MAIL FROM:<a@example.org>\n") == 20  # every line is still shown
    assert (many_writes - few_writes) / 10 <= 4  # before: 12, one per line shown


def test_one_more_message_costs_under_600_python_calls(smtp_server: SmtpServer) -> None:
    _, few_calls, _ = session(smtp_server.address, 10, "off")
    _, many_calls, _ = session(smtp_server.address, 20, "off")
    per_message = (many_calls - few_calls) / 10
    assert per_message < 600, per_message  # before: about 890
    # The TLS gate (tls_pending) and the script loop's runner.connected asked inline: a property
    # call less on every line, write and reply (about 507 before, 487 after).
    assert per_message < 495, per_message

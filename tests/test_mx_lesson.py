"""The direct-delivery-by-MX lesson, replayed the way it is meant: through DNS.

The lesson format has no header for "reach the server by MX" yet, so this test
does what ``smtpshell --mx`` does: a real DNS server on 127.0.0.1 serves the
MX of practice.test (the best one unreachable, the next the practice server),
the lookup and :class:`MxConnector` open the session, and the replayer checks
every reply of the lesson on that session.
"""

from __future__ import annotations

import io

from smtpshell import exitcodes
from smtpshell.client.mx import Resolver, lookup
from smtpshell.client.mx_route import MxConnector
from smtpshell.drivers.practice import practice_target
from smtpshell.drivers.replay import Replayer, format_report
from smtpshell.drivers.runner import RunOptions
from smtpshell.transcript import read_transcript
from tests.plugins.dns import REACHABLE, UNREACHABLE, start_dns
from tests.plugins.transcripts import TRANSCRIPTS

LESSON = TRANSCRIPTS / "07-mx-delivery.transcript"
PRACTICE_ZONE = {
    "practice.test.": [("MX", "10 mx.practice.test."), ("MX", "5 primary.practice.test.")],
    "primary.practice.test.": [("A", UNREACHABLE)],
    "mx.practice.test.": [("A", REACHABLE)],
}


async def test_the_mx_lesson_replays_through_the_test_dns_server() -> None:
    dns, servers = start_dns(PRACTICE_ZONE, set())
    try:
        transcript = read_transcript(LESSON)
        out = io.StringIO()
        async with practice_target(transcript, RunOptions(timeout=10)) as (practice, options, _server):
            plan = lookup("practice.test", Resolver(dns.host, dns.port))
            connector = MxConnector(plan, practice.port)
            replayer = Replayer(transcript, connector.target, RunOptions(timeout=10, tls=options.tls,
                                                                         connector=connector),
                                out=out, err=out)
            result = await replayer.run()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    screen = out.getvalue()
    assert result.exit_code() == exitcodes.OK, format_report(result) + screen
    assert result.checked == transcript.checked_replies > 0
    assert "primary.practice.test cannot be reached" in screen
    assert "reached mx.practice.test, MX of practice.test" in screen
    assert ("udp", "practice.test.", "MX") in dns.queries

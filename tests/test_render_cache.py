"""styled.cache_key names everything an event's rendering depends on (script mode keeps text by it).

A varied session (refusals, a login, dot-stuffing, an unknown command, a second EHLO)
runs against the aiosmtpd test server; every event is rendered afresh at every level, raw
mode too, with the session as it was when the event came, and two events with the same
key must render the same.
"""

from __future__ import annotations

import io

import pytest

from smtpshell import events as ev
from smtpshell.client.blocking import BlockingConnection, run_blocking
from smtpshell.client.target import Target
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.render.styled import LEVELS, RenderOptions, cache_key, render_event
from tests.plugins.servers import SmtpServer

SCRIPT = [
    "EHLO x", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: 1", "", ".dot", ".",
    "MAIL FROM:<c@example.org>", "RCPT TO:<b@example.org>", "RCPT TO:<b@example.org>", "DATA", "one", ".",
    "FOO bar", "RCPT TO:<b@example.org>", "DATA", "NOOP", "EHLO y", "RSET", "MAIL FROM:<>", "RSET", "NOOP",
]


@pytest.mark.parametrize("raw", [False, True])
def test_equal_keys_render_alike(smtp_server: SmtpServer, raw: bool) -> None:
    host, port = smtp_server.address.rsplit(":", 1)
    driver = ScriptDriver(SCRIPT, Target(host, int(port)), RunOptions(connector=BlockingConnection.open),
                          out=io.StringIO(), err=io.StringIO())
    seen: dict[tuple[object, ...], list[tuple[str, object]]] = {}
    keyed = 0

    def check(event: ev.Event) -> None:
        nonlocal keyed
        session = driver.runner.session
        for level in LEVELS:
            options = RenderOptions(explain=level, raw=raw)
            key = cache_key(event, session, options)
            if key is None:
                continue
            keyed += 1
            seen.setdefault(key, []).append((repr(render_event(event, session, options)), event))

    driver.bus.subscribe(check)
    run_blocking(driver.run())
    assert keyed > 100
    repeated = 0
    for key, renders in seen.items():
        repeated += len(renders) > 1
        assert len({text for text, _ in renders}) == 1, (key, renders)
    assert repeated > 5  # the same lines came again, and were the same


@pytest.mark.parametrize("raw", [False, True])
def test_a_sent_lines_key_is_the_line_and_raw_mode(raw: bool) -> None:
    """ScriptContext.show makes this key itself for every line shown (issue 18): it must stay cache_key's."""
    from smtpshell.protocol.line import LineKind

    line = ev.LineSent("MAIL FROM:<a@example.org>", LineKind.COMMAND, 27)
    for level in LEVELS:
        assert cache_key(line, None, RenderOptions(explain=level, raw=raw)) == (line, raw)

"""The session summary keeps facts as the session goes and makes its words when it is read
(transcript/summary.py): no translation looked up once a message, and the words are those of
the language when it is read."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from smtpshell import i18n
from smtpshell.client.blocking import BlockingConnection, run_blocking
from smtpshell.client.target import Target
from smtpshell.drivers.runner import RunOptions
from smtpshell.drivers.script import ScriptDriver
from smtpshell.render.styled import RenderOptions
from smtpshell.transcript import summary as summary_module
from tests.plugins.servers import SmtpServer

MESSAGE = ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: n", "", "hello", "."]


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def test_twenty_messages_look_up_no_words_until_the_summary_is_read(
        smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, english: None) -> None:
    looked_up: list[str] = []
    real_t = summary_module.t

    def counting_t(key: str, english_text: str, /, **values: object) -> str:
        looked_up.append(key)
        return real_t(key, english_text, **values)

    monkeypatch.setattr(summary_module, "t", counting_t)
    host, port = smtp_server.address.rsplit(":", 1)
    driver = ScriptDriver(["EHLO x", *MESSAGE * 20, "MAIL FROM:<c@example.org>"], Target(host, int(port)),
                          RunOptions(connector=BlockingConnection.open), out=io.StringIO(), err=io.StringIO(),
                          render=RenderOptions(explain="off"))
    assert run_blocking(driver.run()) == 0
    assert looked_up == []  # before: "accepted ({code})" once a message, and "not sent" at the close
    summary = driver.runner.summary
    english_lines = summary.lines()
    assert sum("message " in line and ": accepted (250)" in line for line in english_lines) == 20
    assert any(line.endswith("message 21: from <c@example.org>: not sent") for line in english_lines)
    i18n.set_language("zh_CN")
    chinese = "\n".join(summary.lines())
    assert chinese.count("已接受（250）") == 20  # the same facts, in the language of the moment

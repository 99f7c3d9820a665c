"""The practice server, the class view, exports, the recorder, the client and the protocol layer
speak the session's language: Simplified Chinese under zh_CN, every text marked under the
pseudo-locale, English unchanged otherwise. The server's SMTP replies stay as real servers say them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell import i18n
from smtpshell.client.starttls import refusal_message
from smtpshell.client.tls_diagnosis import HANDSHAKE_REASONS, PROBLEMS
from smtpshell.protocol import catalogue
from smtpshell.protocol.replies import Reply
from smtpshell.server import SCENARIOS, PracticeServer, Scenario
from smtpshell.server.command import configure
from smtpshell.server.scenarios import parse_scenario
from smtpshell.transcript import export_cmd
from smtpshell.transcript.export import to_html, to_markdown
from smtpshell.transcript.model import AUTOMATIC_COMMENT, TLS_NOTE
from smtpshell.transcript.parse import TranscriptError, parse_text, read_transcript

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
CJK = re.compile(r"[\u4e00-\u9fff]")
# A font with CJK glyphs, by name, in each stack (the page must not fall back to tofu).
CJK_FONTS = ("PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC")

SESSION = """\
# smtpshell transcript 1
#: server: 127.0.0.1:4650
#: tls: implicit

S: 220 mx.practice.test ESMTP
C: EHLO student.example
S: 250-mx.practice.test
S: 250 AUTH LOGIN PLAIN
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: <username>
S: 334 UGFzc3dvcmQ6
C: <password>
S: 235 2.7.0 Authentication successful
# (sent by smtpshell on the user's behalf)
C: QUIT
S: 221 2.0.0 Bye
"""


@pytest.fixture
def zh_cn() -> Iterator[None]:
    assert i18n.set_language("zh_CN") == "zh_CN"
    yield
    i18n.set_language("en")


@pytest.fixture
def pseudo() -> Iterator[None]:
    assert i18n.set_language("qps") == "qps"
    yield
    i18n.set_language("en")


def _font_stacks(css: str) -> list[str]:
    return re.findall(r"font-family:\s*([^;]+);", css)


def _has_cjk_font(stack: str) -> bool:
    return any(f'"{font}"' in stack for font in CJK_FONTS)


# -- exports --------------------------------------------------------------------------------


def test_a_markdown_export_under_zh_cn_is_in_chinese(zh_cn: None) -> None:
    md = to_markdown(parse_text(SESSION, "session"))
    assert md.startswith("# 与 127.0.0.1:4650 的一次 SMTP 会话\n")  # the export's own title
    assert "这个会话从第一个字节起就是加密的" in md  # implicit TLS, said in Chinese
    assert "C: ••••••••（base64 编码的密码：smtpshell 替你发送，从不显示）" in md
    assert "C: （base64 编码的用户名）" in md
    assert "C: QUIT   （由 smtpshell 自动发送）" in md
    assert "smtpshell 课程 transcript：用 smtpshell replay 重放" in md
    for english in ("An SMTP session with", "encrypted from the first byte", "the password in base64", "sent by smtpshell"):
        assert english not in md
    assert "S: 334 VXNlcm5hbWU6" in md and "S: 221 2.0.0 Bye" in md  # the server's words as they were


def test_an_html_export_under_zh_cn_has_lang_chinese_words_and_cjk_fonts(zh_cn: None) -> None:
    page = to_html(parse_text(SESSION, "session"))
    assert '<html lang="zh-CN">' in page
    assert "<title>与 127.0.0.1:4650 的一次 SMTP 会话</title>" in page
    assert "这个会话从第一个字节起就是加密的" in page and "smtpshell 课程 transcript" in page
    body, mono = _font_stacks(page)[:2]
    assert _has_cjk_font(body) and body.rstrip().endswith("sans-serif")
    assert _has_cjk_font(mono) and mono.rstrip().endswith("monospace")  # CJK fallback before the generic family
    assert "An SMTP session with" not in page


def test_an_english_export_keeps_lang_en_and_its_words() -> None:
    i18n.set_language("en")
    page = to_html(parse_text(SESSION, "session"))
    assert '<html lang="en">' in page and "An SMTP session with 127.0.0.1:4650" in page


def test_a_lesson_export_keeps_the_lessons_words_and_says_its_own_in_chinese(zh_cn: None) -> None:
    md = to_markdown(read_transcript(Path(__file__).resolve().parent.parent / "transcripts" / "04-auth-login.transcript"))
    assert "smtpshell 课程 04-auth-login" in md and "from the first byte" not in md


def test_export_errors_are_in_chinese(zh_cn: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export_cmd.main([str(tmp_path / "none.transcript")]) == 2
    assert export_cmd.main([str(tmp_path / "none.transcript"), "-o", str(tmp_path / "out.pdf")]) == 2
    err = capsys.readouterr().err
    assert "没有课程 " in err and "未知的格式 'pdf'" in err, err


# -- transcripts: parse errors, recording -----------------------------------------------------


def test_parse_errors_are_in_chinese(zh_cn: None) -> None:
    with pytest.raises(TranscriptError, match="应答码"):
        parse_text("S: hello\n", "lesson.transcript")


def test_a_session_recorded_in_chinese_keeps_the_format_markers_and_reads_back(tmp_path: Path) -> None:
    record = tmp_path / "zh.transcript"
    args = [SMTPSHELL, "--lang", "zh_CN", "--color", "never", "--record", str(record),
            "-c", "EHLO me", "-c", "STARTTLS", "-c", "EHLO me", "-c", "QUIT"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert run.returncode == 0, run.stderr
    text = record.read_text(encoding="utf-8")
    assert f"** {TLS_NOTE}: TLSv1." in text  # the marker replay and export look for
    # the words after it, for the reader: the practice server's CA alone was trusted (they said "and the system's")
    assert "证书只对照" in text and "验证，未用系统信任的 CA" in text, text
    assert "** 连接已关闭：QUIT 之后关闭" in text
    transcript = read_transcript(record)
    assert any(n.startswith(f"** {TLS_NOTE}") for step in transcript.steps for n in step.notes)
    assert AUTOMATIC_COMMENT == "(sent by smtpshell on the user's behalf)"  # a format marker: never translated


# -- the practice server -----------------------------------------------------------------


async def test_every_welcome_line_is_marked_under_the_pseudo_locale(practice_server: PracticeServer, pseudo: None) -> None:
    lines = practice_server.welcome_lines()
    assert len(lines) >= 8
    unmarked = [line for line in lines if not (line.startswith("⟦") and line.endswith("⟧"))]
    assert not unmarked, unmarked


async def test_the_welcome_reads_in_chinese(practice_server: PracticeServer, zh_cn: None) -> None:
    text = "\n".join(practice_server.welcome_lines())
    assert "SMTP 练习服务器 mx.practice.test，监听" in text
    assert "拒绝中继" in text and "演示账号：alice / wonderland" in text
    assert "listening on" not in text and "demo logins" not in text


def test_every_serve_help_text_is_marked_under_the_pseudo_locale(pseudo: None) -> None:
    parser = argparse.ArgumentParser(prog="smtpshell serve", description=i18n.t("server.help.description", "run the practice SMTP server"))
    configure(parser)
    helps = [a.help for a in parser._actions if a.help and a.help != argparse.SUPPRESS and "-h" not in a.option_strings]
    assert len(helps) > 20
    assert all(h.startswith("⟦") and h.endswith("⟧") for h in helps), [h for h in helps if not h.startswith("⟦")]
    titles = [g.title for g in parser._action_groups[2:]]
    assert titles and all(str(title).startswith("⟦") for title in titles)
    assert parser.epilog is not None and parser.epilog.startswith("⟦")


def test_scenarios_are_described_in_the_current_language(zh_cn: None) -> None:
    assert SCENARIOS[Scenario.SLOW].summary == "每个应答前都等几秒钟（一个“焦油坑”）"
    assert set(SCENARIOS) == set(Scenario) and all(CJK.search(info.lesson) for info in SCENARIOS.values())
    with pytest.raises(ValueError, match="未知的场景"):
        parse_scenario("nope")
    i18n.set_language("en")
    assert SCENARIOS[Scenario.SLOW].summary == "waits a few seconds before every reply (a tarpit)"


def test_the_class_view_page_is_served_in_chinese(class_server, zh_cn: None) -> None:
    classroom = class_server()
    page = urllib.request.urlopen(classroom.web_url, timeout=10).read().decode()
    assert '<html lang="zh-CN">' in page
    assert "练习服务器 mx.practice.test：课堂视图" in page and "学生这样连接" in page
    labels = json.loads(re.search(r'<script id="labels" type="application/json">(.*?)</script>', page).group(1))
    assert labels["sessions"] == "会话" and labels["no_recipient"] == "（无收件人）"
    info = json.loads(urllib.request.urlopen(classroom.web_url + "api/info", timeout=10).read())
    assert info["scenario_summary"] == "一个行为正常的服务器"
    css = urllib.request.urlopen(classroom.web_url + "static/app.css", timeout=10).read().decode()
    assert all(_has_cjk_font(stack) for stack in _font_stacks(css))


def test_the_class_view_page_says_lang_en_in_english(class_server) -> None:
    i18n.set_language("en")
    page = urllib.request.urlopen(class_server().web_url, timeout=10).read().decode()
    assert '<html lang="en">' in page and "Students connect with" in page


# -- client and protocol -------------------------------------------------------------------


def test_a_starttls_refusal_is_explained_in_chinese(zh_cn: None) -> None:
    text = refusal_message(Reply(454, ("4.7.0 TLS not available due to temporary reason",), b""))
    assert text.startswith("STARTTLS 得到的应答是 454，不是 220：TLS 握手没有开始")
    assert "暂时失败" in text


def test_the_tls_diagnosis_tables_follow_the_language(zh_cn: None) -> None:
    assert PROBLEMS["expired"].words == "证书已过期" and "--insecure" in PROBLEMS["expired"].advice
    assert all(CJK.search(words) for words in HANDSHAKE_REASONS.values())
    i18n.set_language("en")
    assert PROBLEMS["expired"].words == "the certificate has expired"


def test_the_catalogue_summaries_match_the_tables_english() -> None:
    """The translated summaries are keyed by verb; their English must be the table's (no drift)."""
    i18n.set_language("en")
    for verb in catalogue.VERBS.values():
        assert verb.summary == verb.english, verb.name
        for parameter in verb.parameters:
            assert parameter.summary == parameter.english, parameter.name
    assert set(catalogue._verb_words()) == set(catalogue.VERBS)


def test_the_catalogue_summaries_are_in_chinese(zh_cn: None) -> None:
    assert catalogue.VERBS["EHLO"].summary == "介绍自己，并询问服务器支持哪些扩展"
    assert catalogue.parameter("MAIL", "SIZE") is not None
    assert CJK.search(catalogue.parameter("MAIL", "SIZE").summary)  # type: ignore[union-attr]  # found just above

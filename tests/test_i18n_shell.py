"""The shell's, the REPL screen's, the renderer's and AUTH's own words go through t().

In the pseudo-locale (qps) every text that went through t() is marked ⟦...⟧, so
an unmarked word of smtpshell's own is one that bypasses the catalogue. In zh_CN
the same places read Chinese. What is checked here is built where the output is
built (the /help text, the prompt, the toolbar, /tls, the EHLO diff, the AUTH
questions); the end-to-end pty coverage lives in its own test.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smtpshell import i18n, i18n_check
from smtpshell.auth.credentials import CredentialSource
from smtpshell.auth.options import AuthOptions
from smtpshell.auth.safety import Verdict, plaintext_auth_decision
from smtpshell.client.tls_options import TLSOptions
from smtpshell.drivers.script import ScriptContext
from smtpshell.events import CertSummary, TLSInfo
from smtpshell.protocol import catalogue
from smtpshell.protocol.ehlo import Capabilities
from smtpshell.render.styled import render_capability_diff
from smtpshell.shell import registry
from smtpshell.shell.tls_cmds import no_tls_report, tls_report
from smtpshell.ui.completion import complete
from smtpshell.ui.prompt import prompt_for
from smtpshell.ui.toolbar import Where, right_prompt, toolbar
from tests.plugins.pty import EHLO_BARE, EHLO_FULL, reply_of, session_at

MARKED = re.compile("\u27e6[^\u27e6\u27e7]*\u27e7")
LOCALES = Path(i18n.__file__).parent / "locales" / "zh_CN"
# The catalogue files of this part, and the modules whose keys each may hold.
OWN_FILES = {"shell.toml": "smtpshell/shell", "ui.toml": "smtpshell/ui", "render.toml": "smtpshell/render",
             "auth.toml": "smtpshell/auth"}


@pytest.fixture
def qps() -> Iterator[None]:
    assert i18n.set_language("qps") == "qps"
    yield
    i18n.set_language("en")


@pytest.fixture
def zh() -> Iterator[None]:
    assert i18n.set_language("zh_CN") == "zh_CN"
    yield
    i18n.set_language("en")


def text(fragments: list[tuple[str, str]]) -> str:
    return "".join(t for _, t in fragments)


def unmarked(line: str) -> str:
    """What is left of a line once every marked (translated) text is taken out."""
    previous = None
    while previous != line:  # marks may nest (a translated text inside another)
        previous, line = line, MARKED.sub("", line)
    return line


def has_chinese(value: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in value)


async def run_shell(line: str, interactive: bool = True) -> str:
    out = io.StringIO()
    await registry.dispatch(ScriptContext(out, io.StringIO(), color=False, interactive=interactive), line)
    return out.getvalue()


# -- /help ---------------------------------------------------------------------------------


async def test_help_in_the_pseudo_locale_marks_every_word_of_its_own(qps: None) -> None:
    shown = await run_shell("/help")
    heads = {f"/{c.name} {c.usage}".strip() for c in registry.load_all().values()}
    verbs = {f"  {name}" for name in catalogue.VERBS}
    lines = [line for line in shown.split("\n") if line.strip()]
    assert len(lines) > len(heads) + 2
    for line in lines:
        if any(line.startswith(v + " ") for v in verbs):
            continue  # a verb's summary is the protocol catalogue's text, not this part's
        rest = unmarked(line).strip()
        assert rest == "" or rest in heads, f"unmarked words in /help: {line!r}"


async def test_help_topics_mark_their_own_words(qps: None) -> None:
    shown = await run_shell("/help /pipeline") + await run_shell("/help /nothing")
    for line in shown.strip().split("\n")[1:]:  # the first line is '/pipeline [on|off]'
        assert unmarked(line).strip() == "", line
    verb = await run_shell("/help MAIL")
    own = [line for line in verb.split("\n") if "RFC 5321" in line or "argument" in line]
    assert own and all(unmarked(line).strip() == "" for line in own), own


async def test_help_reads_chinese_and_keeps_the_commands(zh: None) -> None:
    shown = await run_shell("/help")
    assert "Shell 命令（以 / 开头）：" in shown
    assert "/tls [save FILE]" in shown and "/mailbox [N|last]" in shown  # commands and usage stay
    assert "显示 TLS 版本" in shown


def test_summaries_are_read_in_the_language_of_the_moment() -> None:
    """Registered at import (in English), shown later in another language."""
    commands = registry.load_all()
    english = {name: cmd.summary for name, cmd in commands.items()}
    i18n.set_language("qps")
    try:
        for name, cmd in commands.items():
            assert cmd.summary == f"\u27e6{english[name]}\u27e7", name
            if cmd.details:
                assert unmarked(cmd.details) == "", name
    finally:
        i18n.set_language("en")
    assert {name: cmd.summary for name, cmd in commands.items()} == english


async def test_errors_of_the_commands_are_translated(zh: None) -> None:
    with pytest.raises(registry.UnknownCommand, match="未知的 shell 命令 /frob"):
        await run_shell("/frob")
    with pytest.raises(registry.UnknownCommand, match="只能在交互式 shell 中使用"):
        await run_shell("/mx example.org", interactive=False)


# -- prompts, toolbar, right prompt, completion --------------------------------------------


def test_closed_prompt_and_phase_words_translate(zh: None) -> None:
    session = session_at(("EHLO x", EHLO_FULL))
    assert prompt_for(session, connected=False) == ("class:prompt.closed", "已断开> ")
    assert prompt_for(session, connected=True) == ("class:prompt", "smtp> ")
    shown = text(toolbar(session, Where(address="mx.test:25"), "MAIL"))
    assert "明文" in shown and "已表明身份" in shown and "identified" not in shown
    gone = Where(address="mx.test:25", connected=False)
    assert "已断开" in text(toolbar(session, gone)) and text(right_prompt(session, gone)) == "已断开"
    assert text(right_prompt(session, Where(address="mx.test:25"))) == "已表明身份"


def test_prompts_and_toolbar_are_marked_in_the_pseudo_locale(qps: None) -> None:
    session = session_at()
    assert prompt_for(session, connected=False)[1] == "\u27e6closed> \u27e7"
    assert prompt_for(session, connected=True)[1] == "\u27e6smtp> \u27e7"
    bare = session_at(("EHLO x", EHLO_BARE))
    for where, typed in ((session, ""), (session, "/tl"), (session, "/level"), (bare, "STARTTLS")):
        shown = text(toolbar(where, Where(address="mx.test:25"), typed))
        rest = unmarked(shown).replace("mx.test:25", "").replace("\u2502", "")
        rest = rest.replace("/level [full|brief|failures|off]", "").replace("STARTTLS", "")
        assert rest.strip() == "", f"unmarked in the toolbar for {typed!r}: {shown!r}"
    assert unmarked(text(right_prompt(session, Where(connected=False)))) == ""


def test_english_prompts_and_phases_are_unchanged() -> None:
    i18n.set_language("en")
    session = session_at()
    assert prompt_for(session, connected=False)[1] == "closed> "
    assert text(right_prompt(session, Where(address="mx.test:25"))) == "greeted"


def test_completion_metas_are_translated(zh: None) -> None:
    _, found = complete("/level ")
    assert {c.text for c in found} == {"full", "brief", "failures", "off"}
    assert all(has_chinese(c.summary) for c in found)
    _, targets = complete("/connect ")
    assert targets and all(has_chinese(c.summary) for c in targets)


# -- /tls ------------------------------------------------------------------------------------


def _tls_info(now: datetime) -> TLSInfo:
    cert = CertSummary(
        subject="CN=mx.example.org", issuer="CN=Example CA", names=("mx.example.org",),
        not_before=(now - timedelta(days=10)).isoformat(), not_after=(now + timedelta(days=45)).isoformat(),
        days_left=45, sha256="AB:CD", key="RSA 2048 bits", self_signed=False,
    )
    return TLSInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", 128, "mx.example.org", "smtp", True, "verified", (cert,))


def test_tls_report_in_chinese(zh: None) -> None:
    now = datetime.now(UTC)
    shown = text(tls_report(_tls_info(now), "mx.example.org:25", TLSOptions(), upgraded=True, now=now))
    assert "与 mx.example.org:25 的 TLS（通过 STARTTLS 升级）" in shown
    labels = {line.split(":", 1)[0].strip() for line in shown.split("\n") if line.startswith("  ") and ":" in line}
    assert {"版本", "加密套件", "已发送 SNI", "已验证", "密钥"} <= labels
    assert "TLS_AES_128_GCM_SHA256（128 位）" in shown and " [0] 服务器" in shown
    later = now + timedelta(days=50)
    styled = tls_report(_tls_info(now), "mx.example.org:25", TLSOptions(), upgraded=True, now=later)
    flagged = [t for style, t in styled if style == "class:warning"]
    assert len(flagged) == 1 and "已过期" in flagged[0]  # flagged from the dates, in the language shown


def test_no_tls_report_is_translated(qps: None) -> None:
    shown = text(no_tls_report(session_at()))
    assert all(unmarked(line).strip() == "" for line in shown.split("\n")), shown


# -- render: EHLO changes ------------------------------------------------------------------


def test_ehlo_unchanged_is_worded_for_the_language(zh: None) -> None:
    caps = Capabilities.from_reply(reply_of(EHLO_FULL))
    shown = text(render_capability_diff(caps, caps, session_at(("EHLO x", EHLO_FULL))))
    assert "扩展与上一次 EHLO 相同" in shown and "before" not in shown


def test_ehlo_unchanged_in_english_is_unchanged() -> None:
    i18n.set_language("en")
    caps = Capabilities.from_reply(reply_of(EHLO_FULL))
    assert "same extensions as before the previous EHLO" in text(render_capability_diff(caps, caps, None))


# -- AUTH ------------------------------------------------------------------------------------


def test_plaintext_auth_warning_is_translated(zh: None) -> None:
    decision = plaintext_auth_decision("192.0.2.7", tls=False, interactive=True, allowed=False)
    assert decision.verdict is Verdict.ASK
    assert "192.0.2.7" in decision.message and "没有加密" in decision.message and "base64" in decision.message


async def test_the_password_question_is_translated_and_names_the_host(zh: None) -> None:
    asked: list[tuple[str, bool]] = []

    async def answer(label: str, *, secret: bool = False, default: str = "") -> str:
        asked.append((label, secret))
        return "alice" if not secret else "wonderland"

    source = CredentialSource(AuthOptions(), "mx.test", env={})
    await source.get("user", answer)
    await source.get("password", answer)
    assert asked == [("mx.test 的用户名：", False), ("alice@mx.test 的密码：", True)]
    assert source.origin("password") == "在提示处输入"


async def test_missing_credential_names_the_kind_in_the_language(qps: None) -> None:
    source = CredentialSource(AuthOptions(), "mx.test", env={})
    with pytest.raises(Exception) as raised:
        await source.get("password", None)
    assert unmarked(str(raised.value)).strip() == "", str(raised.value)


# -- the catalogue files of this part ------------------------------------------------------


def test_own_catalogue_files_hold_only_keys_of_their_modules() -> None:
    english = i18n_check.english_texts()
    for name, under in OWN_FILES.items():
        keys = i18n.load_catalogue(LOCALES / name)
        assert keys, name
        strays = [k for k in keys if k not in english or not english[k][1].startswith(under)]
        assert not strays, f"{name} holds keys of other modules (or dead ones): {strays[:10]}"


def test_every_key_of_this_part_has_chinese_with_the_same_placeholders() -> None:
    report = i18n_check.check("zh_CN")
    for under in OWN_FILES.values():
        missing = [k for k in report.missing if report.english[k][1].startswith(under)]
        stale = [k for k in report.stale if report.english[k][1].startswith(under)]
        assert not missing and not stale, (under, missing[:10], stale[:10])


# -- in a real terminal ----------------------------------------------------------------------


def test_the_repl_screen_in_chinese(shell_pty):
    """The installed command, in a pty, in zh_CN: toolbar, /commands, the closed> prompt."""
    from tests.plugins.pty import PROMPT, plain

    term = shell_pty("--lang", "zh_CN")  # the embedded practice server
    term.prompt(PROMPT, timeout=20)
    term.expect_styled("明文")  # the toolbar: plaintext
    term.line("/level")
    term.expect_text("解释级别：full")
    term.prompt()
    term.line("/tls")
    term.expect_text("此连接没有 TLS：所有内容都以明文发送。")
    term.prompt()
    term.line("QUIT")
    term.expect_text("221")
    term.prompt("已断开> ")
    term.expect_styled("已断开")  # the toolbar says it too
    term.line("/mailbox")
    term.expect_text("还没有邮件")
    term.prompt("已断开> ")
    term.line("/quit")
    assert term.finish() == 0
    assert "closed>" not in plain(term.screen_log)

"""Issue 14, must-show 2: in the pseudo-locale, every word smtpshell says on screen is marked.

``--lang qps`` (or ``LANG=qps``) shows every text that went through ``t()`` as
``⟦text⟧``. Each test runs the installed command in a pty (a REPL session on
the embedded practice server, a script session, ``serve``, a lesson,
``explain``, ``--help`` and friends), reads every row the terminal showed
(tests/plugins/screen_marks.py: the rule of what may be unmarked, and why),
and fails with every unmarked row, under the command and the step that
produced it. The only unmarked words allowed are the server's (its replies
as recorded, its certificate), the wire, what the user typed, and tokens that
are not words of any language (numbers, addresses, flags, protocol tokens).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pexpect
import pytest

from tests.plugins.screen_marks import (
    NEW_PROMPT,
    Facts,
    ScreenTerminal,
    check_rows,
    practice_values,
    report,
    styled,
    translated,
    unmarked,
    word_kind,
)

QPS = "qps"
USER, PASSWORD = "alice", "wonderland"  # the practice server's demo login
HOST = "127.0.0.1"
TRANSCRIPTS = Path(__file__).resolve().parent.parent / "transcripts"


def shown(english: str) -> str:
    """A prompt or question as the pseudo-locale shows it (the key found from its English)."""
    return translated(english, QPS)


def wait_for(term: ScreenTerminal, english: str, timeout: float = 10) -> None:
    """Wait for the next prompt that shows ``english`` in the pseudo-locale."""
    term.wait_prompt(shown(english), timeout)


def assert_all_marked(term: ScreenTerminal, facts: Facts) -> None:
    findings = unmarked(term, facts)
    assert not findings, report({term.command: findings})


def practice_facts(state_home: Path, record: Path | None) -> Facts:
    # The login typed (the toolbar shows it), the practice server's own data; the shell's QUIT.
    facts = Facts(values=[USER, *practice_values()], client_lines={"QUIT"})
    if record is not None:
        facts.add_transcript(record)
    cert = state_home / "smtpshell" / "practice-cert.pem"
    if cert.exists():
        facts.add_certificate(cert)
    return facts


# -- the rule itself (no pty): each part can fail ---------------------------------------------


def test_the_rule_passes_marked_text_and_catches_a_bare_word() -> None:
    facts = Facts(server_lines={"250 2.1.0 Sender <a@b.test> OK"})
    good = [
        "S: 250 2.1.0 Sender <a@b.test> OK",
        "   ↳ ⟦the sender is accepted: ⟦nested⟧ text⟧",
        "** ⟦a mark that goes on",
        "over a wrapped row⟧ — 127.0.0.1:2525 │ 🔒 TLSv1.3 │ EHLO",
        "  /tls [save FILE]     ⟦show the TLS parameters⟧",
        "  -c CMD, --command CMD  ⟦a command⟧",
        "  smtpshell serve    ⟦run the practice SMTP server⟧",
        "⟦usage: ⟧smtpshell serve [-h] [--host HOST]",
        "usage: smtpshell [-h] [--color {auto,always,never}] [TARGET]".replace("usage:", "⟦usage:⟧"),
    ]
    assert check_rows(good, facts) == []
    rows = ["127.0.0.1:2525 │ plaintext │ ⟦greeted⟧", "closed> EHLO me", "  smtpshell serve    run it", "smtp> 10 MiB"]
    bad = check_rows(rows, facts)
    assert [f.words for f in bad] == [["plaintext"], ["closed>", "me"], ["run", "it"], ["smtp>", "MiB"]]
    # In a language, a prompt may keep its protocol word and a size its unit; an English word stays out.
    in_chinese = check_rows(["smtp> 上限 10 MiB，Ctrl-D 退出", "closed> 已断开"], facts, allow=("neutral", "chinese"))
    assert [f.words for f in in_chinese] == [["closed>"]]
    assert [f.words for f in check_rows(["按 Ctrl-D 退出"], facts)] == [["按", "Ctrl-D", "退出"]]  # qps: all marked
    datum = Facts(values=["practice.test", "smtpshell practice"])
    assert check_rows(["** 服务器 mx.practice.test，监听", "O=smtpshell practice"], datum, allow=("neutral", "chinese")) == []


def test_the_rule_takes_server_text_only_from_what_the_server_sent() -> None:
    facts = Facts(server_lines={"250 OK"}, client_lines={"YWxpY2U="}, typed=["EHLO me"])
    assert check_rows(["S: 250 OK", "C: YWxpY2U=⟦ (sent by smtpshell)⟧", "⟦smtp>⟧ EHLO me"], facts) == []
    (forged,) = check_rows(["S: 250 OK, and some words the shell added"], facts)
    assert "did not send" in forged.problem and "words" in forged.words
    (hidden,) = check_rows(["C: <password hidden>⟦ (sent by smtpshell)⟧"], facts)
    assert hidden.words == ["<password", "hidden>"] and "did not send" in hidden.problem
    assert check_rows(["C: <密码已隐藏>"], facts, allow=("neutral", "chinese")) == []
    (annotation,) = check_rows(["S: 250 OK        the largest message"], facts)
    assert annotation.words == ["the", "largest", "message"]


def test_word_kinds() -> None:
    assert [word_kind(w) for w in ("EHLO", "5.1.1", "alice@practice.test", "/mailbox", "--lang", "smtpshell")] == [
        "neutral"] * 6
    assert [word_kind(w) for w in ("plaintext", "Ctrl-D", "(no", "message(s)", "closed>")] == ["english"] * 5
    assert word_kind("发件人") == "chinese"


# -- sessions in a pty ---------------------------------------------------------------------


def test_a_repl_session_is_all_marked(screen_pty, tmp_path: Path) -> None:
    record = tmp_path / "session.transcript"
    term = screen_pty("--lang", QPS, "--record", str(record))
    wait_for(term, "smtp> ", timeout=20)
    for line in ("EHLO pty.test", "STARTTLS", "EHLO pty.test"):
        term.line(line)
        wait_for(term, "smtp> ")
    term.line("AUTH LOGIN")
    wait_for(term, f"Username for {HOST}: ")
    term.line(USER)
    wait_for(term, f"Password for {USER}@{HOST}: ")
    term.secret(PASSWORD)
    term.expect_text("235")
    wait_for(term, "smtp> ")
    for line in ("MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>"):
        term.line(line)
        wait_for(term, "smtp> ")
    term.line("DATA")
    wait_for(term, "data> ")
    term.line("hello")
    wait_for(term, "data> ")
    term.line(".")
    term.expect_text("queued as")
    wait_for(term, "smtp> ")
    for line in ("/help", "/tls", "/mailbox", "/summary"):
        term.line(line)
        wait_for(term, "smtp> ")
    term.line("QUIT")
    term.expect_text("221")
    wait_for(term, "closed> ")
    term.line("/quit")
    assert term.finish() == 0
    facts = practice_facts(Path(os.environ["XDG_STATE_HOME"]), record)
    facts.client_lines |= {base64.b64encode(USER.encode()).decode()}
    assert facts.server_lines, "the session's transcript holds the server's replies"
    assert_all_marked(term, facts)


# Past the brief's session: the shell's other commands, a refusal and a mistake, each with its own words.
MORE = [
    ("EHLO pty.test", "250 "),
    ("VRFY bob", "25"),
    ("EXPN students", "250 "),
    ("NOOP", "250 "),
    ("MAIL FROM:<alice@practice.test>", "250 "),
    ("RCPT TO:<nobody@practice.test>", "550 "),
    ("RSET", "250 "),
    ("/explain 5.7.1", None),
    ("/level brief", None),
    ("/b64 alice@practice.test", None),  # data that is a value: its decoding is shown unmarked
    ("/unb64 YWxpY2VAcHJhY3RpY2UudGVzdA==", None),
    ("/auth", None),
    ("/history", None),
    ("/nonsense", None),
    ("/reconnect", "220 "),
]


def test_more_of_the_repl_is_all_marked(screen_pty, tmp_path: Path) -> None:
    record = tmp_path / "session.transcript"
    term = screen_pty("--lang", QPS, "--record", str(record))
    wait_for(term, "smtp> ", timeout=20)
    for line, reply in MORE:
        term.line(line)
        if reply:
            term.expect_text(reply)
        wait_for(term, "smtp> ")
    term.line("/quit")
    term.finish()
    facts = practice_facts(Path(os.environ["XDG_STATE_HOME"]), record)
    assert_all_marked(term, facts)


def test_the_rest_of_the_repl_is_all_marked(screen_pty, tmp_path: Path) -> None:
    """/pipeline, /data, /level off, /record stop and again, Ctrl-D inside a transaction (asked first, and
    refused), then a refused STARTTLS (and the policy that stops MAIL after it), /explain last."""
    record, again, message = tmp_path / "session.transcript", tmp_path / "again.transcript", tmp_path / "message.eml"
    message.write_text("Subject: t-14\r\n\r\nbody 1\r\n", encoding="utf-8")
    term = screen_pty("--lang", QPS, "--scenario", "starttls-refused", "--record", str(record))
    wait_for(term, "smtp> ", timeout=20)
    steps = [
        ("EHLO pty.test", "250 "), ("/pipeline on", None), ("/pipeline off", None),
        ("MAIL FROM:<alice@practice.test>", "250 "), ("RCPT TO:<bob@practice.test>", "250 "),
        (f"/data {message}", "queued as"), ("/level off", None), ("NOOP", "250 "), ("/level full", None),
        ("/record stop", None), (f"/record {again}", None), ("MAIL FROM:<alice@practice.test>", "250 "),
    ]
    for line, reply in steps:
        term.line(line)
        if reply:
            term.expect_text(reply)
        wait_for(term, "smtp> ")
    term.key("d")  # a transaction is open: asked first
    term.expect_text("[y/N]")
    term.line("n")
    wait_for(term, "smtp> ")
    for line, reply in (("RSET", "250 "), ("STARTTLS", "454 "), ("/explain last", None), ("MAIL FROM:<a@b.test>", None)):
        term.line(line)
        if reply:
            term.expect_text(reply)
        wait_for(term, "smtp> ")
    term.line("/quit")
    term.finish()
    facts = practice_facts(Path(os.environ["XDG_STATE_HOME"]), record)
    facts.add_transcript(again)
    facts.values.append("t-14")
    assert_all_marked(term, facts)


SCRIPT = [
    "EHLO script.test", "STARTTLS", "EHLO script.test", "AUTH LOGIN",
    "MAIL FROM:<alice@practice.test>", "RCPT TO:<bob@practice.test>", "RCPT TO:<nobody@practice.test>",
    "DATA", "hello", ".", "/mailbox", "QUIT",
]


def test_a_script_session_is_all_marked(screen_pty, tmp_path: Path) -> None:
    script, record = tmp_path / "session.script", tmp_path / "session.transcript"
    script.write_text("\n".join(SCRIPT) + "\n", encoding="utf-8")
    term = screen_pty("--lang", QPS, "--user", USER, "--explain", "full", "--record", str(record),
                      "--script", str(script), env={"SMTPSHELL_PASSWORD": PASSWORD})
    term.step = f"--script {script.name}"
    assert term.finish(timeout=30) == 5  # the refused recipient
    facts = practice_facts(Path(os.environ["XDG_STATE_HOME"]), record)
    facts.client_lines |= {*SCRIPT, base64.b64encode(USER.encode()).decode()}
    assert facts.server_lines
    assert_all_marked(term, facts)


def test_serve_says_it_all_marked(screen_pty) -> None:
    term = screen_pty("serve", "--port", "0", "--tls-port", "0", env={"LANG": QPS})
    term.expect(r"Ctrl[-+]C", timeout=20)  # the last start-up line says how to stop
    term.step = "Ctrl-C"
    term.child.sendintr()
    assert term.finish() in (0, 130)
    assert_all_marked(term, Facts(values=practice_values()))


def test_a_lesson_is_all_marked(screen_pty) -> None:
    lesson = TRANSCRIPTS / "01-direct-delivery.transcript"
    facts = Facts()
    facts.add_lesson(lesson)
    term = screen_pty("lesson", "01-direct-delivery", env={"LANG": QPS})
    prompts = [NEW_PROMPT + styled(shown(p).rstrip()) for p in ("lesson C: ", "retry C: ")] + [pexpect.EOF]
    steps = 0
    while True:
        index, _ = term.expect_any(prompts, timeout=20)
        if index == 2:
            break
        assert index == 0, "a step of the lesson was answered differently: it is being retried"
        steps += 1
        assert steps < 60, "the lesson does not end"
        term.step = f"Enter at lesson step {steps}"
        term.type("\r")
    term.child.close()
    assert steps == len([line for line in facts.typed]) and term.child.exitstatus == 0
    assert_all_marked(term, facts)


ONE_SHOTS = [  # (arguments, environment, exit status)
    (("--lang", QPS, "--help"), {}, 0),
    (("serve", "--help"), {"LANG": QPS}, 0),
    (("explain", "550", "5.1.1"), {"LANG": QPS}, 0),
    (("explain", "--lang", QPS, "421", "4.7.0"), {}, 0),
    (("lesson",), {"LANG": QPS}, 0),
    (("--lang", QPS, "--no-such-flag"), {}, 2),  # argparse's own words
    (("--lang", QPS, "srve"), {}, 2),  # a misspelt subcommand
    (("--lang", QPS, "-c", "EHLO me", "-c", "/nonsense"), {}, 2),  # script mode refuses a line
    (("--lang", QPS, "127.0.0.1:1", "-c", "QUIT"), {}, 3),  # nothing listens there: connection refused
    (("lesson", "no-such-lesson"), {"LANG": QPS}, 2),
    (("replay", "/no/such.transcript"), {"LANG": QPS}, 2),
    (("--lang", QPS, "--version"), {}, 0),
]


@pytest.mark.parametrize(("args", "env", "status"), ONE_SHOTS, ids=[" ".join(a) for a, _, _ in ONE_SHOTS])
def test_one_shot_commands_are_all_marked(screen_pty, args: tuple[str, ...], env: dict[str, str], status: int) -> None:
    term = screen_pty(*args, env=env)
    term.step = " ".join(args)
    assert term.finish(timeout=20) == status
    assert any(row.strip() for row in term.rows()), "it printed something"
    facts = Facts(client_lines={"EHLO me", "QUIT"}, values=practice_values())
    if "-c" in args:
        facts.server_lines |= {"220 mx.practice.test ESMTP smtpshell practice server", "221 2.0.0 mx.practice.test closing connection"}
    assert_all_marked(term, facts)


TRANSCRIPT_COMMANDS = [  # commands that read a shipped transcript: its C:/S: lines are the wire
    ("replay", str(TRANSCRIPTS / "01-direct-delivery.transcript")),
    ("export", "01-direct-delivery"),  # Markdown on stdout (HTML and --as are markup and code: not read here)
]
MARKDOWN = ["```smtp-transcript", "<sub>", "</sub>"]  # the export's markup: a fence's language, HTML tags


@pytest.mark.parametrize("args", TRANSCRIPT_COMMANDS, ids=[a[0] for a in TRANSCRIPT_COMMANDS])
def test_transcript_commands_are_all_marked(screen_pty, args: tuple[str, ...]) -> None:
    facts = Facts(values=[*practice_values(), *MARKDOWN])
    name = Path(args[-1]).name.removesuffix(".transcript")
    facts.add_lesson(TRANSCRIPTS / f"{name}.transcript")
    term = screen_pty(*args, env={"LANG": QPS})
    term.step = " ".join(args)
    assert term.finish(timeout=30) == 0
    assert any(row.strip() for row in term.rows()), "it printed something"
    assert_all_marked(term, facts)


def test_a_typed_line_the_terminal_wrapped_is_input_on_both_rows() -> None:
    from tests.plugins.screen_marks import Facts, check_rows

    facts = Facts(typed=["/record /tmp/some/where/again.transcript"])
    rows = ["\u27e6smtp> \u27e7/record /tmp/some/where/again.trans", "cript"]
    assert check_rows(rows, facts) == []  # before: "cript" was reported as smtpshell's own word
    assert [f.words for f in check_rows(["cript"], facts)] == [["cript"]]  # not after a typed line: still caught

"""The interactive side of AUTH, in process: what is asked, hidden, cancelled."""

from __future__ import annotations

from smtpshell import events as ev
from smtpshell.auth import AuthOptions
from smtpshell.auth.redact import Redactor, secret_forms
from tests.plugins.auth import USERS, run_in_process

PASSWORD = USERS["alice"]


def _all_event_text(events: list) -> str:  # type: ignore[type-arg]
    return "\n".join(repr(e) for e in events)


async def test_login_asks_username_then_hidden_password(sasl_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SMTPSHELL_PASSWORD", raising=False)
    run = await run_in_process(sasl_server.address, ["EHLO x", "AUTH LOGIN"], auth=AuthOptions(use_netrc=False),
                               interactive=True, answers=["alice", PASSWORD])
    assert run.asked == [("Username for 127.0.0.1: ", False), ("Password for alice@127.0.0.1: ", True)]
    assert "logged in as alice" in run.out
    text = run.screen + _all_event_text(run.events)
    assert not any(form in text for form in secret_forms(user="alice", password=PASSWORD))


async def test_declining_the_password_prompt_cancels_with_star(sasl_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SMTPSHELL_PASSWORD", raising=False)
    run = await run_in_process(sasl_server.address, ["EHLO x", "AUTH LOGIN", "NOOP"],
                               auth=AuthOptions(user="alice", use_netrc=False), interactive=True, answers=[])
    sent = [e.shown for e in run.events if isinstance(e, ev.LineSent)]
    assert sent[:4] == ["EHLO x", "AUTH LOGIN", "YWxpY2U=", "*"]
    assert "no password entered" in run.err
    assert "501" in run.out and "NOOP" in sent  # the session goes on after the cancel


async def test_username_with_control_characters_is_refused(sasl_server) -> None:  # type: ignore[no-untyped-def]
    run = await run_in_process(sasl_server.address, ["EHLO x", "AUTH PLAIN"],
                               auth=AuthOptions(user="alice\0admin", use_netrc=False), interactive=True,
                               answers=[PASSWORD])
    assert "the username holds NUL" in run.err
    assert not sasl_server.messages


async def test_auth_line_events_never_hold_the_wire_secret(sasl_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMTPSHELL_PASSWORD", PASSWORD)
    run = await run_in_process(sasl_server.address, ["EHLO x", "/login PLAIN --initial"], auth=AuthOptions(user="alice"))
    sent = [e for e in run.events if isinstance(e, ev.LineSent)]
    auth = [e for e in sent if e.shown.startswith("AUTH")]
    assert auth and auth[0].secret and auth[0].shown == "AUTH PLAIN <secret hidden>" and auth[0].automatic
    assert not any(form in _all_event_text(run.events) for form in secret_forms(user="alice", password=PASSWORD))


async def test_slash_commands(sasl_server) -> None:  # type: ignore[no-untyped-def]
    run = await run_in_process(sasl_server.address, ["/b64 \\0alice\\0pw", "/unb64 VXNlcm5hbWU6", "/unb64 !!",
                                                     "/auth manual", "/auth", "/auth sideways"])
    assert "AGFsaWNlAHB3" in run.out  # base64 of "\0alice\0pw"
    assert '"Username:"' in run.out
    assert "/unb64 needs valid base64" in run.err
    assert "AUTH mode: manual" in run.out
    assert "use /auth auto or /auth manual" in run.err


def test_redactor_scrubs_values_and_base64() -> None:
    r = Redactor()
    r.add(PASSWORD)
    import base64

    b64 = base64.b64encode(PASSWORD.encode()).decode()
    assert r.scrub(f"error near {PASSWORD} and {b64}") == "error near <secret hidden> and <secret hidden>"
    assert PASSWORD not in repr(r)


async def test_a_server_that_keeps_asking_is_not_answered_forever(scripted_server) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from tests.plugins.servers import read_command

    answers: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mx.test ESMTP\r\n")
        await read_command(reader)  # EHLO
        writer.write(b"250-mx.test\r\n250 AUTH XOAUTH2\r\n")
        await read_command(reader)  # AUTH XOAUTH2
        while True:
            writer.write(b"334 \x1b[31m\r\n")  # not even base64, with an escape sequence
            await writer.drain()
            answers.append(await read_command(reader))

    server = scripted_server(script)
    run = await run_in_process(server.address, ["EHLO x", "AUTH XOAUTH2"], interactive=True,
                               auth=AuthOptions(user="alice", use_netrc=False), answers=["tok-tok-tok"])
    # Cancelled once, then stopped answering (the script's end sends QUIT).
    assert [a for a in answers if a != b"QUIT"] == [b"*"]
    assert "keeps asking" in run.err
    assert "\x1b" not in run.out  # the server's escape sequence was shown escaped


async def test_the_runner_owns_one_controller_made_on_first_use(sasl_server) -> None:  # type: ignore[no-untyped-def]
    """/auth, /login and typed AUTH lines reach the same controller, through runner.auth."""
    owners: list[object] = []

    def patch(controller) -> None:  # type: ignore[no-untyped-def]
        controller.mode = "manual"
        owners.append(controller)

    import base64

    lines = ["EHLO x", "/auth", "AUTH LOGIN", "YWxpY2U=", base64.b64encode(PASSWORD.encode()).decode()]
    run = await run_in_process(sasl_server.address, lines, patch=patch)
    assert "AUTH mode: manual" in run.out  # /auth saw the controller the patch changed
    assert "235" in run.out
    assert PASSWORD not in run.screen


def test_a_session_that_never_authenticates_never_loads_the_auth_flow() -> None:
    import subprocess
    import sys

    code = (
        "import io, sys\n"
        "from smtpshell.drivers.script import ScriptContext\n"
        "from smtpshell.drivers.runner import RunOptions, SessionRunner\n"
        "from smtpshell.events import EventBus\n"
        "ctx = ScriptContext(io.StringIO(), io.StringIO(), False)\n"
        "runner = SessionRunner(EventBus(), RunOptions(), ctx)\n"
        "assert 'smtpshell.auth.flow' not in sys.modules, 'loaded at start'\n"
        "assert runner.auth is runner.auth\n"
        "assert 'smtpshell.auth.flow' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

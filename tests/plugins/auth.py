"""AUTH test fixtures: an aiosmtpd server that also speaks CRAM-MD5, XOAUTH2
and OAUTHBEARER, plus helpers to run smtpshell and hunt for leaked secrets.

Credentials (test-only): alice / wonderland-Pa55 and bob / builder-S3cret
(from tests.plugins.servers.USERS), OAuth token ``TOKEN`` for alice.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, auth_mechanism

from smtpshell.auth.redact import secret_forms

if TYPE_CHECKING:
    from tests.plugins.servers import SmtpServer

# The same accounts as tests.plugins.servers.USERS (imported lazily there, so that
# pytest can assert-rewrite that plugin when it loads it itself).
USERS = {"alice": "wonderland-Pa55", "bob": "builder-S3cret"}

TOKEN = "ya29.test-Token-0123456789abcdef"
TOKENS = {"alice": TOKEN}


class SaslSMTP(SMTP):
    """aiosmtpd's SMTP plus CRAM-MD5, XOAUTH2 and OAUTHBEARER (methods named auth_*)."""

    challenge_counter = 0

    @auth_mechanism("CRAM-MD5")
    async def auth_CRAM_MD5(self, server: SMTP, args: list[str]) -> AuthResult:
        SaslSMTP.challenge_counter += 1
        challenge = f"<{SaslSMTP.challenge_counter}.{int(time.time())}@mx.test>".encode()
        answer = await self.challenge_auth(challenge)
        if not isinstance(answer, bytes):
            return AuthResult(success=False, handled=True)
        user, _, digest = answer.decode("utf-8", "replace").rpartition(" ")
        password = USERS.get(user)
        expected = hmac.new(password.encode(), challenge, "md5").hexdigest() if password else None
        if expected is not None and hmac.compare_digest(expected, digest):
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    @auth_mechanism("XOAUTH2")
    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) > 1:
            blob = _b64(args[1])
        else:
            got = await self.challenge_auth("")
            blob = got if isinstance(got, bytes) else None
        if blob is None:
            await self.push("501 5.5.2 Can't decode base64")
            return AuthResult(success=False, handled=True)
        fields = dict(f.split("=", 1) for f in blob.decode("utf-8", "replace").split("\x01") if "=" in f)
        user, token = fields.get("user"), fields.get("auth", "").removeprefix("Bearer ")
        if user and TOKENS.get(user) == token:
            return AuthResult(success=True, auth_data=user)
        error = json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail.test/"})
        await self.challenge_auth(error)  # the client answers with an empty line
        return AuthResult(success=False, handled=False)

    @auth_mechanism("OAUTHBEARER")
    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        blob = _b64(args[1]) if len(args) > 1 else None
        if blob is None:
            got = await self.challenge_auth("")
            blob = got if isinstance(got, bytes) else None
        if blob is None:
            return AuthResult(success=False, handled=True)
        header, _, rest = blob.decode("utf-8", "replace").partition("\x01")
        user = next((p[2:] for p in header.split(",") if p.startswith("a=")), None)
        fields = dict(f.split("=", 1) for f in rest.split("\x01") if "=" in f)
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user and TOKENS.get(user) == token:
            return AuthResult(success=True, auth_data=user)
        await self.challenge_auth(json.dumps({"status": "invalid_token"}))  # client sends ^A
        return AuthResult(success=False, handled=False)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


def start_sasl_server(**kwargs: Any) -> SmtpServer:
    from tests.plugins.servers import RecordingHandler, ServerThread, SmtpServer, authenticator

    handler = RecordingHandler()
    options: dict[str, Any] = dict(
        hostname="mx.test", ident="smtpshell-test ESMTP", authenticator=authenticator, auth_require_tls=False
    )
    options.update(kwargs)
    thread = ServerThread(lambda: SaslSMTP(handler, **options)).start()
    return SmtpServer(thread, handler)


@pytest.fixture
def sasl_server() -> Iterator[SmtpServer]:
    """Plaintext on 127.0.0.1, AUTH LOGIN PLAIN CRAM-MD5 XOAUTH2 OAUTHBEARER offered."""
    server = start_sasl_server()
    yield server
    server.thread.stop()


@dataclass
class Run:
    """One ``python -m smtpshell`` run and every file it could have written."""

    returncode: int
    stdout: str
    stderr: str
    dirs: list[pathlib.Path] = field(default_factory=list)

    @property
    def screen(self) -> str:
        return self.stdout + self.stderr

    def everything(self) -> dict[str, str]:
        """The screen, plus every file under the run's home and XDG dirs."""
        out = {"<stdout>": self.stdout, "<stderr>": self.stderr}
        for base in self.dirs:
            for path in base.rglob("*"):
                if path.is_file():
                    out[str(path)] = path.read_bytes().decode("utf-8", "replace")
        return out


def leaked(run: Run, *, user: str = "alice", password: str | None = None, token: str | None = None,
           authzid: str = "") -> list[str]:
    """Every place where a secret (or one of its base64 forms) appears."""
    forms = secret_forms(user=user, password=password, token=token, authzid=authzid)
    hits = []
    for where, text in run.everything().items():
        for form in forms:
            if form in text:
                hits.append(f"{where}: {form!r}")
    return hits


@pytest.fixture
def run_smtpshell(tmp_path: pathlib.Path):  # type: ignore[no-untyped-def]
    """``run_smtpshell(target, *args, env={...})``: smtpshell in script mode, as a subprocess,
    with its own HOME and XDG dirs (so history, transcripts and logs land where we look)."""
    counter = iter(range(1000))

    def run(target: str, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            timeout: float = 30) -> Run:
        home = tmp_path / f"run{next(counter)}"
        dirs = [home]
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("SMTPSHELL_", "XDG_"))}
        environment.update(HOME=str(home), NO_COLOR="1", PYTHONUNBUFFERED="1")
        for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            path = home / name.lower()
            path.mkdir(parents=True)
            environment[name] = str(path)
        environment.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "smtpshell", target, "--timeout", "10", *args],
            input=stdin if stdin is not None else "", capture_output=True, text=True,
            env=environment, timeout=timeout, cwd=str(home),
        )
        return Run(proc.returncode, proc.stdout, proc.stderr, dirs)

    return run


# -- in-process runs: the script driver, optionally with an "interactive" context ----------


class PromptingContext:
    """Mixin answers for ``context.prompt``: records each (label, secret) asked."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, bool]] = []

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str:
        self.asked.append((label, secret))
        if not self.answers:
            raise EOFError(label)
        return self.answers.pop(0)


@dataclass
class InProcessRun:
    exit_code: int
    out: str
    err: str
    events: list[Any]
    asked: list[tuple[str, bool]]

    @property
    def screen(self) -> str:
        return self.out + self.err


async def run_in_process(address: str, lines: list[str], *, auth: Any = None, answers: list[str] | None = None,
                         interactive: bool = False, patch: Any = None, **run_options: Any) -> InProcessRun:
    """Run ``lines`` through the script driver against ``address``.

    With ``interactive=True`` the context claims to be interactive and answers
    prompts from ``answers``. ``patch(controller)`` may replace a seam of the
    AuthController before the first line.
    """
    import io

    from smtpshell import events as ev
    from smtpshell.auth import AuthOptions
    from smtpshell.client.target import parse_target
    from smtpshell.drivers.runner import RunOptions
    from smtpshell.drivers.script import ScriptContext, ScriptDriver

    out, err = io.StringIO(), io.StringIO()
    bus = ev.EventBus()
    log = ev.EventLog()
    bus.subscribe(log)
    options = RunOptions(timeout=10, auth=auth or AuthOptions(), **run_options)
    driver = ScriptDriver(lines, parse_target(address), options, out=out, err=err, bus=bus)
    prompter = PromptingContext(answers or [])
    if interactive:
        context = ScriptContext(out, err, False, runner=driver.runner, interactive=True)
        context.prompt = prompter.prompt  # type: ignore[method-assign]
        driver.context = context
        driver.runner.context = context
    if patch is not None:
        patch(driver.runner.auth)
    code = await driver.run()
    return InProcessRun(code, out.getvalue(), err.getvalue(), log.events, prompter.asked)

"""Step through a lesson at the terminal (the only module here that imports prompt_toolkit).

For each step: the comment written before it explains what is about to
happen, the line is pre-filled at the prompt for the student to edit and send
(Enter sends it, an empty line skips it, ``/help`` and other shell commands
work, Ctrl-D leaves), and the real reply is compared with the lesson's.
Secrets (``<password>``) are asked for hidden and sent in base64 by the shell.

Lines go through the one :class:`~smtpshell.drivers.runner.SessionRunner`, with
AUTH in *manual* mode: the student types the base64 and the shell explains it.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.key_binding import KeyBindings

from .. import events as ev
from .. import exitcodes
from ..client.target import Target
from ..i18n import t
from ..protocol.line import LineKind, classify
from ..protocol.replies import ProtocolError, Reply
from ..render.styled import RenderOptions, StyledText, render_event
from ..transcript.match import compare
from ..transcript.model import Step, Transcript
from ..transcript.placeholders import (
    PASSWORD,
    SECRET_PLACEHOLDERS,
    USERNAME,
    SecretSource,
    SecretUnavailable,
    placeholder_in,
)
from ..untrusted import safe
from .runner import RunOptions, SessionRunner
from .script import ScriptContext


def _prompt(retry: bool, raw: bool = False) -> str:
    """The step's prompt: "C:" as in the transcript; "lesson" so it is not taken for a sent line,
    "retry" for the same step again after a reply that differed; "C(raw):" for a raw step (its
    line is escapes for exact bytes, protocol/raw.py)."""
    if raw:
        return t("drivers.lesson.prompt_raw", "lesson C(raw): ")
    if retry:
        return t("drivers.lesson.prompt_retry", "retry C: ")
    return t("drivers.lesson.prompt", "lesson C: ")


def _secret_name(token: str) -> str:
    """What a placeholder stands for, as the student is told."""
    if token == USERNAME:
        return t("drivers.lesson.secret_user", "user name")
    if token == PASSWORD:
        return t("drivers.lesson.secret_password", "password")
    return t("drivers.lesson.secret_other", "secret")


def _indented(text: str) -> str:
    """Each line of a (translated) text indented as the lesson's notes are."""
    return "".join(f"  {line}\n" for line in text.split("\n"))


def _lesson_keys() -> KeyBindings:
    keys = KeyBindings()

    @keys.add("c-d")
    def _leave(event: Any) -> None:
        # The line is pre-filled, so Ctrl-D would only delete; in a lesson it always leaves.
        event.app.exit(exception=EOFError())

    return keys


class LessonContext(ScriptContext):
    """Shell commands typed during a lesson see this; questions go to the prompt."""

    prompt_session: Any = None  # set by the Lesson that owns it

    async def prompt(self, label: str, *, secret: bool = False, default: str = "") -> str:
        return str(await self.prompt_session.prompt_async(label, is_password=secret, default=default))


class Lesson:
    def __init__(
        self,
        transcript: Transcript,
        target: Target,
        options: RunOptions,
        *,
        out: TextIO = sys.stdout,
        color: bool = True,
        prompt_session: Any = None,
        render: RenderOptions = RenderOptions(),
    ) -> None:
        from ..auth import AuthOptions

        self.transcript = transcript
        self.target = target
        self.prompt_session = prompt_session or PromptSession(key_bindings=_lesson_keys())
        self.bus = ev.EventBus()
        self.context = LessonContext(out, out, color, render_options=render)
        self.context.prompt_session = self.prompt_session
        # Manual AUTH: the student types each base64 line, the shell explains it.
        options = options._replace(auth=AuthOptions(mode="manual", use_netrc=False))
        self.runner = SessionRunner(self.bus, options, self.context)
        self.context.runner = self.runner
        self.secrets = SecretSource(ask=self._ask_secret)
        self._answers: list[Reply | ProtocolError] = []
        self.as_expected = 0
        self.different = 0
        self.skipped = 0  # steps skipped by the student, or message lines after a refused DATA
        self._said_skipping = False
        self.left_early = False  # the student left, or the connection closed, before the last step
        self.bus.subscribe(self._show)
        self.bus.subscribe(self._collect)

    # -- output ---------------------------------------------------------------------

    def _show(self, event: ev.Event) -> None:
        self.context.print(render_event(event, self.runner.session, self.context.render_options))

    def _collect(self, event: ev.Event) -> None:
        if isinstance(event, ev.ReplyReceived):
            self._answers.append(event.reply)
        elif isinstance(event, ev.ProtocolErrorReceived) and event.exchange is not None:
            self._answers.append(event.error)

    def say(self, fragments: StyledText) -> None:
        self.context.print(fragments)

    def _comments(self, comments: list[str]) -> None:
        if comments:
            self.say([("", "\n")] + [("class:lesson", f"  {safe(line)}\n") for line in comments])

    async def _ask_secret(self, label: str, hidden: bool) -> str:
        return str(await self.prompt_session.prompt_async(label, is_password=hidden))

    # -- the lesson -----------------------------------------------------------------------

    async def run(self) -> int:
        lesson = self.transcript
        self.say([("class:info", "== " + t("drivers.lesson.title", "Lesson {name}: {title}", name=safe(lesson.name),
                                           title=safe(lesson.title)) + "\n")])
        self._comments(lesson.intro)
        self.say([("class:note", "\n" + _indented(t("drivers.lesson.keys", "Enter sends the pre-filled line (edit it first if you like); an empty line skips a step;\n/help lists shell commands; Ctrl-D leaves the lesson.")) + "\n")])
        if not await self.runner.open(self.target):
            # Said as the lesson's end, like any failure: the student sees it did not happen.
            # The reason is on screen already (the connect error): not said twice.
            self._summary(True, t("lesson.no_connection", "could not connect (see above)"))
            return exitcodes.CONNECTION
        steps = list(lesson.steps)
        greeting = self._take()
        if steps and steps[0].is_greeting:
            first = steps.pop(0)
            self._count(first, self._verdict(first, greeting, changed=False))
        left_early = False
        try:
            for step in steps:
                if not self.runner.connected:
                    self.say([("class:warning", "\n  " + t("drivers.lesson.closed", "The connection is closed, so the lesson ends here.") + "\n")])
                    left_early = True
                    break
                if step.line is None:
                    continue
                if self.runner.skipping_data:
                    await self._skip_content(step)
                    continue
                self._comments(step.comments)
                if not await self._step_until_done(step):
                    left_early = True
                    break
        finally:
            await self.runner.close(quit_first=left_early)
        failure = self.runner.outcome.error
        self.left_early = left_early
        self._summary(left_early, failure)
        return exitcodes.CONNECTION if failure else exitcodes.OK

    async def _step_until_done(self, step: Step) -> bool:
        """One step; a reply that differed offers the step again (retry) or the next (skip).
        False: the student left."""
        sent = await self._one_step(step)
        while sent is not None:
            if sent == "":  # skipped: nothing went out, so there is no reply to judge
                self._take()
                self._count(step, False)
                return True
            matched = self._verdict(step, self._take(), changed=sent != step.line)
            if matched or sent == "" or not self._retryable(step):
                self._count(step, matched)
                return True
            self.say([("class:note", "  " + t("lesson.retry", "Enter tries the step again (edit it first if you like); an empty line skips it") + "\n")])
            sent = await self._one_step(step, retry=True)
            if sent == "":
                self._count(step, False)
                return True
        return False

    def _retryable(self, step: Step) -> bool:
        """A command step whose session is still there; not message content, not a secret."""
        assert step.line is not None
        return (self.runner.connected and not self.runner.session.is_data_content
                and step.line != "." and placeholder_in(step.line) is None)

    def _count(self, step: Step, matched: bool) -> None:
        if not step.expected:
            return
        if matched:
            self.as_expected += 1
        else:
            self.different += 1

    async def _skip_content(self, step: Step) -> None:
        """DATA was refused: the message's lines are not sent, and the lesson says so once."""
        assert step.line is not None
        if not self._said_skipping:
            self._said_skipping = True
            self.say([("class:warning", "  " + t("lesson.data_skipped", "DATA was not accepted, so the message's lines are skipped (not sent)") + "\n")])
        self.skipped += 1
        await self.runner.handle(step.line)  # the runner skips it, and stops skipping after '.'

    async def _one_step(self, step: Step, *, retry: bool = False) -> str | None:
        """Prompt until the student sends this step's line (or skips it); None: leave."""
        assert step.line is not None
        token = None if self.runner.session.is_data_content else placeholder_in(step.line)
        while True:
            try:
                if token is not None:
                    return await self._send_secret(step.line, token)
                # is_password is sticky in a PromptSession: say it every time.
                text: str = await self.prompt_session.prompt_async(_prompt(retry, step.raw), default=step.line,
                                                              is_password=False)
            except (EOFError, KeyboardInterrupt):
                self.say([("class:note", "\n  " + t("drivers.lesson.left", "You left the lesson.") + "\n")])
                return None
            except SecretUnavailable as exc:
                self.context.error(str(exc))
                continue
            if text == "" and not self.runner.session.is_data_content and step.line != "":
                self.say([("class:note", "  " + t("drivers.lesson.step_skipped", "(step skipped)") + "\n")])
                if not retry:
                    self.skipped += 1
                return ""
            line = classify(text, self.runner.session)
            if step.raw and line.kind is not LineKind.SHELL:
                await self.runner.send_raw(text, line.kind)  # a C(raw): step: its escapes, byte for byte
                return text
            await self.runner.handle(line)
            if line.kind is LineKind.SHELL:
                if not self.runner.connected:
                    return None
                continue  # a shell command is not the step: ask again
            return text

    async def _send_secret(self, line: str, token: str) -> str:
        # A secret goes out only inside the AUTH exchange it belongs to: as an AUTH
        # command's initial response, or as the answer to a 334 challenge. After a
        # refused AUTH (530, 504...) the step no longer makes sense: skip it, say why.
        shape = classify(line, self.runner.session)
        if token in SECRET_PLACEHOLDERS and shape.kind is not LineKind.SASL_RESPONSE and shape.verb != "AUTH":
            self.say([("class:warning", "  " + t(
                "lesson.secret_step_skipped",
                "(step skipped: the server is not waiting for an AUTH answer, since the AUTH before was not accepted, so your {what} is not asked for and nothing is sent)", what=_secret_name(token))
                + "\n")])
            return ""
        if token in SECRET_PLACEHOLDERS:
            self.say([("class:note", "  " + t("drivers.lesson.secret_needed", "The lesson needs your {what} here: type it (it is not shown); smtpshell sends it in base64.",
                                              what=_secret_name(token)) + "\n")])
        wire = await self.secrets.fill(line)
        await self.runner.handle(wire)
        return line

    def _take(self) -> list[Reply | ProtocolError]:
        answers, self._answers = self._answers, []
        return answers

    def _verdict(self, step: Step, answers: list[Reply | ProtocolError], *, changed: bool) -> bool:
        """Say whether the reply is the lesson's; True if it is (or the step expects none)."""
        if not step.expected:
            return True
        difference = compare(step.expected, answers[0] if answers else None)
        if difference is None:
            self.say([("class:reply.2xx", "  ✓ "),
                      ("class:note", t("drivers.lesson.as_expected", "the reply the lesson expected") + "\n")])
            return True
        if changed:
            differs = t("drivers.lesson.differs_changed", "you changed the line, so the reply differs from the lesson's: {reason}",
                        reason=difference.reason)
        else:
            differs = t("drivers.lesson.differs", "the reply differs from the lesson's: {reason}", reason=difference.reason)
        out: StyledText = [("class:warning", f"  ✗ {differs}\n")]
        expected = t("drivers.lesson.expected", "the lesson expected")
        out += [("class:note", f"    {expected}  S: {safe(line)}\n") for line in difference.expected]
        self.say(out)
        return False

    def _summary(self, left_early: bool, failure: str | None = None) -> None:
        total = self.as_expected + self.different
        skipped = t("lesson.skipped", ", {count} step(s) skipped", count=self.skipped) if self.skipped else ""
        if failure:
            # The lesson could not be done as written: that is a failure, whatever matched before.
            self.say([("class:error", "\n== " + t("lesson.failed", "Lesson failed: {reason}", reason=failure)
                       + "\n"),
                      ("class:note", "   " + t("lesson.failed_counts", "{matched} of {total} replies as the lesson expected before that{skipped}", matched=self.as_expected,
                                               total=total, skipped=skipped) + "\n")])
            return
        if left_early:
            end = t("drivers.lesson.end_early", "Lesson left early: {matched} of {total} replies as the lesson expected{skipped}.",
                    matched=self.as_expected, total=total, skipped=skipped)
        else:
            end = t("drivers.lesson.end", "Lesson complete: {matched} of {total} replies as the lesson expected{skipped}.",
                    matched=self.as_expected, total=total, skipped=skipped)
        self.say([("class:info", f"\n== {end}\n")])
        if not left_early:
            self.say([("class:note", "   " + t("drivers.lesson.others", "'smtpshell lesson' lists the other lessons.") + "\n")])

"""Replay: send a transcript's ``C:`` lines again and compare each reply with its ``S:`` lines.

Lines go through the same :class:`~smtpshell.drivers.runner.SessionRunner` as
typed ones, so DATA content is dot-stuffed, a 220 to STARTTLS is followed by
the handshake, and the screen shows the session exactly as script mode does.
What replay adds: placeholders are filled in (:mod:`.placeholders`), every
reply is compared (:mod:`.match`), and the differences make a report.

The AUTH dialogue is switched off here (``RunOptions(auth_dialogue=False)``):
a transcript already holds AUTH's wire lines one by one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from .. import events as ev
from .. import exitcodes
from ..client.target import Target
from ..i18n import t
from ..protocol.line import LineKind, classify
from ..protocol.replies import ProtocolError, Reply
from ..render.styled import RenderOptions, render_event
from ..transcript.match import Difference, compare
from ..transcript.model import DATA_FILE_NOTE, NOTE, Step, Transcript
from ..transcript.placeholders import SecretSource, SecretUnavailable, placeholder_in
from ..untrusted import safe
from .runner import RAW_KINDS, RunOptions, SessionRunner
from .script import ScriptContext


@dataclass
class Mismatch:
    step: Step
    reason: str
    difference: Difference | None = None


@dataclass
class ReplayResult:
    source: str
    server: str
    checked: int = 0  # replies compared
    mismatches: list[Mismatch] = field(default_factory=list)
    connect_error: str | None = None
    usage_error: str | None = None  # a secret could not be had, a line cannot be replayed
    not_replayed: int = 0  # steps left when the connection closed
    tls_refused: str | None = None  # stopped: TLS was asked for and did not start (the policy refused a step)

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.connect_error or self.usage_error or self.not_replayed
                    or self.tls_refused)

    def exit_code(self) -> int:
        if self.connect_error or self.tls_refused:
            return exitcodes.CONNECTION
        if self.usage_error:
            return exitcodes.USAGE
        if self.mismatches or self.not_replayed:
            return exitcodes.MISMATCH
        return exitcodes.OK


class Replayer:
    def __init__(
        self,
        transcript: Transcript,
        target: Target,
        options: RunOptions,
        *,
        secrets: SecretSource | None = None,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
        color: bool = False,
        render: RenderOptions = RenderOptions(),
        codes_only: bool = False,
        quiet: bool = False,
        bus: ev.EventBus | None = None,
    ) -> None:
        self.transcript = transcript
        self.target = target
        self.secrets = secrets or SecretSource()
        self.codes_only = codes_only
        self.bus = bus or ev.EventBus()
        self.context = ScriptContext(out, err, color, render_options=render)
        # AUTH's wire lines are in the transcript already: no dialogue, send them as written.
        self.runner = SessionRunner(self.bus, options._replace(auth_dialogue=False), self.context)
        self.context.runner = self.runner
        self.quiet = quiet
        self._answers: list[Reply | ProtocolError] = []
        self.bus.subscribe(self._collect)
        if not quiet:
            self.bus.subscribe(self._show)
        self.result = ReplayResult(str(transcript.path or transcript.name), str(target))

    # -- listeners ------------------------------------------------------------------

    def _collect(self, event: ev.Event) -> None:
        if isinstance(event, ev.ReplyReceived):
            self._answers.append(event.reply)
        elif isinstance(event, ev.ProtocolErrorReceived) and event.exchange is not None:
            self._answers.append(event.error)

    def _show(self, event: ev.Event) -> None:
        self.context.print(render_event(event, self.runner.session, self.context.render_options))

    def _take(self) -> list[Reply | ProtocolError]:
        answers, self._answers = self._answers, []
        return answers

    # -- running ----------------------------------------------------------------------

    async def run(self) -> ReplayResult:
        runner, result = self.runner, self.result
        unreplayable = self._unreplayable()
        if unreplayable:
            result.usage_error = unreplayable
            self.context.error(unreplayable)
            return result
        if not await runner.open(self.target):
            result.connect_error = runner.outcome.error or t("drivers.replay.no_connect", "could not connect to {target}",
                                                             target=self.target)
            return result
        steps = list(self.transcript.steps)
        greeting = self._take()
        if steps and steps[0].is_greeting:
            self._check(steps.pop(0), greeting)
        if self.transcript.implicit_tls and not runner.session.tls:
            runner.tls_policy.tls_asked(t("drivers.replay.tls_asked", "the transcript starts in TLS and this session is plaintext"))
            self._mismatch(steps[0] if steps else Step(None, 0),
                           t("drivers.replay.no_implicit_tls", "the transcript starts in TLS, this session did not"))
        try:
            for index, step in enumerate(steps):
                if not runner.connected:
                    result.not_replayed = sum(1 for s in steps[index:] if s.line is not None)
                    if result.not_replayed:
                        self._note(t("drivers.replay.closed", "the connection closed; {count} line(s) of the transcript from line {line} on were not sent",
                                     count=result.not_replayed, line=step.line_no))
                    break
                if not await self._step(step):
                    break
        finally:
            await runner.close(quit_first=False)
        return result

    def _unreplayable(self) -> str | None:
        """Why this transcript cannot be replayed at all, before connecting."""
        for step in self.transcript.steps:
            for note in step.notes:
                if note.startswith(f"{NOTE} {DATA_FILE_NOTE}"):
                    return t("drivers.replay.data_file", "line {line}: the message was sent from a file (/data) and its content is not in the transcript; write the message lines as C: lines to replay it",
                             line=step.line_no)
        return None

    async def _step(self, step: Step) -> bool:
        """Replay one step; False when replay cannot go on (the reason is in the result)."""
        if step.line is None:
            # The server spoke unasked in the recording: whatever arrived meanwhile is its answer.
            self._check(step, self._take())
            return True
        text = step.line
        self.runner.refused = None
        line = classify(text, self.runner.session)
        if step.raw:
            return await self._raw_step(step, line.kind)
        if line.kind is LineKind.SHELL:
            return self._stop(t("drivers.replay.shell_command", "line {line}: {command} is a shell command; transcripts hold only what goes on the wire",
                                line=step.line_no, command=text.split()[0]))
        if line.kind is LineKind.REFUSED:
            # A line that cannot go out as written (CR, LF or NUL inside it): replaying the rest
            # would send a different session from the transcript's, so stop here.
            return self._stop(_at_line(step, line.refusal))
        if line.kind in (LineKind.COMMAND, LineKind.SASL_RESPONSE) and placeholder_in(text):
            try:
                wire = await self.secrets.fill(text)
            except SecretUnavailable as exc:
                return self._stop(_at_line(step, exc))
            # Known to the redactor, so a server that echoes it does not put it on screen or in a file.
            self.runner.auth.redactor.add(wire.split()[-1] if wire.split() else wire, self.secrets.password)
            await self.runner.send_command(wire, kind=line.kind, shown=text, secret=True)
        else:
            await self.runner.handle(line)
        refused = self.runner.refused
        if refused is not None:
            # The same preconditions as script mode (TLS asked for, plaintext AUTH,
            # a secret outside AUTH): the step was not sent, and replay stops here.
            reason = _at_line(step, refused.refusal)
            if refused.rule == "tls":
                self.result.tls_refused = reason
                return False
            return self._stop(reason)
        self._check(step, self._take())
        return True

    async def _raw_step(self, step: Step, kind: LineKind) -> bool:
        """A C(raw): step: its escapes sent as exactly those bytes, in one write, as recorded."""
        assert step.line is not None
        refused_before = self.runner.outcome.refused
        await self.runner.send_raw(step.line, kind if kind in RAW_KINDS else LineKind.COMMAND)
        if self.runner.refused is not None:
            reason = f"line {step.line_no}: {self.runner.refused.refusal}"
            if self.runner.refused.rule == "tls":
                self.result.tls_refused = reason
                return False
            return self._stop(reason)
        if self.runner.outcome.refused != refused_before:  # a bad escape, a credential: said already
            self.result.usage_error = t("replay.raw_not_sent", "line {line}: the raw line was not sent",
                                        line=step.line_no)
            return False
        self._check(step, self._take())
        return True

    def _stop(self, reason: str) -> bool:
        self.result.usage_error = reason
        self.context.error(reason)
        return False

    def _check(self, step: Step, answers: list[Reply | ProtocolError]) -> None:
        if step.expected:
            self.result.checked += 1
            difference = compare(step.expected, answers[0] if answers else None, codes_only=self.codes_only)
            if difference is not None:
                self._mismatch(step, difference.reason, difference)
        if step.expects_tls and not self.runner.session.tls:
            self._mismatch(step, t("drivers.replay.tls_not_started", "TLS did not start here, as it did in the transcript"))

    def _mismatch(self, step: Step, reason: str, difference: Difference | None = None) -> None:
        self.result.mismatches.append(Mismatch(step, reason, difference))
        self._note(t("drivers.replay.differs", "differs from the transcript (line {line}): {reason}", line=step.line_no,
                     reason=reason), error=True)

    def _note(self, text: str, error: bool = False) -> None:
        if self.quiet:
            return  # the report at the end says it all
        self.context.print([("class:error" if error else "class:warning", f"!! {text}"), ("", "\n")])


def _at_line(step: Step, problem: object) -> str:
    return t("drivers.replay.at_line", "line {line}: {problem}", line=step.line_no, problem=problem)


def _label(text: str, columns: int = 9) -> str:
    """A label padded to ``columns`` terminal columns (a Chinese character takes two)."""
    from ..render.width import pad_to

    return pad_to(text, columns)


def format_report(result: ReplayResult) -> str:
    """The end-of-run summary: one line when all is well, the differences otherwise."""
    where = {"source": result.source, "server": result.server}
    if result.connect_error:
        return t("drivers.replay.report_no_run", "replay of {source} against {server}: could not run: {error}",
                 error=result.connect_error, **where) + "\n"
    lines: list[str] = []
    if result.ok:
        return t("drivers.replay.report_ok", "replay of {source} against {server}: OK, all {checked} replies match the transcript",
                 checked=result.checked, **where) + "\n"
    bad = len(result.mismatches)
    if result.usage_error or result.tls_refused:
        summary = t("drivers.replay.report_stopped", "replay of {source} against {server}: STOPPED after {checked} replies compared ({bad} difference(s))",
                    checked=result.checked, bad=bad, **where)
    else:
        summary = t("drivers.replay.report_failed", "replay of {source} against {server}: FAILED, {bad} difference(s) in {checked} replies compared",
                    checked=result.checked, bad=bad, **where)
    if result.not_replayed:
        summary += t("drivers.replay.report_not_sent", "; {count} line(s) not sent (the connection closed early)",
                     count=result.not_replayed)
    lines.append(summary)
    expected, got = t("drivers.replay.expected", "expected"), t("drivers.replay.got", "got")
    for m in result.mismatches:
        prefix = "C(raw):" if m.step.raw else "C:"
        sent = t("drivers.replay.the_greeting", "(the greeting)") if m.step.line is None else f"{prefix} {safe(m.step.line)}"
        lines.append("  " + _at_line(m.step, sent))
        lines.append(f"    {safe(m.reason)}")
        if m.difference is not None:
            for i, text in enumerate(m.difference.expected):
                lines.append(f"    {_label(expected if i == 0 else '')} S: {safe(text)}")
            if not m.difference.actual:
                lines.append(f"    {_label(got)} " + t("drivers.replay.nothing", "(nothing)"))
            for i, text in enumerate(m.difference.actual):
                lines.append(f"    {_label(got if i == 0 else '')} S: {text}")
    if result.usage_error or result.tls_refused:
        lines.append("  " + t("drivers.replay.report_stop_reason", "stopped: {reason}", reason=result.usage_error or result.tls_refused))
    return "\n".join(lines) + "\n"

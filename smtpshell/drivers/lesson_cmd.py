"""``smtpshell lesson [NAME] [TARGET]``: list the lessons, or step through one.

With no TARGET the embedded practice server starts, set up as the lesson's
header says; a teacher running ``smtpshell serve`` for the class gives its
address as TARGET (and ``--cafile`` or ``--insecure`` for its certificate).
"""

from __future__ import annotations

import argparse
import sys

from .. import exitcodes
from ..client.target import BadTarget, parse_target
from ..i18n import t
from ..options import UsageError, add_tls_arguments, tls_options
from ..render import ansi
from ..render.styled import RenderOptions
from ..transcript.lessons import LessonNotFound, find_lesson, lesson_dirs, list_lessons
from ..transcript.parse import TranscriptError, read_transcript
from ..untrusted import safe
from .practice import practice_target, run_command
from .runner import RunOptions


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = t("drivers.lesson_cmd.description", "Step through a lesson: each step is explained, the next command is pre-filled for you to edit and send, and the server's real reply is compared with the lesson's. With no NAME, list the lessons.")
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help=t("drivers.lesson_cmd.help.name", "a lesson name (or part of one), or a transcript file"))
    parser.add_argument("target", nargs="?", metavar="TARGET",
                        help=t("drivers.lesson_cmd.help.target", "HOST[:PORT] of the teacher's server (default: start the practice server here)"))
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help=t("drivers.lesson_cmd.help.timeout", "reply timeout (default 30)"))
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help=t("drivers.lesson_cmd.help.color", "colour output"))
    parser.add_argument("--explain", choices=("full", "brief", "off"), default="full",
                        help=t("drivers.lesson_cmd.help.explain", "how much to explain each reply"))
    add_tls_arguments(parser)


def _print_list() -> int:
    lessons = list_lessons()
    if not lessons:
        where = ", ".join(str(d) for d in lesson_dirs()) or t("drivers.lesson_cmd.no_folder", "no lesson folder found")
        sys.stdout.write(t("drivers.lesson_cmd.none", "no lessons found ({where}); set SMTPSHELL_LESSONS to a folder of .transcript files",
                           where=where) + "\n")
        return exitcodes.OK
    sys.stdout.write(t("drivers.lesson_cmd.list", "Lessons (start one with: smtpshell lesson NAME):") + "\n")
    width = max(len(lesson.name) for lesson in lessons)
    for lesson in lessons:
        sys.stdout.write(f"  {safe(lesson.name):<{width}}  {safe(lesson.title)}\n")
        if lesson.summary:
            sys.stdout.write(f"  {'':<{width}}  {safe(lesson.summary)}\n")
    return exitcodes.OK


def run(args: argparse.Namespace) -> int:
    if not args.name:
        return _print_list()
    try:
        transcript = read_transcript(find_lesson(args.name))
        if args.starttls:
            raise UsageError(t("drivers.lesson_cmd.starttls", "--starttls does not apply: the transcript itself says when to send STARTTLS"))
        options = RunOptions(timeout=args.timeout, tls=tls_options(args))
        target = parse_target(args.target, implicit_tls=args.tls or transcript.implicit_tls) if args.target else None
    except (LessonNotFound, TranscriptError, UsageError, BadTarget) as exc:
        sys.stderr.write(f"smtpshell lesson: {exc}\n")
        return exitcodes.USAGE
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        sys.stderr.write("smtpshell lesson: " + t("drivers.lesson_cmd.not_a_terminal", "lessons are interactive: run this in a terminal ('smtpshell replay {path}' checks a lesson without one)",
                                                  path=transcript.path) + "\n")
        return exitcodes.USAGE
    from .lesson import Lesson  # prompt_toolkit: only on this path

    color = ansi.want_color(args.color)
    render = RenderOptions(explain=args.explain)

    async def go() -> int:
        if target is not None:
            return await Lesson(transcript, target, options, color=color, render=render).run()
        async with practice_target(transcript, options) as (practice, practice_options, _server):
            return await Lesson(transcript, practice, practice_options, color=color, render=render).run()

    return run_command("lesson", go)

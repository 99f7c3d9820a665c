"""``smtpshell lesson [NAME] [TARGET]``: list the lessons, or step through one.

With no TARGET the embedded practice server starts, set up as the lesson's
header says; a teacher running ``smtpshell serve`` for the class gives its
address as TARGET (and ``--cafile`` or ``--insecure`` for its certificate).

The lesson's text is the one in the session's language (``--lang``, else the
locale), English when it has none. A lesson in parts (``#: next: NAME``) plays
them one after the other, each part on its own connection to the practice server.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .. import exitcodes, i18n
from ..client.target import BadTarget, parse_target
from ..i18n import t
from ..options import UsageError, add_tls_arguments, tls_options
from ..render import ansi
from ..render.styled import RenderOptions
from ..transcript.lessons import LessonNotFound, find_lesson, lesson_dirs, list_lessons, parts_of, read_lesson
from ..transcript.parse import TranscriptError
from ..untrusted import safe
from .practice import practice_target, run_command
from .runner import RunOptions

if TYPE_CHECKING:
    from ..client.target import Target
    from ..transcript.model import Transcript


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
    if not any("--lang" in action.option_strings for action in parser._actions):  # cli.py may add it for all
        parser.add_argument("--lang", metavar="LANG",
                            help=t("lesson.lang.option", "language of the lesson and its messages (default: from the locale)"))


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
        parts = len(parts_of(lesson.name))
        more = " " + t("lesson.lang.parts", "({count} parts)", count=parts) if parts > 1 else ""
        sys.stdout.write(f"  {safe(lesson.name):<{width}}  {safe(lesson.title)}{more}\n")
        if lesson.summary:
            sys.stdout.write(f"  {'':<{width}}  {safe(lesson.summary)}\n")
    return exitcodes.OK


def _parts(first: Transcript) -> list[Transcript]:
    """The lesson and the parts its ``#: next:`` headers name, each in the session's language."""
    parts = [first]
    while parts[-1].header.get("next") and len(parts) <= 20:  # 20: a loop of 'next:' headers ends
        parts.append(read_lesson(find_lesson(parts[-1].header["next"])))
    return parts


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "language_chosen", False):  # the CLI chose it before building the parser
        _, problem = i18n.setup(getattr(args, "lang", None))
        if problem:
            sys.stderr.write(f"smtpshell lesson: {problem}\n")
    if not args.name:
        return _print_list()
    try:
        parts = _parts(read_lesson(find_lesson(args.name)))
        transcript = parts[0]
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

    async def play(part: Transcript) -> tuple[int, bool]:
        """One part: its exit status, and whether the student left it early."""
        if target is not None:
            lesson = Lesson(part, target, options, color=color, render=render)
            return await lesson.run(), lesson.left_early
        async with practice_target(part, options) as (practice, practice_options, _server):
            lesson = Lesson(part, practice, practice_options, color=color, render=render)
            return await lesson.run(), lesson.left_early

    async def go() -> int:
        for number, part in enumerate(parts, 1):
            status, left_early = await play(part)
            if status != exitcodes.OK or left_early or number == len(parts):
                return status
            following = parts[number]
            if target is not None:
                # The teacher's server: the next part may need another port (implicit TLS), so say how.
                _say_next_part_command(following, target)
                return status
            sys.stdout.write("\n== " + t("lesson.lang.next_part", "Part {number} of {total}: {title}",
                                          number=number + 1, total=len(parts), title=safe(following.title)) + "\n")
        return exitcodes.OK

    return run_command("lesson", go)


def _say_next_part_command(part: Transcript, target: Target) -> None:
    where = "smtps://HOST:PORT" if part.implicit_tls else str(target)
    sys.stdout.write("\n== " + t("lesson.lang.next_part_command",
                                  "The next part is {name}: smtpshell lesson {name} {where}",
                                  name=safe(part.name), where=where) + "\n")

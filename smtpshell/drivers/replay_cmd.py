"""``smtpshell replay FILE [TARGET]``: replay a transcript and compare every reply.

With no TARGET the embedded practice server starts (set up as the transcript's
``practice:`` header says) and the transcript is replayed against it. Exit
status 0 when every reply matches, 6 (``exitcodes.MISMATCH``) when one does
not, with a report of each difference; 3 when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from .. import exitcodes
from ..client.target import BadTarget, Target, parse_target
from ..i18n import t
from ..options import UsageError, add_tls_arguments, tls_options
from ..render import ansi
from ..render.styled import RenderOptions
from ..transcript.parse import TranscriptError, read_transcript
from ..transcript.placeholders import PASSWORD_ENV, USERNAME_ENV, SecretSource
from .practice import practice_target, run_command
from .replay import Replayer, format_report
from .runner import RunOptions


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = t("drivers.replay_cmd.description", "Send a transcript's C: lines to a server and compare each reply with its S: lines. Exit status 0: every reply matches; 6: a reply differs (a report says how); 3: the server could not be reached.")
    parser.epilog = t("drivers.replay_cmd.epilog", "Secrets: <password>/<credentials> placeholders are filled from ${password_env} (and ${user_env}), or asked for on a terminal. See docs/transcripts.md.",
                      password_env=PASSWORD_ENV, user_env=USERNAME_ENV)
    parser.add_argument("file", metavar="FILE", help=t("drivers.replay_cmd.help.file", "the transcript to replay"))
    parser.add_argument("target", nargs="?", metavar="TARGET",
                        help=t("drivers.replay_cmd.help.target", "HOST[:PORT] to replay against (default: the embedded practice server)"))
    parser.add_argument("--codes-only", action="store_true",
                        help=t("drivers.replay_cmd.help.codes_only", "compare reply codes only, not the text"))
    parser.add_argument("-q", "--quiet", action="store_true",
                        help=t("drivers.replay_cmd.help.quiet", "print only the report, not the session"))
    parser.add_argument("--user", metavar="NAME",
                        help=t("drivers.replay_cmd.help.user", "user name for <username>/<credentials> (or ${user_env})", user_env=USERNAME_ENV))
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help=t("drivers.replay_cmd.help.timeout", "connect and reply timeout (default 30)"))
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help=t("drivers.replay_cmd.help.color", "colour output"))
    parser.add_argument("--explain", choices=("full", "brief", "off"), default="brief",
                        help=t("drivers.replay_cmd.help.explain", "how much to explain each reply"))
    add_tls_arguments(parser)


async def _ask_on_terminal(label: str, hidden: bool) -> str:
    if hidden:
        return await asyncio.to_thread(getpass.getpass, label)
    sys.stderr.write(label)
    sys.stderr.flush()
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


def run(args: argparse.Namespace) -> int:
    try:
        transcript = read_transcript(args.file)
        if args.starttls:
            raise UsageError(t("drivers.lesson_cmd.starttls", "--starttls does not apply: the transcript itself says when to send STARTTLS"))
        options = RunOptions(timeout=args.timeout, tls=tls_options(args))
        target = parse_target(args.target, implicit_tls=args.tls or transcript.implicit_tls) if args.target else None
    except (TranscriptError, UsageError, BadTarget) as exc:
        sys.stderr.write(f"smtpshell replay: {exc}\n")
        return exitcodes.USAGE
    secrets = SecretSource(username=args.user, ask=_ask_on_terminal if sys.stdin.isatty() else None)
    color = ansi.want_color(args.color)

    async def go() -> int:
        async def replay(target: Target, options: RunOptions) -> int:
            replayer = Replayer(transcript, target, options, secrets=secrets, color=color,
                                render=RenderOptions(explain=args.explain), codes_only=args.codes_only,
                                quiet=args.quiet)
            result = await replayer.run()
            sys.stdout.write(format_report(result))
            return result.exit_code()

        if target is not None:
            return await replay(target, options)
        async with practice_target(transcript, options) as (practice, practice_options, _server):
            return await replay(practice, practice_options)

    return run_command("replay", go)

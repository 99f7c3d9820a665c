"""``smtpshell export FILE [--format md|html] [-o OUT]``: a transcript as a handout.

(Registered by the lead in cli.SUBCOMMANDS; also runs as
``python -m smtpshell.transcript.export_cmd``.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import exitcodes
from ..i18n import t
from .export import FORMATS
from .lessons import LessonNotFound, find_lesson, read_lesson
from .parse import TranscriptError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = t("export.help.description", "Turn a transcript (or a lesson, by name) into Markdown or a self-contained HTML page.")
    parser.add_argument("file", metavar="FILE", help=t("export.help.file", "a transcript file or a lesson name"))
    parser.add_argument("--format", choices=sorted(FORMATS), default=None,
                        help=t("export.help.format", "md or html (default: from the -o file's extension, else md)"))
    parser.add_argument("--title", help=t("export.help.title", "the handout's title (default: the lesson's, or the server's name)"))
    parser.add_argument("-o", "--output", metavar="OUT", help=t("export.help.output", "write here instead of standard output"))
    parser.add_argument("--as", dest="as_tool", choices=("swaks", "curl", "openssl"),
                        help=t("export.help.as", "instead of a handout: the same session as a swaks, curl or openssl s_client command"))


def run(args: argparse.Namespace) -> int:
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "md")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        sys.stderr.write("smtpshell export: " + t("export.unknown_format", "unknown format {format}: use --format md or --format html",
                                                  format=repr(fmt)) + "\n")
        return exitcodes.USAGE
    try:
        transcript = read_lesson(find_lesson(args.file))  # a lesson's own words, marked in qps
    except (LessonNotFound, TranscriptError) as exc:
        sys.stderr.write(f"smtpshell export: {exc}\n")
        return exitcodes.USAGE
    if args.as_tool:
        from .export_commands import NotExpressible, export_as

        try:
            text = export_as(transcript, args.as_tool)
        except NotExpressible as exc:
            sys.stderr.write(f"smtpshell export: {exc}\n")
            return exitcodes.USAGE
    else:
        text = FORMATS[fmt](transcript, title=args.title)
    if not args.output:
        sys.stdout.write(text)
        return exitcodes.OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        sys.stderr.write("smtpshell export: " + t("export.cannot_write", "cannot write {path}: {reason}", path=args.output,
                                                  reason=exc.strerror or exc) + "\n")
        return exitcodes.USAGE
    return exitcodes.OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smtpshell export")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

"""smtpshell's argparse parsers: built only for --help, a usage error, or an argv that is not plain.

A plain argv is read by :mod:`.arg_spec` from the same recorded options, and
argparse (with its gettext and locale) is never imported; this module is where
argparse's help is made to fit: display width for Chinese, translated headings,
and no ``shutil`` terminal probe per ``add_argument``.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import exitcodes
from .i18n import t
from .records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def subcommand_summaries() -> dict[str, str]:
    """Each subcommand's one-line summary, in the current language (its --help and the epilog)."""
    return {
        "serve": t("cli.sub.serve", "run the practice SMTP server (for a classroom)"),
        "replay": t("cli.sub.replay", "replay a transcript against a server and compare"),
        "lesson": t("cli.sub.lesson", "step through a lesson (list them with no NAME)"),
        "explain": t("cli.sub.explain", "explain an SMTP reply code or enhanced status code"),
        "export": t("cli.sub.export", "turn a transcript into a handout, or (--as) a swaks, curl or openssl command"),
    }


def _epilog() -> str:
    """--help's end: the exit statuses and the subcommands (built when the parser is)."""
    def split_lines(text: str, columns: int) -> list[str]:
        from .help_wrap import split_lines  # English is ASCII and never split here: only then loaded

        return split_lines(text, columns)

    hanging = "\n" + " " * 7  # under the text, after "  130  "
    statuses = "\n".join(f"  {code:<4} {hanging.join([text] if text.isascii() else split_lines(text, _help_width() - 7))}"
                         for code, text in exitcodes.descriptions().items())
    under = "\n" + " " * 21  # after "  smtpshell explain  "
    commands = "\n".join(f"  smtpshell {name:<8} {under.join([summary] if summary.isascii() else split_lines(summary, _help_width() - 21))}"
                         for name, summary in subcommand_summaries().items())
    return (t("cli.epilog.exit_status", "exit status:") + "\n" + statuses + "\n\n"
            + t("cli.epilog.subcommands", "subcommands:") + "\n" + commands)


def _help_width() -> int:
    """The terminal's width for help text, as argparse works it out, without ``shutil``.

    argparse builds a HelpFormatter for every ``add_argument`` (to check the
    metavar), and each one imports ``shutil`` (and with it bz2, lzma) to ask
    the terminal's size: milliseconds at every start for help nobody asked for.
    """
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]  # None only without a stdout, caught below
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns - 2


class _LeanHelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _help_width() if width is None else width)

    def _format_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None) -> str:
        # argparse indents the usage's next lines by len(prefix): "用法：" is 3 characters but 6 columns.
        from .render.width import cell_width

        if prefix is None:
            prefix = argparse._("usage: ")  # type: ignore[attr-defined]  # argparse's gettext: argparse_words may have put ours there
        if prefix.isascii():
            return super()._format_usage(usage, actions, groups, prefix)
        pad = " " * cell_width(prefix)
        return prefix + super()._format_usage(usage, actions, groups, pad)[len(pad):]

    # argparse wraps with textwrap, which counts characters: Chinese help came out twice too
    # wide, and a sentence with no spaces was cut anywhere. Display width, CJK breaks instead
    # (render.width); in the pseudo-locale each wrapped line is marked (help_wrap).
    # argparse ends each section heading with an ASCII colon: a Chinese heading takes the
    # full-width one, as every other Chinese label does.
    def start_section(self, heading: str | None) -> None:
        if heading and not heading.isascii():
            self._wide_headings = [*getattr(self, "_wide_headings", []), heading]
        super().start_section(heading)

    def format_help(self) -> str:
        text = super().format_help()
        for heading in getattr(self, "_wide_headings", []):
            text = text.replace(f"{heading}:\n", f"{heading}\uff1a\n")
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        from .help_wrap import split_lines

        return split_lines(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        from .help_wrap import split_lines

        return "\n".join(indent + line for line in split_lines(text, width - len(indent)))


class _LeanRawDescriptionHelpFormatter(argparse.RawDescriptionHelpFormatter, _LeanHelpFormatter):
    pass  # the description as written (RawDescription first), the arguments' help as above


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # argparse declares NoReturn; we exit too
        self.print_usage(sys.stderr)
        sys.stderr.write(t("cli.error_see_help", "smtpshell: error: {message} (see smtpshell --help)", message=message)
                         + "\n")
        raise SystemExit(exitcodes.USAGE)


def _examples() -> str:
    """--help's opening: what smtpshell is, and three examples (their lines are kept as written)."""
    return t("cli.examples", "An interactive SMTP shell: type SMTP commands, see every reply explained.\n\nexamples:\n  smtpshell                                   practise against the built-in server\n  smtpshell smtp://alice@mail.example.org:587 --starttls\n                                              your submission server, TLS or stop\n  smtpshell mx.example.org -c 'EHLO me' -c QUIT --exit-codes=stage\n                                              a check for a monitoring script\n")


def _argparse_words() -> None:
    """argparse's words ("usage: ", "invalid choice") in the chosen language, before a parser exists."""
    from . import i18n

    if i18n.current() != i18n.DEFAULT:
        from . import argparse_words

        argparse_words.install()


def main_parser() -> argparse.ArgumentParser:
    """The parser of ``smtpshell [options] [TARGET]``, without its options (cli.argument_spec adds them)."""
    _argparse_words()
    return _Parser(prog="smtpshell", description=_examples(), epilog=_epilog(),
                   formatter_class=_LeanRawDescriptionHelpFormatter)


def subcommand_parser(name: str) -> argparse.ArgumentParser:
    """``smtpshell NAME``'s parser, before the subcommand's configure() adds its options."""
    _argparse_words()
    return _Parser(prog=f"smtpshell {name}", description=subcommand_summaries()[name], formatter_class=_LeanHelpFormatter)

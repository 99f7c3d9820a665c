"""``smtpshell explain 550 5.7.1``: explain a code with no connection needed.

Also ``--keys``: print every translatable text with its key, as TOML, the
starting point of a new language catalogue (see docs/replies.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from . import exitcodes, i18n, knowledge
from .i18n import t
from .render import ansi, width
from .render.styled import render_query


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = t("explain_cmd.description", "Explain an SMTP reply code (550), an enhanced status code (5.7.1), both (550 5.7.1), or an EHLO keyword (SIZE), with its source.")
    parser.add_argument("what", nargs="*", metavar="CODE",
                        help=t("explain_cmd.help.what", "550, 5.7.1, '550 5.7.1', an EHLO keyword, or a pasted reply ('550-5.7.1 ...'); none: the reply is read from stdin (paste it, then Ctrl-D)"))
    parser.add_argument("--command", metavar="VERB", dest="answers", type=str.upper,
                        help=t("explain_cmd.help.command", "the command the pasted reply answered (RCPT, MAIL, AUTH, DATA, ...), for its meaning in context"))
    if not any("--color" in a.option_strings for a in parser._actions):
        parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help=t("explain_cmd.help.color", "colour the output"))
    if not any("--lang" in a.option_strings for a in parser._actions):
        parser.add_argument("--lang", metavar="LANG", help=t("explain_cmd.help.lang", "language of the explanations (default: from the locale)"))
    parser.add_argument("--keys", action="store_true", help=t("explain_cmd.help.keys", "print every translatable text as TOML (to start a translation)"))


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's: texts with line breaks stay one line)."""
    import json

    return json.dumps(text, ensure_ascii=False)


_PASTE_LIMIT = 64 * 1024  # a reply is at most a few KiB; a bounce message pasted whole is cut here


def _read_paste(stream: TextIO) -> str:
    """What was pasted on stdin (a reply copied from a bounce), bounded; GB18030 read as such."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (a test's StringIO)
        return stream.read(_PASTE_LIMIT)
    from .protocol.replies import decode_text

    text, _ = decode_text(buffer.read(_PASTE_LIMIT))
    return text


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "language_chosen", False):  # the CLI chose it before building the parser
        _, problem = i18n.setup(getattr(args, "lang", None))
        if problem:
            sys.stderr.write(f"smtpshell explain: {problem}\n")
    if getattr(args, "keys", False):
        from .knowledge.texts import provider_texts

        texts = {**i18n.ui_texts(), **knowledge.all_texts(), **provider_texts("en")}
        for key, text in sorted(texts.items()):
            sys.stdout.write(f"{_toml_string(key)} = {_toml_string(text)}\n")
        return exitcodes.OK
    color = ansi.want_color(getattr(args, "color", "auto") or "auto", sys.stdout)
    asked = " ".join(args.what)
    if not asked and not sys.stdin.isatty():
        asked = _read_paste(sys.stdin)
    try:
        query = knowledge.parse_query(asked)
    except knowledge.QueryError as exc:
        sys.stderr.write(f"smtpshell explain: {exc}\n")
        return exitcodes.USAGE
    answers = getattr(args, "answers", None)
    shown = render_query(query, "DATA_END" if answers == "." else answers)
    sys.stdout.write(ansi.to_text(width.wrap_styled(shown, width.terminal_columns(sys.stdout)), color))
    return exitcodes.OK

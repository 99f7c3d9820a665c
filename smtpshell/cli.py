"""Command line: parse arguments, pick a driver, turn the outcome into an exit status.

    smtpshell [options] [TARGET]      talk to a server (REPL on a terminal, script otherwise)
    smtpshell serve [options]         run the practice server for a classroom
    smtpshell replay FILE [TARGET]    replay a transcript and compare the replies
    smtpshell lesson [NAME]           step through a lesson
    smtpshell explain CODE...         explain a reply code or enhanced status code

With no TARGET the embedded practice server starts on a free 127.0.0.1 port
and the shell connects to it. Heavy modules (prompt_toolkit, the server) are
imported only by the paths that need them, so script mode starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from . import __version__, exitcodes
from .arg_spec import ArgumentSpec
from .client.target import BadTarget, Target, parse_target
from .drivers.script_lines import ScriptLines
from .i18n import t
from .lazy import import_module
from .options import UsageError, add_tls_arguments, tls_options
from .records import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from typing import Any

# Subcommands: name -> module. Each module has configure(parser) and run(args) -> int.
SUBCOMMANDS: dict[str, str] = {
    "serve": "smtpshell.server.command",
    "replay": "smtpshell.drivers.replay_cmd",
    "lesson": "smtpshell.drivers.lesson_cmd",
    "explain": "smtpshell.explain_cmd",
    "export": "smtpshell.transcript.export_cmd",
}


def argument_spec() -> ArgumentSpec:
    """smtpshell's options, recorded: read without argparse when plain (arg_spec), else replayed."""
    p = ArgumentSpec()
    p.add_argument("target", nargs="?", metavar="TARGET",
                   help=t("cli.help.target", "HOST[:PORT], [IPv6]:PORT, smtp://HOST:PORT or smtps://HOST:PORT (default: start the embedded practice server and connect to it)"))
    p.add_argument("--version", action="version", version=f"smtpshell {__version__}",
                   help=t("cli.help.version", "show program's version number and exit"))
    p.add_argument("--helo", metavar="NAME", help=t("cli.help.helo", "send EHLO NAME right after the greeting"))
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help=t("cli.help.timeout", "connect and reply timeout (default 30)"))
    p.add_argument("-c", dest="commands", action="append", metavar="CMD",
                   help=t("cli.help.c", "run this line (repeatable), then quit; implies script mode"))
    p.add_argument("--script", metavar="FILE", help=t("cli.help.script", "read lines from FILE (script mode)"))
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help=t("cli.help.color", "colour output (default auto; honours NO_COLOR)"))
    p.add_argument("--explain", choices=("auto", "full", "brief", "failures", "off"), default="auto",
                   help=t("cli.help.explain", "how much to explain each reply: auto (default) is 'failures' in script mode (the wire, and one line of meaning for each 4xx/5xx reply) and 'full' in the interactive shell"))
    p.add_argument("--lang", metavar="LANG", help=_lang_help())
    p.add_argument("--raw", action="store_true",
                   help=t("cli.help.raw", "raw mode from the start (as /raw on): every line's end shown, typed escapes (\\r \\n \\xHH) sent as exact bytes"))
    p.add_argument("--record", metavar="FILE",
                   help=t("cli.help.record", "record the session to a transcript FILE (see 'smtpshell replay')"))
    p.add_argument("--exit-codes", choices=("class", "stage"), default="class",
                   help=t("cli.help.exit_codes", "class (default): the exit status says the worst reply class; stage: it says where the session failed, swaks-style (20 connect, 21 greeting, 22 EHLO, 23 MAIL, 24 RCPT, 25 DATA, 26 message, 28 AUTH, 29 TLS)"))
    p.add_argument("--print-completion", choices=("bash", "zsh"), metavar="SHELL",
                   help=t("cli.help.print_completion", "print a completion script for bash or zsh and exit (see the README)"))
    p.add_argument("--print-man", action="store_true", help=t("cli.help.print_man", "print the manual page (roff) and exit"))
    add_tls_arguments(p)
    from .drivers.mx_start import add_mx_arguments  # --mx, --resolver, --port

    add_mx_arguments(p)
    from .drivers.message_parts import add_message_arguments  # --from, --to, --header, --body, --attach

    add_message_arguments(p)
    p.add_argument("--quit-after", metavar="STAGE",
                   help=t("cli.help.quit_after", "script mode: stop (QUIT) after this stage: connect, greeting, ehlo, tls, auth, mail, rcpt or data"))
    from .auth.options import add_auth_arguments  # --user, --allow-plaintext-auth, ...

    add_auth_arguments(p)
    # Checked by the practice server when it starts: importing it here would
    # slow down every script-mode run.
    p.add_argument("--scenario", metavar="NAME",
                   help=t("cli.help.scenario", "with no TARGET: the practice server's scenario (see smtpshell serve --help)"))
    p.add_argument("--web", metavar="[HOST:]PORT",
                   help=t("cli.help.web", "with no TARGET: also serve the practice server's class view (see smtpshell serve --help)"))
    return p


def build_parser(spec: ArgumentSpec | None = None) -> argparse.ArgumentParser:
    """The argparse parser of smtpshell's options (--help, errors, --print-completion/--print-man)."""
    from .cli_parser import main_parser

    return (spec or argument_spec()).replay(main_parser())


def _lang_help() -> str:
    return t("cli.help.lang", "language of messages and explanations (default: from the locale)")


def _script_lines(args: argparse.Namespace) -> Iterable[str] | None:
    """The lines of a script run (cut by --quit-after), or None for the interactive shell."""
    lines = _given_lines(args)
    if not args.quit_after:
        return lines
    from functools import partial

    from .drivers.quit_after import parse_stage, quit_after

    try:
        stage = parse_stage(args.quit_after)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.helo and stage in ("connect", "greeting"):
        raise UsageError(t("cli.quit_after_helo", "--quit-after {stage} stops before EHLO, but --helo sends one: drop one of them",
                           stage=stage))
    if isinstance(lines, ScriptLines):
        lines.cut = partial(quit_after, stage=stage)  # still the source: it says when a read would block
        return lines
    return quit_after([] if lines is None else lines, stage)  # --quit-after means a script, even at a terminal


def _given_lines(args: argparse.Namespace) -> Iterable[str] | None:
    from .drivers.message_parts import message_lines, wants_message

    if wants_message(args):
        return message_lines(args)
    if args.commands:
        return list(args.commands)
    if args.script:
        try:
            handle = open(args.script, "rb")  # bytes: the same line rules as stdin (drivers/script_lines.py)
        except OSError as exc:
            raise UsageError(t("cli.script_unreadable", "--script {path}: {reason}", path=args.script,
                               reason=exc.strerror or exc)) from None
        return ScriptLines(handle)
    if not sys.stdin.isatty():
        return ScriptLines(getattr(sys.stdin, "buffer", sys.stdin))
    return None


def _looks_like_a_subcommand(word: str) -> str | None:
    """A TARGET that is a misspelt subcommand ('srve', 'lessons'), caught before any host lookup."""
    if not word.isalpha() or word.lower() == "localhost":
        return None
    import difflib

    close = difflib.get_close_matches(word.lower(), SUBCOMMANDS, n=1, cutoff=0.7)
    return close[0] if close else None


def _check_first_word(word: str) -> None:
    """'smtpshell lessons 01': a misspelt subcommand, whatever follows it."""
    guess = _looks_like_a_subcommand(word)
    if guess is not None:
        raise UsageError(t("cli.did_you_mean", "'{word}' is not a subcommand: did you mean 'smtpshell {guess}'? (for a host of that name, write {word}:25)",
                           word=word, guess=guess))


def _check_before_connecting(args: argparse.Namespace) -> None:
    """Mistakes the network would only hide: caught before the first packet."""
    if args.target:
        _check_first_word(args.target)
        for flag, value in (("--scenario", args.scenario), ("--web", args.web)):
            if value:
                raise UsageError(t("cli.practice_only", "{flag} is for the built-in practice server: it has no effect with a TARGET; leave out TARGET, or use 'smtpshell serve {flag}'", flag=flag))
    if args.record and os.path.isdir(args.record):
        raise UsageError(t("cli.record_folder", "cannot record to {path}: it is a folder; give a file name, e.g. {example}; nothing was sent",
                           path=args.record, example=os.path.join(args.record, "session.transcript")))
    if args.record:
        folder = os.path.dirname(os.path.abspath(args.record))
        exists = os.path.exists(args.record)
        if not os.path.isdir(folder) or not os.access(args.record if exists else folder, os.W_OK):
            raise UsageError(t("cli.cannot_record", "cannot record to {path}: no such folder, or no permission to write there; nothing was sent",
                               path=args.record))


def _print_generated(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """--print-completion / --print-man: made from this very parser, so they cannot drift from it."""
    if args.print_completion:
        import shtab

        sys.stdout.write(shtab.complete(parser, args.print_completion))
    else:
        from argparse_manpage.manpage import Manpage

        sys.stdout.write(str(Manpage(parser)))
    return exitcodes.OK


YOUNG_GENERATION = 20_000  # objects made between two young collections (CPython's default: 700)


def run() -> int:
    """The program's entry point (the ``smtpshell`` command, ``python -m smtpshell``).

    :func:`main` does the work; around it, two settings of the cycle collector for a
    process that mostly imports, then talks, then ends (issue 18; tests call
    :func:`main`, so their process keeps the defaults):

    - a young generation of 20,000 objects, not 700: start-up makes tens of thousands
      of objects that live on (modules, classes, functions), and the default walks
      them again at every 700 new ones, about 4% of a STARTTLS session's
      instructions. Cyclic garbage then waits for the next pass a little longer (a
      few MiB at most), in the REPL and the server too.
    - at exit the interpreter runs one more collection over every object still alive
      (some eleven thousand after a script session: 4 ms of a STARTTLS session's 47)
      for objects that die with the process anyway; :func:`gc.freeze` takes them
      out of that pass. Exit is otherwise unchanged: atexit hooks run, files are
      flushed and closed, threads joined.
    """
    import gc

    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
    code = main()
    gc.freeze()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        argv = _choose_language(argv)
        if argv and argv[0] in SUBCOMMANDS:
            return _run_subcommand(argv[0], argv[1:])
        if argv:
            _check_first_word(argv[0])  # before argparse, which would only say "unrecognized arguments"
        spec = argument_spec()
        args: Any = spec.parse_plain(argv)  # most runs: argparse (and its gettext, locale) never imported
        if args is None:
            args = build_parser(spec).parse_args(argv)
        if args.print_completion or args.print_man:
            return _print_generated(args, build_parser(spec))
        _check_before_connecting(args)
        return _run_main(args)
    except UsageError as exc:
        sys.stderr.write(t("cli.error", "smtpshell: error: {message}", message=exc) + "\n")
        return exitcodes.USAGE
    except KeyboardInterrupt:
        sys.stderr.write("\n" + t("cli.interrupted", "smtpshell: interrupted") + "\n")
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return exitcodes.OK
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else exitcodes.USAGE
    except Exception as exc:  # a bug: one line, never a traceback (SMTPSHELL_DEBUG=1 shows it)
        if os.environ.get("SMTPSHELL_DEBUG"):
            raise
        sys.stderr.write(t("cli.internal_error", "smtpshell: internal error ({error}); please report it (run with SMTPSHELL_DEBUG=1 for the details)",
                           error=f"{type(exc).__name__}: {exc}") + "\n")
        return exitcodes.INTERNAL


def _choose_language(argv: list[str]) -> list[str]:
    """Set the language before any parser is built (its help texts are translated when made).

    ``--lang`` is read from argv as the parser will read it (``--lang X`` or
    ``--lang=X``, before a ``--``), else the locale decides. A ``--lang``
    written before a subcommand (``smtpshell --lang zh_CN lesson``) applies to
    it: it is moved after the subcommand's name. Returns the argv to parse.
    """
    from . import i18n

    wanted: str | None = None
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word == "--lang" and index + 1 < len(argv):
            wanted = argv[index + 1]
        elif word.startswith("--lang="):
            wanted = word.split("=", 1)[1]
    if len(argv) >= 3 and argv[0] == "--lang" and argv[2] in SUBCOMMANDS:
        argv = [argv[2], *argv[:2], *argv[3:]]
    elif len(argv) >= 2 and argv[0].startswith("--lang=") and argv[1] in SUBCOMMANDS:
        argv = [argv[1], argv[0], *argv[2:]]
    _, problem = i18n.setup(wanted)
    if problem:
        sys.stderr.write(f"smtpshell: {problem}\n")
    # argparse's own words go through the catalogue once a parser is built (cli_parser)
    return argv


def _run_subcommand(name: str, argv: list[str]) -> int:
    module_name = SUBCOMMANDS[name]
    try:
        module = import_module(module_name)
    except ImportError:
        raise UsageError(t("cli.sub_missing", "'smtpshell {name}' is not available in this build", name=name)) from None
    from .cli_parser import subcommand_parser

    parser = subcommand_parser(name)
    module.configure(parser)
    # The language was chosen from argv already (_choose_language); every subcommand takes --lang.
    if not any("--lang" in action.option_strings for action in parser._actions):
        parser.add_argument("--lang", metavar="LANG", help=_lang_help())
    args = parser.parse_args(argv)
    args.language_chosen = True
    return int(module.run(args))


def _run_main(args: argparse.Namespace) -> int:
    from .drivers.runner import RunOptions

    target: Target | None = None
    if args.target:
        try:
            target = parse_target(args.target, implicit_tls=args.tls)
        except BadTarget as exc:
            raise UsageError(str(exc)) from None
    from .auth.options import from_args as auth_options

    if target is not None and target.user and not args.user:
        args.user = target.user  # smtp://USER@host
    options = RunOptions(timeout=args.timeout, helo=args.helo, starttls=args.starttls, tls=tls_options(args),
                         auth=auth_options(args), exit_codes=args.exit_codes, raw=args.raw)
    from .drivers.mx_start import check_mx_flags, remember_for_repl

    check_mx_flags(args)
    remember_for_repl(args)
    lines = _script_lines(args)
    blocking = lines is not None and (target is not None or bool(args.mx))
    if blocking:
        # A script against a given server needs no event loop: a blocking
        # socket, and asyncio is never imported (it costs more than the session).

        from .client.blocking import BlockingConnection

        options = options._replace(connector=BlockingConnection.open)
    if args.tls_save:  # save the server's certificates when TLS starts
        from .client.tls_save_connector import SaveChainConnector

        options = options._replace(connector=SaveChainConnector(args.tls_save, options.connector))
    if args.mx:  # direct delivery: the MX lookup decides where to connect
        from .drivers.mx_start import NoDelivery, plan_session, report

        try:
            target, options = plan_session(args, options)
        except NoDelivery as problem:
            return report(problem)
    if blocking:
        from .client.blocking import run_blocking

        assert target is not None
        return run_blocking(_drive(args, target, options, lines))
    import asyncio

    return asyncio.run(_session(args, target, options, lines))


async def _session(args: argparse.Namespace, target: Target | None, options: Any, lines: Iterable[str] | None) -> int:
    if target is None:
        from .drivers.embedded import embedded_server
        from .server import PracticeServerError

        try:
            async with embedded_server(args, options) as (target, options, server):
                return await _drive(args, target, options, lines, server)
        except PracticeServerError as exc:
            raise UsageError(str(exc)) from None
    return await _drive(args, target, options, lines)


async def _drive(args: argparse.Namespace, target: Target, options: Any, lines: Iterable[str] | None,
                 practice_server: Any = None) -> int:
    if lines is not None:
        from .drivers.script import ScriptDriver
        from .render import ansi
        from .render.styled import RenderOptions, level_for

        driver = ScriptDriver(
            lines, target, options,
            color=ansi.want_color(args.color),
            render=RenderOptions(explain=level_for(args.explain, script=True), raw=args.raw),
            record=args.record,
            practice_server=practice_server,
        )
        return await driver.run()
    try:
        from .drivers.interactive import run_interactive
    except ImportError:
        raise UsageError(t("cli.no_repl", "the interactive shell is not available in this build; pipe commands in or use -c")) from None
    return await run_interactive(args, target, options, record=args.record, practice_server=practice_server)


if __name__ == "__main__":
    raise SystemExit(run())

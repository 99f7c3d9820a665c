"""A message from parts (--from, --to, --header, --body, --attach): the lines of a normal session.

What comes out is the list of lines a user would type: ``EHLO``, ``/login``
(with --user), ``MAIL FROM``,
one ``RCPT TO`` per recipient, ``DATA``, the message, ``.``; the script driver
sends them through the same runner as any script (and adds the QUIT). The
message itself is built by the standard :mod:`email` package, so headers are
encoded, attachments are real MIME parts and every line is CRLF-safe ASCII.
"""

from __future__ import annotations

import os

# The email package (email.policy alone is ~12 ms of imports), mimetypes and socket are
# imported by the functions that build a message: cli.py adds these flags on every start.
from ..i18n import t
from ..options import UsageError
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from ..arg_spec import ArgumentSpec

DEFAULT_SUBJECT = "test message from smtpshell"


def add_message_arguments(parser: argparse.ArgumentParser | ArgumentSpec) -> None:
    g = parser.add_argument_group(t("drivers.parts.group", "a message from parts (script mode: EHLO, MAIL, RCPT, DATA, QUIT)"))
    g.add_argument("--from", dest="mail_from", metavar="ADDRESS", help=t("drivers.parts.help.from", "the sender (MAIL FROM and the From: header)"))
    g.add_argument("--to", action="append", metavar="ADDRESS", help=t("drivers.parts.help.to", "a recipient (RCPT TO and To:); repeatable"))
    g.add_argument("--header", action="append", metavar="'NAME: VALUE'",
                   help=t("drivers.parts.help.header", "a header of the message (repeatable); Subject: replaces the default one"))
    g.add_argument("--body", metavar="TEXT|@FILE", help=t("drivers.parts.help.body", "the message text, or @FILE to read it from FILE"))
    g.add_argument("--attach", action="append", metavar="@FILE", help=t("drivers.parts.help.attach", "attach FILE as a MIME part (repeatable)"))


def wants_message(args: argparse.Namespace) -> bool:
    return bool(args.mail_from or args.to or args.header or args.body or args.attach)


def message_lines(args: argparse.Namespace) -> list[str]:
    """The session's lines for the parts given. Raises UsageError."""
    if args.commands or args.script:
        raise UsageError(t("parts.and_script", "a message from parts (--from, --to, ...) replaces -c and --script: give one or the other"))
    if not args.to:
        raise UsageError(t("parts.no_to", "a message from parts needs at least one --to ADDRESS"))
    sender = args.mail_from or f"{os.environ.get('USER') or 'smtpshell'}@{_hostname()}"
    for address in (sender, *args.to):
        if any(ch in address for ch in "<>\r\n") or " " in address.strip():
            raise UsageError(t("parts.bad_address", "{address} is not an address: write it as user@example.org, without <>",
                               address=repr(address)))
    text = build_message(sender, args.to, args.header or [], _body(args.body), args.attach or [])
    lines = [] if args.helo else [f"EHLO {_hostname()}"]  # --helo already sends it
    if getattr(args, "user", None):
        lines.append("/login")  # --user: the shell's own AUTH exchange, as in the REPL
    lines += [f"MAIL FROM:<{sender}>", *(f"RCPT TO:<{to}>" for to in args.to), "DATA"]
    return lines + text.split("\r\n") + ["."]


def build_message(sender: str, recipients: list[str], headers: list[str], body: str, attachments: list[str]) -> str:
    """The message as CRLF-separated text, with no trailing line break."""
    import mimetypes
    from email import policy, utils
    from email.message import EmailMessage

    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = utils.formatdate(localtime=True)
    msg["Message-ID"] = utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    extra = [_header(h) for h in headers]
    if not any(name.lower() == "subject" for name, _ in extra):
        msg["Subject"] = DEFAULT_SUBJECT
    for name, value in extra:
        del msg[name]  # a header given replaces the default of that name
        msg[name] = value
    # A line of only "." would end DATA early: such a body goes base64, which never has one.
    lone_dot = any(line == "." for line in body.splitlines())
    msg.set_content(body, cte="base64" if lone_dot else None)
    for spec in attachments:
        path = _at_file(spec, "--attach")
        kind, _ = mimetypes.guess_type(path)
        main, _, sub = (kind or "application/octet-stream").partition("/")
        msg.add_attachment(_read(path, "--attach"), maintype=main, subtype=sub, filename=os.path.basename(path))
    return msg.as_string().rstrip("\r\n")


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(ch in text for ch in "\r\n") or " " in name.strip():
        raise UsageError(t("parts.bad_header", "--header {text}: write it as 'Name: value'", text=repr(text)))
    return name.strip(), value.strip()


def _body(spec: str | None) -> str:
    if spec is None:
        return "This is a test message sent by smtpshell.\n"
    if spec.startswith("@"):
        return _read(_at_file(spec, "--body"), "--body").decode("utf-8", errors="replace")
    return spec.replace("\\n", "\n") + ("" if spec.endswith("\n") else "\n")


def _at_file(spec: str, flag: str) -> str:
    path = spec.removeprefix("@")
    if not path:
        raise UsageError(t("parts.no_file", "{flag} @FILE: give a file name after @", flag=flag))
    return path


def _read(path: str, flag: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(t("parts.cannot_read", "{flag} {path}: {reason}", flag=flag, path=path, reason=exc.strerror or exc)) from None


def _hostname() -> str:
    import socket

    name = socket.getfqdn() or "localhost"
    return name if "." in name else f"{name}.localdomain"

"""Command-line options shared by the main command and the subcommands
(replay, lesson): the TLS flags and what they become. Kept apart from cli.py so
that subcommands need not import the top of the program."""

from __future__ import annotations

import argparse
import os

from .client.tls_options import TLSOptions


class UsageError(Exception):
    """A bad flag or argument: one line for the user, exit status 2."""


def add_tls_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("TLS")
    g.add_argument("--tls", action="store_true", help="implicit TLS from the first byte (port 465 style)")
    g.add_argument("--starttls", action="store_true", help="upgrade with STARTTLS right after the first EHLO")
    g.add_argument("--cafile", metavar="FILE", help="trust this CA (PEM) as well as the system's")
    g.add_argument("--insecure", action="store_true", help="do not verify the certificate (the session is marked insecure)")
    g.add_argument("--cert", metavar="FILE", help="client certificate (PEM)")
    g.add_argument("--key", metavar="FILE", help="private key of the client certificate")
    g.add_argument("--keylog", metavar="FILE", help="write TLS session keys for Wireshark (also: SSLKEYLOGFILE)")
    g.add_argument("--sni", metavar="NAME", help="server name to send and verify instead of the host")
    g.add_argument("--require-tls", action="store_true",
                   help="never send AUTH or MAIL without TLS; stop if the server does not offer STARTTLS (possible downgrade)")


def tls_options(args: argparse.Namespace) -> TLSOptions:
    for flag in ("cafile", "cert", "key"):
        path = getattr(args, flag, None)
        if path and not os.path.isfile(path):
            raise UsageError(f"--{flag} {path}: no such file")
    if getattr(args, "key", None) and not getattr(args, "cert", None):
        raise UsageError("--key needs --cert")
    return TLSOptions(
        cafile=args.cafile, insecure=args.insecure, certfile=args.cert,
        keyfile=args.key, keylog=args.keylog, sni=args.sni,
        require_tls=getattr(args, "require_tls", False),
    )

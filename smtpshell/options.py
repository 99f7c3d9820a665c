"""Command-line options shared by the main command and the subcommands
(replay, lesson): the TLS flags and what they become. Kept apart from cli.py so
that subcommands need not import the top of the program."""

from __future__ import annotations

import os

from .client.tls_options import BadTLSVersion, TLSOptions, parse_tls_version
from .i18n import t
from .records import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from .arg_spec import ArgumentSpec


class UsageError(Exception):
    """A bad flag or argument: one line for the user, exit status 2."""


def add_tls_arguments(parser: argparse.ArgumentParser | ArgumentSpec) -> None:
    g = parser.add_argument_group(t("options.tls.group", "TLS"))
    g.add_argument("--tls", action="store_true", help=t("options.tls.tls", "implicit TLS from the first byte (port 465 style)"))
    g.add_argument("--starttls", action="store_true", help=t("options.tls.starttls", "upgrade with STARTTLS right after the first EHLO"))
    g.add_argument("--cafile", metavar="FILE", help=t("options.tls.cafile_only", "trust the CAs in this PEM file instead of the system's"))
    g.add_argument("--insecure", action="store_true", help=t("options.tls.insecure", "do not verify the certificate (the session is marked insecure)"))
    g.add_argument("--cert", metavar="FILE", help=t("options.tls.cert", "client certificate (PEM)"))
    g.add_argument("--key", metavar="FILE", help=t("options.tls.key", "private key of the client certificate"))
    g.add_argument("--keylog", metavar="FILE", help=t("options.tls.keylog", "write TLS session keys for Wireshark (also: SSLKEYLOGFILE)"))
    g.add_argument("--sni", metavar="NAME", help=t("options.tls.sni", "server name to send and verify instead of the host"))
    g.add_argument("--require-tls", action="store_true",
                   help=t("options.tls.require_tls", "never send AUTH or MAIL without TLS; stop if the server does not offer STARTTLS (possible downgrade)"))
    g.add_argument("--tls-version", metavar="V[-V]",
                   help=t("options.tls.version", "TLS versions allowed: 1.2 (only), 1.2-1.3 (a range), 1.2- (or newer), -1.2 (or older)"))
    g.add_argument("--ciphers", metavar="LIST", help=t("options.tls.ciphers", "OpenSSL cipher list for TLS 1.2 and older, e.g. ECDHE+AESGCM"))
    g.add_argument("--tls-save", metavar="FILE", help=t("options.tls.save", "save the certificate chain the server sends as PEM to FILE"))


def tls_options(args: argparse.Namespace) -> TLSOptions:
    for flag in ("cafile", "cert", "key"):
        path = getattr(args, flag, None)
        if path and not os.path.isfile(path):
            raise UsageError(t("options.no_such_file", "--{flag} {path}: no such file", flag=flag, path=path))
    if getattr(args, "key", None) and not getattr(args, "cert", None):
        raise UsageError(t("options.key_needs_cert", "--key needs --cert"))
    low = high = None
    if getattr(args, "tls_version", None):
        try:
            low, high = parse_tls_version(args.tls_version)
        except BadTLSVersion as exc:
            raise UsageError(str(exc)) from None
    return TLSOptions(
        cafile=args.cafile, insecure=args.insecure, certfile=args.cert,
        keyfile=args.key, keylog=args.keylog, sni=args.sni,
        require_tls=getattr(args, "require_tls", False),
        min_version=low, max_version=high, ciphers=getattr(args, "ciphers", None),
    )

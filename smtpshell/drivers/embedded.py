"""The default run: start the practice server in this process, then connect to it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from ..client.target import Target
from ..i18n import t
from ..render import width
from .runner import RunOptions

if TYPE_CHECKING:
    from ..server import PracticeServer


@asynccontextmanager
async def embedded_server(
    args: argparse.Namespace, options: RunOptions
) -> AsyncIterator[tuple[Target, RunOptions, PracticeServer]]:
    """Start the practice server; yield where to connect, how, and the server (for /mailbox)."""
    from ..server import PracticeServer
    from ..server.command import config_from_main_args

    config = config_from_main_args(args)
    async with PracticeServer(config) as server:
        for line in server.welcome_lines():
            _say(f"** {line}")
        if server.tls_port is not None and not args.tls:
            # The implicit-TLS port is there to be tried: say how, in this shell and the next.
            url = f"smtps://{Target(server.host, server.tls_port)}"
            _say("** " + t("practice.implicit_tls", "implicit TLS: /connect {url} here, or start 'smtpshell --tls' (TLS from the first byte)", url=url))
        target = Target(server.host, server.port_for(bool(args.tls)), implicit_tls=bool(args.tls))
        # Trust the practice server's own certificate, so TLS is verified, not skipped.
        tls = options.tls if options.tls.cafile or options.tls.insecure else options.tls._replace(cafile=server.ca_file)
        yield target, options._replace(tls=tls), server


def _say(line: str) -> None:
    """One line about the practice server, on stderr, wrapped to the terminal's width."""
    sys.stderr.write(width.wrap_text(line, width.terminal_columns(sys.stderr)) + "\n")

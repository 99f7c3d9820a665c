"""Messages per second through the practice server under a classroom's load.

    python bench/bench_server_load.py [--clients 100] [--messages 10] [--starttls] [--maildir]

Server and clients share one process and one event loop (as in the tests), so
the figure is a floor for a server running alone. It prints figures; it never
fails on speed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from smtpshell.server import PracticeConfig, PracticeServer
from smtpshell.server.load import run_load


async def bench(clients: int, messages: int, starttls: bool, maildir: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        config = PracticeConfig(state_dir=Path(tmp), store_dir=Path(tmp) / "maildir" if maildir else None)
        async with PracticeServer(config) as server:
            start = time.perf_counter()
            result = await run_load(server.host, server.port, clients=clients, messages=messages,
                                    cafile=server.ca_file, starttls=starttls)
            elapsed = time.perf_counter() - start
            stored = server.mailbox.count
    total = clients * messages
    mode = ("STARTTLS" if starttls else "plain") + (", maildir" if maildir else ", memory")
    print(f"{clients} clients x {messages} messages ({mode}): {result.accepted}/{total} accepted, "
          f"{stored} stored, {result.failed} failed")
    print(f"{elapsed:.2f} s, {result.accepted / elapsed:.0f} messages/s")
    return 0 if result.accepted == stored == total else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--starttls", action="store_true", help="each client upgrades with STARTTLS first")
    parser.add_argument("--maildir", action="store_true", help="store to a maildir (default: memory)")
    args = parser.parse_args()
    return asyncio.run(bench(args.clients, args.messages, args.starttls, args.maildir))


if __name__ == "__main__":
    sys.exit(main())

"""The practice server under a classroom's load, next to a bare aiosmtpd in the same run. Prints; never fails.

    python bench/bench_server_load.py [--clients 100] [--messages 10] [--runs 5]

Each server runs alone in its own process (``smtpshell serve`` and ``python -m
aiosmtpd``-style with its Sink handler); the load is ``smtpshell.server.load.run_load``
(``--clients`` sessions at once, ``--messages`` each) from this process, the same
against both. Pairs alternate ours, bare, ours, bare ...; the figure is our
throughput over the bare server's, median of the pairs with min and max, and what
was lost (accepted by the client but not stored, or refused). Rows (issue 18):

  memory    the practice server keeping messages in memory   goal >= 0.9x, 0 lost
  maildir   the practice server writing a maildir            goal >= 0.6x, 0 lost

(A crash losing nothing is a test: tests/test_server_store.py kills a serve process mid-run.)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import add_install_option, free_port, installs, scratch, start_aiosmtpd, wait_for_port

from smtpshell.server.load import run_load


def start_practice(smtpshell: str, tmp: Path, maildir: Path | None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    store = ["--maildir", str(maildir)] if maildir is not None else ["--no-store"]
    proc = subprocess.Popen(
        [smtpshell, "serve", "--port", str(port), "--no-tls-port", "--state-dir", str(tmp / "state"), *store],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, proc)
    return proc, port


def one_load(port: int, clients: int, messages: int) -> tuple[float, int]:
    """(seconds, messages accepted) for one whole load."""
    start = time.perf_counter()
    result = asyncio.run(run_load("127.0.0.1", port, clients=clients, messages=messages))
    return time.perf_counter() - start, result.accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    add_install_option(parser)
    args = parser.parse_args()
    bins = installs(args.install)
    total = args.clients * args.messages
    print(f"practice server, {args.clients} clients x {args.messages} messages, {args.runs} paired runs")
    for label, path in bins.items():
        print(f"  [{label}] {path}")
    with scratch() as name:
        tmp = Path(name)
        bare, bare_port = start_aiosmtpd()
        try:
            one_load(bare_port, args.clients, args.messages)  # warm-up
            for mode in ("memory", "maildir"):
                # Each round: every install's load, then the bare server's; the ratio is per round.
                ratios: dict[str, list[float]] = {label: [] for label in bins}
                rates: dict[str, list[float]] = {label: [] for label in bins}
                lost = dict.fromkeys(bins, 0)
                for run in range(args.runs + 1):
                    took: dict[str, float] = {}
                    for label in list(bins) if run % 2 == 0 else list(bins)[::-1]:
                        maildir = tmp / f"maildir-{label}-{run}" if mode == "maildir" else None
                        ours, port = start_practice(bins[label], tmp, maildir)
                        try:
                            took[label], accepted = one_load(port, args.clients, args.messages)
                        finally:
                            ours.terminate()
                            ours.wait()
                        stored = len(list((maildir / "new").iterdir())) if maildir is not None else accepted
                        if run:
                            lost[label] += (total - accepted) + (accepted - stored)
                    bare_time, _ = one_load(bare_port, args.clients, args.messages)
                    if run == 0:
                        continue  # warm-up round
                    for label, seconds in took.items():
                        ratios[label].append(bare_time / seconds)
                        rates[label].append(total / seconds)
                goal = ">= 0.9x" if mode == "memory" else ">= 0.6x"
                for label in bins:
                    got = sorted(ratios[label])
                    print(f"  [{label}] {mode:<8} {statistics.median(got):5.2f}x bare aiosmtpd's throughput "
                          f"(min {got[0]:.2f}, max {got[-1]:.2f}; {statistics.median(rates[label]):.0f} msg/s), "
                          f"{lost[label]} lost   goal {goal}, 0 lost")
        finally:
            bare.terminate()
            bare.wait()


if __name__ == "__main__":
    main()

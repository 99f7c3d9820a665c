"""Launch-to-ready-prompt time of the interactive shell, next to the floor.

Runs the installed ``smtpshell HOST:PORT`` in a pseudo-terminal (pexpect)
against a local aiosmtpd on 127.0.0.1 and times from spawn until the prompt
is drawn after the server's greeting (connected and ready to type). The floor
is ``python -c "from prompt_toolkit import PromptSession"``: no REPL can
start faster than importing its toolkit. Also shown: script mode
(``smtpshell -c NOOP``), which must not import prompt_toolkit at all.

    python bench/bench_startup.py [--runs 15]     (the Python of a normal install, with pexpect)

Prints figures; never fails on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pexpect
from aiosmtpd.smtp import SMTP

BIN = Path(sys.executable).parent
SMTPSHELL = str(BIN / "smtpshell")


class Sink:
    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        return "250 OK"


def start_server() -> int:
    """aiosmtpd on 127.0.0.1:free port, in a daemon thread. Returns the port."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(loop.create_server(lambda: SMTP(Sink(), hostname="bench.test"), "127.0.0.1", 0))
        port.append(server.sockets[0].getsockname()[1])
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return port[0]


def time_command(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one child, reaped with os.wait4.

    Not ``subprocess.run(..., timeout=...)``: with a timeout it waits in a loop of
    sleeps of up to 50 ms, so every figure read up to ~49 ms high and the ratios
    it printed were biased low.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    _, status, _ = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(argv)}")
    return elapsed


def time_to_prompt(port: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    child = pexpect.spawn(SMTPSHELL, [f"127.0.0.1:{port}"], env=env, dimensions=(30, 100), encoding="utf-8",
                          timeout=30)
    child.delaybeforesend = None  # a terminal answers at once; pexpect's default waits 50 ms
    while child.expect([r"smtp> ", r"\x1b\[6n"]) == 1:
        child.send("\x1b[10;1R")  # answer the cursor-position request like a terminal
    elapsed = time.perf_counter() - start
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def report(name: str, samples: list[float], floor: list[float] | None = None) -> None:
    med, best = statistics.median(samples), min(samples)
    ratio = ""
    if floor:
        ratio = f"   {med / statistics.median(floor):4.2f}x / {best / min(floor):4.2f}x the floor"
    print(f"{name:<52} median {med * 1000:6.1f} ms  min {best * 1000:6.1f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    port = start_server()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, TERM="xterm-256color", XDG_CONFIG_HOME=f"{home}/config",
                   XDG_STATE_HOME=f"{home}/state")
        env.pop("NO_COLOR", None)
        python = [sys.executable]
        time_to_prompt(port, env)  # first run writes the config file and warms the caches
        floor = [time_command(python + ["-c", "from prompt_toolkit import PromptSession"], env) for _ in range(runs)]
        bare = [time_command(python + ["-c", "pass"], env) for _ in range(runs)]
        script = [time_command([SMTPSHELL, f"127.0.0.1:{port}", "-c", "NOOP"], env) for _ in range(runs)]
        shell = [time_to_prompt(port, env) for _ in range(runs)]
    print(f"launch to ready prompt, {runs} runs each, {os.cpu_count()} CPUs")
    report("python -c pass", bare)
    report('python -c "from prompt_toolkit import PromptSession"', floor)
    report("smtpshell -c NOOP (script mode, whole session)", script, floor)
    report("smtpshell HOST:PORT -> connected, prompt drawn", shell, floor)
    print("ratios: median/median and min/min (min is the steadier figure on a busy machine)")
    print("goal: the interactive prompt within 1.5x the floor")


if __name__ == "__main__":
    main()

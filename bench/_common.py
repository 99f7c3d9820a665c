"""What the bench scripts share: whole-process timing, paired runs, the servers they talk to.

Timing is ``time.perf_counter`` around ``Popen`` and ``os.wait4`` (which also gives the
child's peak RSS): no timeout loop, so nothing polls with sleeps and the floor is the
process itself. Pairs run A, B, A, B ... and the ratio is taken pair by pair, so a
machine that drifts during the run does not bias it. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

PYTHON = sys.executable
SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))


def add_install_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--install", action="append", default=[], metavar="LABEL=SMTPSHELL",
        help="an installed smtpshell to measure, by its label (repeat it to measure installs side by side in "
             "one run, e.g. before=/tmp/a/bin/smtpshell after=/tmp/b/bin/smtpshell); default: this Python's",
    )


def installs(given: Sequence[str]) -> dict[str, str]:
    """LABEL -> path of its ``smtpshell``, in the order given (default: the one beside this Python)."""
    found: dict[str, str] = {}
    for item in given:
        label, sep, path = item.partition("=")
        if not sep or not label or not Path(path).is_file():
            raise SystemExit(f"--install wants LABEL=PATH to an installed smtpshell, got {item!r}")
        found[label] = path
    return found or {"this": SMTPSHELL}


class Run:
    def __init__(self, seconds: float, status: int, max_rss_kib: int) -> None:
        self.seconds, self.status, self.max_rss_kib = seconds, status, max_rss_kib


# Forks the command from a small process and prints the child's own peak RSS (KiB).
_PEAK_RSS = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    null = os.open(os.devnull, os.O_WRONLY)\n"
    "    os.dup2(null, 1), os.dup2(null, 2)\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(usage.ru_maxrss if os.waitstatus_to_exitcode(status) == 0 else -1)\n"
)


def peak_rss_kib(cmd: Sequence[str]) -> int:
    """The command's own peak RSS.

    Linux carries a process's high-water RSS across fork and exec, so a child started
    from this process (which has loaded ``cryptography`` for the certificates, more than
    a script session uses) reports this process's size; so does a ``sh`` that execs it.
    A fresh ``python -S`` (a few MiB) forks the command and reads its rusage instead.
    """
    out = subprocess.run([PYTHON, "-S", "-c", _PEAK_RSS, *cmd], capture_output=True, text=True, check=True,
                         stdin=subprocess.DEVNULL).stdout
    if int(out) < 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return int(out)


def timed(cmd: Sequence[str], stdin_path: str | None = None) -> Run:
    """One child process: wall seconds, exit status, peak RSS (KiB; see peak_rss_kib)."""
    with open(stdin_path or os.devnull, "rb") as stdin:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(elapsed, proc.returncode, usage.ru_maxrss)


class Pair:
    """Paired runs of A (ours) and B (the anchor)."""

    def __init__(self, a: list[Run], b: list[Run]) -> None:
        self.a, self.b = a, b
        self.ratios = sorted(x.seconds / y.seconds for x, y in zip(a, b, strict=True))

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def text(self) -> str:
        a = statistics.median(r.seconds for r in self.a)
        b = statistics.median(r.seconds for r in self.b)
        return (f"{self.ratio:5.2f}x  (min {self.ratios[0]:.2f}, max {self.ratios[-1]:.2f}; "
                f"medians {_secs(a)} vs {_secs(b)})")


def _secs(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 2 else f"{seconds:.2f} s"


def paired(a: Sequence[str], b: Sequence[str], runs: int, *, warmup: int = 1,
           a_stdin: str | None = None, b_stdin: str | None = None) -> Pair:
    for _ in range(warmup):
        timed(a, a_stdin), timed(b, b_stdin)
    ours, theirs = [], []
    for _ in range(runs):
        for cmd, stdin, out in ((a, a_stdin, ours), (b, b_stdin, theirs)):
            run = timed(cmd, stdin)
            if run.status != 0:
                raise SystemExit(f"failed ({run.status}): {' '.join(cmd)}")
            out.append(run)
    return Pair(ours, theirs)


def compared(ours: dict[str, Sequence[str]], anchor: Sequence[str], runs: int, *, warmup: int = 1,
             ours_stdin: str | None = None, anchor_stdin: str | None = None) -> dict[str, Pair]:
    """Each install's command paired with one anchor run per round, all in the same rounds.

    A round runs the installs around the anchor (half before it, half after), and the
    order turns round every other round, so drift and the cache left by the previous
    process fall on every install alike. Install LABEL's ratio in a round is its time
    over that round's anchor time.
    """
    labels = list(ours)
    for _ in range(warmup):
        for label in labels:
            timed(ours[label], ours_stdin)
        timed(anchor, anchor_stdin)
    runs_of: dict[str, list[Run]] = {label: [] for label in labels}
    anchors: list[Run] = []
    for number in range(runs):
        order = labels if number % 2 == 0 else labels[::-1]
        half = (len(order) + 1) // 2
        anchor_run: Run | None = None
        for slot in [*order[:half], None, *order[half:]]:
            cmd, stdin = (anchor, anchor_stdin) if slot is None else (ours[slot], ours_stdin)
            run = timed(cmd, stdin)
            if run.status != 0:
                raise SystemExit(f"failed ({run.status}): {' '.join(cmd)}")
            if slot is None:
                anchor_run = run
            else:
                runs_of[slot].append(run)
        assert anchor_run is not None
        anchors.append(anchor_run)
    return {label: Pair(runs_of[label], anchors) for label in labels}


def row(name: str, anchor: str, pair: Pair | dict[str, Pair], goal: str) -> None:
    pairs = pair if isinstance(pair, dict) else {"": pair}
    for label, one in pairs.items():
        tag = f"[{label}] " if label else ""
        print(f"  {tag + name:<52} vs {anchor:<24} {one.text()}   goal {goal}")
    first_label, *others = pairs
    for label in others:  # each later install's time over the first's (before), round by round
        direct = sorted(b.seconds / a.seconds for a, b in zip(pairs[first_label].a, pairs[label].a, strict=True))
        print(f"  {'':<52}    {label + ' / ' + first_label:<24} {statistics.median(direct):5.2f}x  "
              f"(min {direct[0]:.2f}, max {direct[-1]:.2f})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"server exited early ({proc.returncode})") from None
            time.sleep(0.025)  # waiting for a server to listen, not timing anything
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


class Sink(threading.Thread):
    """The smallest SMTP server that works, in a thread: answers every command, discards DATA.

    ``tls``: offers STARTTLS with this context. ``delay``: seconds before each reply
    group (a server with latency). ``pipelining``: advertise PIPELINING.
    """

    def __init__(self, tls: ssl.SSLContext | None = None, delay: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.tls, self.delay = tls, delay
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.start()

    def run(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        try:
            self._serve(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def _serve(self, conn: socket.socket) -> None:
        conn.sendall(b"220 sink ESMTP\r\n")
        buf, in_data, out = b"", False, []
        while True:
            chunk = conn.recv(1 << 20)
            if not chunk:
                return
            buf += chunk
            while True:
                if in_data:
                    end = buf.find(b"\r\n.\r\n")
                    if end < 0:
                        buf = buf[-4:]
                        break
                    buf, in_data = buf[end + 5 :], False
                    out.append(b"250 2.0.0 discarded\r\n")
                    continue
                nl = buf.find(b"\r\n")
                if nl < 0:
                    break
                line, buf = buf[:nl].upper(), buf[nl + 2 :]
                if line.startswith(b"EHLO"):
                    tls = b"250-STARTTLS\r\n" if self.tls is not None and not isinstance(conn, ssl.SSLSocket) else b""
                    out.append(b"250-sink\r\n250-8BITMIME\r\n250-PIPELINING\r\n" + tls + b"250 SIZE 0\r\n")
                elif line == b"STARTTLS" and self.tls is not None:
                    conn.sendall(b"".join(out) + b"220 go ahead\r\n")
                    out = []
                    conn = self.tls.wrap_socket(conn, server_side=True)
                    buf = b""
                elif line == b"DATA":
                    out.append(b"354 go ahead\r\n")
                    in_data, buf = True, b"\r\n" + buf  # the end marker may follow at once
                elif line == b"QUIT":
                    conn.sendall(b"".join(out) + b"221 bye\r\n")
                    return
                else:
                    out.append(b"250 ok\r\n")
            if out:  # every complete line read: answer them in one write (pipelined or not)
                if self.delay:
                    time.sleep(self.delay)
                conn.sendall(b"".join(out))
                out = []


def certificate(directory: Path) -> tuple[ssl.SSLContext, str]:
    """A server context and the CA file a client trusts, made with the practice server's tools."""
    from smtpshell.server.certs import ensure_certificate, server_context

    files = ensure_certificate(directory, ["localhost", "127.0.0.1"])
    return server_context(files), str(files.ca)


def start_aiosmtpd(tls_dir: Path | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """A bare aiosmtpd (its Sink handler) in its own process; STARTTLS when ``tls_dir``."""
    port = free_port()
    code = (
        "import asyncio, ssl, sys\n"
        "from aiosmtpd.smtp import SMTP\nfrom aiosmtpd.handlers import Sink\n"
        "ctx = None\n"
        "if len(sys.argv) > 2:\n"
        "    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\n"
        "    ctx.load_cert_chain(sys.argv[2], sys.argv[3])\n"
        "async def main():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    srv = await loop.create_server(lambda: SMTP(Sink(), hostname='localhost', tls_context=ctx),"
        " '127.0.0.1', int(sys.argv[1]))\n"
        "    await srv.serve_forever()\n"
        "asyncio.run(main())\n"
    )
    args = [PYTHON, "-c", code, str(port)]
    if tls_dir is not None:
        from smtpshell.server.certs import ensure_certificate

        files = ensure_certificate(tls_dir, ["localhost", "127.0.0.1"])
        args += [str(files.cert), str(files.key)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc)
    return proc, port


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="smtpshell-bench-")

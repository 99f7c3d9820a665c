"""Script mode against smtplib, side by side in one run. Prints figures; never fails on timing.

    python bench/bench_script_mode.py [--runs 15] [--size-mb 100]

1. A whole-process session (connect, EHLO, QUIT): `smtpshell HOST:PORT -c "EHLO x"
   --explain off` next to a ten-line smtplib script, against a local aiosmtpd and a
   minimal sink; then the same with explanations on. Goal: within 1.5x of smtplib's
   time. Run it with the Python of a normal (non-editable) install: an editable
   install adds its own import hook to every start.
2. Sending a message of --size-mb from a file: `smtpshell -c "/data FILE"` next to
   smtplib.sendmail of the same file, against the sink. Goals: at least 2x smtplib's
   speed, peak memory (max RSS of the process) under a fifth of smtplib's.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))

SMTPLIB_SESSION = """
import smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
s = smtplib.SMTP(host, port)
s.ehlo("x")
s.quit()
"""

SMTPLIB_SEND = """
import smtplib, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "rb") as f:
    msg = f.read()
s = smtplib.SMTP(host, port)
s.sendmail("a@example.org", ["b@example.org"], msg)
s.quit()
"""


class Sink(threading.Thread):
    """The smallest SMTP server that works: answers every command, discards DATA fast."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def run(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        with conn:
            conn.sendall(b"220 sink ESMTP\r\n")
            buf = b""
            in_data = False
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
                        buf = buf[end + 5 :]
                        in_data = False
                        conn.sendall(b"250 2.0.0 discarded\r\n")
                        continue
                    nl = buf.find(b"\r\n")
                    if nl < 0:
                        break
                    line, buf = buf[:nl].upper(), buf[nl + 2 :]
                    if line.startswith(b"EHLO"):
                        conn.sendall(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 0\r\n")
                    elif line == b"DATA":
                        conn.sendall(b"354 go ahead\r\n")
                        in_data = True
                        buf = b"\r\n" + buf  # the end marker may follow at once
                    elif line == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        return
                    else:
                        conn.sendall(b"250 ok\r\n")


def timed(cmd: list[str]) -> tuple[float, int, int]:
    """(seconds, exit status, max RSS in KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, proc.returncode, usage.ru_maxrss


def median_time(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        elapsed, code, _ = timed(cmd)
        if code != 0:
            raise SystemExit(f"command failed ({code}): {' '.join(cmd)}")
        times.append(elapsed)
    return statistics.median(times)


def start_aiosmtpd() -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("aiosmtpd did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--size-mb", type=int, default=100)
    args = parser.parse_args()

    sink = Sink()
    sink.start()
    aiosmtpd, aio_port = start_aiosmtpd()
    try:
        print(f"1. whole-process session (connect, EHLO, QUIT), median of {args.runs} runs")
        print(f"   {'server':<10} {'smtplib':>10} {'smtpshell':>10} {'ratio':>7}  (goal <= 1.5x)")
        for name, port in (("aiosmtpd", aio_port), ("sink", sink.port)):
            base = median_time([sys.executable, "-c", SMTPLIB_SESSION, "127.0.0.1", str(port)], args.runs)
            # --explain off prints the bare wire, as smtplib's debug output does.
            ours = median_time([SMTPSHELL, f"127.0.0.1:{port}", "-c", "EHLO x", "--explain", "off"], args.runs)
            print(f"   {name:<10} {base * 1000:>8.1f}ms {ours * 1000:>8.1f}ms {ours / base:>6.2f}x")
        full = median_time([SMTPSHELL, f"127.0.0.1:{sink.port}", "-c", "EHLO x"], args.runs)
        print(f"   (sink, with every reply explained, the default: {full * 1000:.1f} ms, {full / base:.2f}x)")
        floor = median_time([sys.executable, "-c", "pass"], args.runs)
        print(f"   (python -c pass: {floor * 1000:.1f} ms)")

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.eml"
            line = b"This is a line of a large message. " * 2 + b"\n"
            with path.open("wb") as f:
                f.write(b"Subject: big\n\n")
                block = (line + b".a line with a leading dot\n") * 4096
                for _ in range(args.size_mb * (1 << 20) // len(block)):
                    f.write(block)
            size = path.stat().st_size
            print(f"\n2. sending a {size / (1 << 20):.0f} MiB message from a file to the sink")
            ours_cmd = [SMTPSHELL, f"127.0.0.1:{sink.port}", "--explain", "off", "-c", "EHLO x",
                        "-c", "MAIL FROM:<a@example.org>", "-c", "RCPT TO:<b@example.org>", "-c", f"/data {path}"]
            base_cmd = [sys.executable, "-c", SMTPLIB_SEND, "127.0.0.1", str(sink.port), str(path)]
            results = {}
            for name, cmd in (("smtplib", base_cmd), ("smtpshell", ours_cmd)):
                runs = [timed(cmd) for _ in range(3)]
                if any(code != 0 for _, code, _ in runs):
                    raise SystemExit(f"{name} failed to send")
                results[name] = (statistics.median(t for t, _, _ in runs), max(r for _, _, r in runs))
            for name, (secs, rss) in results.items():
                print(f"   {name:<10} {secs:6.2f} s  {size / secs / (1 << 20):7.1f} MiB/s  peak RSS {rss / 1024:7.1f} MiB")
            (bt, br), (ot, orss) = results["smtplib"], results["smtpshell"]
            print(f"   speed: {bt / ot:.2f}x smtplib (goal >= 2x); memory: {orss / br:.2f} of smtplib's (goal < 0.2)")
    finally:
        aiosmtpd.terminate()
        aiosmtpd.wait()


if __name__ == "__main__":
    main()

"""Script mode next to its anchors, each row as a ratio measured in the same run. Prints; never fails.

    python bench/bench_script_mode.py [--runs 9] [--size-mb 100] [--messages 1000] [--only ROW ...] [--gigabyte]

Rows (issue 18's table); ratios are smtpshell's time over the anchor's, median of
paired runs with their min and max:

  startup       connect + EHLO + QUIT, default explanations  vs smtplib, and swaks if installed
  explain-off   the same with --explain off                  vs smtplib
  starttls      a session with STARTTLS                      vs smtplib
  command       one /command in a script                     vs the same script without it (+ms, +MiB)
  data          a --size-mb message, plain, to a sink        vs smtplib; vs a plain sendall of the file
  data-tls      the same over STARTTLS                       vs smtplib; vs an ssl sendall
  data-1char    --size-mb of 1-character CRLF lines          vs smtplib
  many          --messages messages in one session           vs smtplib (explain off and default);
                with /pipeline on (a fifth as many) against a sink that waits 5 ms per reply  vs smtplib
  memory        (--gigabyte) peak RSS sending a 1 GiB message vs smtplib

Run it with the Python of a normal (non-editable) install: an editable install adds
its import hook to every start. Whole processes are timed with perf_counter around
Popen and os.wait4 (see _common.py). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PYTHON,
    Sink,
    add_install_option,
    certificate,
    compared,
    installs,
    paired,
    peak_rss_kib,
    row,
    scratch,
    start_aiosmtpd,
)

SMTPLIB_SESSION = """
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]))
s.ehlo("x")
s.quit()
"""

SMTPLIB_STARTTLS = """
import smtplib, ssl, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]))
s.ehlo("x")
s.starttls(context=ssl.create_default_context(cafile=sys.argv[3]))
s.ehlo("x")
s.quit()
"""

SMTPLIB_SEND = """
import smtplib, ssl, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "rb") as f:
    msg = f.read()
s = smtplib.SMTP(host, port)
if len(sys.argv) > 4:
    s.ehlo("x")
    s.starttls(context=ssl.create_default_context(cafile=sys.argv[4]))
s.sendmail("a@example.org", ["b@example.org"], msg)
s.quit()
"""

# The floor: the file's bytes as they are, in large sendall calls (no encoding at all).
SENDALL_FLOOR = """
import socket, ssl, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.create_connection((host, port))
f = sock.makefile("rb")
def reply():
    while True:
        line = f.readline()
        if line[3:4] != b"-":
            return line
reply()
sock.sendall(b"EHLO x\\r\\n"); reply()
if len(sys.argv) > 4:
    sock.sendall(b"STARTTLS\\r\\n"); reply()
    sock = ssl.create_default_context(cafile=sys.argv[4]).wrap_socket(sock, server_hostname=host)
    f = sock.makefile("rb")
    sock.sendall(b"EHLO x\\r\\n"); reply()
for line in (b"MAIL FROM:<a@example.org>", b"RCPT TO:<b@example.org>", b"DATA"):
    sock.sendall(line + b"\\r\\n"); reply()
with open(path, "rb") as src:
    while True:
        block = src.read(1 << 20)
        if not block:
            break
        sock.sendall(block)
sock.sendall(b"\\r\\n.\\r\\n"); reply()  # the file may end in a bare LF: close the last line
sock.sendall(b"QUIT\\r\\n"); reply()
"""

SMTPLIB_MANY = """
import smtplib, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = smtplib.SMTP(host, port)
s.ehlo("x")
for n in range(count):
    s.sendmail("a@example.org", ["b@example.org"], f"Subject: {n}\\r\\n\\r\\nline one\\r\\nline two\\r\\n")
s.quit()
"""


Installs = dict[str, str]  # label -> its smtpshell


def smtpshell(bins: Installs, address: str, *args: str) -> dict[str, list[str]]:
    return {label: [path, address, *args] for label, path in bins.items()}


def startup_rows(bins: Installs, runs: int, tmp: Path) -> None:
    aiosmtpd, port = start_aiosmtpd()
    tls_server, tls_port = start_aiosmtpd(tmp / "tls")
    _, ca = certificate(tmp / "tls")
    try:
        base = [PYTHON, "-c", SMTPLIB_SESSION, "127.0.0.1", str(port)]
        ours = smtpshell(bins, f"127.0.0.1:{port}", "-c", "EHLO x")
        row("connect+EHLO+QUIT, default explanations", "smtplib", compared(ours, base, runs), "<= 1.0x")
        if shutil.which("swaks"):
            swaks = ["swaks", "--server", "127.0.0.1", "--port", str(port), "--quit-after", "EHLO",
                     "--to", "b@example.org"]
            row("connect+EHLO+QUIT, default explanations", "swaks", compared(ours, swaks, runs), "(as smtplib)")
        off = smtpshell(bins, f"127.0.0.1:{port}", "-c", "EHLO x", "--explain", "off")
        row("the same, --explain off", "smtplib", compared(off, base, runs), "<= 0.9x")
        tls_base = [PYTHON, "-c", SMTPLIB_STARTTLS, "localhost", str(tls_port), ca]
        tls_ours = smtpshell(bins, f"localhost:{tls_port}", "--starttls", "--cafile", ca, "-c", "EHLO x")
        row("a session with STARTTLS", "smtplib", compared(tls_ours, tls_base, runs), "<= 1.0x")
        plain = smtpshell(bins, f"127.0.0.1:{port}", "-c", "NOOP", "--explain", "off")
        with_cmd = smtpshell(bins, f"127.0.0.1:{port}", "-c", "NOOP", "-c", "/b64 hello", "--explain", "off")
        for label in bins:  # each install's script with the /command over the same install's without it
            pair = paired(with_cmd[label], plain[label], runs)
            extra = sorted((a.seconds - b.seconds) * 1000 for a, b in zip(pair.a, pair.b, strict=True))
            extra_mib = (statistics.median(peak_rss_kib(with_cmd[label]) for _ in range(3))
                         - statistics.median(peak_rss_kib(plain[label]) for _ in range(3))) / 1024
            row(f"[{label}] one /command (/b64) in a script", "no /command", pair, "only that command loads")
            print(f"  {'':<52}    {'':<24} +{statistics.median(extra):.1f} ms (min {extra[0]:+.1f}, "
                  f"max {extra[-1]:+.1f}), +{extra_mib:.1f} MiB peak RSS")
    finally:
        for proc in (aiosmtpd, tls_server):
            proc.terminate()
            proc.wait()


def write_file(path: Path, size_mb: int, unit: bytes) -> int:
    block = unit * max(1, (1 << 20) // len(unit))
    with path.open("wb") as f:
        f.write(b"Subject: big\r\n\r\n")
        for _ in range(size_mb * (1 << 20) // len(block)):
            f.write(block)
    return path.stat().st_size


def send_cmd(bins: Installs, address: str, path: Path, *tls: str) -> dict[str, list[str]]:
    return smtpshell(bins, address, "--explain", "off", *tls, "-c", "EHLO x", "-c", "MAIL FROM:<a@example.org>",
                     "-c", "RCPT TO:<b@example.org>", "-c", f"/data {path}")


def data_rows(bins: Installs, runs: int, size_mb: int, tmp: Path, only: set[str]) -> None:
    context, ca = certificate(tmp / "tls")
    sink, tls_sink = Sink(), Sink(tls=context)
    big = tmp / "big.eml"
    line = b"This is a line of a large message, long as lines in mail are. " + b"\n"
    size = write_file(big, size_mb, line * 3 + b".a line with a leading dot\n")
    print(f"  (message: {size / (1 << 20):.0f} MiB, LF line ends, a leading dot every fourth line)")
    address = f"127.0.0.1:{sink.port}"
    if "data" in only:
        ours = send_cmd(bins, address, big)
        base = [PYTHON, "-c", SMTPLIB_SEND, "127.0.0.1", str(sink.port), str(big)]
        floor = [PYTHON, "-c", SENDALL_FLOOR, "127.0.0.1", str(sink.port), str(big)]
        row("message, plain, to a sink", "smtplib", compared(ours, base, runs), "(faster)")
        row("message, plain, to a sink", "plain sendall of the file", compared(ours, floor, runs), "<= 2x")
    if "data-tls" in only:
        tls = ("--starttls", "--cafile", ca)
        ours = send_cmd(bins, f"localhost:{tls_sink.port}", big, *tls)
        base = [PYTHON, "-c", SMTPLIB_SEND, "localhost", str(tls_sink.port), str(big), ca]
        floor = [PYTHON, "-c", SENDALL_FLOOR, "localhost", str(tls_sink.port), str(big), ca]
        row("message over STARTTLS", "smtplib", compared(ours, base, runs), "(faster)")
        row("message over STARTTLS", "ssl sendall of the file", compared(ours, floor, runs), "<= 1.5x")
    if "data-1char" in only:
        tiny = tmp / "tiny.eml"
        write_file(tiny, size_mb, b"a\r\n")
        ours = send_cmd(bins, address, tiny)
        base = [PYTHON, "-c", SMTPLIB_SEND, "127.0.0.1", str(sink.port), str(tiny)]
        row("1-character CRLF lines", "smtplib", compared(ours, base, runs), "< 1.0x")
        tiny.unlink()
    big.unlink()


def many_rows(bins: Installs, runs: int, count: int, tmp: Path) -> None:
    sink, slow = Sink(), Sink(delay=0.005)
    script = tmp / "many.txt"
    lines = ["EHLO x"]
    for n in range(count):
        lines += ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", f"Subject: {n}", "", "line one",
                  "line two", "."]
    script.write_text("\n".join(lines) + "\n")
    # Against the slow server a fifth of the messages: smtplib waits 4 x 5 ms per message.
    slow_count = max(1, count // 5)
    piped = tmp / "many-pipelined.txt"
    piped.write_text("/pipeline on\n" + "\n".join(lines[: 1 + 8 * slow_count]) + "\n")
    for explain in ("off", "full"):
        ours = smtpshell(bins, f"127.0.0.1:{sink.port}", "--explain", explain, "--script", str(script))
        base = [PYTHON, "-c", SMTPLIB_MANY, "127.0.0.1", str(sink.port), str(count)]
        row(f"{count} messages, one session, --explain {explain}", "smtplib", compared(ours, base, runs),
            "<= 1.0x")
    ours = smtpshell(bins, f"127.0.0.1:{slow.port}", "--explain", "off", "--script", str(piped))
    base = [PYTHON, "-c", SMTPLIB_MANY, "127.0.0.1", str(slow.port), str(slow_count)]
    row(f"{slow_count} messages, PIPELINING, 5 ms server", "smtplib", compared(ours, base, max(3, runs // 3)),
        "<= 0.33x")


def memory_row(bins: Installs, tmp: Path) -> None:
    sink = Sink()
    huge = tmp / "huge.eml"
    write_file(huge, 1024, b"This is a line of a large message, long as lines in mail are.\n")
    base = peak_rss_kib([PYTHON, "-c", SMTPLIB_SEND, "127.0.0.1", str(sink.port), str(huge)])
    for label, cmd in send_cmd(bins, f"127.0.0.1:{sink.port}", huge).items():
        ours = peak_rss_kib(cmd)
        print(f"  {f'[{label}] peak RSS, 1 GiB message':<52} vs {'smtplib':<24} {ours / 1024:.0f} MiB vs "
              f"{base / 1024:.0f} MiB   goal flat")
    huge.unlink()


ROWS = ("startup", "explain-off", "starttls", "command", "data", "data-tls", "data-1char", "many")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--only", nargs="*", choices=ROWS, default=list(ROWS))
    parser.add_argument("--gigabyte", action="store_true", help="also the peak memory of a 1 GiB message")
    add_install_option(parser)
    args = parser.parse_args()
    only = set(args.only)
    bins = installs(args.install)
    print(f"smtpshell script mode, {args.runs} paired runs per row")
    for label, path in bins.items():
        print(f"  [{label}] {path}")
    with scratch() as name:
        tmp = Path(name)
        if only & {"startup", "explain-off", "starttls", "command"}:
            startup_rows(bins, args.runs, tmp)
        if only & {"data", "data-tls", "data-1char"}:
            data_rows(bins, max(3, args.runs // 3), args.size_mb, tmp, only)
        if "many" in only:
            many_rows(bins, max(3, args.runs // 3), args.messages, tmp)
        if args.gigabyte:
            memory_row(bins, tmp)


if __name__ == "__main__":
    main()

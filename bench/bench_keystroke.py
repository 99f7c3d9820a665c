"""Per-keystroke work of the REPL's prompt, as prompt_toolkit asks for it. Prints; never fails.

    python bench/bench_keystroke.py [--keys 200] [--history 100000] [--data-lines 10000] [--line-chars 10000]

The prompt is the real one (``ui.prompt.ReplUI``, built on a dummy terminal). For each
key it asks what prompt_toolkit asks: lexing of the lines on screen (40), completion
(when complete-while-typing is on in that phase), the auto-suggestion and the toolbar.
Each row is the median per key, and its ratio to the same keys with an empty history
or a one-line buffer (the anchor, measured in the same run): a ratio near 1 means the
work does not grow with the size. Rows (issue 18):

  history     typing MAIL/RCPT lines with a --history entries history     goal < 2 ms
  data        typing in DATA after pasting --data-lines lines            goal < 2 ms
  long-line   typing at the end of a --line-chars character command line  goal < 2 ms

Installs side by side: ``--python LABEL=PYTHON`` (repeated) runs this script under each
install's Python in turn, ``--repeat`` times (the order turning round each time), and
prints each row per install as the median with min and max over the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from smtpshell.config import Config
from smtpshell.protocol import Pending, ReplyParser, Session
from smtpshell.ui.prompt import ReplUI
from smtpshell.ui.toolbar import Where, toolbar

VISIBLE = 40  # lines of the buffer on screen


def reply(wire: bytes):  # type: ignore[no-untyped-def]
    (parsed,) = ReplyParser().feed(wire)
    return parsed


def session_in(data: bool) -> Session:
    session = Session()
    session.connected()
    session.received(reply(b"220 mx.bench.test ESMTP\r\n"))
    session.sent(Pending.command("EHLO bench.test"))
    session.received(reply(b"250-mx.bench.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n"))
    if data:
        for line, answer in (("MAIL FROM:<a@example.org>", b"250 ok\r\n"), ("RCPT TO:<b@example.org>", b"250 ok\r\n"),
                             ("DATA", b"354 go ahead\r\n")):
            session.sent(Pending.command(line))
            session.received(reply(answer))
    return session


def write_history(path: Path, entries: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(entries):
            line = (f"MAIL FROM:<sender{n}@example.org>", f"RCPT TO:<rcpt{n}@example.net>", f"EHLO host{n}.example",
                    f"NOOP {n}")[n % 4]
            out.write(f"\n# 2026-01-01 00:00:00\n+{line}\n")


def build_ui(tmp: Path, session: Session, history_entries: int) -> ReplUI:
    config = Config()
    config.history_size = max(history_entries, 1)  # (a setting since issue 18; harmless before)
    path = tmp / f"history-{history_entries}"
    write_history(path, history_entries)
    ui = ReplUI(config, lambda: session, lambda: Where("mx.bench.test:25", "TLSv1.3"), path)

    async def load() -> None:
        assert ui.history is not None
        async for _ in ui.history.load():
            pass

    asyncio.run(load())
    return ui


PARTS = ("lex", "complete", "suggest", "toolbar")


def per_key(ui: ReplUI, texts: list[str]) -> tuple[float, dict[str, float]]:
    """Median seconds per key over ``texts`` (each the buffer after one more key), and per part."""
    prompt = ui.prompt_session
    buffer = prompt.default_buffer
    event = CompleteEvent(text_inserted=True)
    samples: list[float] = []
    parts: dict[str, list[float]] = {name: [] for name in PARTS}
    for text in texts:
        document = Document(text)
        t0 = time.perf_counter()
        get_line = prompt.lexer.lex_document(document)  # type: ignore[union-attr]
        last = document.line_count
        for number in range(max(0, last - VISIBLE), last):
            get_line(number)
        t1 = time.perf_counter()
        if ui._completion_wanted():
            list(prompt.completer.get_completions(document, event))  # type: ignore[union-attr]
        t2 = time.perf_counter()
        if prompt.auto_suggest is not None:
            prompt.auto_suggest.get_suggestion(buffer, document)
        t3 = time.perf_counter()
        toolbar(ui._session(), ui._where(), text)  # what ReplUI._toolbar draws, for this text
        t4 = time.perf_counter()
        samples.append(t4 - t0)
        for name, took in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[name].append(took)
    return statistics.median(samples), {name: statistics.median(v) for name, v in parts.items()}


def left_by_paste(ui: ReplUI, pasted: str) -> str:
    """What the prompt's buffer holds after ``pasted`` is pasted inside DATA: since ui/paste.py
    a large paste leaves only its last line there (the paste binding holds the others above the
    prompt, as done here); an install without it keeps the whole paste in the buffer."""
    try:
        from smtpshell.ui.paste import split_large
    except ImportError:
        return pasted
    split = split_large("", 0, pasted)
    if split is None:
        return pasted
    ui.held_paste.hold(split[0])
    return split[1]


def keys_of(prefix: str, typed: str) -> list[str]:
    return [prefix + typed[: n + 1] for n in range(len(typed))]


def show(name: str, ours: tuple[float, dict[str, float]], anchor: tuple[float, dict[str, float]],
         anchor_name: str, as_json: bool = False) -> None:
    total, parts = ours
    if as_json:
        print(json.dumps({"row": name, "ms": total * 1000, "ratio": total / anchor[0], "anchor": anchor_name}))
        return
    print(f"  {name:<40} {total * 1000:8.3f} ms per key   {total / anchor[0]:7.2f}x {anchor_name} "
          f"({anchor[0] * 1000:.3f} ms)   goal < 2 ms")
    print("  " + " " * 40 + "   " + ", ".join(f"{n} {v * 1000:.3f}" for n, v in parts.items()) + " (ms)")


def typed_keys(make: Callable[[int], list[str]], keys: int) -> list[str]:
    """``keys`` buffer texts, one per key, from ``make(0)``, ``make(1)``, ...: each a line typed
    afresh. (Repeating one line would let a cache of what was lexed or completed for the very
    same text answer every key after the first round, which typing never does; lines that
    share their first characters, as successive MAIL commands do, are what typing does.)"""
    texts: list[str] = []
    number = 0
    while len(texts) < keys:
        texts += make(number)
        number += 1
    return texts[:keys]


def side_by_side(pythons: list[str], repeat: int, passed: list[str]) -> None:
    """This script under each LABEL=PYTHON in turn; each row's ms per key and ratio, median (min-max)."""
    found: dict[str, dict[str, list[tuple[float, float]]]] = {}
    interpreters = dict(item.partition("=")[::2] for item in pythons)
    labels = list(interpreters)
    for number in range(repeat):
        for label in labels if number % 2 == 0 else labels[::-1]:
            out = subprocess.run([interpreters[label], __file__, "--json", *passed], capture_output=True,
                                 text=True, check=True).stdout
            for line in out.splitlines():
                one = json.loads(line)
                found.setdefault(one["row"], {}).setdefault(label, []).append((one["ms"], one["ratio"]))
    print(f"per keystroke, {repeat} runs of each install in turn; median (min-max) over the runs")
    for name, by_label in found.items():
        for label in labels:
            ms = sorted(m for m, _ in by_label[label])
            ratio = sorted(r for _, r in by_label[label])
            print(f"  [{label}] {name:<36} {statistics.median(ms):8.3f} ms per key ({ms[0]:.3f}-{ms[-1]:.3f})   "
                  f"{statistics.median(ratio):6.2f}x its small anchor ({ratio[0]:.2f}-{ratio[-1]:.2f})   goal < 2 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--data-lines", type=int, default=10_000)
    parser.add_argument("--line-chars", type=int, default=10_000)
    parser.add_argument("--python", action="append", default=[], metavar="LABEL=PYTHON",
                        help="run under each install's Python in turn (repeat it); see --repeat")
    parser.add_argument("--repeat", type=int, default=3, help="with --python: runs of each install")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.python:
        passed = [f"--keys={args.keys}", f"--history={args.history}", f"--data-lines={args.data_lines}",
                  f"--line-chars={args.line_chars}"]
        side_by_side(args.python, args.repeat, passed)
        return
    quiet = args.json
    typed = typed_keys(lambda n: keys_of("", f"MAIL FROM:<sender{n}@exa") + keys_of("", f"RCPT TO:<rcpt{n}"), args.keys)
    if not quiet:
        print(f"per keystroke, median of {args.keys} keys, {VISIBLE} lines on screen")
    with tempfile.TemporaryDirectory() as name, create_pipe_input() as pipe, \
            create_app_session(input=pipe, output=DummyOutput()):
        tmp = Path(name)
        command = session_in(data=False)
        big, empty = build_ui(tmp, command, args.history), build_ui(tmp, command, 0)
        show(f"history of {args.history:,} entries", per_key(big, typed), per_key(empty, typed), "an empty history", quiet)

        data = session_in(data=True)
        ui = build_ui(tmp, data, 0)
        head = "From: a@example.org\nTo: b@example.org\nSubject: a paste\n\n"
        paste = head + "".join(f"line {n} of the pasted body, with words in it\n" for n in range(args.data_lines))
        body_keys = typed_keys(lambda n: keys_of(f"more words typed at the end, {n} ", "and more "), args.keys)
        anchor = per_key(ui, [head + k for k in body_keys])  # before the paste is held
        left = left_by_paste(ui, paste)
        ours = per_key(ui, [left + k for k in body_keys])
        show(f"DATA, typing after pasting {args.data_lines:,} lines", ours, anchor, "a 4-line message", quiet)

        ui = build_ui(tmp, command, 0)
        long_line = "MAIL FROM:<a@example.org>"
        while len(long_line) < args.line_chars:
            long_line += f" X-PARAM{len(long_line)}=value"
        long_line = long_line[: args.line_chars]
        line_keys = typed_keys(lambda n: keys_of(f" X-N{n}=", "abc ENVID=abc"), args.keys)
        ours = per_key(ui, [long_line + k for k in line_keys])
        anchor = per_key(ui, ["MAIL FROM:<a@example.org>" + k for k in line_keys])
        show(f"command line of {args.line_chars:,} characters", ours, anchor, "a 25-character line", quiet)


if __name__ == "__main__":
    main()

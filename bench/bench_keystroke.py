"""Per-keystroke cost of the prompt: lexing + completion + toolbar.

On each key the prompt re-lexes the line (SmtpLexer through prompt_toolkit's
PygmentsLexer), asks the completer for candidates (complete while typing) and
redraws the toolbar. This times exactly those three calls, as the prompt makes
them, on a 500-character MAIL FROM line, with a session whose server
advertised 50 EHLO keywords (so completion filters many parameters).

    /tmp/venv/bin/python bench/bench_keystroke.py [--keys 2000]

Prints figures; never fails on timing. Goal: median under 1 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.lexers import PygmentsLexer

from smtpshell.protocol import Pending, ReplyParser, Session
from smtpshell.ui.completer import SmtpCompleter
from smtpshell.ui.completion import Sources
from smtpshell.ui.lexer import SmtpLexer
from smtpshell.ui.toolbar import Where, toolbar

REAL_KEYWORDS = ["SIZE 52428800", "8BITMIME", "SMTPUTF8", "DSN", "PIPELINING", "CHUNKING", "BINARYMIME",
                 "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH LOGIN PLAIN CRAM-MD5 XOAUTH2", "REQUIRETLS",
                 "MT-PRIORITY", "ETRN", "VRFY", "DELIVERBY 300", "FUTURERELEASE 604800 2012-01-01T00:00:00Z"]


def fifty_keyword_session() -> Session:
    keywords = REAL_KEYWORDS + [f"X-EXTENSION-{n} VALUE{n}" for n in range(50 - len(REAL_KEYWORDS))]
    lines = ["mx.bench.test"] + keywords
    wire = "".join(f"250{'-' if i < len(lines) - 1 else ' '}{line}\r\n" for i, line in enumerate(lines))
    (greeting,) = ReplyParser().feed(b"220 mx.bench.test ESMTP\r\n")
    (ehlo,) = ReplyParser().feed(wire.encode())
    session = Session()
    session.connected()
    session.received(greeting)
    session.sent(Pending.command("EHLO bench.test"))
    session.received(ehlo)
    assert session.capabilities is not None and len(session.capabilities.keywords) == 50
    for n in range(20):
        session.addresses.append(f"user{n}@example.org")
    return session


def five_hundred_char_line() -> str:
    line = "MAIL FROM:<someone.with.a.long.name@sub.domain.example.org> SIZE=123456 BODY=8BITMIME SMTPUTF8"
    n = 0
    while len(line) < 490:
        line += f" ENVID=QQ{n:04d}x"
        n += 1
    line = line[:495] + " RET="
    assert len(line) == 500
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=2000)
    keys = parser.parse_args().keys
    session = fifty_keyword_session()
    history = [f"RCPT TO:<h{n}@example.net>" for n in range(200)]
    sources = Sources(history_addresses=[f"h{n}@example.net" for n in range(200)])
    lexer = PygmentsLexer(SmtpLexer)
    completer = SmtpCompleter(lambda: session, lambda: sources)
    where = Where("mx.bench.test:25", "TLSv1.3")
    line = five_hundred_char_line()
    event = CompleteEvent(text_inserted=True)

    parts: dict[str, list[float]] = {"lex": [], "complete": [], "toolbar": [], "total": []}
    # Alternate the line ending in "RET=" (values offered) and "RE" (parameter names offered).
    texts = [line, line[:-2]]
    offered = [len(list(completer.get_completions(Document(t), event))) for t in texts]
    for i in range(keys):
        document = Document(texts[i % len(texts)])
        t0 = time.perf_counter()
        get_line = lexer.lex_document(document)
        fragments = get_line(0)
        t1 = time.perf_counter()
        found = list(completer.get_completions(document, event))
        t2 = time.perf_counter()
        bar = toolbar(session, where, document.text)
        t3 = time.perf_counter()
        parts["lex"].append(t1 - t0)
        parts["complete"].append(t2 - t1)
        parts["toolbar"].append(t3 - t2)
        parts["total"].append(t3 - t0)
    assert fragments and bar and found
    print(f"per keystroke, {keys} keys, 500-char line, 50 EHLO keywords, "
          f"{len(history)} history addresses ({' and '.join(map(str, offered))} candidates at the cursor)")
    for name, samples in parts.items():
        samples.sort()
        p95 = samples[int(len(samples) * 0.95)]
        print(f"  {name:<9} median {statistics.median(samples) * 1e6:7.1f} us   p95 {p95 * 1e6:7.1f} us")
    # A verb being typed on an empty line: the most common case.
    short = []
    for i in range(keys):
        document = Document("RC" if i % 2 else "R")
        t0 = time.perf_counter()
        lexer.lex_document(document)(0)
        list(completer.get_completions(document, event))
        toolbar(session, where, document.text)
        short.append(time.perf_counter() - t0)
    print(f"  short line (a verb being typed): median {statistics.median(short) * 1e6:.1f} us")
    print("goal: total median under 1000 us")


if __name__ == "__main__":
    main()

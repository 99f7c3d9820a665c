"""How well the explanation engine reads the corpus of real replies (issue 13).

Run: ``python bench/explain_coverage.py``. For every entry of tests/data/replies/ it parses the
reply with the real parser, renders it as script mode does (``--explain full``) with the entry's
command and session facts, and prints:

* how many are explained *specifically* (the meaning line comes from the server's text, a
  provider's table, a registered enhanced code, the code in context or the code itself, not
  from the class fallback);
* how many meet their ``must_say`` / ``must_not_say`` phrases (tests/test_reply_corpus.py asserts
  all of them).

``--list`` prints the entries that fail, with their meaning and hint lines.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from corpus_report import load_corpus  # noqa: E402  (found through the path set above)
from reply_corpus import explain_entry  # noqa: E402


def main(argv: list[str]) -> int:
    report = load_corpus()
    specific = passing = 0
    failures: list[str] = []
    steps: Counter[str] = Counter()
    for entry in report.entries:
        seen = explain_entry(entry)
        specific += seen.specific
        steps[seen.step] += 1
        problems = seen.problems(entry)
        passing += not problems
        if problems:
            failures.append(f"{entry.id}: {'; '.join(problems)}\n    {seen.meaning}\n    {seen.hint}")
    total = len(report.entries)
    print(f"corpus: {total} replies")
    print(f"explained specifically (not by the class fallback): {specific} of {total} ({100 * specific / total:.0f}%)")
    print(f"meaning + hint say what they must and nothing they must not: {passing} of {total} ({100 * passing / total:.0f}%)")
    words = steps["text"] + steps["provider"]
    print(f"read from the server's words or a provider table: {words} of {total}")
    print("the meaning line came from: " + ", ".join(f"{name} {n}" for name, n in steps.most_common()))
    if "--list" in argv:
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

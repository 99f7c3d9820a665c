"""Issue 13, must-show 1: every real reply of the corpus is explained right, and nothing wrong.

Each entry of tests/data/replies/*.toml goes through the real parser (8-bit decoding and
multi-line joining included), the engine and the renderer, with the command it answers and the
session facts the entry gives (TLS, logged in, as whom, MAIL FROM). The meaning line and the
hint line a user sees must contain every ``must_say`` phrase and none of ``must_not_say``.
"""

from __future__ import annotations

import pytest

from tests.corpus_report import load_corpus
from tests.reply_corpus import explain_entry, parse_entry

ENTRIES = load_corpus().entries


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_the_engine_says_what_the_corpus_says(entry) -> None:  # type: ignore[no-untyped-def]
    seen = explain_entry(entry)
    assert seen.meaning, f"{entry.id}: no meaning line"
    assert not seen.problems(entry), (entry.id, seen.problems(entry), seen.meaning, seen.hint)


def test_every_entry_is_explained_specifically() -> None:
    vague = [e.id for e in ENTRIES if not explain_entry(e).specific]
    assert vague == []


def test_the_gbk_replies_decode_as_chinese() -> None:
    gbk = [e for e in ENTRIES if "reply_hex" in e.data]
    assert len(gbk) == 2
    for entry in gbk:
        reply = parse_entry(entry)
        assert "授权码" in reply.text
        assert any("GB18030" in note for note in reply.notes)


def test_the_provider_tables_load_only_for_a_failure() -> None:
    """Start-up must not pay for the tables (tomllib, ten files) on a session of 2xx replies."""
    import subprocess
    import sys

    probe = (
        "import sys; from smtpshell import knowledge as k\n"
        "k.explain_reply(250, '2.1.0', 'MAIL', 'OK'); k.explain_reply(354, None, 'DATA', 'go ahead')\n"
        "print('tomllib' in sys.modules, 'smtpshell.knowledge.provider_tables' in sys.modules)\n"
        "k.explain_reply(450, None, 'RCPT', 'RP:DRC')\n"
        "print('smtpshell.knowledge.provider_tables' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "False", "True"], done.stdout + done.stderr

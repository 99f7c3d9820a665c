"""Terminology: the zh_CN catalogue never uses a word docs/glossary.md says to avoid."""

from __future__ import annotations

import re
from pathlib import Path

from smtpshell import i18n

ROOT = Path(__file__).resolve().parent.parent


def avoided_words() -> dict[str, str]:
    """'avoid' word -> the glossary's word for it, from the glossary's table."""
    out: dict[str, str] = {}
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "---"):
            continue
        for word in cells[2].split(","):
            word = re.sub(r"\s*\(.*\)$", "", word.strip())  # "回复 (for SMTP replies)" -> 回复
            if word and word != "—":
                out[word] = cells[1]
    return out


def test_the_glossary_table_is_read() -> None:
    words = avoided_words()
    assert words["身份验证"].startswith("认证") and len(words) > 30


def test_catalogue_uses_the_glossary_words() -> None:
    catalogue = i18n.load_catalogue(i18n._find("zh_CN") or "")
    assert catalogue, "no zh_CN catalogue"
    words = avoided_words()
    found = [(key, word, words[word]) for key, text in catalogue.items() for word in words if word in text]
    assert not found, "words the glossary says to avoid: " + "; ".join(f"{k}: {w} -> {use}" for k, w, use in found[:15])

"""The provider tables (``knowledge/providers/*.toml``), read the first time a reply needs them.

Adding a provider is adding a file there (see its README.md); nothing here names a provider.
The files are parsed with :mod:`tomllib` once, on the first 4xx/5xx reply the engine explains:
a script session whose replies all succeed never reads them. A row's English text sits in the
file; its Chinese text is registered under the row's i18n keys (:func:`texts_for`), so a zh_CN
catalogue can use or override it.
"""

from __future__ import annotations

import functools
import pathlib
import re
from typing import Any, NamedTuple

PROVIDER_DIR = pathlib.Path(__file__).with_name("providers")


class Provider(NamedTuple):
    name: str
    display: str
    domains: tuple[str, ...]
    hosts: tuple[str, ...]
    sources: tuple[str, ...]


class Row(NamedTuple):
    provider: Provider
    key: str  # provider.<name>.<slug>; i18n keys <key>.meaning and <key>.hint
    pattern: re.Pattern[str] | None  # None: no text condition
    enhanced: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # inclusive ranges
    codes: tuple[int, ...]
    code_required: bool
    provider_required: bool
    stage: str
    source: str
    meaning: str
    hint: str
    meaning_zh: str
    hint_zh: str

    def applies(self, code: int, enhanced: str | None, text: str, provider: str | None) -> bool:
        if self.pattern is not None and not self.pattern.search(text):
            return False
        if self.enhanced and not (enhanced and any(lo <= _parts(enhanced) <= hi for lo, hi in self.enhanced)):
            return False
        if self.code_required and code not in self.codes:
            return False
        return not self.provider_required or provider == self.provider.name


def _parts(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("."))


def _range(spec: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    low, _, high = spec.partition("..")
    return _parts(low), _parts(high or low)


def _row(provider: Provider, data: dict[str, Any]) -> Row:
    match = data.get("match", "")
    if not match:
        pattern = None
    elif data.get("kind", "literal") == "regex":
        pattern = re.compile(match, re.IGNORECASE)
    else:
        pattern = re.compile(re.escape(match), re.IGNORECASE)
    return Row(provider, data["key"], pattern, tuple(_range(e) for e in data.get("enhanced", ())),
               tuple(data.get("codes", ())), bool(data.get("code_required")), bool(data.get("provider_required")),
               data.get("stage", ""), data["source"], data["meaning"], data["hint"],
               data.get("meaning_zh_CN", ""), data.get("hint_zh_CN", ""))


@functools.cache
def tables() -> tuple[tuple[Provider, tuple[Row, ...]], ...]:
    """Every provider and its rows, in file order (rows first to last, as the README says)."""
    import tomllib  # only when a failure is explained

    out = []
    for path in sorted(PROVIDER_DIR.glob("*.toml")):
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        head = document.get("provider", {})
        provider = Provider(head.get("name", path.stem), head.get("display", path.stem), tuple(head.get("domains", ())),
                            tuple(head.get("hosts", ())), tuple(head.get("sources", ())))
        out.append((provider, tuple(_row(provider, row) for row in document.get("row", ()))))
    return tuple(out)


def provider_of(*names: str | None) -> str | None:
    """The provider a host name or an address belongs to (the server's name, the login, MAIL FROM)."""
    for name in names:
        if not name:
            continue
        name = name.lower().rsplit("@", 1)[-1].strip("<>. ")
        for provider, _ in tables():
            if any(name == d or name.endswith("." + d) for d in provider.domains + provider.hosts):
                return provider.name
    return None


def find(code: int, enhanced: str | None, text: str, provider: str | None) -> Row | None:
    """The first row that applies: the known provider's file first, then every file in order."""
    ordered = sorted(tables(), key=lambda item: item[0].name != provider)
    for _, rows in ordered:
        for row in rows:
            if row.applies(code, enhanced, text, provider):
                return row
    return None


def texts_for(lang: str) -> dict[str, str]:
    """Every row's text by i18n key: English for "en", the rows' own Chinese for "zh"/"zh_CN"."""
    chinese = lang.split("_", 1)[0] == "zh"
    out: dict[str, str] = {}
    for _, rows in tables():
        for row in rows:
            out[f"{row.key}.meaning"] = row.meaning_zh if chinese and row.meaning_zh else row.meaning
            out[f"{row.key}.hint"] = row.hint_zh if chinese and row.hint_zh else row.hint
    return out

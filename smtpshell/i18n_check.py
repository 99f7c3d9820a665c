"""Check a catalogue against the English texts: what is missing, stale or dead.

    python -m smtpshell.i18n_check zh_CN                 # everything
    python -m smtpshell.i18n_check zh_CN --under smtpshell/shell --missing

*Missing*: an English key the catalogue lacks. *Stale*: a translation whose
``{placeholders}`` differ from the English (it would fall back to English at
run time). *Dead*: a catalogue key nothing in the program uses. Provider table
rows carry their own Chinese (``meaning_zh_CN``) and count as translated when
they have it. Exit status 1 when anything is found, so a test or CI can use it.
"""

from __future__ import annotations

import argparse
import string
import sys
from dataclasses import dataclass, field

from .i18n import _find, catalogue_files, load_catalogue, ui_text_sources


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text formats (``{{`` and ``}}`` are literal braces)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


@dataclass
class Report:
    english: dict[str, tuple[str, str]]  # key -> (English, where it comes from)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    translated: int = 0


def english_texts() -> dict[str, tuple[str, str]]:
    """Every English text by key, with where it lives (a source file, or the knowledge tables)."""
    from .knowledge.texts import all_texts, provider_texts

    out = dict(ui_text_sources())
    out.update((key, (text, "smtpshell/knowledge")) for key, text in all_texts().items())
    out.update((key, (text, "smtpshell/knowledge/providers")) for key, text in provider_texts("en").items())
    return out


def check(lang: str) -> Report:
    from .knowledge.texts import provider_texts

    path = _find(lang)
    catalogue = load_catalogue(path) if path else {}
    english = english_texts()
    own = provider_texts(lang)  # the provider rows' own translations
    report = Report(english)
    for key, (text, _where) in sorted(english.items()):
        translated = catalogue.get(key)
        if translated is None and key.startswith("provider.") and own.get(key, text) != text:
            translated = own[key]
        if translated is None:
            report.missing.append(key)
        elif placeholders(translated) != placeholders(text):
            report.stale.append(key)
        else:
            report.translated += 1
    report.dead = sorted(set(catalogue) - set(english))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smtpshell.i18n_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("lang")
    parser.add_argument("--under", default="", help="only keys whose source path starts with this")
    parser.add_argument("--missing", action="store_true", help="print missing keys as TOML to fill in")
    args = parser.parse_args(argv)
    report = check(args.lang)
    files = catalogue_files(_find(args.lang) or "")

    def mine(key: str) -> bool:
        return report.english[key][1].startswith(args.under) if key in report.english else not args.under

    missing = [k for k in report.missing if mine(k)]
    stale = [k for k in report.stale if mine(k)]
    dead = [k for k in report.dead if not args.under]
    if args.missing:
        for key in missing:
            text, where = report.english[key]
            print(f"# {where}\n{_toml_key(key)} = {_toml_string(text)}")
        return 1 if missing else 0
    print(f"{args.lang}: {report.translated} of {len(report.english)} texts translated ({', '.join(files) or 'no catalogue'})")
    for label, keys in (("missing", missing), ("stale (placeholders differ)", stale), ("dead (not used)", dead)):
        if keys:
            print(f"{len(keys)} {label}:")
            for key in keys:
                print(f"  {key}  [{report.english[key][1] if key in report.english else '-'}]")
    return 1 if (missing or stale or dead) else 0


def _toml_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head: the reader has what it wanted
        sys.stderr.close()
        sys.exit(0)

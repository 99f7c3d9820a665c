"""Check and count the corpus of real SMTP replies in tests/data/replies/.

Run it alone: ``python tests/corpus_report.py``. It loads every provider
file, checks each entry (fields, source URL, reply shape, must_say phrases),
prints the counts per provider and per command, and exits non-zero when the
corpus is not well-formed. The format is described in
tests/data/replies/README.md. This checks the data only, not the engine.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "data" / "replies"
PROVIDER_DIR = Path(__file__).parent.parent / "smtpshell" / "knowledge" / "providers"
REQUIRED_PROVIDERS = frozenset({"netease", "qq", "alibaba", "sina", "coremail", "gmail", "microsoft", "yahoo"})
CHINESE_PROVIDERS = frozenset({"netease", "qq", "alibaba", "sina", "coremail"})
MIN_ENTRIES = 150
MIN_CHINESE = 50
COMMANDS = frozenset(
    {"connect", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", ".", "RSET", "QUIT", "any"}
)
CONTEXT_TYPES: dict[str, type] = {
    "tls": bool,
    "authenticated": bool,
    "auth_user": str,
    "mail_from": str,
    "port": int,
}
REQUIRED_TEXT = ("id", "provider", "command", "source", "meaning", "hint")
KNOWN_FIELDS = frozenset(REQUIRED_TEXT) | {"reply", "reply_hex", "context", "note", "must_say", "must_not_say"}
ID_SHAPE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
URL_SHAPE = re.compile(r"^https?://\S+$")
REPLY_LINE = re.compile(r"^(?P<code>[2-5]\d\d)(?P<sep>[ -]|$)")


@dataclass(frozen=True)
class Entry:
    """One corpus entry, as read from its file."""

    file: str
    data: dict

    @property
    def id(self) -> str:
        return str(self.data.get("id", "?"))

    @property
    def provider(self) -> str:
        return str(self.data.get("provider", "?"))

    def reply_bytes(self) -> bytes:
        """The reply as the server sent it (UTF-8 text or the raw hex bytes)."""
        if "reply_hex" in self.data:
            return bytes.fromhex(self.data["reply_hex"])
        return str(self.data.get("reply", "")).encode("utf-8")


@dataclass
class Report:
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_provider(self) -> Counter[str]:
        return Counter(e.provider for e in self.entries)

    def chinese(self) -> int:
        return sum(1 for e in self.entries if e.provider in CHINESE_PROVIDERS)


def load_corpus(directory: Path = CORPUS_DIR) -> Report:
    """Read every *.toml file; a file that does not parse is a problem, not a crash."""
    report = Report()
    for path in sorted(directory.glob("*.toml")):
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            report.problems.append(f"{path.name}: cannot be read: {exc}")
            continue
        for data in document.get("entry", []):
            report.entries.append(Entry(path.name, data))
    return report


def check_corpus(report: Report) -> list[str]:
    """Every problem found in the loaded corpus, one line each."""
    problems = list(report.problems)
    seen: set[str] = set()
    for entry in report.entries:
        problems.extend(f"{entry.file}: {entry.id}: {p}" for p in entry_problems(entry))
        if entry.id in seen:
            problems.append(f"{entry.file}: {entry.id}: id used twice")
        seen.add(entry.id)
    if len(report.entries) < MIN_ENTRIES:
        problems.append(f"only {len(report.entries)} entries, at least {MIN_ENTRIES} wanted")
    if report.chinese() < MIN_CHINESE:
        problems.append(f"only {report.chinese()} entries from Chinese providers, at least {MIN_CHINESE} wanted")
    return problems


def entry_problems(entry: Entry) -> list[str]:
    data = entry.data
    problems = [f"unknown field {name!r}" for name in sorted(set(data) - KNOWN_FIELDS)]
    for name in REQUIRED_TEXT:
        if not isinstance(data.get(name), str) or not data[name].strip():
            problems.append(f"missing {name}")
    if problems:
        return problems
    if not ID_SHAPE.match(data["id"]):
        problems.append("id is not lowercase [a-z0-9-]")
    if data["provider"] != Path(entry.file).stem:
        problems.append(f"provider {data['provider']!r} is not the file's ({Path(entry.file).stem!r})")
    if data["command"] not in COMMANDS:
        problems.append(f"command {data['command']!r} is not one of {sorted(COMMANDS)}")
    if not URL_SHAPE.match(data["source"]):
        problems.append("source is not an http(s) URL")
    problems.extend(reply_problems(data))
    problems.extend(context_problems(data.get("context", {})))
    problems.extend(phrase_problems(data, "must_say", minimum=1))
    problems.extend(phrase_problems(data, "must_not_say", minimum=0))
    return problems


def reply_problems(data: dict) -> list[str]:
    has_text, has_hex = "reply" in data, "reply_hex" in data
    if has_text == has_hex:
        return ["needs exactly one of reply and reply_hex"]
    if has_hex:
        try:
            raw = bytes.fromhex(data["reply_hex"])
        except (TypeError, ValueError):
            return ["reply_hex is not hex"]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return reply_shape_problems(raw.decode("latin-1"))
        return ["reply_hex is valid UTF-8: use reply"]
    if not isinstance(data["reply"], str) or not data["reply"].strip():
        return ["reply is empty"]
    return reply_shape_problems(data["reply"])


def reply_shape_problems(text: str) -> list[str]:
    """Each line has a reply code; continuation lines use '-', the last one does not."""
    lines = text.split("\n")
    matches = [REPLY_LINE.match(line) for line in lines]
    if not all(matches):
        return ["a reply line does not start with a 3-digit reply code"]
    codes = {m["code"] for m in matches if m}
    separators = [m["sep"] for m in matches if m]
    problems = []
    if len(codes) > 1:
        problems.append(f"reply lines carry different codes {sorted(codes)}")
    if any(sep != "-" for sep in separators[:-1]) or separators[-1] == "-":
        problems.append("multi-line reply: '-' must follow the code on all lines but the last")
    return problems


def context_problems(context: object) -> list[str]:
    if not isinstance(context, dict):
        return ["context is not a table"]
    problems = []
    for key, value in context.items():
        wanted = CONTEXT_TYPES.get(key)
        if wanted is None:
            problems.append(f"unknown context key {key!r}")
        elif type(value) is not wanted:
            problems.append(f"context {key} should be {wanted.__name__}")
    return problems


def phrase_problems(data: dict, name: str, minimum: int) -> list[str]:
    phrases = data.get(name, [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        return [f"{name} must be a list of non-empty strings"]
    problems = []
    if not minimum <= len(phrases) <= 3:
        problems.append(f"{name} has {len(phrases)} phrases, wanted {minimum}-3")
    problems.extend(f"{name} phrase {p!r} is not lowercase" for p in phrases if p != p.lower())
    text = (data["meaning"] + " " + data["hint"]).lower()
    if name == "must_say":
        problems.extend(f"our own meaning+hint lack must_say {p!r}" for p in phrases if p not in text)
    else:
        problems.extend(f"our own meaning+hint contain must_not_say {p!r}" for p in phrases if p in text)
    return problems


ROW_TEXT = ("key", "source", "meaning", "hint", "meaning_zh_CN", "hint_zh_CN")
ROW_FIELDS = frozenset(ROW_TEXT) | {
    "match", "kind", "enhanced", "codes", "commands", "stage", "code_required", "provider_required", "note",
}
STAGES = frozenset({"connection", "auth", "tls", "sender", "recipient", "content"})
ENHANCED_SHAPE = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}(\.\.[245]\.\d{1,3}\.\d{1,3})?$")
HAN = re.compile(r"[\u4e00-\u9fff]")


def load_provider_tables(directory: Path = PROVIDER_DIR) -> tuple[dict[str, dict], list[str]]:
    """Every provider table by file stem, and the files that could not be read."""
    tables: dict[str, dict] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            tables[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: cannot be read: {exc}")
    return tables, problems


def check_provider_tables(tables: dict[str, dict]) -> list[str]:
    problems = [f"missing provider table {name}.toml" for name in sorted(REQUIRED_PROVIDERS - set(tables))]
    keys: set[str] = set()
    for name, table in tables.items():
        provider = table.get("provider", {})
        if provider.get("name") != name:
            problems.append(f"{name}.toml: [provider] name is not {name!r}")
        if not provider.get("sources"):
            problems.append(f"{name}.toml: [provider] has no sources")
        rows = table.get("row", [])
        if not rows:
            problems.append(f"{name}.toml: no rows")
        for row in rows:
            key = str(row.get("key", "?"))
            problems.extend(f"{name}.toml: {key}: {p}" for p in row_problems(name, row))
            if key in keys:
                problems.append(f"{name}.toml: {key}: key used twice")
            keys.add(key)
    return problems


def row_problems(name: str, row: dict) -> list[str]:
    problems = [f"unknown field {f!r}" for f in sorted(set(row) - ROW_FIELDS)]
    problems.extend(f"missing {f}" for f in ROW_TEXT if not isinstance(row.get(f), str) or not row[f].strip())
    if problems:
        return problems
    if not row["key"].startswith(f"provider.{name}.") or row["key"] != row["key"].lower():
        problems.append(f"key must be lowercase provider.{name}.<slug>")
    if not URL_SHAPE.match(row["source"]):
        problems.append("source is not an http(s) URL")
    if not HAN.search(row["meaning_zh_CN"] + row["hint_zh_CN"]):
        problems.append("zh_CN text has no Chinese in it")
    match, kind = row.get("match", ""), row.get("kind", "literal")
    if kind not in ("literal", "regex"):
        problems.append(f"kind {kind!r} is not literal or regex")
    elif kind == "regex":
        try:
            re.compile(match, re.IGNORECASE)
        except re.error as exc:
            problems.append(f"match is not a valid regex: {exc}")
    enhanced = row.get("enhanced", [])
    problems.extend(f"enhanced {e!r} is not X.Y.Z or X.Y.Z..X.Y.Z" for e in enhanced if not ENHANCED_SHAPE.match(e))
    guarded = bool(row.get("provider_required")) and bool(row.get("code_required")) and bool(row.get("codes"))
    if not match and not enhanced and not guarded:
        problems.append("row has no condition (match, enhanced, or provider_required+code_required)")
    if "stage" in row and row["stage"] not in STAGES:
        problems.append(f"stage {row['stage']!r} is not one of {sorted(STAGES)}")
    if "commands" in row and not set(row["commands"]) <= COMMANDS:
        problems.append("commands has an unknown command")
    return problems


def multi_line_count(report: Report) -> int:
    return sum(1 for e in report.entries if b"\n" in e.reply_bytes())


def print_report(report: Report, problems: list[str]) -> None:
    print(f"replies: {len(report.entries)} (Chinese providers: {report.chinese()})")
    for provider, count in sorted(report.by_provider().items(), key=lambda kv: (-kv[1], kv[0])):
        marker = "  (zh)" if provider in CHINESE_PROVIDERS else ""
        print(f"  {provider:<10} {count:>4}{marker}")
    commands = Counter(str(e.data.get("command")) for e in report.entries)
    print("by command: " + ", ".join(f"{c} {n}" for c, n in sorted(commands.items())))
    eight_bit = sum(1 for e in report.entries if "reply_hex" in e.data)
    print(f"multi-line replies: {multi_line_count(report)}; non-UTF-8 (reply_hex): {eight_bit}")
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems:
            print(f"  {problem}")
    else:
        print("corpus is well-formed")


def main() -> int:
    report = load_corpus()
    tables, table_problems = load_provider_tables()
    problems = check_corpus(report) + table_problems + check_provider_tables(tables)
    rows = {name: len(table.get("row", [])) for name, table in tables.items()}
    print_report(report, problems)
    print(f"provider tables: {len(tables)}, rows: {sum(rows.values())} (" + ", ".join(f"{n} {c}" for n, c in sorted(rows.items())) + ")")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

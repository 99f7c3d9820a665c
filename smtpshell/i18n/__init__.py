"""Languages: UI messages and knowledge texts, translatable as data alone.

Theory of operation
-------------------
English lives in the code and in the knowledge tables, next to what it
describes, so English always works and nothing can be "missing". Every
translatable text has a stable key (``reply.550.title``,
``enhanced.1.1.meaning``, ``ui.ehlo.appeared``...). A language is a TOML file
``locales/<lang>.toml`` that maps keys to translated text (flat, or nested
tables joined with dots); a key a catalogue lacks falls back to English, so a
translation can be partial and grow over time.

Adding a language is therefore one data file and no code: drop
``zh_CN.toml`` (or ``zh.toml``) into ``locales/`` and run with
``--lang zh_CN`` or ``LANG=zh_CN.UTF-8``.

:func:`select_language` picks the language from ``--lang``, then
``SMTPSHELL_LANG``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; :func:`set_language`
makes it current; :func:`t` translates one text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathlib

DEFAULT = "en"
# Plain os.path strings: pathlib costs a few ms at every start and only the
# translator's tool (ui_texts) needs it.
_LOCALES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locales")
_ENV_ORDER = ("SMTPSHELL_LANG", "LC_ALL", "LC_MESSAGES", "LANG")

_catalogue_dirs: list[str] = [_LOCALES]
_current: str = DEFAULT
_messages: dict[str, str] = {}


class CatalogueError(ValueError):
    """A catalogue file that cannot be read (bad TOML, a non-text value)."""


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, full + "."))
        elif isinstance(value, str):
            out[full] = value
        else:
            raise CatalogueError(f"{full}: a translation must be text, not {type(value).__name__}")
    return out


def _candidates(lang: str) -> list[str]:
    """'zh_CN.UTF-8' -> ['zh_CN', 'zh']; 'pt-BR' -> ['pt_BR', 'pt']."""
    base = lang.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    names = [base]
    if "_" in base:
        names.append(base.split("_", 1)[0])
    return [n for n in names if n]


def available() -> list[str]:
    """Languages that have a catalogue, plus English."""
    found = {DEFAULT}
    for folder in _catalogue_dirs:
        if os.path.isdir(folder):
            found.update(name[: -len(".toml")] for name in os.listdir(folder) if name.endswith(".toml"))
    return sorted(found)


def _find(lang: str) -> str | None:
    for name in _candidates(lang):
        for folder in reversed(_catalogue_dirs):  # later folders win
            path = os.path.join(folder, f"{name}.toml")
            if os.path.isfile(path):
                return path
    return None


def load_catalogue(path: str | os.PathLike[str]) -> dict[str, str]:
    import tomllib  # only when a language other than English is chosen

    try:
        with open(path, "rb") as f:
            return _flatten(tomllib.load(f))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML ({exc})") from exc


def add_catalogue_dir(path: str | os.PathLike[str]) -> None:
    """Look for catalogues in ``path`` too (a user's own, or a test's)."""
    folder = os.path.abspath(path)
    if folder not in _catalogue_dirs:
        _catalogue_dirs.append(folder)


def remove_catalogue_dir(path: str | os.PathLike[str]) -> None:
    folder = os.path.abspath(path)
    if folder in _catalogue_dirs and folder != _LOCALES:
        _catalogue_dirs.remove(folder)


def select_language(cli_value: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language asked for: ``--lang`` first, then the environment, else English.

    Returns the name as asked ("zh_CN"); "C" and "POSIX" mean English.
    """
    env = os.environ if environ is None else environ
    for value in (cli_value, *(env.get(name) for name in _ENV_ORDER)):
        if value:
            name = value.split(":", 1)[0]  # LANGUAGE-style lists: take the first
            if name in ("C", "POSIX") or name.startswith("C."):
                return DEFAULT
            return _candidates(name)[0] if _candidates(name) else DEFAULT
    return DEFAULT


def set_language(lang: str | None) -> str:
    """Make ``lang`` current. Returns the language actually used.

    A language with no catalogue falls back to English (returns "en"); a
    broken catalogue raises :class:`CatalogueError` so the user hears about it.
    """
    global _current, _messages
    if not lang or _candidates(lang)[:1] == [DEFAULT]:
        _current, _messages = DEFAULT, {}
        return _current
    path = _find(lang)
    if path is None:
        _current, _messages = DEFAULT, {}
        return _current
    _messages = load_catalogue(path)
    _current = os.path.splitext(os.path.basename(path))[0]
    return _current


def setup(cli_value: str | None = None, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Choose and load the language at start-up (what the CLI calls).

    Returns (language used, problem): problem is "" or one line for the user,
    e.g. when ``--lang`` names a language with no catalogue or a catalogue is
    broken; either way the shell carries on in English.
    """
    wanted = select_language(cli_value, environ)
    try:
        used = set_language(wanted)
    except CatalogueError as exc:
        set_language(DEFAULT)
        return DEFAULT, f"{exc}; using English"
    if cli_value and used == DEFAULT and _candidates(wanted)[0] != DEFAULT:
        return used, f"no translation for '{cli_value}' yet; using English (available: {', '.join(available())})"
    return used, ""


def current() -> str:
    return _current


def t(key: str, english: str, /, **values: object) -> str:
    """The text for ``key`` in the current language (``english`` if none), formatted.

    A translation whose placeholders do not match falls back to English
    rather than failing in front of the user.
    """
    text = _messages.get(key, english)
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return english.format(**values)


_T_CALL = re.compile(r"""\bt\(\s*"([a-z0-9_.-]+)",\s*("(?:[^"\\]|\\.)*")""")


def ui_texts(package_root: pathlib.Path | None = None) -> dict[str, str]:
    """Every UI message key written literally in the code (``t(KEY, ENGLISH)``), with its English.

    A helper for translators (``smtpshell explain --keys``); knowledge texts
    come from :func:`smtpshell.knowledge.all_texts`.
    """
    import ast  # a translator's tool: not worth loading at every start
    import pathlib

    root = package_root or pathlib.Path(__file__).resolve().parent.parent
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        for key, literal in _T_CALL.findall(path.read_text(encoding="utf-8")):
            try:
                found.setdefault(key, ast.literal_eval(literal))
            except (ValueError, SyntaxError):
                continue
    return found

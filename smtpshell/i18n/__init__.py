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

Adding a language is therefore data and no code: drop ``zh_CN.toml`` (or
``zh.toml``) into ``locales/``, or a folder ``locales/zh_CN/`` of TOML files
(read in name order and joined, so each part of the program keeps its own
file), and run with ``--lang zh_CN`` or ``LANG=zh_CN.UTF-8``.

The pseudo-locale ``qps`` (after Windows' qps-ploc) translates nothing and
marks every text that went through :func:`t` as ``⟦text⟧``, line by line: a
screen in ``qps`` shows at a glance which words bypass the catalogue.

:func:`select_language` picks the language from ``--lang``, then
``SMTPSHELL_LANG``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; :func:`set_language`
makes it current; :func:`t` translates one text. ``SMTPSHELL_LOCALE_DIR``
names one more folder of catalogues (a user's own, or a test's), read by
:func:`setup`; its catalogues win over the shipped ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    import pathlib

DEFAULT = "en"
PSEUDO = "qps"
MARK_OPEN, MARK_CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧: rare in real text, one column wide
# Plain os.path strings: pathlib costs a few ms at every start and only the
# translator's tool (ui_texts) needs it.
_LOCALES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locales")
_ENV_ORDER = ("SMTPSHELL_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
LOCALE_DIR_ENV = "SMTPSHELL_LOCALE_DIR"

_catalogue_dirs: list[str] = [_LOCALES]
_current: str = DEFAULT
_messages: dict[str, str] = {}
_pseudo: bool = False


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
            for name in os.listdir(folder):
                if name.endswith(".toml"):
                    found.add(name[: -len(".toml")])
                elif os.path.isdir(os.path.join(folder, name)) and not name.startswith((".", "_")):
                    found.add(name)
    return sorted(found)


def _find(lang: str) -> str | None:
    """The catalogue for ``lang``: a ``<name>.toml`` file or a ``<name>/`` folder of them."""
    for name in _candidates(lang):
        for folder in reversed(_catalogue_dirs):  # later folders win
            for path in (os.path.join(folder, f"{name}.toml"), os.path.join(folder, name)):
                if os.path.isfile(path) or os.path.isdir(path):
                    return path
    base = _candidates(lang)[0] if _candidates(lang) else ""
    if base and "_" not in base:  # "zh" with only zh_CN shipped: the language's first region
        regional = sorted(name for name in available() if name.startswith(base + "_"))
        if regional:
            return _find(regional[0])
    return None


def catalogue_files(path: str | os.PathLike[str]) -> list[str]:
    """The TOML files a catalogue is made of: the file itself, or a folder's files in name order."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return [os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".toml")]
    return [path]


def load_catalogue(path: str | os.PathLike[str]) -> dict[str, str]:
    """One language's texts by key; a folder's files are joined (a key in two files is an error)."""
    import tomllib  # only when a language other than English is chosen

    out: dict[str, str] = {}
    for file in catalogue_files(path):
        try:
            with open(file, "rb") as f:
                part = _flatten(tomllib.load(f))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{file}: not valid TOML ({exc})") from exc
        twice = sorted(set(part) & set(out))
        if twice:
            raise CatalogueError(f"{file}: {twice[0]} is already translated in another file of this catalogue")
        out.update(part)
    return out


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
    global _current, _messages, _pseudo, _loads
    _pseudo = False
    _loads += 1
    if not lang or _candidates(lang)[:1] == [DEFAULT]:
        _current, _messages = DEFAULT, {}
        return _current
    if _candidates(lang)[:1] == [PSEUDO]:
        _current, _messages, _pseudo = PSEUDO, {}, True
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
    env = os.environ if environ is None else environ
    if env.get(LOCALE_DIR_ENV):
        add_catalogue_dir(env[LOCALE_DIR_ENV])
    wanted = select_language(cli_value, environ)
    try:
        used = set_language(wanted)
    except CatalogueError as exc:
        set_language(DEFAULT)
        return DEFAULT, t("i18n.broken", "{problem}; using English", problem=exc)
    if cli_value and used == DEFAULT and _candidates(wanted)[0] != DEFAULT:
        return used, t("i18n.missing", "no translation for '{lang}' yet; using English (available: {available})",
                       lang=cli_value, available=", ".join(available()))
    return used, ""


def current() -> str:
    return _current


_loads = 0  # set_language calls so far (catalogue()'s answer)


def catalogue() -> tuple[str, int]:
    """Which texts t() gives now: the language, and which load of it (a catalogue directory
    added and the language set again gives other texts under the same name). For caches
    of rendered text that outlive a set_language."""
    return _current, _loads


def t(key: str, english: str, /, **values: object) -> str:
    """The text for ``key`` in the current language (``english`` if none), formatted.

    A translation whose placeholders do not match falls back to English
    rather than failing in front of the user.
    """
    text = _messages.get(key, english)
    if values:
        try:
            text = text.format(**values)
        except (KeyError, IndexError, ValueError):
            text = english.format(**values)
    if _pseudo:
        return "\n".join(f"{MARK_OPEN}{line}{MARK_CLOSE}" if line else line for line in text.split("\n"))
    return text


def is_pseudo() -> bool:
    """Whether the marking pseudo-locale is current (for code that splits or measures texts)."""
    return _pseudo


def ui_texts(package_root: pathlib.Path | None = None) -> dict[str, str]:
    """Every UI message key written literally in the code (``t(KEY, ENGLISH)``), with its English.

    A helper for translators (``smtpshell explain --keys``); knowledge texts
    come from :func:`smtpshell.knowledge.all_texts`.
    """
    return {key: english for key, (english, _where) in ui_text_sources(package_root).items()}


def ui_text_sources(package_root: pathlib.Path | None = None) -> dict[str, tuple[str, str]]:
    """Like :func:`ui_texts`, with the file (relative to the package's parent) each key is in.

    Read from the syntax tree, so a call may span lines and its English may be
    written as adjacent literals; a call whose key or English is not literal
    (``t(f"reply.{code}.title", ...)``) belongs to a table that
    :func:`smtpshell.knowledge.all_texts` lists instead.
    """
    import ast  # a translator's tool: not worth loading at every start
    import pathlib

    root = package_root or pathlib.Path(__file__).resolve().parent.parent
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and _is_t(node.func) and len(node.args) >= 2):
                continue
            key, english = node.args[0], node.args[1]
            if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                    and isinstance(english, ast.Constant) and isinstance(english.value, str)):
                found.setdefault(key.value, (english.value, where))
    return found


def _is_t(func: object) -> bool:
    """``t(...)``, ``tr(...)`` (an alias where ``t`` is taken) or ``i18n.t(...)``."""
    import ast

    if isinstance(func, ast.Name):
        return func.id in ("t", "tr")
    return isinstance(func, ast.Attribute) and func.attr == "t"

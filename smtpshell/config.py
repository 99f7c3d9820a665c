"""The user's configuration: ``$XDG_CONFIG_HOME/smtpshell/config.toml``.

Written with every setting commented on first run, so the file documents
itself. Read with :mod:`tomllib`; a broken file never stops the shell: the
problem is reported in one line and the defaults are used.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .i18n import t


def _comment(text: str) -> str:
    """A (translated) text as TOML comment lines: a translation can never break the file."""
    return "\n".join(f"# {line}".rstrip() for line in text.split("\n"))


def default_file() -> str:
    """The commented configuration written on first run, in the current language; settings stay as they are."""
    return "\n".join([
        _comment(t("config.file.intro", "smtpshell configuration (TOML). Every setting is shown with its default;\nremove the '#' in front of a line to change it.")),
        "",
        "[ui]",
        _comment(t("config.file.theme", "Colour theme: any Pygments style name (default, monokai, solarized-dark,\nsolarized-light, nord, gruvbox-dark, ...). `pygmentize -L styles` lists them.")),
        '#theme = "default"',
        "",
        _comment(t("config.file.vi_mode", "Editing keys: false = emacs (Ctrl-A, Ctrl-E ...), true = vi.")),
        "#vi_mode = false",
        "",
        _comment(t("config.file.toolbar", "The bottom toolbar (host, TLS, user, phase, syntax of the verb being typed).\nF2 toggles it while the shell runs.")),
        "#toolbar = true",
        "",
        _comment(t("config.file.auto_suggest", "Grey suggestions from history as you type (accept with the right arrow).")),
        "#auto_suggest = true",
        "",
        _comment(t("config.file.complete_while_typing", "Complete while typing (false: only when Tab is pressed).")),
        "#complete_while_typing = true",
        "",
        _comment(t("config.file.history_size", "Entries kept in the history file; older ones are dropped when the shell starts.")),
        "#history_size = 10000",
        _comment(t("config.file.pager", "Long output (/help, /tls, /mailbox, /history) that does not fit the terminal\ngoes through a pager: \"auto\" ($PAGER, else `less -R`), \"off\", or a command.")),
        '#pager = "auto"',
        "",
        "[ui.colors]",
        _comment(t("config.file.colors", "Overrides of single style classes, in prompt_toolkit style syntax, e.g.")),
        '#"reply.5xx" = "bold #ff5f5f"',
        '#"reply.2xx" = "bold ansigreen"',
        '#"toolbar" = "bg:#303030 #d0d0d0"',
        '#"pygments.keyword" = "bold ansiblue"',
        "",
        "[session]",
        _comment(t("config.file.helo", "The name offered first after EHLO (completion); --helo sends one for you.")),
        '#helo = "client.example.org"',
        "",
        _comment(t("config.file.timeout", "Seconds to wait for a connection or a reply (--timeout overrides it).")),
        "#timeout = 30",
        "",
    ])


class ConfigError(ValueError):
    """The configuration file cannot be used; str() is one line for the user."""


@dataclass
class Config:
    theme: str = "default"
    vi_mode: bool = False
    toolbar: bool = True
    auto_suggest: bool = True
    complete_while_typing: bool = True
    history_size: int = 10_000  # ui.history.DEFAULT_HISTORY_SIZE
    pager: str = "auto"  # "auto": $PAGER or `less -R`; "off"; or a command
    colors: dict[str, str] = field(default_factory=dict)
    helo: str | None = None
    timeout: float | None = None
    path: Path | None = None
    problem: str | None = None  # set when the file could not be used


# (table, key) -> (attribute, expected type)
_FIELDS: dict[tuple[str, str], tuple[str, type | tuple[type, ...]]] = {
    ("ui", "theme"): ("theme", str),
    ("ui", "vi_mode"): ("vi_mode", bool),
    ("ui", "toolbar"): ("toolbar", bool),
    ("ui", "auto_suggest"): ("auto_suggest", bool),
    ("ui", "complete_while_typing"): ("complete_while_typing", bool),
    ("ui", "history_size"): ("history_size", int),
    ("ui", "pager"): ("pager", str),
    ("session", "helo"): ("helo", str),
    ("session", "timeout"): ("timeout", (int, float)),
}


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "smtpshell"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "smtpshell"


def config_path() -> Path:
    return config_dir() / "config.toml"


def write_default(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # never overwrite the user's file
        handle.write(default_file())


def parse(text: str, path: Path | None = None) -> Config:
    """A Config from TOML text. Raises ConfigError with a one-line message."""
    where = str(path) if path else "config"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(t("config.where", "{where}: {problem}", where=where, problem=exc)) from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise ConfigError(t("config.too_deep", "{where}: nested too deeply to read (arrays or tables inside each other)", where=where)) from None
    config = Config(path=path)
    for table, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(t("config.not_a_table", "{where}: '{table}' should be a [table]", where=where, table=table))
        for key, value in values.items():
            if table == "ui" and key == "colors":
                config.colors = _colors(value, where)
                continue
            spec = _FIELDS.get((table, key))
            if spec is None:
                raise ConfigError(t("config.unknown", "{where}: unknown setting [{table}] {key}", where=where, table=table, key=key))
            attribute, kind = spec
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise ConfigError(t("config.wrong_type", "{where}: [{table}] {key} = {value} has the wrong type",
                                    where=where, table=table, key=key, value=repr(value)))
            if attribute == "history_size" and isinstance(value, int) and value < 1:
                raise ConfigError(t("config.history_size", "{where}: [ui] history_size = {value} should be at least 1", where=where, value=value))
            if attribute == "timeout" and isinstance(value, int | float) and not (0 < value <= _MAX_TIMEOUT):  # also rules out nan and inf
                raise ConfigError(t("config.timeout", "{where}: [{table}] {key} = {value}: give a number of seconds above 0 (at most {limit})",
                                    where=where, table=table, key=key, value=repr(value), limit=_MAX_TIMEOUT))
            setattr(config, attribute, value)
    return config


_MAX_TIMEOUT = 24 * 3600


def _colors(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(t("config.colors", "{where}: [ui.colors] maps style names to strings", where=where))
    return dict(value)


def load(path: Path | None = None, *, create: bool = True) -> Config:
    """The configuration, writing the commented default file on first run."""
    path = path or config_path()
    try:
        if create and not path.exists():
            write_default(path)
        text = path.read_text(encoding="utf-8")
    except FileExistsError:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Config(path=path, problem=t("config.cannot_read", "cannot read {path}: {reason}; using defaults",
                                           path=path, reason=exc.strerror or exc))
    except UnicodeDecodeError as exc:
        return Config(path=path, problem=t("config.not_utf8", "{path}: not UTF-8 text (byte {offset}); using defaults",
                                           path=path, offset=exc.start))
    try:
        return parse(text, path)
    except ConfigError as exc:
        return Config(path=path, problem=t("config.using_defaults", "{problem}; using defaults", problem=exc))

"""The REPL's prompt_toolkit Style: Pygments theme + smtpshell classes + user overrides.

The reply/note/tls... classes come from :data:`.ansi.ANSI` (the script-mode
colour table), translated from SGR codes, so a class another part of the
shell adds there is coloured here too without a second edit. Then
:data:`REPL_STYLES` (toolbar, completion menu, lexer tokens), then the
user's ``[ui.colors]``.
"""

from __future__ import annotations

import re

from prompt_toolkit.output.vt100 import FG_ANSI_COLORS
from prompt_toolkit.styles import BaseStyle, Style, merge_styles, style_from_pygments_cls
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

from ..i18n import t
from ..render import ansi

ANSI_COLOR_NAMES = set(FG_ANSI_COLORS) | {"default"}
_HEX = re.compile(r"^[0-9a-fA-F]{6}$")

_SGR: dict[str, str] = {
    "1": "bold", "2": "dim", "3": "italic", "4": "underline", "7": "reverse",
    "30": "ansiblack", "31": "ansired", "32": "ansigreen", "33": "ansiyellow",
    "34": "ansiblue", "35": "ansimagenta", "36": "ansicyan", "37": "ansigray",
    "90": "ansibrightblack", "91": "ansibrightred", "92": "ansibrightgreen",
    "93": "ansibrightyellow", "94": "ansibrightblue", "95": "ansibrightmagenta",
    "96": "ansibrightcyan", "97": "ansiwhite",
    "41": "bg:ansired", "42": "bg:ansigreen", "43": "bg:ansiyellow", "44": "bg:ansiblue",
}

REPL_STYLES: dict[str, str] = {
    "prompt": "bold",
    "prompt.data": "bold ansimagenta",
    "prompt.auth": "bold ansiyellow",
    "prompt.closed": "ansired",
    "rprompt": "ansibrightblack",
    "rprompt.closed": "ansired",
    "bottom-toolbar": "noreverse bg:#262626 #bcbcbc",
    "toolbar.host": "bold",
    "toolbar.sep": "#6c6c6c",
    "toolbar.tls": "ansigreen",
    "toolbar.insecure": "bold bg:ansired fg:ansiwhite",
    "rprompt.insecure": "bold ansired",
    "toolbar.plain": "ansiyellow",
    "toolbar.closed": "ansired",
    "toolbar.user": "ansicyan",
    "toolbar.raw": "bold fg:ansiyellow",
    "toolbar.mode": "ansiyellow",
    "toolbar.phase": "bold",
    "toolbar.syntax": "bold ansicyan",
    "toolbar.hint": "",
    "toolbar.warning": "ansiyellow",
    "toolbar.error": "ansired",
    "help.title": "bold underline",
    "help.command": "bold ansicyan",
    "reply.text": "",
    "pygments.error": "ansired underline",
    "pygments.keyword.pseudo": "bold ansimagenta",
    "pygments.name.variable": "ansicyan",
    "pygments.name.attribute": "ansiyellow",
    "pygments.literal.string.other": "italic ansibrightblack",
    "pygments.name.function": "bold ansiblue",
}


def sgr_to_style(codes: str) -> str:
    return " ".join(_SGR[c] for c in codes.split(";") if c in _SGR)


def ansi_styles() -> dict[str, str]:
    return {name.removeprefix("class:"): sgr_to_style(codes) for name, codes in ansi.ANSI.items()}


def _check(name: str, value: str) -> None:
    """Raise ValueError for a style string prompt_toolkit would choke on when drawing."""
    attrs = Style.from_dict({name: value}).get_attrs_for_style_str(f"class:{name}")
    for colour in (attrs.color, attrs.bgcolor):
        if colour and colour not in ANSI_COLOR_NAMES and not _HEX.match(colour):
            raise ValueError(t("ui.theme.bad_colour", "bad colour {colour} (use #rrggbb or a name like ansired)",
                               colour=repr(colour)))


def build_style(theme: str = "default", overrides: dict[str, str] | None = None) -> tuple[BaseStyle, str | None]:
    """The merged Style, and a one-line problem (unknown theme, bad colour) or None."""
    problem = None
    try:
        pygments_style = style_from_pygments_cls(get_style_by_name(theme))
    except ClassNotFound:
        problem = t("ui.theme.unknown", "unknown colour theme {theme} (pygmentize -L styles lists them); using 'default'",
                    theme=repr(theme))
        pygments_style = style_from_pygments_cls(get_style_by_name("default"))
    table = {**ansi_styles(), **REPL_STYLES}
    styles: list[BaseStyle] = [pygments_style, Style.from_dict(table)]
    good: dict[str, str] = {}
    for name, value in (overrides or {}).items():
        try:
            _check(name, value)
        except (ValueError, AssertionError) as exc:
            problem = t("ui.theme.bad_override", "[ui.colors] {name} = {value}: {problem}; that override is ignored",
                        name=name, value=repr(value), problem=exc)
            continue
        good[name] = value
    if good:
        styles.append(Style.from_dict(good))
    return merge_styles(styles), problem

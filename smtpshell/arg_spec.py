"""The command line's options written down once, parsed without argparse when argv is plain.

``smtpshell mx.example.org -c 'EHLO me' --explain off`` is most runs, and for
it argparse is pure cost: importing it brings ``gettext`` and ``locale``, and
building its parser adds forty actions, before one byte is sent (issue 18). So
the options are recorded in an :class:`ArgumentSpec` (the same ``add_argument``
calls as argparse's), and :func:`parse_plain` reads argv from that record when
every word is of a shape whose meaning is certain: a full option name, its value
after ``=`` or as the next word, a flag, one positional word. Anything else
(``--help``, an abbreviation, a bad value, ``--``, a value that starts with
``-``) returns None, and the caller replays the record into a real argparse
parser (:meth:`ArgumentSpec.replay`), which answers, errs and helps as always.
A test holds the two equal for every option.
"""

from __future__ import annotations

from .records import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any

# The actions parse_plain reads itself; any other (help, version...) leaves the word to argparse.
_VALUED = ("store", "append")
_FLAGS = ("store_true",)
_SUPPRESS = "==SUPPRESS=="  # argparse.SUPPRESS, without importing argparse


class Namespace:
    """What argparse.Namespace is to the code reading it: attributes, compared by value."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return vars(self) == vars(other) if hasattr(other, "__dict__") else NotImplemented

    def __repr__(self) -> str:
        return f"Namespace({', '.join(f'{k}={v!r}' for k, v in sorted(vars(self).items()))})"

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__


class _Option:
    """One add_argument call, and what parse_plain needs to know of it."""

    def __init__(self, names: tuple[str, ...], kwargs: dict[str, Any]) -> None:
        self.names = names
        self.kwargs = kwargs
        self.action = kwargs.get("action", "store")
        positional = not names[0].startswith("-")
        long_names = [n for n in names if n.startswith("--")]
        self.dest: str = kwargs.get("dest") or (names[0] if positional else (long_names or names)[0].lstrip("-").replace("-", "_"))
        self.positional = positional
        self.type: Callable[[str], object] | None = kwargs.get("type")
        self.choices = kwargs.get("choices")
        self.default = kwargs.get("default", False if self.action == "store_true" else None)
        # argparse gives --version and --help no attribute (their default is argparse.SUPPRESS)
        self.sets_default = self.action not in ("version", "help") and self.default != _SUPPRESS

    def plain_default(self) -> object:
        """The default as argparse sets it: a string default goes through ``type``."""
        if isinstance(self.default, str) and self.type is not None:
            return self.type(self.default)
        return self.default


class _Group:
    def __init__(self, spec: ArgumentSpec, index: int) -> None:
        self._spec, self._index = spec, index

    def add_argument(self, *names: str, **kwargs: Any) -> None:
        self._spec._add(self._index, names, kwargs)


class ArgumentSpec:
    """The add_argument / add_argument_group calls of a parser, kept to parse or replay."""

    def __init__(self) -> None:
        self.groups: list[tuple[str | None, str | None]] = []
        self.calls: list[tuple[int | None, _Option]] = []

    def add_argument(self, *names: str, **kwargs: Any) -> None:
        self._add(None, names, kwargs)

    def add_argument_group(self, title: str | None = None, description: str | None = None) -> _Group:
        self.groups.append((title, description))
        return _Group(self, len(self.groups) - 1)

    def _add(self, group: int | None, names: tuple[str, ...], kwargs: dict[str, Any]) -> None:
        self.calls.append((group, _Option(names, kwargs)))

    def replay(self, parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        """The same calls on a real parser (for --help, errors and anything parse_plain leaves)."""
        groups = [parser.add_argument_group(title, description) for title, description in self.groups]
        for group, option in self.calls:
            (parser if group is None else groups[group]).add_argument(*option.names, **option.kwargs)
        return parser

    def parse_plain(self, argv: list[str]) -> Namespace | None:
        """argv read as argparse reads it, or None when argparse must read it (see the module)."""
        options = [option for _, option in self.calls]
        by_name = {name: option for option in options if not option.positional for name in option.names}
        positionals = [option for option in options if option.positional]
        if len(positionals) > 1 or any(o.kwargs.get("nargs") not in (None, "?") for o in positionals) \
                or any(o.kwargs.get("nargs") is not None for o in by_name.values()):
            return None  # a shape this reader does not know: argparse reads it all
        values: dict[str, object] = {}
        given: list[str] = []
        index = 0
        while index < len(argv):
            word = argv[index]
            index += 1
            if not word.startswith("-") or word == "-":
                if word == "-" or given or not positionals:
                    return None  # a second positional (argparse says "unrecognized"), or "-"
                given.append(word)
                continue
            name, eq, value = word.partition("=")
            option = by_name.get(name)
            if option is None or not name.startswith("--") and eq:
                return None  # an abbreviation, "--", "-cVALUE", "-c=x", an unknown word: argparse's
            if option.action in _FLAGS:
                if eq:
                    return None  # "--raw=1": argparse's error
                values[option.dest] = True
                continue
            if option.action not in _VALUED:
                return None  # --help, --version
            if not eq:
                if index >= len(argv) or argv[index].startswith("-"):
                    return None  # no value, or one argparse may read as an option
                value = argv[index]
                index += 1
            converted = _converted(option, value)
            if converted is _BAD:
                return None  # argparse says why
            if option.action == "append":
                current = values.get(option.dest)
                if current is None:
                    default = option.default
                    current = list(default) if isinstance(default, list) else []
                current.append(converted)  # type: ignore[attr-defined]  # the list made above
                converted = current
            values[option.dest] = converted
        out = {option.dest: option.plain_default() for option in options
               if option.dest not in values and option.sets_default}
        if given:
            out[positionals[0].dest] = _converted(positionals[0], given[0])
            if out[positionals[0].dest] is _BAD:
                return None
        out.update(values)
        return Namespace(**out)


_BAD = object()


def _converted(option: _Option, value: str) -> object:
    if option.type is not None:
        try:
            converted: object = option.type(value)
        except (TypeError, ValueError):
            return _BAD
    else:
        converted = value
    if option.choices is not None and converted not in option.choices:
        return _BAD
    return converted

"""A module that loads on its first attribute access, and a regex compiled on first use.

For tables and tools that a common run never touches (the knowledge tables
under ``--explain off``), and patterns a common run never needs: start-up time
is part of what users feel.
"""

from __future__ import annotations

import sys
from types import ModuleType

from .records import TYPE_CHECKING

if TYPE_CHECKING:
    import re
    from collections.abc import Callable
    from typing import Any, AnyStr


class _LazyModule:
    # ``_name`` is a slot, so it is found before the instance's __dict__, which becomes the
    # module's own namespace once loaded: from then on every name is found there without a
    # Python call (``__getattr__`` is asked only for a miss), and stays live (a name the module
    # rebinds, or a test patches, is seen at once).
    __slots__ = ("_name", "__dict__")

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = import_module(self._name)
        self.__dict__ = module.__dict__
        return getattr(module, attr)


def lazy_module(name: str) -> Any:
    return _LazyModule(name)


def lazy_pattern(source: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """``pattern()`` is ``re.compile(source, flags)``, compiled by its first call, not at import
    (every regex made at import is paid by every start), then the same object without a lookup
    in re's cache (for the patterns used on every message)."""
    compiled: list[re.Pattern[AnyStr]] = []

    def pattern() -> re.Pattern[AnyStr]:
        if not compiled:
            import re

            compiled.append(re.compile(source, flags))
        return compiled[0]

    return pattern


def import_module(name: str, package: str | None = None) -> ModuleType:
    """``importlib.import_module`` without importing importlib (and the warnings it imports).

    ``__import__`` loads the module and its parents as ``import`` does, and
    ``sys.modules`` holds it. A relative ``name`` ("..x", ".core") is read
    against ``package``, as importlib reads it.
    """
    if name.startswith("."):
        level = len(name) - len(name.lstrip("."))
        if package is None:
            raise TypeError(f"the relative name {name!r} needs a package")
        base = package.rsplit(".", level - 1)[0] if level > 1 else package
        name = f"{base}.{name[level:]}" if name[level:] else base
    __import__(name)
    return sys.modules[name]

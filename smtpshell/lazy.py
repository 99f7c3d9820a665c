"""A module that loads on its first attribute access.

For tables and tools that a common run never touches (the knowledge tables
under ``--explain off``): start-up time is part of what users feel.
"""

from __future__ import annotations

import importlib

from .records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class _LazyModule:
    # ``_name`` is a slot, so it is found before the instance's __dict__, which becomes the
    # module's own namespace once loaded: from then on every name is found there without a
    # Python call (``__getattr__`` is asked only for a miss), and stays live (a name the module
    # rebinds, or a test patches, is seen at once).
    __slots__ = ("_name", "__dict__")

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._name)
        self.__dict__ = module.__dict__
        return getattr(module, attr)


def lazy_module(name: str) -> Any:
    return _LazyModule(name)

"""A module that loads on its first attribute access.

For tables and tools that a common run never touches (the knowledge tables
under ``--explain off``): start-up time is part of what users feel.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


def lazy_module(name: str) -> Any:
    return _LazyModule(name)

"""``NamedTuple`` for the package's records, without loading :mod:`typing` at run time.

The records (events, options, parsed lines) are written as ``class X(NamedTuple)``
with annotated fields, and type checkers read them as ``typing.NamedTuple``. At run
time ``typing.NamedTuple`` costs what a script session cannot afford: importing
:mod:`typing` (milliseconds), then, for every class, a ``ForwardRef`` (which compiles
the annotation's text) per field, about 0.3 ms a class, and a script session defines
some forty of them before it connects (issue 18). Here the class statement makes the
very same ``collections.namedtuple`` class that ``typing.NamedTuple`` makes (same
fields, defaults, methods and module), with ``__annotations__`` kept as written.

Only the class form is supported (``NamedTuple("X", [...])`` is not used here).
"""

from __future__ import annotations

# typing.TYPE_CHECKING without importing typing: type checkers take any name
# TYPE_CHECKING as true.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    from collections import namedtuple as _namedtuple

    # What typing.NamedTuple refuses in a class body, and what it does not copy.
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"})
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        def __new__(mcs, typename, bases, ns):
            if bases != (NamedTuple,):
                raise TypeError("can only inherit from NamedTuple")
            fields = ns.get("__annotations__", {})
            default_names = []
            for name in fields:
                if name in ns:
                    default_names.append(name)
                elif default_names:
                    raise TypeError(f"Non-default namedtuple field {name} cannot follow default field"
                                    f"{'s' if len(default_names) > 1 else ''} {', '.join(default_names)}")
            record = _namedtuple(typename, list(fields), defaults=[ns[n] for n in default_names],
                                 module=ns["__module__"])
            record.__annotations__ = record.__new__.__annotations__ = dict(fields)
            for key, value in ns.items():
                if key in _PROHIBITED:
                    raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
                if key not in _SPECIAL and key not in record._fields:
                    setattr(record, key, value)
            return record

    NamedTuple = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})

__all__ = ["TYPE_CHECKING", "NamedTuple"]

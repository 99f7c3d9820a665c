"""``NamedTuple`` for the package's records, without loading :mod:`typing` at run time.

The records (events, options, parsed lines) are written as ``class X(NamedTuple)``
with annotated fields, and type checkers read them as ``typing.NamedTuple``. At run
time ``typing.NamedTuple`` costs what a script session cannot afford: importing
:mod:`typing` (milliseconds), then, for every class, a ``ForwardRef`` (which compiles
the annotation's text) per field, about 0.3 ms a class, and a script session defines
some forty of them before it connects (issue 18). Here the class statement makes a
tuple class that behaves as the ``collections.namedtuple`` class ``typing.NamedTuple``
makes (same fields, defaults, methods and module), with ``__annotations__`` kept as
written.

The class is built here, not by :func:`collections.namedtuple`, which compiles a
``__new__`` from source for every class (``eval``) and does its checks and string work
besides: about 60 microseconds a class, 2 ms of a STARTTLS session's 47. Here one
``__new__`` is compiled per number of fields and renamed for each class
(``CodeType.replace``: the code reads its arguments by position, so only their names
change), and the other methods are shared by every record; the result behaves as
``collections.namedtuple``'s (tests/test_records.py compares the two).

Only the class form is supported (``NamedTuple("X", [...])`` is not used here).
"""

from __future__ import annotations

# typing.TYPE_CHECKING without importing typing: type checkers take any name
# TYPE_CHECKING as true.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    from _collections import _tuplegetter
    from keyword import iskeyword as _iskeyword

    _tuple_new = tuple.__new__
    _FunctionType = type(lambda: None)
    _NEW_GLOBALS = {"_tuple_new": _tuple_new, "__builtins__": {}}
    _NEW_CODE: dict = {}  # number of fields -> the code of a __new__ taking that many

    def _new_code(count):
        code = _NEW_CODE.get(count)
        if code is None:
            args = "".join(f"_{i}, " for i in range(count))
            code = _NEW_CODE[count] = eval(f"lambda _cls, {args}: _tuple_new(_cls, ({args}))", _NEW_GLOBALS).__code__
        return code

    @classmethod
    def _make(cls, iterable):
        result = _tuple_new(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
        return result

    def _replace(self, /, **kwds):
        result = self._make(map(kwds.pop, self._fields, self))
        if kwds:
            raise ValueError(f"Got unexpected field names: {list(kwds)!r}")
        return result

    def _repr(self):
        return self.__class__.__name__ + "(" + ", ".join(
            f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True)) + ")"

    def _asdict(self):
        return dict(zip(self._fields, self, strict=True))

    def _getnewargs(self):
        return tuple(self)

    def _namedtuple(typename, field_names, *, defaults, module):
        """A class as ``collections.namedtuple(typename, field_names, defaults=..., module=...)``."""
        fields = tuple(field_names)
        for name in fields:
            if not name.isidentifier() or _iskeyword(name) or name.startswith("_"):
                raise ValueError(f"Bad field name for a record: {name!r}")
        if len(set(fields)) != len(fields):
            raise ValueError(f"Duplicate field names in {typename}: {fields!r}")
        new = _FunctionType(
            _new_code(len(fields)).replace(co_varnames=("_cls", *fields), co_name="__new__",
                                           co_qualname=f"{typename}.__new__"),
            _NEW_GLOBALS, "__new__", tuple(defaults))
        signature = f"{typename}({', '.join(fields)}{',' if len(fields) == 1 else ''})"
        new.__doc__ = f"Create new instance of {signature}"
        namespace = {
            "__doc__": signature,
            "__slots__": (),
            "_fields": fields,
            "_field_defaults": dict(zip(fields[len(fields) - len(defaults):], defaults, strict=True)) if defaults else {},
            "__new__": new,
            "_make": _make,
            "_replace": _replace,
            "__repr__": _repr,
            "_asdict": _asdict,
            "__getnewargs__": _getnewargs,
            "__match_args__": fields,
            "__module__": module,
        }
        for index, name in enumerate(fields):
            namespace[name] = _tuplegetter(index, f"Alias for field number {index}")
        return type(typename, (tuple,), namespace)

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

"""smtpshell.records.NamedTuple makes the class typing.NamedTuple makes, without typing (issue 18).

The records of the script path (events, options, parsed lines) are defined with it:
what a record can do (defaults, _replace, match, pickle, methods in the body) must
not depend on which of the two made it.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import typing

import pytest

from smtpshell import events as ev
from smtpshell.records import NamedTuple


class Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: str = ""

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)


class TypedPoint(typing.NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: str = ""

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)


def test_the_class_is_what_typing_makes() -> None:
    for name in ("_fields", "_field_defaults", "__match_args__", "__doc__", "__module__"):
        assert getattr(Point, name) == getattr(TypedPoint, name), name
    assert (Point.__qualname__, TypedPoint.__qualname__) == ("Point", "TypedPoint")
    assert Point.__new__.__defaults__ == TypedPoint.__new__.__defaults__
    assert Point.__bases__ == TypedPoint.__bases__ == (tuple,)
    assert set(Point.__annotations__) == set(TypedPoint.__annotations__) == {"x", "y", "label"}
    p = Point(1, label="a")
    assert p == (1, 0, "a") and p.norm1 == 1 and repr(p) == "Point(x=1, y=0, label='a')"
    assert p._replace(y=-2) == Point(1, -2, "a") and p._asdict() == {"x": 1, "y": 0, "label": "a"}
    match p:
        case Point(1, 0, label):
            assert label == "a"
        case _:
            pytest.fail("positional match")
    assert pickle.loads(pickle.dumps(ev.Info("hello"))) == ev.Info("hello")


def test_refusals_are_typing_s() -> None:
    with pytest.raises(TypeError, match="Non-default namedtuple field y cannot follow default field x"):
        class Bad(NamedTuple):
            x: int = 0
            y: int
    with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _replace"):
        class Worse(NamedTuple):
            x: int

            def _replace(self) -> None: ...


def test_records_do_not_import_typing() -> None:
    code = "import sys, smtpshell.records, smtpshell.events; print('typing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_safe_passes_printable_text_through_and_escapes_the_rest() -> None:
    """safe()'s table is built on first need; no character it escapes is printable (its fast path)."""
    from smtpshell import untrusted

    assert [o for o in untrusted._escapes() if chr(o).isprintable()] == []
    assert untrusted.safe("250 ok ünïcode 中文") == "250 ok ünïcode 中文"
    assert untrusted.safe("a\x1b[2Jb\u202e\udc80") == "a\\x1b[2Jb\\u202e\\x80"


def _evals_while(make: typing.Callable[[], object]) -> int:
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event == "c_call" and arg is eval:
            count += 1

    sys.setprofile(profile)
    try:
        make()
    finally:
        sys.setprofile(None)
    return count


def test_classes_with_the_same_number_of_fields_share_one_compiled_new() -> None:
    """collections.namedtuple compiles a __new__ from source per class (eval); records compile
    one per number of fields and rename it (issue 18: some forty classes at every start)."""

    def make_six() -> None:
        for n in range(6):
            type(f"Rec{n}", (NamedTuple,), {"__annotations__": {f"a{n}": "int", f"b{n}": "str", "c": "int"},
                                             "__module__": __name__, "c": n})

    make_six()  # the three-field code may be new here; after it, no more compiling
    assert _evals_while(make_six) == 0
    Rec = type("Rec", (NamedTuple,), {"__annotations__": {"first": "int", "second": "int", "third": "int"},
                                      "__module__": __name__})
    assert Rec(1, 2, 3).second == 2 and Rec(third=3, first=1, second=2) == (1, 2, 3)
    assert Rec.__new__.__code__.co_varnames == ("_cls", "first", "second", "third")


@pytest.mark.parametrize("fields, defaults", [((), ()), (("only",), ()), (("a", "b"), (None,)),
                                              (("x", "y", "z", "w", "v", "u", "t"), (1, 2, 3))])
def test_records_behave_as_collections_namedtuple(fields: tuple[str, ...], defaults: tuple[object, ...]) -> None:
    import collections

    from smtpshell import records

    ours = records._namedtuple("R", fields, defaults=defaults, module=__name__)
    theirs = collections.namedtuple("R", fields, defaults=defaults, module=__name__)
    for name in ("_fields", "_field_defaults", "__match_args__", "__doc__", "__module__", "__qualname__",
                 "__slots__"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.__new__.__defaults__ == theirs.__new__.__defaults__
    values = tuple(range(len(fields)))
    a, b = ours(*values), theirs(*values)
    assert a == b and repr(a) == repr(b) and a._asdict() == b._asdict() and hash(a) == hash(b)
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert ours._make(values) == theirs._make(values) and a.__getnewargs__() == b.__getnewargs__()
    if fields:
        assert a._replace(**{fields[0]: "new"}) == b._replace(**{fields[0]: "new"})
        with pytest.raises(TypeError):
            ours(*values, "one too many")
    with pytest.raises(TypeError, match="Expected"):
        ours._make((*values, 0))
    with pytest.raises(ValueError, match="unexpected field names"):
        a._replace(nope=1)
    with pytest.raises(AttributeError):
        a.extra = 1  # type: ignore[attr-defined]

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

"""lazy_module: loads on first use, then reads the module's own namespace (issue 18: no call per name)."""

from __future__ import annotations

import sys
import types

import pytest

from smtpshell.lazy import lazy_module


@pytest.fixture
def module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    made = types.ModuleType("smtpshell_lazy_probe")
    made.value = 1  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, made.__name__, made)
    return made


def test_after_the_first_name_every_name_is_read_without_a_call(module: types.ModuleType) -> None:
    proxy = lazy_module(module.__name__)
    assert proxy.value == 1
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        for _ in range(10):
            assert proxy.value == 1
    finally:
        sys.setprofile(None)
    assert calls == 0  # before: a __getattr__ call each time


def test_the_names_stay_live_and_a_missing_one_is_an_attribute_error(module: types.ModuleType) -> None:
    proxy = lazy_module(module.__name__)
    assert proxy.value == 1
    module.value = 2  # type: ignore[attr-defined]  # rebound (or patched by a test) after the load
    assert proxy.value == 2
    with pytest.raises(AttributeError):
        proxy.missing  # noqa: B018

"""ruff and mypy are part of the suite: the one command that runs the tests checks them too.

Both read their settings from pyproject.toml ([tool.ruff], [tool.mypy]: strict typing for the
sans-I/O core and the client). A failure prints the tool's own report.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    """The tool from the interpreter's own environment (the venv .ci/run made), else PATH."""
    beside = pathlib.Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' installs it")
    return found


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run(_tool("ruff"), "check", "--no-cache", "smtpshell", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing(tmp_path: pathlib.Path) -> None:
    # A cache of its own: a stale cache shared with a by-hand run must not decide the result.
    result = _run(_tool("mypy"), "--cache-dir", str(tmp_path / "mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr

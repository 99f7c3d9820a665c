"""Shared test set-up. Fixture modules live in tests/plugins/ (one per area)
and are all loaded here, so each area adds its fixtures without editing this file."""

from __future__ import annotations

import os
import pathlib
import signal

import pytest

pytest_plugins = sorted(
    f"tests.plugins.{p.stem}"
    for p in (pathlib.Path(__file__).parent / "plugins").glob("*.py")
    if p.stem != "__init__"
)


# A shell without job control starts a background job (`.ci/run &`, many CI runners)
# with SIGINT ignored, and a child inherits that: Python then installs no Ctrl-C
# handler, and a test that sends SIGINT to smtpshell waits for nothing. A caught
# signal is reset to the default across exec, so with a handler here every child
# starts as it would from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own XDG config/state dirs: no test touches ~."""
    base = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        (base / name).mkdir()
        monkeypatch.setenv(name, str(base / name))
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    os.environ.setdefault("SMTPSHELL_TEST", "1")

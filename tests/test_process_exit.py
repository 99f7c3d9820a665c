"""The installed ``smtpshell`` sets the cycle collector for a short process (issue 18).

At exit CPython collects reference cycles over every object still alive, which after
a script session is some eleven thousand objects and about a tenth of a STARTTLS
session's time. ``smtpshell.cli.run`` (the console entry point) freezes them first, and
makes the young generation larger, so start-up's objects are not walked every 700.
The checks run the installed command against a real aiosmtpd, with a
``sitecustomize`` hook that reads the state at exit, and check that what must still
happen at exit does: atexit hooks run, the record file is whole.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smtpshell.cli import YOUNG_GENERATION
from tests.plugins.servers import SmtpServer

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
HOOK = """
import atexit, gc, os

def _report():
    with open(os.environ["SMTPSHELL_TEST_EXIT_OUT"], "w") as out:
        out.write(f"{gc.get_freeze_count()} {gc.get_threshold()[0]}")

atexit.register(_report)
"""


def run_installed(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], int, int]:
    (tmp_path / "sitecustomize.py").write_text(HOOK)
    out = tmp_path / "frozen.txt"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "SMTPSHELL_TEST_EXIT_OUT": str(out), "NO_COLOR": "1"}
    result = subprocess.run([SMTPSHELL, *args], capture_output=True, text=True, env=env, timeout=60,
                            stdin=subprocess.DEVNULL, check=False)
    frozen, young = out.read_text().split()
    return result, int(frozen), int(young)


def test_a_script_session_ends_with_its_objects_frozen_and_atexit_still_run(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    record = tmp_path / "session.transcript"
    result, frozen, young = run_installed(tmp_path, smtp_server.address, "-c", "EHLO x", "--record", str(record))
    assert result.returncode == 0, result.stdout + result.stderr
    assert frozen > 1000  # the session's objects were taken out of the exit-time collection
    assert young == YOUNG_GENERATION > 700  # start-up's objects not walked again every 700
    text = record.read_text(encoding="utf-8")
    assert "EHLO x" in text and "221" in text  # the record file was flushed and closed as before


def test_an_error_exit_is_frozen_too_and_keeps_its_status(tmp_path: Path) -> None:
    result, frozen, _ = run_installed(tmp_path, "--no-such-flag")
    assert result.returncode == 2
    assert frozen > 0
    assert "Traceback" not in result.stderr

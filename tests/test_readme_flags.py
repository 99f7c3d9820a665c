"""README.md and ``smtpshell --help`` agree: every option --help lists is in the README."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_script_mode import run

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_option_of_help_is_in_the_readme() -> None:
    help_text = run(["--help"]).stdout
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", help_text)) - {"--help", "--version"}
    readme = README.read_text(encoding="utf-8")
    missing = sorted(option for option in options if f"`{option}" not in readme and f"{option} " not in readme)
    assert not missing, f"README.md does not mention: {missing}"
    for new in ("--mx", "--resolver", "--tls-version", "--ciphers", "--tls-save", "--quit-after", "--attach"):
        assert new in options  # the test reads the real --help

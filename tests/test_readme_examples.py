"""The README's command lines, run as printed with the installed command (issue 15, must-show 3).

Every ```sh block of README.md is read; the lines that start with ``smtpshell`` or pipe into
it are examples. Each must be listed below with what the README says it does, so a new or
changed example cannot go untested. Ones that open an interactive session need a terminal
(and a real mail server) and are skipped by name; the script example runs against the
practice server (``smtpshell serve``), with only its address replaced by the one the server
got (the README's 127.0.0.1:2525 is the serve default, which another run may hold).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtpshell import exitcodes

ROOT = Path(__file__).resolve().parent.parent
SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
README_ADDRESS = "127.0.0.1:2525"

# Interactive: they need a terminal (and, but for the first, a real server on the network).
NEEDS_A_TTY = {
    "smtpshell",
    "smtpshell mx.example.org",
    "smtpshell mx.example.org:587 --starttls",
    "smtpshell smtps://mx.example.org",
    "smtpshell [::1]:2525",
    "smtpshell --lang zh_CN",
    "smtpshell lesson --lang zh_CN tutorial",
}
# What the README says each runnable example does: (exit status, text its output must hold).
EXPECTED = {
    "smtpshell explain 550 5.7.1": (exitcodes.OK, ["550 mailbox unavailable", "5.7.1 delivery not authorized"]),
    "printf 'EHLO me\\nMAIL FROM:<a@example.org>\\nRCPT TO:<b@example.org>\\n/data msg.eml\\nQUIT\\n' "
    "| smtpshell 127.0.0.1:2525":
        # a relay refusal, then a DATA refused: the server's 5xx decides, not a usage error
        (exitcodes.PERMANENT, ["S: 554", "DATA was not accepted (no 354), so the file was not sent", "S: 221"]),
    "smtpshell --print-completion bash": (exitcodes.OK, ["smtpshell"]),
    "smtpshell --print-completion zsh": (exitcodes.OK, ["#compdef smtpshell"]),
    "smtpshell --print-man": (exitcodes.OK, [".TH"]),
    # 快速开始: the lessons listed with their Chinese titles, the tutorial among them
    "smtpshell lesson --lang zh_CN": (exitcodes.OK, ["01-direct-delivery  直接投递：", "09-tutorial", "教程之一：直接投递"]),
}


def readme_examples() -> Iterator[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
        joined = re.sub(r"\\\n\s*", "", block)  # continuation lines
        for line in joined.splitlines():
            command = re.sub(r"\s{2,}#.*$", "", line).strip()  # a trailing "   # comment"
            if command.startswith("smtpshell") or re.search(r"\|\s*smtpshell\b", command):
                yield command


def _without_redirect(command: str) -> str:
    """``smtpshell --print-man > FILE``: run the command, keep the output here (not in ~)."""
    return command.split(" > ", 1)[0].strip()


EXAMPLES = list(readme_examples())


def test_every_example_is_known() -> None:
    assert EXAMPLES, "no examples found in README.md"
    unknown = [c for c in EXAMPLES if c not in NEEDS_A_TTY and _without_redirect(c) not in EXPECTED]
    assert not unknown, f"README examples with no expectation here: {unknown}"


@pytest.fixture(scope="module")
def practice_address() -> Iterator[str]:
    server = subprocess.Popen([SMTPSHELL, "serve", "--port", "0", "--tls-port", "0", "--no-store"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "listening on" in line:
                yield line.split("listening on", 1)[1].split()[0]
                break
        else:
            pytest.fail("the practice server did not start")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("command", EXAMPLES)
def test_readme_example(command: str, practice_address: str, tmp_path: Path) -> None:
    if command in NEEDS_A_TTY:
        pytest.skip("an interactive session: it needs a terminal")
    shown = _without_redirect(command)
    status, expected = EXPECTED[shown]
    (tmp_path / "msg.eml").write_text("Subject: from the README\n\nHello.\n")
    run = shown.replace(README_ADDRESS, practice_address).replace("smtpshell", SMTPSHELL)
    result = subprocess.run(["sh", "-c", run], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    for text in expected:
        assert text in output, f"{text!r} not in the output of {command!r}:\n{output}"
    assert "Traceback" not in output

"""The TOML configuration: written commented on first run, read with tomllib, never fatal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smtpshell import config
from smtpshell.ui.theme import ansi_styles, build_style


def test_first_run_writes_a_commented_default_file():
    path = config.config_path()
    assert not path.exists()
    loaded = config.load()
    assert path.exists() and path.read_text() == config.default_file()
    assert loaded.problem is None
    assert (loaded.theme, loaded.vi_mode, loaded.toolbar, loaded.auto_suggest) == ("default", False, True, True)


def test_an_existing_file_is_never_overwritten():
    path = config.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[ui]\nvi_mode = true\ntheme = "monokai"\n')
    loaded = config.load()
    assert loaded.vi_mode is True and loaded.theme == "monokai"
    assert path.read_text().startswith("[ui]\nvi_mode = true")


def test_every_documented_setting_parses_when_uncommented():
    uncommented = re.sub(r"^#(\w|\")", r"\1", config.default_file(), flags=re.M)
    loaded = config.parse(uncommented)
    assert loaded.helo == "client.example.org"
    assert loaded.timeout == 30
    assert loaded.colors["reply.5xx"] == "bold #ff5f5f"
    style, problem = build_style(loaded.theme, loaded.colors)
    assert problem is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ui\n", "config"),
        ("[ui]\nvi_mode = 'yes'\n", "wrong type"),
        ("[ui]\ncolour = 1\n", "unknown setting [ui] colour"),
        ("[session]\ntimeout = true\n", "wrong type"),
        ("ui = 3\n", "should be a [table]"),
    ],
)
def test_bad_files_give_one_line_and_defaults(text: str, message: str):
    path = config.config_path()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    loaded = config.load()
    assert loaded.problem is not None and message in loaded.problem
    assert "\n" not in loaded.problem
    assert loaded.vi_mode is False  # defaults


def test_unknown_theme_and_bad_colour_are_reported_not_fatal():
    _, problem = build_style("no-such-theme")
    assert problem and "unknown colour theme" in problem
    _, problem = build_style("default", {"reply.5xx": "bold #zzzzzz"})
    assert problem and "[ui.colors]" in problem


def test_script_mode_colour_classes_are_in_the_repl_style():
    styles = ansi_styles()
    assert "bold" in styles["reply.2xx"] and "ansigreen" in styles["reply.2xx"]
    assert "ansired" in styles["reply.5xx"]


def test_xdg_dirs_are_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    assert config.config_path() == tmp_path / "c" / "smtpshell" / "config.toml"
    assert config.state_dir() == tmp_path / "s" / "smtpshell"

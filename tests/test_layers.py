"""The package's layers, read from its imports: every import points down, and none closes a circle.

The order is the one docs/ARCHITECTURE.md draws. Type-only imports (under
``TYPE_CHECKING``) and imports inside functions count as much as the others:
a circle that only the type checker sees is still a circle in the design.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "smtpshell"

# Top to bottom. A module may import its own layer and any layer below it.
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli", "cli_parser", "explain_cmd", "i18n_check", "argparse_words", "help_wrap"},
    {"drivers", "options"},
    {"ui"},
    {"shell"},
    {"auth"},
    {"server"},
    {"transcript"},
    {"render"},
    {"client"},
    {"events"},
    {"knowledge"},
    {"protocol"},
    {"config", "exitcodes"},
    {"i18n"},
    {"lazy", "records", "untrusted", "private_files", "arg_spec", "__init__"},
]
RANK = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def _area(module: str) -> str:
    """'smtpshell.client.core' -> 'client'; 'smtpshell' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every smtpshell import in ``path``."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    if parts[-1] == "__init__":
        package = parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("smtpshell"):
                continue
            if node.module is None:  # from . import x, y: each name may be a module of its own
                found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.startswith("smtpshell"))
    return found


def _modules() -> list[pathlib.Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def test_every_area_has_a_layer() -> None:
    areas = {_area(_module_name(p)) for p in _modules()}
    missing = areas - set(RANK)
    assert not missing, f"give these a row in LAYERS (and in docs/ARCHITECTURE.md): {sorted(missing)}"


def upward_imports() -> list[str]:
    problems = []
    for path in _modules():
        here = _area(_module_name(path))
        for line, target in _imports(path):
            there = _area(target)
            if there == here or there not in RANK or here not in RANK:
                continue
            if RANK[there] < RANK[here]:
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {target} (a layer above)")
    return problems


def test_imports_point_down() -> None:
    assert upward_imports() == []


def test_no_circles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    names = {_module_name(p) for p in _modules()}
    for path in _modules():
        src = _module_name(path)
        deps = set()
        for _, target in _imports(path):
            # "from .x import y" may name a module x.y or a name y in x.
            deps.add(target if target in names else target.rsplit(".", 1)[0])
        graph[src] = {d for d in deps if d in names and d != src and not src.startswith(d + ".")}
    # A package's __init__ importing its own submodules is how packages work; a
    # submodule importing its package's __init__ back is the circle we look for.
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], "\n".join(cycles)


def test_the_check_sees_an_upward_import(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test itself can fail: a protocol module that imports the drivers is caught."""
    fake = tmp_path / "smtpshell"
    (fake / "protocol").mkdir(parents=True)
    (fake / "drivers").mkdir()
    (fake / "protocol" / "bad.py").write_text("from ..drivers import runner\n")
    (fake / "drivers" / "runner.py").write_text("")
    import sys

    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert upward_imports() == ["smtpshell/protocol/bad.py:1: protocol imports smtpshell.drivers (a layer above)"]

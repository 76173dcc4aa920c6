"""Every module imports, and the module import graph has no cycles.

The graph is read statically from each module's AST: imports at the top AND inside functions (a deferred import
hides a cycle from Python at import time, not from this test). An edge goes from a module to the module it
names (`from .x import y` -> `x`, or `x.y` when `y` is a submodule). Importing a package's submodule also runs
the package's `__init__` (`from .dialects.base import Facts` runs the registry, which imports every dialect): the
graph is checked both without those edges (the dependencies the code chose) and with them (what Python runs).
The layering in dialects/base.py (lexing.py below the registry; render.py and outputs.py above it) is one case.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "mlmgen"


def module_files() -> dict[str, Path]:
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def import_graph(mods: dict[str, Path], package_inits: bool = False) -> dict[str, dict[str, int]]:
    """module -> {imported module: line of the first import statement}, mlmgen modules only. `package_inits`:
    an import of `a.b.c` is also an edge to `a.b` (whose `__init__` Python runs first), unless the importer is
    inside `a.b` itself (its package is already being imported) or `a.b` is the top package."""
    graph: dict[str, dict[str, int]] = {m: {} for m in mods}
    for m, p in mods.items():
        package = m if p.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    src = ".".join(base + ([node.module] if node.module else []))
                else:
                    src = node.module or ""
                targets = [f"{src}.{a.name}" if f"{src}.{a.name}" in mods else src for a in node.names]
            for t in targets:
                if t in mods and t != m:
                    graph[m].setdefault(t, node.lineno)
                parts = t.split(".")
                for k in range(2, len(parts)) if package_inits else ():
                    parent = ".".join(parts[:k])
                    if parent in mods and parent != m and not m.startswith(parent + "."):
                        graph[m].setdefault(parent, node.lineno)
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str] | None:
        colour[v] = 1
        stack.append(v)
        for w in sorted(graph[v]):
            if colour.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in colour:
                found = visit(w)
                if found:
                    return found
        colour[v] = 2
        stack.pop()
        return None

    for v in sorted(graph):
        if v not in colour:
            found = visit(v)
            if found:
                return found
    return None


MODULES = module_files()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    importlib.import_module(name)


@pytest.mark.parametrize("package_inits", [False, True])
def test_module_import_graph_has_no_cycles(package_inits):
    graph = import_graph(MODULES, package_inits)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(
        f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": 1}, "b": {}}) is None


def test_function_level_imports_are_edges(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from . import b\n")
    (tmp_path / "pkg" / "b.py").write_text("from .a import f\n")
    mods = {"pkg.a": tmp_path / "pkg" / "a.py", "pkg.b": tmp_path / "pkg" / "b.py"}
    assert find_cycle(import_graph(mods)) in (["pkg.a", "pkg.b", "pkg.a"],)


def test_package_init_edges(tmp_path):
    """`lexing` importing `dialects.base` runs `dialects/__init__`, which imports `lexing` back: a cycle only
    when the package's `__init__` counts."""
    for f, text in {"lexing.py": "from .dialects.base import Facts\n", "dialects/__init__.py": "from . import base\n",
                    "dialects/base.py": "X = 1\n", "dialects/sas.py": "from ..lexing import y\n",
                    "dialects/x.py": "from .base import X\n"}.items():
        (tmp_path / "pkg" / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / f).write_text(text)
    (tmp_path / "pkg" / "dialects" / "__init__.py").write_text("from . import base, sas\n")
    mods = {"pkg.lexing": tmp_path / "pkg" / "lexing.py", "pkg.dialects": tmp_path / "pkg" / "dialects" / "__init__.py",
            "pkg.dialects.base": tmp_path / "pkg" / "dialects" / "base.py",
            "pkg.dialects.sas": tmp_path / "pkg" / "dialects" / "sas.py",
            "pkg.dialects.x": tmp_path / "pkg" / "dialects" / "x.py"}
    assert find_cycle(import_graph(mods)) is None
    assert find_cycle(import_graph(mods, package_inits=True)) == ["pkg.dialects", "pkg.dialects.sas", "pkg.lexing",
                                                                 "pkg.dialects"]
    assert "pkg.dialects" not in import_graph(mods, package_inits=True)["pkg.dialects.x"]

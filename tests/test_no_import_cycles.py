"""No import cycles among lstm_gui's modules, lazy (function-level) imports included.

Issue 20 removed the run <-> compiled <-> evaluation cycle and the bench modules' one; a cycle
kept out of import time by a function-level import still counts.  Imports under
``if TYPE_CHECKING:`` (annotations only, never run) do not.  Plain ast, so the test needs no
import-linter.
"""
import ast
from pathlib import Path

import lstm_gui

ROOT = Path(lstm_gui.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ("lstm_gui",) + path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The lstm_gui modules `name` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package.split(".")
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            subs = {f"{base}.{a.name}" for a in node.names}
            found |= subs & modules.keys() or {base}     # `from p import m` of a module imports m
    return {m for m in found if m in modules and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out = []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_itself_back():
    modules = _modules()
    graph = {name: imports(name, path, modules) for name, path in modules.items()}
    assert "lstm_gui.core.training.compiled_run" in graph["lstm_gui.core.training.run"]
    assert cycles(graph) == []


def test_the_check_sees_a_lazy_cycle_and_skips_type_checking_imports(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    path = tmp_path / "m.py"
    path.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .x import X\n"
                    "def f():\n    from . import y\n")
    modules = {"lstm_gui.p.m": path, "lstm_gui.p.x": path, "lstm_gui.p.y": path}
    assert imports("lstm_gui.p.m", path, modules) == {"lstm_gui.p.y"}

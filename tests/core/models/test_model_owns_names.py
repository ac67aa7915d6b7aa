"""Only lstm_gui/core/models writes a parameter name, PARAM_NAMES / N_PARAMS, or the count 12.

Everything else asks a Model (``Model().names()``, ``.size``, ``.block("W", "f").name``), so a
new family or width cannot be forgotten somewhere.  Scanned: string literals (not docstrings:
prose may name a parameter), the names PARAM_NAMES and N_PARAMS, and the integer 12 (a 12
that counts something else is marked on its line with the comment ``# not a parameter count``).
"""
import ast
import re
from pathlib import Path

import lstm_gui

PACKAGE = Path(lstm_gui.__file__).parent
OWNER = "lstm_gui/core/models/"
# A gate's weight, bias or peephole as SPEC / docs/models.md name them.
PARAM_NAME = re.compile(r"(?<![A-Za-z0-9_])(W_[fiCorzn][hx]|b_[fiCorz]|b_n[xh]|p_[ifo])"
                        r"(?![A-Za-z0-9_])")

MARK = "# not a parameter count"

# Modules that still write them.  THIS LIST MUST ONLY SHRINK: when a module stops writing one,
# the test below fails until its entry goes; a new module never joins it (ask the Model).
ALLOWED = {
    # The names scripts have always imported from lstm_gui.core (issue 20: they keep working);
    # models/model.py defines them, this module only re-exports them.
    "lstm_gui/core/__init__.py": {"PARAM_NAMES", "N_PARAMS"},
}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def offences(source: str) -> dict[str, list[int]]:
    """What a module writes that the Model owns: kind -> line numbers."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    lines = source.splitlines()
    found: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        kind = None
        if isinstance(node, ast.Constant) and id(node) not in skip:
            if type(node.value) is int and node.value == 12:
                kind = None if MARK in lines[node.lineno - 1] else "12"
            elif isinstance(node.value, str) and PARAM_NAME.search(node.value):
                kind = "name"
        elif isinstance(node, ast.Name) and node.id in ("PARAM_NAMES", "N_PARAMS"):
            kind = node.id
        elif isinstance(node, ast.Attribute) and node.attr in ("PARAM_NAMES", "N_PARAMS"):
            kind = node.attr
        elif isinstance(node, ast.alias) and node.name in ("PARAM_NAMES", "N_PARAMS"):
            kind = node.name
        if kind:
            found.setdefault(kind, []).append(getattr(node, "lineno", 0))
    return found


def scan() -> dict[str, dict[str, list[int]]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = "lstm_gui/" + path.relative_to(PACKAGE).as_posix()
        if not rel.startswith(OWNER):
            found = offences(path.read_text(encoding="utf-8"))
            if found:
                out[rel] = found
    return out


def test_no_module_outside_the_model_writes_its_names_or_count():
    new = {rel: {k: v for k, v in found.items() if k not in ALLOWED.get(rel, set())}
           for rel, found in scan().items()}
    new = {rel: found for rel, found in new.items() if found}
    assert not new, ("ask the Model (lstm_gui.core.models) instead of writing these (a 12 "
                     f"that is no parameter count: end its line with '{MARK}'): "
                     + "; ".join(f"{rel} {kinds}" for rel, kinds in new.items()))


def test_allow_list_only_shrinks():
    found = scan()
    stale = {rel: kinds - set(found.get(rel, {})) for rel, kinds in ALLOWED.items()}
    stale = {rel: kinds for rel, kinds in stale.items() if kinds}
    assert not stale, f"these no longer write what ALLOWED says; remove them from it: {stale}"


def test_the_scan_catches_each_kind():
    src = ('"""Docstrings may say W_fh."""\nfrom x import PARAM_NAMES\nn = 12\nname = "b_f"\n'
           'f = f"{a}W_nh"\nk = unit.N_PARAMS\nok = (1e-12, 120, "W_f", "a_b_fx")\n'
           't = 12 * pi  # not a parameter count\n')
    assert offences(src) == {"PARAM_NAMES": [2], "12": [3], "name": [4, 5], "N_PARAMS": [6]}

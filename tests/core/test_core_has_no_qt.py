import subprocess
import sys
from pathlib import Path

import lstm_gui.core


def test_importing_the_core_loads_no_qt():
    # Every module of the core, whichever sub-package it lives in.
    code = ("import sys, pkgutil, importlib, lstm_gui.core;"
            "[importlib.import_module(m.name)"
            " for m in pkgutil.walk_packages(lstm_gui.core.__path__, 'lstm_gui.core.')];"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6')];"
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_no_core_module_names_qt():
    core = Path(lstm_gui.core.__file__).parent
    for path in core.rglob("*.py"):
        text = path.read_text()
        for name in ("PySide6", "pyqtgraph", "PyQt"):
            assert f"import {name}" not in text and f"from {name}" not in text, path

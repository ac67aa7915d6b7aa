"""`python -m lstm_gui.bench.memory [hessian|sweep|window ...]`: the peak memory of each
analysis at the largest size the limits allow (issue 26), one workload per process, so each
max RSS is its own.  Prints the tracemalloc peak (numpy's arrays) and the process's max RSS
(everything: Qt, numba, the interpreter).  Run it niced, one at a time: the largest sizes
take minutes on the numpy path.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

WORKLOADS = ("hessian", "sweep", "window")


def _largest_hessian_length() -> int:
    from ..core import limits
    from ..core.models import Model
    return limits.MAX_WORK_BYTES // (limits.HESSIAN_BYTES_PER_PROBE_POINT * Model().size)


def _largest_sweep_length(seeds: int) -> int:
    from ..core import limits
    return (limits.MAX_WORK_BYTES - 16 * limits.MAX_LENGTH) // (seeds * limits.ENSEMBLE_BYTES_PER_MEMBER_POINT)


def hessian() -> str:
    from ..core.analysis import landscape
    from ..core.models import UNIT
    n = _largest_hessian_length()
    x = np.sin(np.linspace(0, 400, n))
    landscape.hessian(np.random.default_rng(0).uniform(-1, 1, UNIT.size), x, x)
    return f"Hessian, 1 unit, n = {n:,}"


def sweep(seeds: int = 64, epochs: int = 3) -> str:
    from ..cli.main import main
    n = min(_largest_sweep_length(seeds), 1_000_000)
    code = main(["sweep", "--seeds", str(seeds), "--epochs", str(epochs), "--length", str(n), "--quiet"])
    return f"sweep, {seeds} seeds x {n:,} points, {epochs} epochs (exit {code})"


def window(length: int = 200_000, seconds: float = 20.0) -> str:
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..app.qt import QtCore, QtWidgets
    from ..app.window import MainWindow
    from .views import every_dock_open
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    settings = QtCore.QSettings(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope,
                                "lstm-gui-bench", "memory")
    w = MainWindow(settings=settings)
    w.show()
    every_dock_open(w)
    w.panel.lengthSpin.setText(str(length))
    w.panel.lengthSpin.editingFinished.emit()
    w.train()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)
    QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Discard
    w.close()
    return f"window, every dock open, n = {length:,}, {seconds:.0f} s of training"


def measure(name: str) -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    what = globals()[name]()
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{what}: tracemalloc peak {peak / 2**20:.0f} MiB, max RSS {rss:.0f} MiB, "
          f"{time.perf_counter() - t0:.0f} s", flush=True)


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(WORKLOADS)
    for name in names:
        if name not in WORKLOADS:
            print(f"unknown workload {name!r}; choose from {', '.join(WORKLOADS)}", file=sys.stderr)
            return 2
    for name in names:     # one process each: max RSS never comes down within a process
        subprocess.run([sys.executable, "-c", f"from lstm_gui.bench.memory import measure; measure({name!r})"],
                       check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

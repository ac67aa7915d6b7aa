"""`python -m lstm_gui.bench.memory [landscape|hessian|gradflow|ensemble|sweep|window ...]`:
the peak memory of each analysis at the largest size the limits allow (issue 26), one
workload per process, so each max RSS is its own.

Prints the tracemalloc peak (numpy's arrays) and the process's max RSS (everything: Qt,
numba, the interpreter).  The window's workload is measured by max RSS alone: tracemalloc
traces every Python float, and the unit's numpy passes (recurrences on Python floats) ran
six times slower under it (n = 200 000: mse_and_grad 4.1 s, 25.0 s traced).  Run it niced,
one at a time: the largest sizes take minutes.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

WORKLOADS = ("landscape", "hessian", "gradflow", "ensemble", "sweep", "window")
UNTRACED = ("window",)


def _largest_hessian_length() -> int:
    from ..core import limits
    from ..core.models import Model
    return limits.MAX_WORK_BYTES // (limits.HESSIAN_BYTES_PER_PROBE_POINT * Model().size)


def _largest_sweep_length(seeds: int) -> int:
    """The longest sequence an ensemble (or a sweep's setting) of `seeds` members may take."""
    from ..core import limits
    lo, hi = 1, limits.MAX_LENGTH
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if limits.ensemble_bytes(seeds, 1, mid) <= limits.MAX_WORK_BYTES else (lo, mid - 1)
    return lo


def _largest_gradflow_length() -> int:
    from ..core import limits
    from ..core.analysis import gradflow
    from ..core.models import Model
    n = int((limits.MAX_WORK_BYTES / (2 * 8 * Model().size)) ** 0.5)
    while 2 * gradflow.nbytes(n + 1, Model().size) <= limits.MAX_WORK_BYTES:
        n += 1
    while 2 * gradflow.nbytes(n, Model().size) > limits.MAX_WORK_BYTES:
        n -= 1
    return n


def _wave(n: int):
    x = np.sin(np.linspace(0, 400, n))
    return x, np.cos(np.linspace(0, 400, n))


def landscape(size: int = 49) -> str:
    """The map of a unit on the longest sequence allowed (the grid's size changes only its
    output, size^2 numbers: the models are evaluated in chunks within the budget)."""
    from ..core import limits
    from ..core.analysis import plane
    from ..core.models import UNIT
    n = limits.MAX_LENGTH
    x, t = _wave(n)
    plane.compute(np.random.default_rng(0).uniform(-1, 1, (1, UNIT.size)), x, t, kind="random",
                  size=size, span=1.0)
    return f"landscape {size}x{size}, 1 unit, n = {n:,}"


def hessian() -> str:
    from ..core.analysis import landscape as ls
    from ..core.models import UNIT
    n = _largest_hessian_length()
    x, t = _wave(n)
    ls.hessian(np.random.default_rng(0).uniform(-1, 1, UNIT.size), x, t)
    return f"Hessian, 1 unit, n = {n:,}"


def gradflow() -> str:
    from ..core.analysis import gradflow as gf
    from ..core.models import UNIT
    n = _largest_gradflow_length()
    x, t = _wave(n)
    gf.analyse(np.random.default_rng(0).uniform(-1, 1, (1, UNIT.size)), x, t)
    return f"gradient flow, 1 unit, n = {n:,}"


def ensemble(seeds: int = 64, epochs: int = 2) -> str:
    from dataclasses import replace

    from ..core.analysis.ensemble import EnsembleRun
    from ..core.training.run import RunConfig
    n = _largest_sweep_length(seeds)
    cfg = RunConfig()
    cfg = replace(cfg, task=replace(cfg.task, length=n), epochs=epochs)
    ens = EnsembleRun(cfg, range(seeds))
    ens.train(epochs)
    return f"ensemble, {seeds} seeds x {n:,} points, {epochs} epochs"


def sweep(seeds: int = 64, epochs: int = 3) -> str:
    from ..cli.main import main
    n = min(_largest_sweep_length(seeds), 1_000_000)
    code = main(["sweep", "--seeds", str(seeds), "--epochs", str(epochs), "--length", str(n), "--quiet"])
    return f"sweep, {seeds} seeds x {n:,} points, {epochs} epochs (exit {code})"


def window(length: int = 200_000, seconds: float = 20.0) -> str:
    """The window with every dock floating, training a unit on `length` points for `seconds`,
    then closed the way a user closes it (training, unsaved: answered Discard).  Prints when
    each phase ended (the close once sat for over ten minutes: see window.closeEvent)."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..app.qt import QtCore, QtWidgets
    from ..app.window import MainWindow
    from .views import every_dock_open
    t0 = time.perf_counter()

    def phase(what: str) -> None:
        print(f"  {time.perf_counter() - t0:6.1f} s  {what}", file=sys.stderr, flush=True)

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    settings = QtCore.QSettings(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope,
                                "lstm-gui-bench", "memory")
    settings.clear()
    w = MainWindow(settings=settings)
    w.show()
    w.warm_up_kernel()               # as the app does at launch; waited for: not measured here
    while not w.trainer.kernel_ready:
        app.processEvents()
        time.sleep(0.05)
    every_dock_open(w)
    phase("window open, kernels loaded, every dock floating")
    w.panel.lengthSpin.setText(str(length))
    w.panel.lengthSpin.editingFinished.emit()
    phase(f"length {length:,} set")
    w.train()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)
    phase(f"trained {seconds:.0f} s")
    QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Discard
    w.close()
    phase("closed")
    return f"window, every dock open, n = {length:,}, {seconds:.0f} s of training"


def measure(name: str, *args) -> None:
    traced = name not in UNTRACED
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    what = globals()[name](*args)
    peak = f"tracemalloc peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB, " if traced else ""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{what}: {peak}max RSS {rss:.0f} MiB, {time.perf_counter() - t0:.0f} s", flush=True)


def main(argv=None) -> int:
    """Each argument a workload, optionally with a size: ``window:1000000`` (the window's
    sequence length; default 200 000)."""
    names = (argv if argv is not None else sys.argv[1:]) or list(WORKLOADS)
    jobs = []
    for arg in names:
        name, _, size = arg.partition(":")
        if name not in WORKLOADS or (size and not size.isdigit()):
            print(f"unknown workload {arg!r}; choose from {', '.join(WORKLOADS)} "
                  f"(window:LENGTH for another length)", file=sys.stderr)
            return 2
        jobs.append((name,) + ((int(size),) if size else ()))
    for job in jobs:     # one process each: max RSS never comes down within a process
        args = ", ".join(repr(a) for a in job)
        subprocess.run([sys.executable, "-c", f"from lstm_gui.bench.memory import measure; measure({args})"],
                       check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the cell view: the cost of one snapshot, and of one cursor move.

`python -m lstm_gui.bench --gui` runs it; alone: `python -m lstm_gui.bench.cell`.  Each figure
is the median and quartiles over a sequence of real training snapshots (every parameter and
value changed since the one before), split into the view's update (show_snapshot: texts,
pens) and the paint that follows (a synchronous repaint of the viewport, offscreen).
Absolute milliseconds on a shared machine: the quartiles say how much it moved.
"""
from __future__ import annotations

import os
import time

import numpy as np


def _quartiles(seconds) -> str:
    q1, med, q3 = np.percentile(np.asarray(seconds) * 1e3, [25, 50, 75])
    return f"{med:6.2f} ms (quartiles {q1:.2f}-{q3:.2f})"


def _setup(units: int, size, count: int, epochs_between: int):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..app.qt import QtWidgets
    from ..app.views.base import TimeCursor, ViewContext
    from ..app.views.cell import CellView
    from ..core.training.run import RunConfig, TrainingRun

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    run = TrainingRun(RunConfig(units=units, epochs=0))
    snaps = []
    for _ in range(count + 1):
        run.train(epochs_between)
        snaps.append(run.snapshot(history_points=10))
    ctx = ViewContext(trainer=None, cursor=TimeCursor(), undo=None, message=print, settings=None)
    view = CellView(ctx)
    view.resize(*size)
    view.show()
    view.show_snapshot(snaps[0])
    ctx.cursor.set(37)
    app.processEvents()
    return app, view, snaps


def versus_reference(rounds: int = 21):
    """One unit's snapshot (update + paint) paired against the bench's reference epoch
    (plain pure-Python BPTT, n = 100): bench.Versus, ratio = reference time / snapshot time."""
    from ..core.models import UNIT
    from ..core.training.tasks import preset
    from .timing import plain_epoch, versus

    app, view, snaps = _setup(1, (1400, 900), 40, 20)
    x, t = preset("sin-cos").sequences()
    xl, tl = x.tolist(), t.tolist()
    q = np.random.default_rng(0).uniform(-1, 1, UNIT.size).tolist()
    k = [0]

    def snapshot():
        k[0] += 1
        view.show_snapshot(snaps[k[0] % len(snaps)])
        view.view.viewport().repaint()

    v = versus(snapshot, lambda: plain_epoch(q, xl, tl, 0.01), rounds, 10, 10)
    view.close()
    app.processEvents()
    return v


def measure(units: int, size=(1400, 900), count: int = 60, epochs_between: int = 20) -> dict:
    """Times (s) per snapshot: 'update', 'paint', and per cursor move 'cursor' (update+paint)."""
    app, view, snaps = _setup(units, size, count, epochs_between)
    ctx = view.ctx
    viewport = view.view.viewport()
    out: dict[str, list[float]] = {"update": [], "paint": [], "cursor": []}
    for snap in snaps[1:]:
        t0 = time.perf_counter()
        view.show_snapshot(snap)
        t1 = time.perf_counter()
        viewport.repaint()
        t2 = time.perf_counter()
        out["update"].append(t1 - t0)
        out["paint"].append(t2 - t1)
    for t in range(count):
        t0 = time.perf_counter()
        ctx.cursor.set(t % (snaps[-1].x.size - 1) + (t % 2))
        viewport.repaint()
        out["cursor"].append(time.perf_counter() - t0)
    view.close()
    app.processEvents()
    return out


def bench_cell_view() -> None:
    """Print the cell view's costs for a unit and chains of 4 and 16."""
    print("cell view, 1400x900 offscreen, per snapshot (median, quartiles):")
    for units in (1, 4, 16):
        m = measure(units)
        both = np.add(m["update"], m["paint"])
        print(f"  units {units:>2}: update {_quartiles(m['update'])}, paint {_quartiles(m['paint'])},"
              f" total {_quartiles(both)}; cursor move {_quartiles(m['cursor'])}")
    v = versus_reference()
    print(f"  one unit against the reference epoch, paired: {v.ratio:.2f}x its time"
          f" (quartiles {v.low:.2f}-{v.high:.2f}): a snapshot costs {1 / v.ratio:.1f} reference epochs")
    print("  target: < 3 ms per snapshot for one unit")
    print_training_speed()




def training_speed(seconds: float = 2.0, rounds: int = 5, hide_dock: bool = True) -> dict:
    """Epochs per second of the window training at full speed (1400x900 offscreen), with a
    cell view docked and drawing every snapshot, and without; alternated `rounds` times.
    hide_dock=False keeps the dock shown and only stops its drawing (the plots keep their
    size: a shown dock makes them smaller, hence cheaper to draw).

    The window's own cell dock is shown in one round and hidden in the next (a hidden dock
    is not drawn); its draws are counted.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from ..app.qt import QtCore, QtWidgets
    from ..app.window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # noqa: F841
    settings = QtCore.QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"),
                                QtCore.QSettings.Format.IniFormat)
    settings.setValue("training/speed", "full")   # the window's default is a pace to watch
    window = MainWindow(settings=settings)
    view, dock = window.views["cellView"], window.docks["cellView"]
    window.resize(1400, 900)
    window.show()
    window.panel.epochsSpin.setText("never")
    window.panel.epochsSpin.editingFinished.emit()
    state = {"cell": False, "drawn": 0}
    draw = view.show_snapshot

    def counted(snap):
        if state["cell"]:          # hide_dock=False: shown, but not drawn in the "without" rounds
            draw(snap)
            state["drawn"] += 1

    view.show_snapshot = counted

    def spin(sec):
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int(sec * 1000), loop.quit)
        loop.exec()

    def epoch():
        return window.trainer.read(lambda run: run.epoch)

    out: dict[str, list[float]] = {"with": [], "without": [], "frames_with": []}
    window.train()
    spin(1.0)
    for r in range(2 * rounds):
        cell = r % 2 == 0
        state["cell"], state["drawn"] = cell, 0
        dock.setVisible(cell or not hide_dock)
        spin(0.3)
        e0, t0 = epoch(), time.perf_counter()
        spin(seconds)
        rate = (epoch() - e0) / (time.perf_counter() - t0)
        out["with" if cell else "without"].append(rate)
        if cell:
            out["frames_with"].append(state["drawn"] / seconds)
    window.pause()
    window._confirm_discard = lambda action: True
    window.close()
    return out


def print_training_speed() -> None:
    for hide, off in ((True, "dock closed"), (False, "dock shown, not drawing")):
        s = training_speed(hide_dock=hide)
        w, wo = np.array(s["with"]), np.array(s["without"])
        print(f"  training in the window, epochs/s (medians of {len(w)} alternated 2 s spells):"
              f" cell view drawing {np.median(w):,.0f} (quartiles {_q(w)},"
              f" {np.median(s['frames_with']):.0f} cell frames/s); {off} {np.median(wo):,.0f}"
              f" (quartiles {_q(wo)}); ratio {np.median(w) / np.median(wo):.2f}")


def _q(a) -> str:
    q1, q3 = np.percentile(a, [25, 75])
    return f"{q1:,.0f}-{q3:,.0f}"


if __name__ == "__main__":
    bench_cell_view()

"""Benchmark of the cell view: the cost of one snapshot, and of one cursor move.

`python -m lstm_gui.bench --gui` runs it; alone: `python -m lstm_gui.bench_cell`.  Each figure
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
    from .app.qt import QtWidgets
    from .app.views.base import TimeCursor, ViewContext
    from .app.views.cell import CellView
    from .core.run import RunConfig, TrainingRun

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
    from .bench import _versus, plain_epoch
    from .core.tasks import preset

    app, view, snaps = _setup(1, (1400, 900), 40, 20)
    x, t = preset("sin-cos").sequences()
    xl, tl = x.tolist(), t.tolist()
    q = np.random.default_rng(0).uniform(-1, 1, 12).tolist()
    k = [0]

    def snapshot():
        k[0] += 1
        view.show_snapshot(snaps[k[0] % len(snaps)])
        view.view.viewport().repaint()

    v = _versus(snapshot, lambda: plain_epoch(q, xl, tl, 0.01), rounds, 10, 10)
    view.close()
    app.processEvents()
    return v


def measure(units: int, size=(1400, 900), count: int = 60, epochs_between: int = 20) -> dict:
    """Times (s) per snapshot: 'update', 'paint', and per cursor move 'cursor' (update+paint)."""
    app, view, snaps = _setup(units, size, count, epochs_between)
    ctx = view.ctx
    viewport = view.view.viewport()
    out = {"update": [], "paint": [], "cursor": []}
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


if __name__ == "__main__":
    bench_cell_view()

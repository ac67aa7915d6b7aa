"""`python -m lstm_gui.bench --gui`: the window with every dock open while an H = 16,
2-layer GRU trains (issue 21's targets: 10 ms timer lateness p99 <= 50 ms, >= 10 redraws a
second, >= 75 % of headless speed from paired rounds)."""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np


def model_config():
    from ..core.training.run import RunConfig
    from ..core.training.tasks import preset
    return RunConfig(task=preset("sin-cos"), cell="gru", hidden=16, units=2, optimizer="adam",
                     lr=0.01, seed=0, epochs=0)


def every_dock_open(window) -> list[str]:
    """Float every view's dock beside the window (tabbed docks are hidden and draw nothing)."""
    names = []
    for k, (name, dock) in enumerate(window.docks.items()):
        if name == "controlsDock":
            continue
        dock.setFloating(True)
        dock.show()
        dock.resize(460, 320)
        dock.move(20 + 60 * k, 20 + 30 * k)
        names.append(name)
    return names


def bench_model_window(rounds: int = 4, seconds: float = 2.0, config=None) -> dict:
    """Alternate spells of training in the window (every dock open) and headless; returns and
    prints the lateness percentiles, redraws a second and the paired speed ratios."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..app.qt import QtCore, QtWidgets
    from ..app.window import MainWindow
    from ..core.training.run import TrainingRun

    cfg = config or model_config()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # noqa: F841
    settings = QtCore.QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"),
                                QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, run=TrainingRun(cfg))
    window.resize(1400, 900)
    window.show()
    docks = every_dock_open(window)
    frames = [0]
    taken = window.trainer.snapshot_taken

    def counting(*args):
        frames[0] += 1
        taken(*args)

    window.trainer.snapshot_taken = counting
    failures: list[str] = []
    window.frames.failed.connect(failures.append)
    late: list[float] = []
    last = [None]

    def tick():
        now = time.perf_counter()
        if last[0] is not None:
            late.append(now - last[0] - 0.010)
        last[0] = now

    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)

    def spin(sec):
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int(sec * 1000), loop.quit)
        loop.exec()

    headless = TrainingRun(cfg)
    ratios, redraws, busy = [], [], []
    window.train()
    spin(1.0)                                    # the first frames, the workers' first jobs
    for _ in range(rounds):
        late.clear()
        last[0] = None
        frames[0] = 0
        timer.start(10)
        e0, t0 = window.trainer.read(lambda r: r.epoch), time.perf_counter()
        spin(seconds)
        dt = time.perf_counter() - t0
        live = (window.trainer.read(lambda r: r.epoch) - e0) / dt
        timer.stop()
        busy += late
        redraws.append(frames[0] / dt)
        window.trainer.pause()
        h0, t0 = headless.epoch, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            headless.train(20)
        alone = (headless.epoch - h0) / (time.perf_counter() - t0)
        ratios.append(live / alone)
        window.train()
    window.pause()
    window._confirm_discard = lambda action: True
    window.close()
    b = np.array(busy) * 1e3
    q1, med, q3 = np.percentile(ratios, [25, 50, 75])
    result = {"p50": float(np.percentile(b, 50)), "p99": float(np.percentile(b, 99)),
              "max": float(b.max()), "redraws": float(np.median(redraws)),
              "share": float(med), "share_q": (float(q1), float(q3)), "docks": len(docks)}
    print(f"GUI, {cfg.cell} H = {cfg.hidden}, {cfg.units} layers, every dock open ({len(docks)}, "
          f"floating): 10 ms timer lateness p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
          f"max {result['max']:.1f} ms (target p99 <= 50 ms); {result['redraws']:.1f} redraws/s "
          f"(median of {rounds} spells; target >= 10); the window keeps {med:.0%} of headless "
          f"speed (quartiles {q1:.0%}-{q3:.0%}, {rounds} paired rounds; target >= 75 %)")
    failed = sorted({f.split(":")[0] for f in failures})
    if failed:
        print("  could not draw this model: " + ", ".join(failed))
    return result


if __name__ == "__main__":
    bench_model_window()

"""The one timing loop of the window's benchmarks (`python -m lstm_gui.bench --gui`).

``bench.main.bench_gui``, ``bench.views`` and ``bench.window`` measure the same things in the
same way, here:

- **timer lateness**: a 10 ms PreciseTimer in the GUI thread; each tick's delay beyond 10 ms
  is how long the window could not answer (input, animation) — percentiles in ms;
- **redraws a second**: frames (snapshots drawn), and per view the paints of its pyqtgraph
  widgets (a paint is what the user sees change); the busiest view is the one painted most;
- **share of headless speed**: epochs a second in the window against the same config trained
  headless, in paired rounds (window then headless, or the other way round, alternating),
  median and quartiles of the rounds' ratios: this machine is shared, and only a ratio of two
  spells measured back to back means something.

A reference of what the machine allows: :func:`empty_window_lateness` runs the same timer in
an empty window while the same config trains in a plain Python thread (no drawing): the
lateness the load and the training thread's GIL alone cause.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np


def app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..app.qt import QtWidgets
    return QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


def open_window(config=None, size=(1400, 900)):
    """A MainWindow on a run of config (None: the default), at full speed, shown."""
    a = app()
    from ..app.qt import QtCore
    from ..app.window import MainWindow
    from ..core.training.run import TrainingRun
    settings = QtCore.QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"),
                                QtCore.QSettings.Format.IniFormat)
    settings.setValue("training/speed", "full")   # the window's default is a pace to watch
    window = MainWindow(settings=settings, run=None if config is None else TrainingRun(config))
    window.resize(*size)
    window.show()
    a.processEvents()
    return window


def close_window(window) -> None:
    window.pause()
    window._confirm_discard = lambda action: True
    window.close()


def spin(seconds: float) -> None:
    """Run the event loop for `seconds`."""
    from ..app.qt import QtCore
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def quartiles(values) -> tuple[float, float, float]:
    q1, med, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(q1), float(med), float(q3)


class LatenessTimer:
    """A 10 ms PreciseTimer in the GUI thread recording each tick's lateness (seconds)."""

    def __init__(self, interval_ms: int = 10):
        from ..app.qt import QtCore
        self.interval = interval_ms / 1000
        self.late: list[float] = []
        self._last: float | None = None
        self._timer = QtCore.QTimer()
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._interval_ms = interval_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.late.append(now - self._last - self.interval)
        self._last = now

    def start(self) -> None:
        self._last = None
        self._timer.start(self._interval_ms)

    def stop(self) -> None:
        self._timer.stop()


class PaintCounter:
    """Counts paint events of each view's graphics views (pyqtgraph's plots, the cell's
    drawing), and frames drawn."""

    def __init__(self, window):
        import pyqtgraph as pg

        from ..app.qt import QtCore

        class Filter(QtCore.QObject):
            def __init__(self, counts, name):
                super().__init__()
                self.counts, self.name = counts, name

            def eventFilter(self, obj, event):   # noqa: N802 - Qt's name
                if event.type() == QtCore.QEvent.Type.Paint:
                    self.counts[self.name] = self.counts.get(self.name, 0) + 1
                return False

        from ..app.qt import QtWidgets

        self.paints: dict[str, int] = {}
        self.frames = 0
        self._filters = []
        self.plots: set[str] = set()     # the views drawn by pyqtgraph plots (the cell: not)
        for name in window.views:
            f = Filter(self.paints, name)
            for gv in window.docks[name].findChildren(QtWidgets.QGraphicsView):
                gv.viewport().installEventFilter(f)
                if isinstance(gv, pg.GraphicsView):
                    self.plots.add(name)
            self._filters.append(f)
        taken = window.trainer.snapshot_taken

        def counting(*args):
            self.frames += 1
            taken(*args)
        window.trainer.snapshot_taken = counting

    def reset(self) -> None:
        self.paints.clear()
        self.frames = 0


@dataclass
class Rounds:
    """What paired rounds measured: lateness samples (ms), frames and the busiest view's
    paints a second per round, the rounds' window / headless speed ratios."""

    late_ms: list = field(default_factory=list)
    frames: list = field(default_factory=list)
    busiest: list = field(default_factory=list)     # (name, paints/s) per round
    paints: dict = field(default_factory=dict)      # view -> paints/s, every round
    ratios: list = field(default_factory=list)
    live: list = field(default_factory=list)        # epochs/s in the window
    gui_cpu: list = field(default_factory=list)     # the GUI thread's CPU seconds a second
    process_cpu: list = field(default_factory=list) # the process's (both threads') likewise
    alone: list = field(default_factory=list)       # epochs/s headless

    def lateness(self) -> tuple[float, float, float]:
        b = np.asarray(self.late_ms) if self.late_ms else np.zeros(1)
        return (float(np.percentile(b, 50)), float(np.percentile(b, 99)), float(b.max()))

    def busiest_view(self) -> tuple[str, tuple[float, float, float]]:
        names = [n for n, _ in self.busiest]
        name = max(set(names), key=names.count) if names else "-"
        return name, quartiles([r for _, r in self.busiest] or [0.0])


def settle(window, most: float = 30.0) -> None:
    """Train until every view in sight has drawn once (each builds its plots for the model
    at its first draw: 0.4-0.5 s of CPU for the heat maps of an H = 16 GRU) and a second
    more: what is measured after is the window training, not its set-up."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < most:
        spin(0.2)
        drawn = window.frames.draws
        if all(drawn.get(name, 0) for name in window.views if window.can_be_seen(name)):
            break
    spin(1.0)


def headless_rate(run, seconds: float, chunk: int = 20) -> float:
    """Epochs a second of run.train(chunk) repeated for `seconds` in this thread."""
    e0, t0 = run.epoch, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        run.train(chunk)
    return (run.epoch - e0) / (time.perf_counter() - t0)


def paired_rounds(window, config, rounds: int = 6, seconds: float = 2.0,
                  lateness: bool = True, chunk: int = 20) -> Rounds:
    """Alternate spells of training in the window and headless (the order alternating),
    `seconds` each; the window keeps training across its spells (paused during headless).
    Headless trains `chunk` epochs a call (the unit's compiled path wants ~500)."""
    from ..core.training.run import TrainingRun
    timer = LatenessTimer() if lateness else None
    counter = PaintCounter(window)
    headless = TrainingRun(config)
    headless_rate(headless, 0.3, chunk)             # the first call's set-up is not the speed
    out = Rounds()
    window.train()
    settle(window)                           # the first frames, the workers' first jobs
    window.trainer.pause()
    for r in range(rounds):
        alone_first = r % 2 == 1
        if alone_first:
            out.alone.append(headless_rate(headless, seconds, chunk))
        window.train()
        spin(0.2)                            # back to speed after the pause
        counter.reset()
        if timer is not None:
            timer.late.clear()
            timer.start()
        e0, t0 = window.trainer.read(lambda run: run.epoch), time.perf_counter()
        c0, p0 = time.thread_time(), time.process_time()
        spin(seconds)
        dt = time.perf_counter() - t0
        out.gui_cpu.append((time.thread_time() - c0) / dt)
        out.process_cpu.append((time.process_time() - p0) / dt)
        live = (window.trainer.read(lambda run: run.epoch) - e0) / dt
        if timer is not None:
            timer.stop()
            out.late_ms += [v * 1e3 for v in timer.late]
        out.frames.append(counter.frames / dt)
        name, paints = max(((v, n) for v, n in counter.paints.items() if v in counter.plots),
                           key=lambda kv: kv[1], default=("-", 0))
        out.busiest.append((name, paints / dt))
        for view, count in counter.paints.items():
            out.paints.setdefault(view, []).append(count / dt)
        window.trainer.pause()
        if not alone_first:
            out.alone.append(headless_rate(headless, seconds, chunk))
        out.live.append(live)
        out.ratios.append(live / out.alone[-1])
    window.pause()
    return out


def empty_window_lateness(config, seconds: float = 4.0, train: bool = True) -> tuple[float, float, float]:
    """(p50, p99, max) ms of the 10 ms timer in an empty window while `config` trains
    headless in a plain thread (train=False: nothing else runs): what this machine, its load
    and a training thread's GIL allow a window, drawing nothing."""
    from ..app.qt import QtWidgets
    from ..core.training.run import TrainingRun
    app()
    empty = QtWidgets.QMainWindow()
    empty.resize(1400, 900)
    empty.show()
    stop = threading.Event()
    run = TrainingRun(config)

    def loop():
        while not stop.is_set():
            run.train(5)
            time.sleep(0)          # as the window's training thread gives the GIL away
    worker = threading.Thread(target=loop, daemon=True)
    if train:
        worker.start()
    timer = LatenessTimer()
    spin(0.3)
    timer.start()
    spin(seconds)
    timer.stop()
    stop.set()
    if train:
        worker.join()
    empty.close()
    b = np.asarray(timer.late or [0.0]) * 1e3
    return float(np.percentile(b, 50)), float(np.percentile(b, 99)), float(b.max())


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return (f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores, "
            f"nice {os.nice(0)}")

"""The window's figures for `python -m lstm_gui.bench --gui`: the C library's experiment in
the window, and the window's share of headless speed on each kernel, from paired rounds."""
from __future__ import annotations

import time

import numpy as np


def _window(config=None):
    from . import gui_timing as gt
    window = gt.open_window(config)
    return gt.app(), window


def _close(window) -> None:
    from . import gui_timing as gt
    gt.close_window(window)


def c_library_experiment(repeats: int = 3) -> None:
    """The C library's 100 000 epochs of plain descent on sine to cosine (its timing), in the
    window with every view drawing live, against the same run headless."""
    from ..core.models import compiled
    from ..core.training import compiled_run
    from ..core.training.run import RunConfig, TrainingRun
    from ..core.training.tasks import preset

    compiled_run.warm_up()
    cfg = RunConfig(task=preset("sin-cos"), optimizer="sgd", lr=0.01, delay=1, epochs=100_000)
    in_window, headless = [], []
    for _ in range(repeats):
        run = TrainingRun(cfg)
        t0 = time.perf_counter()
        run.train(cfg.epochs)
        headless.append(time.perf_counter() - t0)
        app, window = _window(cfg)
        t0 = time.perf_counter()
        window.train()
        while window.trainer.is_training:
            app.processEvents()
            time.sleep(0.001)
        in_window.append(time.perf_counter() - t0)
        _close(window)
    print(f"the C library's experiment (100 000 epochs, sin->cos, SGD 0.01, its timing), "
          f"{compiled.active()} kernel: in the window with live views "
          f"{np.median(in_window):.2f} s ({min(in_window):.2f}-{max(in_window):.2f}), headless "
          f"{np.median(headless):.2f} s; the C library needs 2.6-2.8 s headless (target < 3 s)")


def window_share(rounds: int = 5, seconds: float = 2.0) -> None:
    """Epochs per second in the window (training live, every default view drawing) against
    the same run headless, in alternating rounds (bench.gui_timing.paired_rounds); median
    and quartiles of the paired ratios."""
    from ..core.models import compiled
    from ..core.training.run import RunConfig
    from . import gui_timing as gt

    cfg = RunConfig(epochs=0)
    window = gt.open_window(cfg)
    r = gt.paired_rounds(window, cfg, rounds, seconds, lateness=False, chunk=500)
    gt.close_window(window)
    q1, med, q3 = gt.quartiles(r.ratios)
    print(f"window's share of headless speed, {compiled.active()} kernel: {med:.0%} "
          f"(quartiles {q1:.0%}-{q3:.0%}, {rounds} paired rounds; target >= 90%)")


def view_cost(name: str, rounds: int = 6, seconds: float = 2.0) -> None:
    """Training speed with a view's dock shown against hidden, in alternating rounds while the
    window trains (the issues' "at most a tenth" for the landscape, "not measurably" for the
    cell)."""
    from ..core.training.run import RunConfig

    app, window = _window(RunConfig(epochs=0))
    dock = window.docks[name]
    window.train()
    rates: dict[bool, list[float]] = {True: [], False: []}
    for r in range(2 * rounds):
        shown = r % 2 == 0
        dock.setVisible(shown)
        if shown:
            dock.raise_()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.5:       # settle: the dock's first draw, a map
            app.processEvents()
            time.sleep(0.001)
        e0, t0 = window.trainer.read(lambda run: run.epoch), time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            app.processEvents()
            time.sleep(0.001)
        rates[shown].append((window.trainer.read(lambda run: run.epoch) - e0) / (time.perf_counter() - t0))
    window.pause()
    _close(window)
    ratios = np.array(rates[True]) / np.array(rates[False])
    q1, med, q3 = np.percentile(ratios, [25, 50, 75])
    print(f"training with {name} shown / hidden: {med:.2f} (quartiles {q1:.2f}-{q3:.2f}, "
          f"{rounds} paired rounds)")


def main() -> None:
    from ..core.models import compiled
    kernels = ["numpy"] + (["compiled"] if compiled.available() else [])
    for kernel in kernels:
        compiled.use(kernel)
        try:
            window_share()
        finally:
            compiled.use(None)
    c_library_experiment()
    for name in ("cellView", "landscapeView", "gradientView"):
        view_cost(name)

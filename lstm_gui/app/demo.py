"""`lstm-gui demo`: train the C library's experiments and the tutorials' models headless and
save screenshots."""
from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.training.noise import Noise
from ..core.training.run import RunConfig, TrainingRun
from ..core.training.tasks import preset

WINDOW_SIZE = (1400, 900)
PLOT_WIDTH = 900


@dataclass(frozen=True)
class Demo:
    name: str
    title: str
    config: RunConfig
    epochs: int
    docks: tuple[str, ...] = ()     # brought to the front (and given room) before the shot


def _lesson(name: str) -> RunConfig:
    # A lesson's model and task, trained here for the demo's epochs.
    from ..core import lessons
    return dataclasses.replace(lessons.load(name).config, epochs=0)


def _noisy(mode: str) -> RunConfig:
    # The C library's noise runs: sine to cosine over n = 300 points, 15 cycles.
    return RunConfig(task=preset("sin-cos", length=300, cycles=15), noise=Noise(mode, 0.1),
                     epochs=0)


DEMOS = (
    Demo("sin-cos", "Sine to cosine (Adam)", RunConfig(task=preset("sin-cos"), epochs=0), 3000),
    Demo("square-cos", "Square to cosine (Adam)", RunConfig(task=preset("square-cos"), epochs=0), 3000),
    Demo("trajectories", "Parameter trajectories, plain gradient descent at lr 0.01 (the C library's run)",
         RunConfig(task=preset("trajectories"), optimizer="sgd", lr=0.01, epochs=0), 2000),
    Demo("noise-target", "Noise on the target", _noisy("target"), 2000),
    Demo("noise-input", "Noise on the input", _noisy("input"), 2000),
    Demo("noise-both", "Noise on both", _noisy("both"), 2000),
    Demo("chain-2", "A chain of two units, frequency doubled and shifted",
         RunConfig(task=preset("freq-double"), units=2, epochs=0), 3000),
    # The models the tutorials use, seen as clearly as the unit (issue 21).
    Demo("lstm-16", "PyTorch's tutorial model: 16 LSTM units and a linear readout",
         _lesson("pytorch-tutorial"), 2000, ("weightsView",)),
    Demo("gru-16x2", "A GRU, 16 units, 2 layers", RunConfig(
        task=preset("sin-cos"), cell="gru", hidden=16, units=2, lr=0.01, epochs=0), 1300,
         ("cellView", "gateHeatmap")),
    Demo("chain-3", "A chain of three units: the gradient each gets, per layer",
         _lesson("chain"), 500, ("gradientView",)),
)


def run_demos(out: Path, only=None, epochs: int | None = None) -> int:
    """Train each demo from its fixed seed and save the window and each plot as PNG."""
    names = {d.name for d in DEMOS}
    unknown = sorted(set(only or ()) - names)
    if unknown:
        print(f"lstm-gui demo: unknown demo {unknown[0]!r}; choose from {', '.join(sorted(names))}",
              file=sys.stderr)
        return 2
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    from .qt import QtWidgets

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"lstm-gui demo: cannot create {out}: {exc.strerror}", file=sys.stderr)
        return 1
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["lstm-gui"])
    # The demo windows' settings are throwaway: removed when the demo ends, however it ends.
    settings_dir = tempfile.TemporaryDirectory(prefix="lstm-gui-demo-")
    with settings_dir:
        return _run_demos(app, out, settings_dir.name, only, epochs)


def _train(run: TrainingRun, epochs: int, chunk: int = 20) -> None:
    """`epochs` epochs (fewer if the run stops), a chunk at a time as the window trains: the
    run records the gradient's norms paced by time, and one call of 500 epochs of a chain
    recorded two rows (a straight line in the gradient view)."""
    end = run.epoch + epochs
    while run.epoch < end and not run.train(min(chunk, end - run.epoch)):
        pass


def _settle(app, window, docks, most: float = 60.0) -> None:
    """Let the layout place the presented docks and their views' workers (the gradient flow,
    the landscape) deliver a first result, so the shot shows them drawn."""
    app.processEvents()
    views = [window.views[name] for name in docks]
    workers = [v.worker for v in views if getattr(v, "worker", None) is not None]
    start = time.perf_counter()
    while time.perf_counter() - start < most:
        app.processEvents()
        if not any(w.isRunning() or w.pending() for w in workers):
            break
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()


def _run_demos(app, out: Path, settings_dir: str, only, epochs: int | None) -> int:
    from .plots import export_plot
    from .qt import QtCore
    from .window import MainWindow

    chosen = [d for d in DEMOS if not only or d.name in only]
    # Compile (or load) the kernel first: its first-call time would otherwise count as the
    # first demo's training time, and the status bar's clock would differ from run to run.
    from ..core.training import compiled_run
    compiled_run.warm_up()
    started = time.perf_counter()
    for k, demo in enumerate(chosen, start=1):
        t0 = time.perf_counter()
        run = TrainingRun(demo.config)
        _train(run, epochs or demo.epochs)
        settings = QtCore.QSettings(os.path.join(settings_dir, f"{demo.name}.ini"),
                                    QtCore.QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, run=run)
        window.resize(*WINDOW_SIZE)
        window.setWindowTitle(f"{demo.title} – lstm-gui")
        window.show()
        for name in demo.docks:
            window.layout_.present(name)
        window.refresh()
        _settle(app, window, demo.docks)
        files = [out / f"{demo.name}.png"]
        window.grab().save(str(files[0]), "PNG")
        for suffix, plot in (("signal", window.signalPlot), ("mse", window.msePlot),
                             ("params", window.paramsPlot), ("gates", window.gatesPlot)):
            files.append(out / f"{demo.name}-{suffix}.png")
            export_plot(plot, str(files[-1]), width=PLOT_WIDTH)
        window.trainer.read(lambda r: window.document.mark_saved(r, None))  # nothing to ask on close
        window.close()
        print(f"[{k}/{len(chosen)}] {demo.name}: {run.epoch} epochs, MSE {run.current_mse():.4g}, "
              f"{len(files)} images in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"wrote {len(chosen) * 5} images to {out} in {time.perf_counter() - started:.1f} s")
    return 0

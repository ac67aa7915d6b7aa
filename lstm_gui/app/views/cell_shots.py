"""Screenshots of the cell view, and the same as a deuteranope would see them.

    python -m lstm_gui.app.views.cell_shots OUT_DIR [--epochs 3000]

Writes ``cell-<units>u-<W>x<H>.png`` for one unit and a chain of 3 at a small dock and at
full window sizes, ``cell-<family>-H<H>-L<layers>-<W>x<H>.png`` for the models of MODELS
(their diagram per family), and ``…-deuteranopia.png`` beside each (Machado 2009, severity 1).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

SIZES = ((450, 350), (900, 560), (1400, 900), (1920, 1080))
# (family, H, layers, epochs): a model of each kind of drawing (GRU, peephole edges, the
# coupled gate, an ablated gate).
MODELS = (("gru", 16, 2, 100), ("peephole", 1, 1, 300), ("cifg", 1, 1, 300), ("nfg", 1, 1, 300))


def image_rgb(image) -> np.ndarray:
    """A QImage as an (H, W, 3) uint8 array (a copy)."""
    from ...app.qt import QtGui

    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def rgb_image(rgb: np.ndarray):
    """An (H, W, 3) array as a QImage (it keeps its own copy)."""
    from ...app.qt import QtGui

    rgb = np.ascontiguousarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8))
    h, w, _ = rgb.shape
    return QtGui.QImage(rgb.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()


def save_shots(out: Path, epochs: int = 3000, t: int = 37) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ...app.qt import QtWidgets
    from ...core.training.run import RunConfig, TrainingRun
    from ..colour_vision import simulate_deuteranopia
    from .base import TimeCursor, ViewContext
    from .cell import CellView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    written = []
    runs = []
    for units in (1, 3):
        run = TrainingRun(RunConfig(units=units, epochs=0))
        run.train(epochs)
        runs.append((f"{units}u", run))
    for cell, hidden, layers, model_epochs in MODELS:
        run = TrainingRun(RunConfig(cell=cell, hidden=hidden, units=layers, epochs=0))
        run.train(model_epochs)
        runs.append((f"{cell}-H{hidden}-L{layers}", run))
    for name, run in runs:
        snap = run.snapshot(history_points=10)
        for w, h in SIZES:
            ctx = ViewContext(trainer=None, cursor=TimeCursor(), undo=None, message=print,
                              settings=None)
            view = CellView(ctx)
            view.resize(w, h)
            view.show()
            view.show_snapshot(snap)
            ctx.cursor.set(t)
            app.processEvents()
            image = view.grab().toImage()
            path = out / f"cell-{name}-{w}x{h}.png"
            image.save(str(path))
            seen = rgb_image(simulate_deuteranopia(image_rgb(image)))
            seen.save(str(path.with_name(path.stem + "-deuteranopia.png")))
            written += [path, path.with_name(path.stem + "-deuteranopia.png")]
            view.close()
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_gui.app.views.cell_shots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--epochs", type=int, default=3000)
    args = parser.parse_args(argv)
    for path in save_shots(args.out, args.epochs):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

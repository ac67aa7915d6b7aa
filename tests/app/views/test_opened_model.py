"""A model opened from a file, not trained here (issue 21, tester 12): the status bar says
its MSE on its task (not "MSE –"; its held-out MSE in the tooltip), and the MSE plot, which has
no epoch to draw, says so instead of showing stray ticks on empty axes."""
import math
from pathlib import Path

from lstm_gui.app.qt import QtGui

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def drawn_texts(axis):
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        return [text for _r, _f, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()


def test_an_opened_pytorch_model_says_its_mse_and_draws_no_stray_ticks(window, qtbot):
    assert window.open_path(FIXTURES / "torch_tutorial_h16.safetensors", confirmed=True)
    window.refresh()
    qtbot.wait(50)
    snap = window._last_snapshot
    assert snap.epoch == 0 and math.isfinite(snap.test_mse)
    text = window.mseLabel.text()
    assert "–" not in text and text.strip() != "MSE"
    # Its MSE on its task's training data at the file's parameters (the core's), said to be
    # before any training here, with its MSE on the held-out part.
    run_mse = window.trainer.read(lambda run: run.current_mse())
    assert text == f"MSE {run_mse:.4g}"
    tip = window.mseLabel.toolTip()
    assert "not trained" in tip.lower() and f"{snap.test_mse:.6g}" in tip
    plot = window.msePlot.getPlotItem()
    for side in ("left", "bottom"):
        assert drawn_texts(plot.getAxis(side)) == [], side
    note = window.views["mseView"].emptyNote
    assert note.isVisible() and "no epoch" in note.toPlainText().lower()
    # Trained one epoch: the curve, its axes and the MSE come back.
    window.step(1)
    qtbot.waitUntil(lambda: window._last_snapshot.epoch >= 1)
    window.refresh()
    qtbot.wait(50)
    assert not note.isVisible()
    assert drawn_texts(plot.getAxis("left"))
    assert window.mseLabel.text().startswith("MSE ")

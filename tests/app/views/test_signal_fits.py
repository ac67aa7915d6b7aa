"""The Signal view at the width it gets at the window's smallest size (about 205 px): its
title keeps its number and fits the plot, and the sequence-to-one scatter covers every
target and prediction (issue 21, tester 7 and 8: "Signal · test MSE 0.000", a scatter whose
x-range stopped near +3 while the targets reached +10, its title cut)."""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.sequence import SignalView
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset

NARROW = (205, 300)


@pytest.fixture
def view(qtbot, settings):
    ctx = ViewContext(trainer=None, cursor=TimeCursor(), undo=None, message=print,
                      settings=settings)
    v = SignalView(ctx)
    qtbot.addWidget(v)
    v.resize(*NARROW)
    v.show()
    qtbot.waitExposed(v)
    return v


def title_fits(widget) -> str:
    """The shown title's text, asserted to fit its place (the title's cell of the plot's
    grid, above the view box, inside the widget: a wider text, or a plot widened past its
    widget, is cut at the widget's edge)."""
    item = widget.getPlotItem()
    label = item.titleLabel
    text = label.item.toPlainText()
    assert label.item.boundingRect().width() <= label.width() + 0.5, text
    rect = label.sceneBoundingRect()
    assert rect.left() >= 0 and rect.right() <= widget.width() + 0.5, text
    return text


def snapshot_of(preset, **changes):
    run = TrainingRun(replace(for_set_preset(RunConfig(seed=0), preset), **changes))
    run.train(2)
    return run.snapshot()


def test_the_signal_title_keeps_the_test_mse_in_a_narrow_dock(view):
    # The tutorial's test MSE after training, as the tester saw it cut: "0.000"...
    snap = replace(snapshot_of("torch-sin-cos", hidden=4), test_mse=0.000194127)
    view.show_snapshot(snap)
    QtWidgets.QApplication.processEvents()
    plot = view.plot
    assert f"{snap.test_mse:.3g}" in title_fits(plot)
    # Wide again: the whole title comes back.
    view.resize(700, 400)
    QtWidgets.QApplication.processEvents()
    assert title_fits(plot) == f"Signal · test MSE {snap.test_mse:.3g}"


def test_the_scatter_covers_every_target_and_prediction_and_fits_the_dock(view):
    snap = snapshot_of("sum-of-sequence", hidden=4)
    view.show_snapshot(snap)
    QtWidgets.QApplication.processEvents()
    plot = view.scatterPlot
    item = plot.getPlotItem()
    # The plot is drawn inside its widget (a title wider than the dock had widened it,
    # clipping the right of the scatter).
    assert item.width() <= plot.width() + 0.5
    assert item.vb.sceneBoundingRect().right() <= plot.width()
    every = np.concatenate([np.concatenate(c.getData()) for c in (view.scatter, view.test_scatter)])
    (x0, x1), (y0, y1) = item.vb.viewRange()
    lo, hi = every.min(), every.max()
    assert x0 <= lo and x1 >= hi and y0 <= lo and y1 >= hi
    assert hi > 5                       # the sums reach well past +3
    assert f"{snap.test_mse:.3g}" in title_fits(plot)

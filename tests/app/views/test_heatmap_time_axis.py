"""The gate heat map's time axes: their labels never run together, whatever the plots'
width (issue 21, tester 9: at the smallest window "40" and "60" printed as "460")."""
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.app.qt import QtGui, QtWidgets
from lstm_gui.app.views.heatmap import GateHeatmapView
from lstm_gui.core.models import Model


def snapshot(cell, hidden, layers, n):
    model = Model(cell=cell, hidden=hidden, layers=layers)
    theta = model.init(0, scheme="pytorch")
    x = np.sin(np.linspace(0, 6, n))
    return SimpleNamespace(model=model, params=theta, x=x, target=np.cos(x),
                           trace=model.trace(theta, x), revision=0, epoch=0)


def drawn_labels(axis):
    """(rect, text) of the tick labels the axis draws now."""
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in specs[2]]


@pytest.mark.parametrize("size", [(340, 330), (700, 400)])
def test_time_labels_never_overlap(lone_view, size):
    view = lone_view(GateHeatmapView, size)
    view.show_snapshot(snapshot("lstm", 16, 2, 100))
    QtWidgets.QApplication.processEvents()
    for field, plot in view.gatePlots.items():
        labels = drawn_labels(plot.getAxis("bottom"))
        assert labels, field                           # at least one step is named
        rects = sorted((r for r, _ in labels), key=lambda r: r.left())
        for a, b in zip(rects, rects[1:]):
            assert a.right() + 3 <= b.left(), (field, [t for _, t in labels])
        # The steps named are steps of the sequence.
        assert all(0 <= float(t) <= 99 for _, t in labels), labels


def test_the_images_keep_a_width_in_the_smallest_dock(lone_view):
    """At the smallest window (a ~270-pixel dock) the two named colour bars left each image
    a few pixels: the bars drop their names there, each image keeps at least 16 px."""
    view = lone_view(GateHeatmapView, (700, 400))       # built wide, then made small
    view.show_snapshot(snapshot("gru", 16, 2, 100))
    QtWidgets.QApplication.processEvents()
    view.resize(270, 260)
    QtWidgets.QApplication.processEvents()
    for field, plot in view.gatePlots.items():
        assert plot.vb.width() >= 16, (field, plot.vb.width())
    for bar in view.bars:          # both colour bars inside the view
        assert bar.sceneBoundingRect().right() <= view.graphics.width() + 0.5
    view.resize(700, 400)
    QtWidgets.QApplication.processEvents()
    assert all(bar.getAxis("left").label.isVisible() for bar in view.bars)


def test_unit_names_never_overlap_in_a_short_dock(lone_view):
    view = lone_view(GateHeatmapView, (270, 200))
    view.show_snapshot(snapshot("gru", 16, 2, 100))
    QtWidgets.QApplication.processEvents()
    labels = drawn_labels(next(iter(view.gatePlots.values())).getAxis("left"))
    rects = sorted((r for r, _ in labels), key=lambda r: r.top())
    for a, b in zip(rects, rects[1:]):
        assert a.bottom() <= b.top(), [t for _, t in labels]
    texts = [t for _, t in labels]
    assert "L1: 1" in texts and "L2: 1" in texts        # the layers are always named


@pytest.mark.parametrize("size", [(560, 400), (640, 400), (700, 400)])
def test_the_images_name_the_same_steps(lone_view, size):
    """The images share their time axis and name the same steps: the first image, narrowed
    by the unit names beside it (69 px against 86 px at 1400 x 900), named "50" where the
    other three named "25 50 75"."""
    view = lone_view(GateHeatmapView, size)
    view.show_snapshot(snapshot("gru", 16, 2, 100))
    QtWidgets.QApplication.processEvents()
    named = {field: [t for _, t in drawn_labels(plot.getAxis("bottom"))]
             for field, plot in view.gatePlots.items()}
    assert len({tuple(v) for v in named.values()}) == 1, named
    assert all(named.values()), named


def test_the_images_are_as_wide_as_each_other(lone_view):
    """The first image's column holds the unit names besides the image: with equal stretch
    its image was 69 px against the others' 86 px (1400 x 900)."""
    view = lone_view(GateHeatmapView, (700, 400))
    view.show_snapshot(snapshot("gru", 16, 2, 100))
    for width in (700, 600, 1000, 640):
        view.resize(width, 400)
        QtWidgets.QApplication.processEvents()
        widths = [plot.vb.width() for plot in view.gatePlots.values()]
        assert max(widths) - min(widths) <= 1.0, (width, widths)
        assert view.grid.graphics.ci.geometry().width() <= view.grid.graphics.width() + 0.5

"""The Weights view (issue 21, tester 11): its colour scale follows the weights (symmetric
around 0; weights of +-1 are not near-white because one parameter is 5), the colour bar
shows that scale, GRU layer 1's W is drawn, and every gate's bias column is labelled."""
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.views.weights import WeightsView
from lstm_gui.core.analysis import layers as layer_maths
from lstm_gui.core.models import Model

from .test_heatmap_time_axis import drawn_labels


def snapshot(cell="gru", hidden=16, layers=2, big=None):
    model = Model(cell=cell, hidden=hidden, layers=layers)
    theta = model.init(0, scheme="pytorch")
    if big is not None:
        theta[-1] = big             # the readout's bias, far out
    x = np.sin(np.linspace(0, 6, 20))
    return SimpleNamespace(model=model, params=theta, x=x, target=np.cos(x),
                           trace=model.trace(theta, x), revision=0, epoch=0)


def whiteness(image, row, col) -> float:
    """How close to white the rendered entry is: 1 white, 0 a full colour of the map."""
    image.render()
    c = image.qimage.pixelColor(col, row)
    return min(c.red(), c.green(), c.blue()) / 255


@pytest.fixture
def view(lone_view):
    return lone_view(WeightsView, (560, 380))


def test_the_colour_scale_follows_the_weights_not_the_largest_one(view):
    snap = snapshot(big=5.0)
    view.show_snapshot(snap)
    levels = view.images["r"].getLevels()
    lo, hi = float(levels[0]), float(levels[1])
    assert lo == -hi                                          # centred on 0
    weights = np.abs(snap.params[:-1])
    assert hi < 5.0 and hi >= np.percentile(weights, 99)
    # Every image and the colour bar on the same scale.
    for image in view.images.values():
        assert tuple(float(v) for v in image.getLevels()) == (lo, hi)
    assert tuple(float(v) for v in view.bar.levels()) == (lo, hi)
    # A weight of median size is drawn in colour, not near-white.
    canvas = view._canvases["z"]
    values = canvas.values
    finite = np.isfinite(values)
    median = np.median(np.abs(values[finite]))
    row, col = np.argwhere(finite & (np.abs(values) >= median))[0]
    assert whiteness(view.images["z"], row, col) < 0.8


def test_the_scale_does_not_move_with_every_small_change(view):
    snap = snapshot()
    view.show_snapshot(snap)
    before = float(view.images["r"].getLevels()[1])
    snap.params = snap.params * 1.03
    view.show_snapshot(snap)
    assert float(view.images["r"].getLevels()[1]) == before


def test_gru_layer_1_input_weights_are_drawn(view):
    snap = snapshot(big=5.0)        # trained, one parameter went far (as the tester's)
    view.show_snapshot(snap)
    layers = layer_maths.shape_of(snap.params, snap.model)
    for gate in ("r", "z", "n"):
        values = view._canvases[gate].values
        rows = range(layers.row_of(0, 0), layers.row_of(0, 0) + 16)
        # The layer's one input column: real weights, drawn in colour (on average).
        assert all(np.isfinite(values[r, 0]) for r in rows)
        assert np.mean([whiteness(view.images[gate], r, 0) for r in rows]) < 0.75, gate


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_every_gates_bias_column_is_labelled(view, cell):
    view.show_snapshot(snapshot(cell))
    QtWidgets.QApplication.processEvents()
    for gate, plot in view.gatePlots.items():
        texts = [t for _, t in drawn_labels(plot.getAxis("bottom"))]
        want = {"w_y", "b_y"} if gate == layer_maths.READOUT else {"W", "R", "b"}
        assert want <= set(texts), (gate, texts)


def test_column_names_never_overlap_in_a_narrow_dock(lone_view):
    """At the smallest window's Weights dock (~270 px for three gates and the readout) the
    names were drawn over each other ("WRb"): a name that does not fit is left out, b kept."""
    view = lone_view(WeightsView, (270, 260))
    view.show_snapshot(snapshot())
    QtWidgets.QApplication.processEvents()
    for gate, plot in view.gatePlots.items():
        labels = drawn_labels(plot.getAxis("bottom"))
        rects = sorted((r for r, _ in labels), key=lambda r: r.left())
        for a, b in zip(rects, rects[1:]):
            assert a.right() <= b.left(), (gate, [t for _, t in labels])
        if gate != layer_maths.READOUT:
            assert "b" in [t for _, t in labels], gate

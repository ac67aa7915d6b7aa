"""The image row shared by the gate heat map and the weights view (views/image_grid.py)."""
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.app.views.heatmap import GateHeatmapView
from lstm_gui.app.views.image_grid import ImageGrid, unit_ticks
from lstm_gui.app.views.weights import WeightsView
from lstm_gui.core.analysis import layers as layer_maths
from lstm_gui.core.models import Model


def _snap(cell="gru", hidden=16, layers=2, n=25):
    model = Model(cell=cell, hidden=hidden, layers=layers)
    theta = model.init(0, scheme="pytorch")
    x = np.sin(np.linspace(0, 6, n))
    return SimpleNamespace(model=model, params=theta, x=x, target=x, trace=model.trace(theta, x),
                           revision=0, epoch=0)


@pytest.mark.parametrize("cls", [GateHeatmapView, WeightsView])
def test_both_views_show_every_row_of_every_layer(lone_view, cls):
    """Every hidden unit of both layers in sight: a range set while a linked plot had not its
    height yet cut the first two rows of 32 off in Weights."""
    view = lone_view(cls, (900, 450))
    ctx = view.ctx
    view.show_snapshot(_snap())
    assert isinstance(view.grid, ImageGrid) and view.images is view.grid.images
    for plot in view.gatePlots.values():
        lo, hi = plot.getViewBox().viewRange()[1]
        assert lo == pytest.approx(-0.5) and hi == pytest.approx(31.5)
    # The selection box sits on the selected unit's row in every plot.
    ctx.selection.set(1, 4)
    assert all(box.rect().center().y() == pytest.approx(20.0) for box in view.boxes)


def test_unit_ticks_name_the_layers():
    model = Model(cell="lstm", hidden=16, layers=2)
    layers = layer_maths.shape_of(model.init(0), model)
    ticks = dict((text, row) for row, text in unit_ticks(layers))
    assert ticks["L1: 1"] == 0 and ticks["L2: 1"] == 16 and ticks["3"] in (2, 18)

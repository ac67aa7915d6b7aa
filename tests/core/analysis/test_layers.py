"""core/analysis/layers.py and unit_step.py: what the views show of a model, against the
model's own blocks, gradient and trace."""
import math

import numpy as np
import pytest

from lstm_gui.core.analysis import layers as L
from lstm_gui.core.analysis import unit_step as U
from lstm_gui.core.models import CELLS, Model

X = np.sin(np.linspace(0, 6, 15))
T = np.cos(np.linspace(0, 6, 15))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_parameter_is_drawn_once_and_norms_split_the_gradient(cell, bidirectional):
    model = Model(cell=cell, hidden=3, layers=2, bidirectional=bidirectional)
    theta = model.init(0, scheme="pytorch")
    layers = L.of_model(model, theta)
    assert layers.layers == 2 * model.dirs and layers.rows == 3 * 2 * model.dirs
    canvases = L.weight_canvases(layers, theta)
    drawn = np.concatenate([c.index[c.index >= 0] for c in canvases.values()])
    assert np.array_equal(np.sort(drawn), np.arange(model.size))
    for c in canvases.values():
        np.testing.assert_array_equal(c.values[c.index >= 0], theta[c.index[c.index >= 0]])
    _, grad = model.loss_and_grad(theta, X, T)
    per_layer = L.layer_norms(layers, grad)
    readout = sum(grad[b.slice] @ grad[b.slice] for b in model.blocks() if b.layer is None)
    assert math.isclose(per_layer @ per_layer + readout, grad @ grad, rel_tol=1e-12)
    for k, units in enumerate(L.unit_norms(layers, grad)):
        assert math.isclose(units @ units, per_layer[k] ** 2, rel_tol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_a_units_terms_give_the_traces_gates(cell):
    model = Model(cell=cell, hidden=4, layers=2, bidirectional=True)
    theta = model.init(1, scheme="pytorch")
    trace = model.trace(theta, X)
    images = L.gate_images(L.of_model(model, theta), trace)
    for direction in (0, 1):
        for t in (0, 6, 14):
            step = U.unit_step(model, theta, trace, 1, 2, t, direction)
            for g, terms in step.gates.items():
                assert U.check_gate(terms, g, model.family.linear_input) == \
                    pytest.approx(terms.value, abs=1e-12)
            row = (1 * 2 + direction) * 4 + 2
            np.testing.assert_allclose(images["h"][row, t], step.states["h"])


def test_layer_input_under_lstmlib_timing_is_the_layer_below_one_step_late():
    model = Model(hidden=3, layers=2)
    theta = model.init(2)
    trace = model.trace(theta, X, delay=1)
    x1 = U.layer_input(model, trace, 1, delay=1)
    np.testing.assert_array_equal(x1[1:], trace.states["h"][0, 0, :-1, 0, :])
    assert not x1[0].any()
    step = U.unit_step(model, theta, trace, 1, 0, 5, delay=1)
    for g, terms in step.gates.items():
        assert U.check_gate(terms, g) == pytest.approx(terms.value, abs=1e-12)


def test_the_hessian_plane_is_refused_in_one_line_above_its_size():
    from lstm_gui.core.analysis import directions
    params = np.random.default_rng(0).uniform(-1, 1, (9, 12))     # 108 > 96 parameters
    with pytest.raises(ValueError, match=r"^the Hessian of 108 parameters would take more than a second"):
        directions.make("hessian", params, x=X, target=T)

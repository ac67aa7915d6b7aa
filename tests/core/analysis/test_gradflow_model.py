"""The itemised gradient through time of any Model, against the reference and differences."""
import numpy as np
import pytest

from lstm_gui.core.analysis import gradflow, gradflow_model, model_data
from lstm_gui.core.models import Model
from lstm_gui.core.models.reference_lstm import sigmoid


def problem(model, n=9, seed=0):
    theta = model.init(seed, "uniform", -0.9, 0.9)
    w = np.linspace(0, 5, n)
    return theta, 0.6 * np.sin(w), 0.5 * np.cos(w)


MODELS = [Model(cell="lstm", hidden=3, layers=2), Model(cell="gru", hidden=3),
          Model(cell="gru", hidden=2, layers=2, bidirectional=True),
          Model(cell="peephole", hidden=2), Model(cell="cifg", hidden=2, layers=2),
          Model(cell="noaf", hidden=2, bias=False), Model(cell="niaf", hidden=2, inputs=2)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.describe().split(" (")[0])
@pytest.mark.parametrize("delay", [0, 1])
def test_the_itemised_contributions_sum_to_the_references_gradient(model, delay):
    theta, x, target = problem(model)
    if model.inputs == 2:
        x = np.stack([x, x[::-1]], axis=1)
    flow = gradflow_model.analyse(model, theta, x, target, delay, keep_G=True)
    _, grad = model.loss_and_grad(theta, x, target, delay=delay)
    np.testing.assert_allclose(flow.G.sum(axis=(0, 1)), grad, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(flow.grad, grad, rtol=1e-10, atol=1e-13)
    # The reductions the view draws are those of G.
    np.testing.assert_allclose(flow.abs_map, np.abs(flow.G).sum(axis=2), rtol=1e-12, atol=1e-300)
    n = x.shape[0]
    lag = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
    for g, profile in flow.per_gate.items():
        cols = [k for b in model.blocks() if b.gate == g and b.layer is not None
                for k in range(b.offset, b.offset + b.size)]
        per_entry = np.abs(flow.G[:, :, cols]).sum(axis=2)
        expect = np.bincount(lag.ravel(), weights=per_entry.ravel(), minlength=n)
        np.testing.assert_allclose(profile, expect, rtol=1e-12, atol=1e-300)
    if not model.bidirectional:       # one-way: step s cannot change an earlier output
        assert not flow.G[np.triu_indices(n, 1)].any()
    # Without G (the view's way: one sequence's products factorised) the same reductions.
    light = gradflow_model.analyse(model, theta, x, target, delay)
    assert light.G is None
    np.testing.assert_allclose(light.abs_map, flow.abs_map, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(light.grad, grad, rtol=1e-10, atol=1e-13)
    for g in flow.per_gate:
        np.testing.assert_allclose(light.per_gate[g], flow.per_gate[g], rtol=1e-12, atol=1e-300)


def test_many_sequences_and_sequence_to_one():
    model = Model(cell="gru", hidden=3, layers=2)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6, 1))                      # (N, n, m), a snapshot's layout
    for target in (rng.standard_normal((4, 6)), rng.standard_normal(4)):
        theta = model.init(2)
        flow = gradflow_model.analyse(model, theta, x, target, keep_G=True)
        data = model_data.time_major(x, target)
        _, grad = model.loss_and_grad(theta, data.x, data.target)
        np.testing.assert_allclose(flow.G.sum(axis=(0, 1)), grad, rtol=1e-10, atol=1e-13)
        if target.ndim == 1:                                # only the last step's error
            assert not flow.G[:-1].any() and flow.G[-1].any()


def per_step_forward(model, thetas, x):
    """Outputs y (n,) of a one-way vanilla LSTM or GRU whose parameters at step s are
    thetas[s]: written from the equations, independent of the reference."""
    H, L = model.hidden, model.layers
    h = [np.zeros(H) for _ in range(L)]
    c = [np.zeros(H) for _ in range(L)]
    y = np.empty(len(x))
    for t in range(len(x)):
        cells = model.cells(thetas[t])
        inp = np.atleast_1d(x[t])
        for k in range(L):
            W, R, b = cells[k][0]["W"], cells[k][0]["R"], cells[k][0]["b"]
            if model.cell == "gru":
                r = sigmoid(W["r"] @ inp + R["r"] @ h[k] + b["r"])
                z = sigmoid(W["z"] @ inp + R["z"] @ h[k] + b["z"])
                hn = R["n"] @ h[k] + cells[k][0]["b_h"]["n"]
                cand = np.tanh(W["n"] @ inp + b["n"] + r * hn)
                h[k] = (1 - z) * cand + z * h[k]
            else:
                gate = {g: W[g] @ inp + R[g] @ h[k] + b[g] for g in "fiCo"}
                c[k] = sigmoid(gate["f"]) * c[k] + sigmoid(gate["i"]) * np.tanh(gate["C"])
                h[k] = sigmoid(gate["o"]) * np.tanh(c[k])
            inp = h[k]
        w_y, b_y = model.readout_views(thetas[t])
        y[t] = w_y @ h[-1] + b_y[0]
    return y


@pytest.mark.parametrize("model", [Model(cell="lstm", hidden=3, layers=2), Model(cell="gru", hidden=3)],
                         ids=["lstm-H3-2layers", "gru-H3"])
def test_single_entries_equal_central_differences_of_a_per_step_copy(model):
    theta, x, target = problem(model, n=7, seed=3)
    n = len(x)
    flow = gradflow_model.analyse(model, theta, x, target, keep_G=True)
    base = np.tile(theta, (n, 1))
    np.testing.assert_allclose(per_step_forward(model, base, x), model.forward(theta, x), atol=1e-13)
    rng = np.random.default_rng(0)
    eps = 1e-6
    picks = [(6, 2, int(k)) for k in rng.integers(0, model.size, 6)] + \
            [(4, 4, model.size - 1), (5, 1, 0), (3, 0, model.size // 2)]
    for t, s, p in picks:
        up, down = base.copy(), base.copy()
        up[s, p] += eps
        down[s, p] -= eps
        e_up = (per_step_forward(model, up, x)[t] - target[t]) ** 2 / n
        e_down = (per_step_forward(model, down, x)[t] - target[t]) ** 2 / n
        assert flow.G[t, s, p] == pytest.approx((e_up - e_down) / (2 * eps), rel=1e-6, abs=1e-11)


@pytest.mark.parametrize("layers,delay", [(1, 0), (2, 0), (3, 1)])
def test_the_unit_and_its_chains_as_models_give_the_units_flow(layers, delay):
    """Model(layers=k) of H = 1 without a readout is the chain of k units (docs/models.md)."""
    model = Model(layers=layers)
    theta, x, target = problem(model, n=11, seed=layers)
    unit = gradflow.analyse(theta.reshape(layers, 12), x, target, delay)
    flow = gradflow_model.analyse(model, theta, x, target, delay, keep_G=True)
    np.testing.assert_allclose(flow.G, unit.G.reshape(11, 11, -1), rtol=1e-12, atol=1e-15)
    assert flow.horizon == unit.horizon


def test_the_work_is_checked_against_the_memory_budget():
    model = Model(cell="lstm", hidden=16)
    theta = model.init(0)
    x = np.zeros(4000)
    with pytest.raises(ValueError, match="the itemised gradient over 4,000 steps .* GiB"):
        gradflow_model.analyse(model, theta, x, x)

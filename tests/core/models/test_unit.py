"""The unit's forward pass and exact gradient, checked three independent ways."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest

from lstm_gui.core import PARAM_NAMES, forward, mse, mse_and_grad

FIXTURES = Path(__file__).parents[2] / "fixtures"
REFERENCE = Path(__file__).resolve().parents[2] / "fixtures"


def numeric_grad(params, x, target, delay=0, eps=1e-6):
    params = np.asarray(params, dtype=float)
    g = np.zeros_like(params)
    for idx in np.ndindex(params.shape):
        up, down = params.copy(), params.copy()
        up[idx] += eps
        down[idx] -= eps
        g[idx] = (np.sum(mse_and_grad(up, x, target, delay)[0])
                  - np.sum(mse_and_grad(down, x, target, delay)[0])) / (2 * eps)
    return g


def test_param_names_follow_spec_order():
    assert PARAM_NAMES == ("W_fh", "W_fx", "b_f", "W_ih", "W_ix", "b_i",
                           "W_Ch", "W_Cx", "b_C", "W_oh", "W_ox", "b_o")


def test_forward_matches_hand_computed_formulas():
    rng = np.random.default_rng(3)
    p = rng.uniform(-2, 2, 12)
    x = rng.uniform(-1, 1, 9)
    def sig(z):
        return 1 / (1 + np.exp(-z))

    h = c = 0.0
    hs = []
    for xt in x:
        f = sig(p[0] * h + p[1] * xt + p[2])
        i = sig(p[3] * h + p[4] * xt + p[5])
        g = np.tanh(p[6] * h + p[7] * xt + p[8])
        o = sig(p[9] * h + p[10] * xt + p[11])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    tr = forward(p, x)
    np.testing.assert_allclose(tr.h, hs, rtol=0, atol=1e-14)
    np.testing.assert_allclose(tr.h_units, hs, rtol=0, atol=1e-14)
    assert tr.f.shape == tr.i.shape == tr.c_tilde.shape == tr.c.shape == tr.o.shape == (9,)


def test_lstmlib_timing_reproduces_the_c_library_output():
    lines = (REFERENCE / "lstmlib_square_cos_seed7.txt").read_text().split()
    params = np.array([float(v) for v in lines[2:]])
    with open(REFERENCE / "lstmlib_square_cos_seed7_run.csv") as fh:
        rows = list(csv.DictReader(fh))
    x = np.array([float(r["x"]) for r in rows])
    h_c = np.array([float(r["h"]) for r in rows])
    h = forward(params, x, delay=1).h
    assert np.max(np.abs(h - h_c)) < 1e-12
    # Without the delay the outputs differ: the quirk is real.
    assert np.max(np.abs(forward(params, x).h - h_c)) > 1e-3


@pytest.mark.parametrize("units", [None, 3])
@pytest.mark.parametrize("n", [1, 2, 37, 300])
@pytest.mark.parametrize("delay", [0, 1])
def test_gradient_matches_central_differences(units, n, delay):
    rng = np.random.default_rng(n * 10 + delay + (units or 0))
    shape = (12,) if units is None else (units, 12)
    p = rng.uniform(-2, 2, shape)
    x, target = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    _, g = mse_and_grad(p, x, target, delay)
    num = numeric_grad(p, x, target, delay)
    assert g.shape == p.shape
    scale = max(np.max(np.abs(num)), 1e-8)
    assert np.max(np.abs(g - num)) / scale < 1e-6


def test_gradient_matches_pytorch_autograd():
    data = json.loads((FIXTURES / "torch_reference.json").read_text())
    cases = data["cases"]
    assert {(c["units"], c["n"]) for c in cases} >= {(u, n) for u in (1, 3) for n in (1, 2, 37, 300)}
    for c in cases:
        params = np.array(c["params"])
        if c["units"] == 1:
            params = params[0]
        m, g = mse_and_grad(params, c["x"], c["target"])
        ref = np.array(c["grad"]).reshape(g.shape)
        assert abs(m - c["mse"]) <= 1e-10 * abs(c["mse"])
        assert np.max(np.abs(g - ref)) <= 1e-10 * np.max(np.abs(ref))
        np.testing.assert_allclose(forward(params, c["x"]).h, c["h"], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("n, delay", [(1, 0), (2, 1), (40, 0), (40, 1)])
def test_population_equals_its_models_one_by_one(n, delay):
    # Populations and single models run different code (numpy rows over K against Python
    # floats): they must agree to rounding, at every length and timing.
    rng = np.random.default_rng(5)
    pop = rng.uniform(-2, 2, (6, 2, 12))
    x, target = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    m, g = mse_and_grad(pop, x, target, delay=delay)
    tr = forward(pop, x, delay=delay)
    assert m.shape == (6,) and g.shape == pop.shape and tr.h.shape == (6, n)
    assert tr.f.shape == (6, 2, n)
    for k in range(6):
        mk, gk = mse_and_grad(pop[k], x, target, delay=delay)
        assert abs(mk - m[k]) < 1e-14
        assert np.max(np.abs(gk - g[k])) < 1e-14
        one = forward(pop[k], x, delay=delay)
        for name in ("h", "f", "i", "c_tilde", "c", "o", "h_units", "x_in"):
            np.testing.assert_allclose(getattr(one, name), getattr(tr, name)[k], atol=1e-15)


def test_a_population_of_one_has_the_population_shapes():
    rng = np.random.default_rng(9)
    one = rng.uniform(-1, 1, (1, 2, 12))
    x, target = rng.uniform(-1, 1, 15), rng.uniform(-1, 1, 15)
    m, g = mse_and_grad(one, x, target)
    tr = forward(one, x)
    assert m.shape == (1,) and g.shape == (1, 2, 12) and tr.h.shape == (1, 15)
    assert tr.c.shape == (1, 2, 15)
    m0, g0 = mse_and_grad(one[0], x, target)
    assert m[0] == m0 and np.array_equal(g[0], g0)
    np.testing.assert_array_equal(tr.h[0], forward(one[0], x).h)


def test_population_accepts_one_sequence_per_model():
    rng = np.random.default_rng(6)
    pop = rng.uniform(-1, 1, (3, 1, 12))
    xs, ts = rng.uniform(-1, 1, (3, 20)), rng.uniform(-1, 1, (3, 20))
    m, _ = mse_and_grad(pop, xs, ts)
    for k in range(3):
        assert abs(mse_and_grad(pop[k], xs[k], ts[k])[0] - m[k]) < 1e-14


def test_chain_feeds_each_unit_the_previous_output():
    rng = np.random.default_rng(7)
    chain = rng.uniform(-2, 2, (3, 12))
    x = rng.uniform(-1, 1, 30)
    tr = forward(chain, x)
    h1 = forward(chain[0], x).h
    h2 = forward(chain[1], h1).h
    h3 = forward(chain[2], h2).h
    np.testing.assert_allclose(tr.h, h3, atol=1e-15)
    np.testing.assert_allclose(tr.h_units[1], h2, atol=1e-15)
    assert tr.c.shape == (3, 30)


def test_mse_alone_agrees_with_mse_and_grad():
    rng = np.random.default_rng(8)
    p = rng.uniform(-1, 1, (2, 12))
    x, t = rng.uniform(-1, 1, 15), rng.uniform(-1, 1, 15)
    assert abs(mse(p, x, t) - mse_and_grad(p, x, t)[0]) < 1e-15


@pytest.mark.parametrize("params, x, target, message", [
    (np.zeros(12), [], [], "length at least 1"),
    (np.zeros(12), [0.1, 0.2], [0.1], "same length"),
    (np.zeros(12), [0.1, np.nan], [0.1, 0.2], "x contains NaN"),
    (np.zeros(12), [0.1, 0.2], [np.inf, 0.2], "target contains NaN"),
    (np.full(12, np.nan), [0.1], [0.1], "params contain NaN"),
    (np.zeros(11), [0.1], [0.1], "shape"),
    (np.zeros((2, 3, 4, 12)), [0.1], [0.1], "shape"),
    (np.zeros(12), [[0.1, 0.2]], [[0.1, 0.2]], "x must have shape"),
])
def test_bad_input_raises_a_clear_value_error(params, x, target, message):
    with pytest.raises(ValueError, match=message):
        mse_and_grad(params, x, target)


def test_delay_must_be_zero_or_one():
    with pytest.raises(ValueError, match="delay"):
        forward(np.zeros(12), [0.1], delay=2)

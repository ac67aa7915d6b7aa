"""The itemised gradient through time, against mse_and_grad and a per-step reference."""
import math

import numpy as np
import pytest

from lstm_gui.core import mse_and_grad
from lstm_gui.core.analysis import gradflow


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def per_step_errors(theta, x, target, delay):
    """E_t for every t, each unit u at step s using its own copy theta[s, u] (n, units, 12).

    A plain-Python forward pass written from SPEC.md, independent of the core's kernels.
    """
    n, units, _ = theta.shape
    seq = list(x)
    for u in range(units):
        x_in = [0.0] * delay + seq[:n - delay]
        h = c = 0.0
        out = []
        for s in range(n):
            W_fh, W_fx, b_f, W_ih, W_ix, b_i, W_Ch, W_Cx, b_C, W_oh, W_ox, b_o = theta[s, u]
            f = _sig(W_fh * h + W_fx * x_in[s] + b_f)
            i = _sig(W_ih * h + W_ix * x_in[s] + b_i)
            c_tilde = math.tanh(W_Ch * h + W_Cx * x_in[s] + b_C)
            o = _sig(W_oh * h + W_ox * x_in[s] + b_o)
            c = f * c + i * c_tilde
            h = o * math.tanh(c)
            out.append(h)
        seq = out
    return np.array([(h - t) ** 2 / n for h, t in zip(seq, target)])


def problem(units, n, seed, delay=0):
    rng = np.random.default_rng(seed)
    shape = (12,) if units == 0 else (units, 12)
    params = rng.uniform(-1.5, 1.5, shape)
    x = 0.5 * np.sin(np.linspace(0, 6, n)) + rng.uniform(-0.1, 0.1, n)
    target = 0.5 * np.cos(np.linspace(0, 6, n))
    return params, x, target


@pytest.mark.parametrize("units", [0, 3])        # 0: one unit of shape (12,)
@pytest.mark.parametrize("n", [1, 7, 40])
@pytest.mark.parametrize("delay", [0, 1])
def test_contributions_sum_to_the_gradient(units, n, delay):
    params, x, target = problem(units, n, seed=n + units, delay=delay)
    G = gradflow.contributions(params, x, target, delay)
    assert G.shape == (n, n) + params.shape
    _, grad = mse_and_grad(params, x, target, delay)
    np.testing.assert_allclose(G.sum(axis=(0, 1)), grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("units", [0, 3])
def test_entries_after_their_error_term_are_exactly_zero(units):
    params, x, target = problem(units, 40, seed=5)
    G = gradflow.contributions(params, x, target, delay=1)
    later = np.triu(np.ones((40, 40), bool), k=1)
    assert np.all(G[later] == 0.0)
    assert np.count_nonzero(G[~later]) > 0.9 * G[~later].size


@pytest.mark.parametrize("units,delay", [(0, 0), (3, 0), (3, 1)])
def test_single_entries_equal_central_differences_of_one_step_copy(units, delay):
    n = 7
    params, x, target = problem(units, n, seed=11)
    G = gradflow.contributions(params, x, target, delay).reshape(n, n, -1, 12)
    theta = np.broadcast_to(np.reshape(params, (1, -1, 12)), (n,) + G.shape[2:]).copy()
    rng = np.random.default_rng(0)
    eps = 1e-5
    checked = 0
    for _ in range(40):
        s = int(rng.integers(n))
        u = int(rng.integers(theta.shape[1]))
        k = int(rng.integers(12))
        up, down = theta.copy(), theta.copy()
        up[s, u, k] += eps
        down[s, u, k] -= eps
        numeric = (per_step_errors(up, x, target, delay)
                   - per_step_errors(down, x, target, delay)) / (2 * eps)
        exact = G[:, s, u, k]
        big = np.abs(exact) > 1e-6
        np.testing.assert_allclose(numeric[big], exact[big], rtol=1e-6)
        np.testing.assert_allclose(numeric[~big], exact[~big], atol=1e-11)
        checked += int(big.sum())
    assert checked > 20


def test_lag_profile_sums_to_gradient_and_horizon_reads_it():
    params, x, target = problem(0, 30, seed=2)
    flow = gradflow.analyse(params, x, target)
    np.testing.assert_allclose(flow.lag_profile.sum(axis=0), flow.G.sum(axis=(0, 1)), atol=1e-13)
    magnitude = gradflow.lag_magnitude(flow.G)
    assert magnitude.shape == (30,)
    np.testing.assert_allclose(magnitude.sum(), np.abs(flow.G).sum())
    k = flow.horizon
    assert magnitude[:k + 1].sum() >= 0.9 * magnitude.sum()
    assert k == 0 or magnitude[:k].sum() < 0.9 * magnitude.sum()


def test_horizon_of_known_profiles():
    assert gradflow.horizon_of(np.array([1.0, 0, 0, 0])) == 0
    assert gradflow.horizon_of(np.array([0.5, 0.3, 0.15, 0.05])) == 2
    assert gradflow.horizon_of(np.zeros(5)) == 0


def test_state_adjoints_are_the_gradient_wrt_h_and_c():
    # dE/dC(t) at the last step: only h(t) reads C(t) directly, so dE/dC = dE/dh * o (1 - tanh^2 C).
    params, x, target = problem(0, 12, seed=4)
    flow = gradflow.analyse(params, x, target)
    assert flow.dE_dh.shape == flow.dE_dc.shape == (12,)
    from lstm_gui.core import forward
    tr = forward(params, x)
    n = 12
    assert flow.dE_dh[-1] == pytest.approx(2 / n * (tr.h[-1] - target[-1]), rel=1e-14)
    assert flow.dE_dc[-1] == pytest.approx(
        flow.dE_dh[-1] * tr.o[-1] * (1 - np.tanh(tr.c[-1]) ** 2), rel=1e-12)
    # Moving h(t) by hand: the total derivative of E through h(5) by a perturbed forward pass
    # equals the adjoint; checked through b_o's step copy: dE/db_o(s) = dE/dh(s) * o' tanh C.
    G = flow.G
    o, c = tr.o, tr.c
    np.testing.assert_allclose(G[:, :, 11].sum(axis=0),
                               flow.dE_dh * o * (1 - o) * np.tanh(c), rtol=1e-12, atol=1e-15)


def test_chain_state_adjoints_have_one_row_per_unit():
    params, x, target = problem(3, 9, seed=4)
    flow = gradflow.analyse(params, x, target)
    assert flow.dE_dh.shape == (3, 9)
    assert flow.G.shape == (9, 9, 3, 12)


def test_population_is_refused():
    with pytest.raises(ValueError):
        gradflow.contributions(np.zeros((2, 1, 12)), np.zeros(5), np.zeros(5))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_open_forget_gate_lengthens_the_memory_horizon(seed):
    # b_f = +5 keeps f near 1, so C carries gradient back many steps; b_f = -5 wipes C.
    from lstm_gui.core.training.run import RunConfig, TrainingRun
    from lstm_gui.core.training.tasks import preset
    run = TrainingRun(RunConfig(task=preset("delay-k"), epochs=0, seed=seed))
    horizons = {}
    for b_f in (5.0, -5.0):
        p = run.params.copy()
        p[0, 2] = b_f
        horizons[b_f] = gradflow.memory_horizon(gradflow.contributions(p, run.x, run.target))
    assert horizons[5.0] >= horizons[-5.0] + 3
    assert horizons[-5.0] <= 2

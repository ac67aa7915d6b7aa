"""The loss landscape of any Model: the grid, its directions, the Hessian, the map of a run."""
import numpy as np
import pytest

from lstm_gui.core.analysis import directions, landscape, model_data, plane
from lstm_gui.core.models import Model
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def problem(model, n=20, seed=0):
    rng = np.random.default_rng(seed)
    theta = model.init(seed, "uniform", -0.8, 0.8)
    w = np.linspace(0, 6, n)
    x, target = 0.5 * np.sin(w), 0.5 * np.cos(w)
    return theta, x, target, rng


@pytest.mark.parametrize("delay", [0, 1])
def test_a_map_along_named_parameters_is_the_loss_with_those_parameters_moved(delay):
    model = Model(cell="gru", hidden=3, layers=2)
    theta, x, target, _ = problem(model)
    names = ("u2.W_zh[1,2]", "b_nh[0]")
    m = plane.compute_model(model, theta, x, target, delay=delay, kind="params", names=names,
                            size=5, span=0.8)
    assert m.kind == "params" and m.labels == ("u2.W_zh[1,2] (change)", "b_nh[0] (change)")
    k1, k2 = (model.names().index(n) for n in names)
    for i, j in [(0, 0), (1, 3), (4, 2), (2, 2)]:
        moved = theta.copy()
        moved[k1] += m.alphas[i]
        moved[k2] += m.betas[j]
        # The reference, one sequence as (n,): an independent path from the grid's.
        assert m.mse[i, j] == pytest.approx(model.loss(moved, x, target, delay=delay), abs=1e-12)


@pytest.mark.parametrize("config", [dict(cell="lstm", hidden=16), dict(cell="gru", hidden=4, units=2),
                                    dict(cell="peephole", hidden=2, bidirectional=True)])
def test_the_centre_of_the_map_is_the_runs_current_loss(config):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), epochs=0, seed=2, **config))
    run.train(3)
    snap = run.snapshot()
    for kind in ("random", "pca"):
        m = plane.compute_model(snap.model, snap.params, snap.x, snap.target, kind=kind,
                                path=snap.history.params, size=5)
        assert np.isfinite(m.mse).all() and m.note == ""
        assert m.mse[2, 2] == pytest.approx(run.current_mse(), abs=1e-12)
        np.testing.assert_allclose(m.path[-1], 0.0, atol=1e-12)


def test_many_sequences_are_sampled_within_the_budget_and_the_note_says_so():
    run = TrainingRun(RunConfig(task=preset("sum-of-sequence"), cell="gru", hidden=2, epochs=0, seed=0))
    snap = run.snapshot()
    m = plane.compute_model(snap.model, snap.params, snap.x, snap.target, kind="random", size=4,
                            budget=16 * 10 * snap.x.shape[1])
    data = model_data.sample(model_data.time_major(snap.x, snap.target), 10)
    assert "on 10 of the 1,000 training sequences" in m.note
    loss = landscape.model_loss_function(snap.model, data)
    assert m.mse[0, 3] == pytest.approx(loss(m.origin - m.span * m.d1 + m.span * m.d2), abs=1e-12)
    assert data.seq_to_one and data.target.shape == (10,)


def test_filter_normalised_directions_have_the_parameters_norms_filter_by_filter():
    for model in (Model(cell="lstm", hidden=16), Model(cell="gru", hidden=3, layers=2),
                  Model(cell="peephole", hidden=2, bidirectional=True)):
        theta = model.init(1, "pytorch")
        d1, d2 = directions.random_filter_normalised_model(model, theta, np.random.default_rng(5))
        ids = directions.filters(model)
        # One filter per gate row per hidden unit (per layer and direction), and the readout.
        rows = sum(len(model.gates) * model.hidden * model.dirs for _ in range(model.layers))
        assert ids.max() + 1 == rows + 1
        for d in (d1, d2):
            np.testing.assert_allclose(directions.filter_norms(model, d),
                                       directions.filter_norms(model, theta), rtol=1e-12)
            # ... so every gate's blocks together (R, W, b of a layer) keep the gate's norm too.
            for k in range(model.layers):
                for g in model.gates:
                    idx = np.concatenate([np.arange(model.size)[b.slice] for b in model.blocks()
                                          if b.layer == k and b.gate == g and b.direction == 0])
                    assert np.linalg.norm(d[idx]) == pytest.approx(np.linalg.norm(theta[idx]))
        assert not np.allclose(d1, d2)
        again = directions.random_filter_normalised_model(model, theta, np.random.default_rng(5))
        np.testing.assert_array_equal(again[0], d1)


def test_a_gru_rows_filter_holds_b_nh_and_a_peephole_is_its_gates():
    gru = Model(cell="gru", hidden=2)
    ids = directions.filters(gru)
    views = {b.name: np.arange(gru.size)[b.slice].reshape(b.shape) for b in gru.blocks()}
    assert {ids[k] for k in (*views["W_nh"][1], *views["W_nx"][1], views["b_nx"][1], views["b_nh"][1])} \
        == {ids[views["b_nh"][1]]}
    peep = Model(cell="peephole", hidden=2)
    views = {b.name: np.arange(peep.size)[b.slice].reshape(b.shape) for b in peep.blocks()}
    assert ids_equal(directions.filters(peep), views["p_f"][0], views["b_f"][0])


def ids_equal(ids, a, b):
    return ids[a] == ids[b]


def test_model_hessian_is_symmetric_and_matches_differences_of_the_reference_gradient():
    model = Model(cell="lstm", hidden=2)
    theta, x, target, _ = problem(model, n=15, seed=4)
    data = model_data.time_major(x, target)
    H = landscape.model_hessian(model, theta, data)
    assert H.shape == (model.size, model.size)
    np.testing.assert_array_equal(H, H.T)
    eps = 1e-4
    for j in (0, 7, model.size - 1):
        e = np.zeros(model.size)
        e[j] = eps
        col = (model.loss_and_grad(theta + e, x, target)[1]
               - model.loss_and_grad(theta - e, x, target)[1]) / (2 * eps)
        np.testing.assert_allclose(H[:, j], col, rtol=1e-5, atol=1e-7)
    d1, d2 = directions.hessian_top_model(model, theta, data)
    w, v = np.linalg.eigh(H)
    assert abs(d1 @ v[:, -1]) == pytest.approx(1.0)
    assert d1 @ H @ d1 == pytest.approx(w[-1])


def test_the_hessian_of_a_large_model_is_refused_in_one_line():
    model = Model(cell="lstm", hidden=16)
    theta, x, target, rng = problem(model)
    with pytest.raises(ValueError, match=r"^the Hessian of 1169 parameters would take more than "
                                         r"a second \(limit 96\); choose another plane$"):
        plane.compute_model(model, theta, x, target, kind="hessian", size=3)


def test_named_directions_refuse_unknown_and_equal_names():
    model = Model(cell="gru", hidden=2)
    theta = model.init(0)
    with pytest.raises(ValueError, match="unknown parameter 'W_fx'.*W_zx\\[0,0\\], b_z\\[0\\]"):
        directions.named_model(model, theta, ("W_fx", "b_z[0]"))
    with pytest.raises(ValueError, match="must differ"):
        directions.named_model(model, theta, ("b_z[0]", "b_z[0]"))
    assert directions.default_names(Model(hidden=4)) == ("W_fx[0,0]", "b_f[0]")


def test_the_unit_as_a_model_gives_the_units_own_map():
    """Model() is SPEC's unit: its map through the general path equals the unit's population map."""
    model = Model()
    theta, x, target, rng = problem(model, n=25)
    d1, d2 = rng.standard_normal((2, 12))
    expect = landscape.grid(theta, x, target, d1, d2, span=0.6, size=5)[2]
    got = landscape.model_grid(model, theta, model_data.time_major(x, target), d1, d2, 0.6, 5)[2]
    np.testing.assert_allclose(got, expect, rtol=0, atol=1e-12)


def test_a_model_map_stops_between_chunks_when_asked():
    model = Model(cell="gru", hidden=3)
    theta, x, target, rng = problem(model)
    calls = []

    def go_on():
        calls.append(1)
        return len(calls) < 3
    with pytest.raises(landscape.Cancelled):
        plane.compute_model(model, theta, x, target, kind="random", size=16, should_continue=go_on)
    assert len(calls) == 3

"""The loss landscape: grid values, the exact Hessian, projections and directions."""
import numpy as np
import pytest

from lstm_gui.core import mse_and_grad
from lstm_gui.core.analysis import directions, landscape
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def problem(shape, n=30, seed=0):
    rng = np.random.default_rng(seed)
    params = rng.uniform(-1, 1, shape)
    w = np.linspace(0, 6, n)
    return params, 0.5 * np.sin(w), 0.5 * np.cos(w), rng


@pytest.mark.parametrize("shape,delay", [((12,), 0), ((2, 12), 1)])
def test_grid_values_equal_mse_and_grad_at_the_same_points(shape, delay):
    params, x, target, rng = problem(shape)
    d1, d2 = rng.standard_normal((2,) + shape)
    alphas, betas, mse = landscape.grid(params, x, target, d1, d2, span=0.7, size=9, delay=delay)
    np.testing.assert_array_equal(alphas, np.linspace(-0.7, 0.7, 9))
    np.testing.assert_array_equal(betas, alphas)
    assert mse.shape == (9, 9)
    for i, j in [(0, 0), (0, 8), (8, 0), (4, 4), (2, 7), (6, 1)]:
        expected, _ = mse_and_grad(params + alphas[i] * d1 + betas[j] * d2, x, target, delay)
        assert abs(mse[i, j] - expected) <= 1e-12
    # The centre of an odd grid is the model itself.
    assert abs(mse[4, 4] - mse_and_grad(params, x, target, delay)[0]) <= 1e-12


def test_grid_spans_populations_larger_than_one_chunk(monkeypatch):
    params, x, target, rng = problem((12,), n=10)
    d1, d2 = rng.standard_normal((2, 12))
    whole = landscape.grid(params, x, target, d1, d2, 1.0, 7)[2]
    monkeypatch.setattr(landscape, "CHUNK", 5)
    np.testing.assert_allclose(landscape.grid(params, x, target, d1, d2, 1.0, 7)[2], whole,
                               rtol=0, atol=1e-14)


def test_grid_rejects_bad_span_size_and_shapes():
    params, x, target, _ = problem((12,))
    d = np.ones(12)
    with pytest.raises(ValueError):
        landscape.grid(params, x, target, d, d, 0.0, 8)
    with pytest.raises(ValueError):
        landscape.grid(params, x, target, d, d, 1.0, 1)
    with pytest.raises(ValueError):
        landscape.grid(params, x, target, np.ones(13), d, 1.0, 8)


@pytest.mark.parametrize("shape,delay", [((12,), 0), ((3, 12), 1)])
def test_hessian_equals_central_differences_of_the_exact_gradient(shape, delay):
    params, x, target, _ = problem(shape, n=25, seed=3)
    H = landscape.hessian(params, x, target, delay)
    P = params.size
    assert H.shape == (P, P)
    np.testing.assert_array_equal(H, H.T)
    eps = 1e-5
    numeric = np.empty((P, P))
    for j in range(P):
        up, down = params.copy().reshape(-1), params.copy().reshape(-1)
        up[j] += eps
        down[j] -= eps
        numeric[j] = (mse_and_grad(up.reshape(shape), x, target, delay)[1]
                      - mse_and_grad(down.reshape(shape), x, target, delay)[1]).reshape(-1) / (2 * eps)
    np.testing.assert_allclose(H, numeric, rtol=0, atol=1e-5 * max(1.0, np.abs(H).max()))
    # The central differences themselves are symmetric only to their truncation error.
    assert np.abs(numeric - numeric.T).max() > np.abs(H - H.T).max()


def test_curvature_reads_the_largest_eigenvalue_against_two_over_lr():
    H = np.diag([0.5, 3.0, -1.0])
    assert landscape.curvature(H, lr=0.5) == (3.0, 4.0)


def test_projected_training_path_ends_at_the_current_model():
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=40), epochs=60, seed=2))
    run.train(60)
    path = run.history.view(3000)[2]
    d1, d2 = directions.pca(path)
    coords = landscape.project(path, run.params, d1, d2)
    assert coords.shape == (path.shape[0], 2)
    # The history holds the parameters before each update; the current model is one step on.
    full = np.concatenate([path, run.params[None]])
    end = landscape.project(full, run.params, d1, d2)[-1]
    np.testing.assert_allclose(end, 0.0, atol=1e-12)
    # Points in the plane come back exactly.
    inplane = run.params + 0.3 * d1 - 0.2 * d2
    np.testing.assert_allclose(landscape.project(inplane, run.params, d1, d2), [0.3, -0.2], atol=1e-12)


def test_named_directions_are_an_exact_slice():
    params, x, target, _ = problem((2, 12))
    d1, d2 = directions.named(params, ("W_fx", "b_f@2"))
    assert d1[0, 1] == 1 and d2[1, 2] == 1 and d1.sum() == d2.sum() == 1
    _, _, mse = landscape.grid(params, x, target, d1, d2, 0.5, 3)
    moved = params.copy()
    moved[0, 1] -= 0.5
    moved[1, 2] += 0.5
    assert mse[0, 2] == pytest.approx(mse_and_grad(moved, x, target)[0], abs=1e-12)
    with pytest.raises(ValueError):
        directions.named(params, ("W_fx", "W_xx"))
    with pytest.raises(ValueError):
        directions.named(params, ("W_fx", "b_f@3"))


def test_random_directions_are_filter_normalised_and_follow_the_generator():
    params, *_ = problem((2, 12))
    d1, d2 = directions.random_filter_normalised(params, np.random.default_rng(5))
    np.testing.assert_allclose(np.linalg.norm(d1.reshape(-1, 4, 3), axis=2),
                               np.linalg.norm(params.reshape(-1, 4, 3), axis=2))
    assert not np.allclose(d1, d2)
    again = directions.random_filter_normalised(params, np.random.default_rng(5))
    np.testing.assert_array_equal(again[0], d1)


def test_line_directions_are_orthogonal_and_equally_long():
    start = np.zeros(12)
    current = np.arange(12.0)
    a, b = directions.line(start, current, np.random.default_rng(1))
    np.testing.assert_array_equal(a, current)
    assert abs(a @ b) < 1e-9 * (a @ a)
    assert np.linalg.norm(b) == pytest.approx(np.linalg.norm(a))
    with pytest.raises(ValueError):
        directions.line(current, current, np.random.default_rng(1))


def test_hessian_directions_are_the_top_eigenvectors():
    params, x, target, _ = problem((12,), n=20)
    d1, d2 = directions.hessian_top(params, x, target)
    H = landscape.hessian(params, x, target)
    lam = np.linalg.eigvalsh(H)
    assert d1 @ H @ d1 == pytest.approx(lam[-1], rel=1e-10)
    assert d2 @ H @ d2 == pytest.approx(lam[-2], rel=1e-10)


def test_pca_needs_a_path_that_spans_a_plane():
    with pytest.raises(ValueError):
        directions.pca(np.zeros((2, 12)))
    with pytest.raises(ValueError):
        directions.pca(np.outer(np.arange(5.0), np.ones(12)))   # a straight line
    rng = np.random.default_rng(0)
    path = np.cumsum(rng.standard_normal((50, 12)), axis=0)
    d1, d2 = directions.pca(path)
    assert d1 @ d2 == pytest.approx(0, abs=1e-12)
    assert d1 @ (path[-1] - path[0]) > 0


def test_make_dispatches_and_names_unknown_kinds():
    params, x, target, rng = problem((12,))
    for kind in ("params", "random", "hessian"):
        d1, d2 = directions.make(kind, params, x=x, target=target, rng=rng)
        assert d1.shape == d2.shape == (12,)
    with pytest.raises(TypeError, match="Generator"):
        directions.make("random", params)
    with pytest.raises(ValueError, match="unknown"):
        directions.make("sideways", params)


def test_suggested_span_covers_the_path():
    assert directions.suggest_span(np.array([[0.2, -3.0], [0.0, 0.0]])) == pytest.approx(3.75)
    assert directions.suggest_span(None) == 1.0


def test_plane_map_falls_back_to_random_without_a_path_and_ends_the_path_at_the_origin():
    from lstm_gui.core.analysis import plane
    params, x, target, _ = problem((1, 12), n=20)
    m = plane.compute(params, x, target, kind="pca", size=5, rng=np.random.default_rng(0))
    assert m.kind == "random" and m.span == 1.0 and m.path.shape == (1, 2)
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=20), epochs=0, seed=4))
    run.train(30)
    path = run.history.view(3000)[2]
    m = plane.compute(run.params, run.x, run.target, kind="params", names=("W_ox", "b_o"),
                      path=path, size=5)
    assert m.labels == ("W_ox (change)", "b_o (change)")
    np.testing.assert_array_equal(m.path[-1], 0.0)
    assert m.span >= np.abs(m.path).max()
    np.testing.assert_allclose(m.path[0], (path[0] - run.params)[0, [10, 11]], atol=1e-12)

def test_off_plane_is_the_distance_the_projection_leaves_out():
    import numpy as np

    from lstm_gui.core.analysis.landscape import off_plane, project
    rng = np.random.default_rng(0)
    origin, d1, d2 = rng.normal(size=(3, 2, 12))
    inside = origin + 0.3 * d1 - 1.2 * d2
    normal = rng.normal(size=(2, 12))
    basis = np.stack([d1.ravel(), d2.ravel()], axis=1)
    normal = normal.ravel() - basis @ np.linalg.lstsq(basis, normal.ravel(), rcond=None)[0]
    outside = inside + 2.5 * normal.reshape(2, 12) / np.linalg.norm(normal)
    np.testing.assert_allclose(off_plane(np.stack([inside, outside]), origin, d1, d2), [0, 2.5], atol=1e-9)
    np.testing.assert_allclose(project(outside, origin, d1, d2), [0.3, -1.2], atol=1e-9)


@pytest.mark.parametrize("kernel", ["numpy", "compiled"])
def test_a_map_of_a_very_long_model_stops_within_a_second(kernel):
    # Issue 26, case 9: the map stopped between chunks only, and at 200 000 points one chunk
    # of the numpy path took several seconds (a close waited for it).
    import threading
    import time

    from lstm_gui.core.models import compiled

    if kernel == "compiled" and not compiled.available():
        kernel = "numpy"
    n = 200_000
    x = np.sin(np.linspace(0, 400, n))
    models = np.random.default_rng(0).uniform(-1, 1, (256, 1, 12))
    stop = threading.Event()
    ended = {}

    def job():
        try:
            landscape.population_mse(models, x, x, 0, should_continue=lambda: not stop.is_set())
        except landscape.Cancelled:
            ended["cancelled"] = time.perf_counter()

    compiled.use(kernel)
    try:
        if kernel == "compiled":      # compile (or load) the kernel before the clock starts
            landscape.population_mse(models[:2], x[:50], x[:50])
        worker = threading.Thread(target=job)
        worker.start()
        time.sleep(0.3)
        asked = time.perf_counter()
        stop.set()
        worker.join(30)
    finally:
        compiled.use(None)
    assert ended, "the map was not cancelled"
    assert ended["cancelled"] - asked < 1.0, f"stopped {ended['cancelled'] - asked:.1f} s after the stop"

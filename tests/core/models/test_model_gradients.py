"""Every family's exact gradient matches central differences; traces and dropout behave."""
import numpy as np
import pytest

from lstm_gui.core.models import CELLS, Model

CONFIGS = {
    "unit": dict(),
    "wide-stacked-bi-dropout": dict(hidden=2, inputs=2, layers=2, bidirectional=True,
                                    dropout=0.4),
    "no-bias-delay": dict(hidden=3, bias=False),
}


def _rng(model, seed):
    return np.random.default_rng(seed) if model.dropout else None


def _directions(model, rng):
    """One direction per number for the small models; else one random direction per block
    (each of W, R, b, p of every gate, layer and direction, and the readout's two)."""
    if model.size <= 30:
        return list(np.eye(model.size))
    out = []
    for b in model.blocks():
        v = np.zeros(model.size)
        v[b.slice] = rng.normal(size=b.size)
        out.append(v)
    return out


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("cell", CELLS)
def test_gradient_matches_central_differences(cell, config):
    model = Model(cell=cell, **CONFIGS[config])
    rng = np.random.default_rng(sum(map(ord, cell + config)))
    theta = model.init(rng, low=-1.5, high=1.5)
    n, B, eps = 4, 2, 1e-6
    x = rng.normal(size=(n, B, model.inputs))
    delay = 1 if config == "no-bias-delay" else 0
    for target in (rng.normal(size=(n, B)), rng.normal(size=B)):   # every step; last step
        grad = model.loss_and_grad(theta, x, target, delay, _rng(model, 5))[1]
        exact, numeric = [], []
        for v in _directions(model, rng):
            up = model.loss(theta + eps * v, x, target, delay, _rng(model, 5))
            down = model.loss(theta - eps * v, x, target, delay, _rng(model, 5))
            exact.append(grad @ v)
            numeric.append((up - down) / (2 * eps))
        exact, numeric = np.array(exact), np.array(numeric)
        assert np.abs(exact - numeric).max() <= 1e-6 * np.abs(numeric).max()
        assert np.abs(numeric).max() > 1e-3                         # the check checks something


def test_single_sequence_is_a_batch_of_one():
    model = Model(cell="peephole", hidden=3, inputs=2)
    theta = model.init(1)
    x = np.random.default_rng(2).normal(size=(6, 2))
    t = np.linspace(-1, 1, 6)
    y = model.forward(theta, x)
    assert y.shape == (6,)
    assert np.array_equal(y, model.forward(theta, x[:, None, :])[:, 0])
    loss, grad = model.loss_and_grad(theta, x, t)
    loss_b, grad_b = model.loss_and_grad(theta, x[:, None, :], t[:, None])
    assert loss == loss_b and np.array_equal(grad, grad_b)
    assert model.loss_and_grad(theta, x, t[-1])[0] == pytest.approx((y[-1] - t[-1]) ** 2)


def test_trace_shapes_and_reverse_direction_in_sequence_time():
    model = Model(hidden=3, layers=2, bidirectional=True)
    theta = model.init(0)
    x = np.random.default_rng(0).normal(size=(5, 2, 1))
    tr = model.trace(theta, x)
    assert set(tr.states) == {"f", "i", "c_tilde", "c", "o", "h"}
    assert all(a.shape == (2, 2, 5, 2, 3) for a in tr.states.values())
    assert np.allclose(tr.y, model.forward(theta, x))
    # The reverse direction's first step (in sequence time) is the last one it computed: it has
    # seen the whole sequence, so changing x at step 0 changes its h at step 4 only via ... none.
    x2 = x.copy()
    x2[0] += 1.0
    tr2 = model.trace(theta, x2)
    assert np.array_equal(tr.states["h"][0, 1, 1:], tr2.states["h"][0, 1, 1:])
    assert not np.array_equal(tr.states["h"][0, 0, 4], tr2.states["h"][0, 0, 4])
    gru = Model(cell="gru", hidden=2)
    assert set(gru.trace(gru.init(0), x).states) == {"r", "z", "n", "h"}


def test_dropout_masks_come_from_the_generator_only():
    model = Model(hidden=4, layers=3, dropout=0.5)
    theta = model.init(0)
    x = np.random.default_rng(1).normal(size=(6, 3, 1))
    t = np.zeros((6, 3))
    a = model.loss_and_grad(theta, x, t, rng=np.random.default_rng(9))
    b = model.loss_and_grad(theta, x, t, rng=np.random.default_rng(9))
    c = model.loss_and_grad(theta, x, t, rng=np.random.default_rng(10))
    assert a[0] == b[0] and np.array_equal(a[1], b[1]) and a[0] != c[0]
    evaluation = model.loss_and_grad(theta, x, t)          # no generator: no dropout
    assert evaluation[0] == pytest.approx(np.mean(model.forward(theta, x) ** 2), rel=1e-14)


def test_bad_inputs_are_refused_in_one_line():
    model = Model(inputs=2)
    theta = model.init(0)
    for call in (lambda: model.forward(theta[:-1], np.zeros((3, 2))),
                 lambda: model.forward(theta, np.zeros(3)),
                 lambda: model.forward(theta, np.zeros((3, 1, 3))),
                 lambda: model.forward(theta, np.full((3, 2), np.nan)),
                 lambda: model.loss_and_grad(theta, np.zeros((3, 2)), np.zeros(4)),
                 lambda: model.loss_and_grad(theta, np.zeros((3, 2)), np.zeros(3), delay=2)):
        with pytest.raises(ValueError) as e:
            call()
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("cell", ["lstm", "gru", "peephole"])
def test_saturated_gates_stay_finite_and_quiet(cell):
    import warnings
    model = Model(cell=cell, hidden=2)
    theta = model.init(0) * 1e5                    # every gate far into saturation
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = model.loss_and_grad(theta, np.ones(5), np.zeros(5))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))

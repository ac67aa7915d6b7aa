"""The general models' compiled kernels (layer_kernels, fast_model).

The forward pass is checked against a short numpy forward written here from MODELS.md's
equations (PyTorch's conventions), the gradient against central differences of that loss,
the fused training loop against the same steps taken one by one in numpy (Adam, SGD,
mini-batches), and the population kernel against its models trained one at a time.
"""
from __future__ import annotations

import numpy as np
import pytest

from lstm_gui.core.models.compiled import fast_model as fmod
from lstm_gui.core.models.compiled import layer_kernels as lk
from lstm_gui.core.models.compiled.fast_model import FastModel

FAMILIES = tuple(fmod.FAMILIES)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _blocks(fm: FastModel, theta):
    """theta's blocks per layer/direction, read through the layout: W[slot], R[slot],
    b[slot] (zeros where absent), bhn, peep (3, H)."""
    lay = fm.layout
    H = fm.hidden
    D = int(lay.spec[lk.DIRS])
    out = []
    for layer in range(fm.layers):
        mk = fm.inputs if layer == 0 else D * H
        row = []
        for d in range(D):
            ld = layer * D + d
            W, R, b = {}, {}, {}
            for slot in range(4):
                o = lay.off[ld, slot]
                W[slot] = theta[o[0]:o[0] + H * mk].reshape(H, mk) if o[0] >= 0 else np.zeros((H, mk))
                R[slot] = theta[o[1]:o[1] + H * H].reshape(H, H) if o[1] >= 0 else np.zeros((H, H))
                b[slot] = theta[o[2]:o[2] + H] if o[2] >= 0 else np.zeros(H)
            e = lay.ext[ld]
            peep = [theta[e[q]:e[q] + H] if e[q] >= 0 else np.zeros(H) for q in range(3)]
            bhn = theta[e[3]:e[3] + H] if e[3] >= 0 else np.zeros(H)
            row.append((W, R, b, bhn, peep))
        out.append(row)
    return out


def numpy_forward(fm: FastModel, theta, x):
    """Outputs (T, B) of the model over x (T, B, m), step by step from MODELS.md."""
    T, B, _ = x.shape
    H = fm.hidden
    cell = fm.cell
    seq = x
    for row in _blocks(fm, theta):
        outs = []
        for d, (W, R, b, bhn, peep) in enumerate(row):
            h = np.zeros((B, H))
            c = np.zeros((B, H))
            hs = np.zeros((T, B, H))
            steps = range(T) if d == 0 else range(T - 1, -1, -1)
            for t in steps:
                xt = seq[t]
                pre = {g: xt @ W[g].T + h @ R[g].T + b[g] for g in range(4)}
                if cell == "gru":
                    r = _sig(pre[0])
                    z = _sig(pre[1])
                    n = np.tanh(xt @ W[2].T + b[2] + r * (h @ R[2].T + bhn))
                    h = (1 - z) * n + z * h
                else:
                    i = np.ones((B, H)) if cell == "nig" else _sig(pre[1] + peep[0] * c)
                    if cell == "cifg":
                        f = 1 - i
                    elif cell == "nfg":
                        f = np.ones((B, H))
                    else:
                        f = _sig(pre[0] + peep[1] * c)
                    g = pre[2] if cell == "niaf" else np.tanh(pre[2])
                    c = f * c + i * g
                    o = np.ones((B, H)) if cell == "nog" else _sig(pre[3] + peep[2] * c)
                    h = o * (c if cell == "noaf" else np.tanh(c))
                hs[t] = h
            outs.append(hs)
        seq = np.concatenate(outs, axis=2)
    ro = fm.layout.ro
    if ro[0] < 0:
        return seq[:, :, 0]
    wy = theta[ro[0]:ro[0] + seq.shape[2]]
    return seq @ wy + theta[ro[1]]


def numpy_loss(fm, theta, x, target):
    y = numpy_forward(fm, theta, x)
    if fm.seq2one:
        y = y[-1:]
    return float(np.mean((y - target) ** 2))


def central_differences(fm, theta, x, target, eps=1e-6):
    grad = np.zeros_like(theta)
    for k in range(theta.size):
        a, b = theta.copy(), theta.copy()
        a[k] += eps
        b[k] -= eps
        grad[k] = (fm.loss_and_grad(a, x, target)[0] - fm.loss_and_grad(b, x, target)[0]) / (2 * eps)
    return grad


def _data(fm, steps, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, batch, fm.inputs))
    target = rng.standard_normal((1 if fm.seq2one else steps, batch))
    return x, target


CASES = [
    # (hidden, layers, inputs, bias, bidirectional, seq2one, batch)
    (1, 1, 1, True, False, False, 1),
    (3, 2, 2, True, False, True, 3),
    (3, 1, 1, False, True, False, 2),
    (3, 2, 1, True, True, True, 4),
]


@pytest.mark.parametrize("cell", FAMILIES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: "H{}L{}m{}{}{}{}B{}".format(
    c[0], c[1], c[2], "" if c[3] else "-nobias", "-bi" if c[4] else "", "-s2o" if c[5] else "", c[6]))
def test_forward_and_gradient(cell, case):
    hidden, layers, inputs, bias, bidi, seq2one, batch = case
    fm = FastModel(cell=cell, hidden=hidden, layers=layers, inputs=inputs, bias=bias,
                   bidirectional=bidi, seq2one=seq2one)
    theta = fm.init(3, scale=0.8)
    x, target = _data(fm, 5, batch)
    y = fm.predict(theta, x)
    np.testing.assert_allclose(y, numpy_forward(fm, theta, x), rtol=0, atol=1e-12)
    loss, grad = fm.loss_and_grad(theta, x, target)
    assert abs(loss - numpy_loss(fm, theta, x, target)) <= 1e-12 * max(1.0, loss)
    num = central_differences(fm, theta, x, target)
    assert np.max(np.abs(num - grad)) <= 1e-6 * np.max(np.abs(grad))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_h16_gradient(cell):
    """The PyTorch tutorial's width: a layer of 16 and the readout, batch of 5."""
    fm = FastModel(cell=cell, hidden=16)
    theta = fm.init(0)
    x, target = _data(fm, 6, 5, seed=1)
    np.testing.assert_allclose(fm.predict(theta, x), numpy_forward(fm, theta, x), rtol=0, atol=1e-12)
    _, grad = fm.loss_and_grad(theta, x, target)
    num = central_differences(fm, theta, x, target)
    assert np.max(np.abs(num - grad)) <= 1e-6 * np.max(np.abs(grad))


def test_layout_counts_parameters_as_models_md():
    # 4H(m + H + 1) + H + 1 for a layer of H with a readout: H = 16, m = 1 is 1 152 + 17
    # (MODELS.md's "1 088 + 17" is 4H(m + H), the count without the biases).
    assert FastModel(hidden=16).size == 1152 + 17
    assert FastModel(hidden=16, bias=False).size == 1088 + 17
    assert FastModel(cell="lstm").size == 12
    assert FastModel(cell="peephole").size == 15
    assert FastModel(cell="cifg").size == 9
    assert FastModel(cell="gru").size == 10


def numpy_train(fm, theta, x, target, perms, batch, optimizer, lr, b1=0.9, b2=0.999, eps=1e-8):
    """The fused loop's reference: each mini-batch's loss and gradient, then the update, in
    numpy (PyTorch's Adam)."""
    theta = theta.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    step = 0
    losses = []
    n = x.shape[1]
    for perm in perms:
        total = 0.0
        for lo in range(0, n, batch):
            idx = perm[lo:lo + batch]
            loss, g = fm.loss_and_grad(theta, x[:, idx], target[:, idx])
            total += loss * len(idx)
            if optimizer == "sgd":
                theta = theta - lr * g
            else:
                step += 1
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                theta = theta - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps)
        losses.append(total / n)
    return theta, np.array(losses)


@pytest.mark.parametrize("cell,optimizer,seq2one,bidi", [
    ("lstm", "adam", False, False), ("gru", "adam", True, True), ("peephole", "sgd", False, False),
    ("cifg", "adam", True, False)])
def test_fused_training_equals_steps_one_by_one(cell, optimizer, seq2one, bidi):
    fm = FastModel(cell=cell, hidden=3, layers=2, bidirectional=bidi, seq2one=seq2one)
    theta = fm.init(5)
    x, target = _data(fm, 7, 10, seed=2)
    perms = fm.permutations(10, 4, np.random.default_rng(7))
    lr = 1e-2
    got, losses, state = fm.train(theta, x, target, 4, batch=4, optimizer=optimizer, lr=lr,
                                  perms=perms)
    want, want_losses = numpy_train(fm, theta, x, target, perms, 4, optimizer, lr)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-12, atol=0)
    assert state["step"][0] == (12 if optimizer == "adam" else 0)
    # resuming with the state is one long call
    a, _, sa = fm.train(theta, x, target, 2, batch=4, optimizer=optimizer, lr=lr, perms=perms[:2])
    b, _, _ = fm.train(a, x, target, 2, batch=4, optimizer=optimizer, lr=lr, perms=perms[2:],
                       state=sa)
    assert np.array_equal(b, got)


def test_training_stops_before_a_non_finite_update():
    fm = FastModel(hidden=3)
    theta = fm.init(0)
    x, target = _data(fm, 5, 2)
    theta_bad = theta.copy()
    theta_bad[0] = np.nan
    got, losses, _ = fm.train(theta_bad, x, target, 3, optimizer="sgd", lr=0.1)
    assert len(losses) == 0 and np.isnan(got[0])
    _, losses, _ = fm.train(theta, x, target * 1e300, 3, optimizer="sgd", lr=1e10)
    assert len(losses) < 3


@pytest.mark.parametrize("per_model", [False, True])
def test_population_equals_single_runs(per_model):
    fm = FastModel(cell="lstm", hidden=4, seq2one=True)
    K = 5
    thetas = np.stack([fm.init(s) for s in range(K)])
    rng = np.random.default_rng(3)
    if per_model:
        xs = rng.standard_normal((K, 6, 9, 1))
        ts = rng.standard_normal((K, 1, 9))
        perms = np.stack([fm.permutations(9, 3, np.random.default_rng(s)) for s in range(K)])
    else:
        xs = rng.standard_normal((6, 9, 1))
        ts = rng.standard_normal((1, 9))
        perms = fm.permutations(9, 3, np.random.default_rng(0))
    got, losses, done, _ = fm.train_population(thetas, xs, ts, 3, batch=4, lr=1e-2, perms=perms)
    assert list(done) == [3] * K
    for k in range(K):
        x = xs[k] if per_model else xs
        t = ts[k] if per_model else ts
        p = perms[k] if per_model else perms
        want, want_losses, _ = fm.train(thetas[k], x, t, 3, batch=4, lr=1e-2, perms=p)
        np.testing.assert_allclose(got[k], want, rtol=0, atol=1e-12)
        np.testing.assert_allclose(losses[k], want_losses, rtol=1e-12, atol=0)


def test_bad_shapes_are_refused_in_one_line():
    fm = FastModel(hidden=2, inputs=2)
    with pytest.raises(ValueError, match="inputs must be"):
        fm.loss_and_grad(fm.init(0), np.zeros((4, 3, 1)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="theta must have"):
        fm.predict(np.zeros(3), np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match="unknown cell"):
        FastModel(cell="lstn")

"""The general models' compiled kernels (layer_kernels, fast_model) against the numpy reference.

Loss, gradient and outputs equal Model's numpy reference to 1e-12 for every family, widths
1, 3, 16, one and two layers, bidirectional, without bias, sequence-to-sequence and
sequence-to-one, batches; the fused training loop equals the same steps taken one by one in
numpy (Adam, SGD, mini-batches); the population kernel equals its models one at a time.
"""
from __future__ import annotations

import numpy as np
import pytest

from lstm_gui.core.models import CELLS, Model
from lstm_gui.core.models.compiled.fast_model import FastModel, layout


def _data(model, steps, batch, seq2one, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, batch, model.inputs))
    target = rng.standard_normal(batch if seq2one else (steps, batch))
    return x, target


def central_differences(fm, theta, x, target, eps=1e-6):
    grad = np.zeros_like(theta)
    for k in range(theta.size):
        a, b = theta.copy(), theta.copy()
        a[k] += eps
        b[k] -= eps
        grad[k] = (fm.loss_and_grad(a, x, target)[0] - fm.loss_and_grad(b, x, target)[0]) / (2 * eps)
    return grad


CASES = [
    # (hidden, layers, inputs, bias, bidirectional, seq2one, batch)
    (1, 1, 1, True, False, False, 1),
    (3, 2, 2, True, False, True, 3),
    (3, 1, 1, False, True, False, 2),
    (3, 2, 1, True, True, True, 4),
]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: "H{}L{}m{}{}{}{}B{}".format(
    c[0], c[1], c[2], "" if c[3] else "-nobias", "-bi" if c[4] else "", "-s2o" if c[5] else "", c[6]))
def test_compiled_equals_the_numpy_reference(cell, case):
    hidden, layers, inputs, bias, bidi, seq2one, batch = case
    model = Model(cell=cell, hidden=hidden, layers=layers, inputs=inputs, bias=bias,
                  bidirectional=bidi)
    fm = FastModel(model)
    theta = model.init(3, low=-0.8, high=0.8)
    x, target = _data(model, 5, batch, seq2one)
    np.testing.assert_allclose(fm.forward(theta, x), model.forward(theta, x), rtol=0, atol=1e-12)
    loss, grad = fm.loss_and_grad(theta, x, target)
    want_loss, want_grad = model.loss_and_grad(theta, x, target)
    assert abs(loss - want_loss) <= 1e-12 * max(1.0, want_loss)
    assert np.max(np.abs(grad - want_grad)) <= 1e-12 * max(1.0, np.max(np.abs(want_grad)))


@pytest.mark.parametrize("cell", ["lstm", "gru", "peephole"])
def test_h16_equals_the_reference(cell):
    """The PyTorch tutorial's width: a layer of 16 and the readout, a batch of 5."""
    model = Model(cell=cell, hidden=16)
    fm = FastModel(model)
    theta = model.init(0, scheme="pytorch")
    x, target = _data(model, 6, 5, False, seed=1)
    loss, grad = fm.loss_and_grad(theta, x, target)
    want_loss, want_grad = model.loss_and_grad(theta, x, target)
    assert abs(loss - want_loss) <= 1e-12
    assert np.max(np.abs(grad - want_grad)) <= 1e-12 * np.max(np.abs(want_grad))


def test_gradient_matches_central_differences():
    model = Model(cell="gru", hidden=2, layers=2, bidirectional=True)
    fm = FastModel(model)
    theta = model.init(1)
    x, target = _data(model, 4, 3, True)
    _, grad = fm.loss_and_grad(theta, x, target)
    assert np.max(np.abs(central_differences(fm, theta, x, target) - grad)) <= 1e-6 * np.max(np.abs(grad))


def test_one_sequence_as_the_reference_takes_it():
    model = Model()
    fm = FastModel(model)
    theta = model.init(0)
    x = np.sin(np.linspace(0, 6, 30))
    np.testing.assert_allclose(fm.forward(theta, x), model.forward(theta, x), rtol=0, atol=1e-12)
    assert fm.loss_and_grad(theta, x, np.cos(x))[0] == pytest.approx(
        model.loss_and_grad(theta, x, np.cos(x))[0], abs=1e-13)


def test_layout_reads_the_model_blocks():
    model = Model(cell="gru", hidden=3, layers=2, bidirectional=True)
    lay = layout(model)
    offsets = sorted(int(v) for v in np.concatenate([lay.off.ravel(), lay.ext.ravel(), lay.ro])
                     if v >= 0)
    assert offsets == [b.offset for b in model.blocks()]


def numpy_train(model, theta, x, target, perms, batch, optimizer, lr, b1=0.9, b2=0.999, eps=1e-8):
    """The fused loop's reference: each mini-batch's loss and gradient from the numpy
    reference, then the update in numpy (PyTorch's Adam)."""
    theta = theta.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    step = 0
    losses = []
    n = x.shape[1]
    for perm in perms:
        total = 0.0
        for lo in range(0, n, batch):
            idx = perm[lo:lo + batch]
            loss, g = model.loss_and_grad(theta, x[:, idx], target[..., idx])
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


@pytest.mark.parametrize("cell,optimizer,seq2one,bidi,bias", [
    ("lstm", "adam", False, False, True), ("gru", "adam", True, True, True),
    ("peephole", "sgd", False, False, False), ("cifg", "adam", True, False, True),
    ("noaf", "adam", False, True, False)])
def test_fused_training_equals_the_reference_step_by_step(cell, optimizer, seq2one, bidi, bias):
    model = Model(cell=cell, hidden=3, layers=2, bidirectional=bidi, bias=bias)
    fm = FastModel(model)
    theta = model.init(5, scheme="pytorch")
    x, target = _data(model, 7, 10, seq2one, seed=2)
    perms = fm.permutations(10, 4, np.random.default_rng(7))
    lr = 1e-2
    got, losses, state = fm.train(theta, x, target, 4, batch=4, optimizer=optimizer, lr=lr,
                                  perms=perms)
    want, want_losses = numpy_train(model, theta, x, target, perms, 4, optimizer, lr)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-12, atol=0)
    assert state["step"][0] == (12 if optimizer == "adam" else 0)
    # resuming with the state is one long call, bit for bit
    a, _, sa = fm.train(theta, x, target, 2, batch=4, optimizer=optimizer, lr=lr, perms=perms[:2])
    b, _, _ = fm.train(a, x, target, 2, batch=4, optimizer=optimizer, lr=lr, perms=perms[2:],
                       state=sa)
    assert np.array_equal(b, got)


def test_training_stops_before_a_non_finite_update():
    model = Model(hidden=3)
    fm = FastModel(model)
    theta = model.init(0)
    x, target = _data(model, 5, 2, False)
    got, losses, _ = fm.train(theta, x, target * 1e300, 3, optimizer="sgd", lr=1e10)
    assert len(losses) < 3 and np.all(np.isfinite(got))


@pytest.mark.parametrize("per_model", [False, True])
def test_population_equals_single_runs(per_model):
    model = Model(hidden=4)
    fm = FastModel(model)
    K = 5
    thetas = np.stack([model.init(s) for s in range(K)])
    rng = np.random.default_rng(3)
    if per_model:
        xs = rng.standard_normal((K, 6, 9, 1))
        ts = rng.standard_normal((K, 9))
        perms = np.stack([fm.permutations(9, 3, np.random.default_rng(s)) for s in range(K)])
    else:
        xs = rng.standard_normal((6, 9, 1))
        ts = rng.standard_normal(9)
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


def test_bad_input_is_refused_in_one_line():
    model = Model(hidden=2, inputs=2)
    fm = FastModel(model)
    with pytest.raises(ValueError, match="x must have shape"):
        fm.loss_and_grad(model.init(0), np.zeros((4, 3, 1)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="parameter vector"):
        fm.forward(np.zeros(3), np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match="dropout"):
        FastModel(Model(hidden=2, layers=2, dropout=0.5))


def test_without_numba_the_same_loops_run_as_python():
    """numba is optional: without it the kernels' loops run as plain Python and agree."""
    import subprocess
    import sys
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np\n"
        "from lstm_gui.core.models import Model\n"
        "from lstm_gui.core.models.compiled import layer_kernels as lk\n"
        "from lstm_gui.core.models.compiled.fast_model import FastModel\n"
        "assert not lk.HAVE_NUMBA\n"
        "m = Model(cell='peephole', hidden=2, bidirectional=True)\n"
        "th = m.init(0); x = np.random.default_rng(0).standard_normal((3, 2, 1)); t = np.ones(2)\n"
        "a, ga = FastModel(m).loss_and_grad(th, x, t); b, gb = m.loss_and_grad(th, x, t)\n"
        "print(abs(a - b) + np.max(np.abs(ga - gb)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 1e-12


def test_training_leaves_the_gil():
    """A long train call on a thread: the main thread keeps running Python meanwhile (with
    the GIL held it would stop for the whole call: its longest pause would be the call)."""
    import threading
    import time
    model = Model(hidden=32)
    fm = FastModel(model)
    x, target = _data(model, 10, 64, True)
    fm.train(model.init(0), x, target, 1, batch=16)      # compiled or loaded first
    thread = threading.Thread(target=fm.train, args=(model.init(0), x, target, 20),
                              kwargs={"batch": 16})
    start = last = time.perf_counter()
    longest = 0.0
    thread.start()
    while thread.is_alive():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    thread.join()
    took = time.perf_counter() - start
    assert longest < 0.5 * took


# ---------------------------------------------------------------- the trace (snapshots)

@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("hidden, layers, inputs, bias, bidirectional", [
    (1, 1, 1, True, False), (16, 2, 1, True, False), (3, 3, 2, False, True)])
def test_the_compiled_trace_equals_the_reference_trace(cell, hidden, layers, inputs, bias,
                                                       bidirectional):
    model = Model(cell=cell, hidden=hidden, layers=layers, inputs=inputs, bias=bias,
                  bidirectional=bidirectional, readout=True if hidden > 1 else None)
    theta = model.init(np.random.default_rng(1))
    x = np.random.default_rng(2).standard_normal((30, 2, inputs))
    want, got = model.trace(theta, x), FastModel(model).trace(theta, x)
    assert list(got.states) == list(want.states)
    for name in want.states:
        assert got.states[name].shape == want.states[name].shape
        np.testing.assert_allclose(got.states[name], want.states[name], rtol=1e-12, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_allclose(got.y, want.y, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got.x_in, want.x_in)


# ---------------------------------------------------------------- the speed paths (layerspeed)

@pytest.mark.parametrize("ta", [False, True], ids=["AB", "ATB"])
@pytest.mark.parametrize("shape", [(5, 64, 16), (5, 16, 64), (64, 16, 95), (64, 1, 100),
                                   (32, 256, 64), (7, 3, 1), (1, 5, 9)])
def test_own_matrix_loop_and_dgemm_equal_numpy(shape, ta):
    """_gemm (numpy's OpenBLAS when found) and the kernels' own loop (_gemm_own, used where
    that library is absent) compute c += op(a) b on offsets and row strides inside flat arrays,
    at the tutorial's and the sum task's shapes and odd ones (rows not a multiple of four)."""
    from lstm_gui.core.models.compiled import layer_kernels as lk
    m, n, k = shape
    rng = np.random.default_rng(m * n + k)
    oa, ob, oc = 3, 5, 2
    lda, ldb, ldc = (m if ta else k) + 2, n + 1, n + 3
    rows_a = k if ta else m
    a = rng.standard_normal(oa + rows_a * lda)
    b = rng.standard_normal(ob + k * ldb)
    c0 = rng.standard_normal(oc + m * ldc)
    A = a[oa:].reshape(rows_a, lda)[:, :(m if ta else k)]
    op_a = A.T if ta else A
    want = c0.copy()
    view = want[oc:].reshape(m, ldc)
    view[:, :n] += op_a @ b[ob:].reshape(k, ldb)[:, :n]
    for fn in (lk._gemm, lk._gemm_own):
        c = c0.copy()
        fn(ta, m, n, k, a, oa, lda, b, ob, ldb, c, oc, ldc)
        np.testing.assert_allclose(c, want, rtol=0, atol=1e-12 * max(1.0, np.abs(want).max()))
        # only c's m x n block moved
        mask = np.ones(c.size, dtype=bool)
        mask[oc:].reshape(m, ldc)[:, :n] = False
        assert np.array_equal(c[mask], c0[mask])


def test_the_layer_kernels_vector_exp_matches_math_exp_and_keeps_nan():
    from lstm_gui.core.models.compiled import layer_kernels as lk
    z = np.concatenate([np.linspace(-708, 709, 100_001), np.random.default_rng(0).normal(0, 5, 999)])
    out = np.empty_like(z)
    lk._vexp(z, out, np.empty(len(z), dtype=np.int64))
    assert np.max(np.abs(out / np.exp(z) - 1)) <= 4.5e-16
    special = np.array([np.nan, -np.inf, -1e4, 1e4, np.inf, 0.0])
    out = np.empty_like(special)
    lk._vexp(special, out, np.empty(6, dtype=np.int64))
    assert np.isnan(out[0]) and out[5] == 1.0
    assert 0 < out[1] == out[2] < 1e-307 and 1e307 < out[3] == out[4] < np.inf


@pytest.mark.parametrize("layers, bidi, seq2one", [(1, False, False), (2, True, True),
                                                   (2, False, True)])
def test_the_plain_lstm_path_equals_the_generic_one(layers, bidi, seq2one):
    """The vanilla LSTM takes its own loops (layer_kernels._lstm_forward/_backward); a
    peephole LSTM with its peepholes at zero is the same function on the family's generic
    loops: outputs, loss and every shared gradient entry agree to 1e-12."""
    plain = Model(cell="lstm", hidden=5, layers=layers, inputs=2, bidirectional=bidi)
    peep = Model(cell="peephole", hidden=5, layers=layers, inputs=2, bidirectional=bidi)
    theta = plain.init(4, low=-0.9, high=0.9)
    by_name = dict(zip(plain.names(), theta))
    names = peep.names()
    theta_p = np.array([by_name.get(name, 0.0) for name in names])
    assert sum(name in by_name for name in names) == plain.size
    x, target = _data(plain, 7, 6, seq2one, seed=5)
    fa, fb = FastModel(plain), FastModel(peep)
    np.testing.assert_allclose(fa.forward(theta, x), fb.forward(theta_p, x), rtol=0, atol=1e-12)
    loss, grad = fa.loss_and_grad(theta, x, target)
    loss_p, grad_p = fb.loss_and_grad(theta_p, x, target)
    assert abs(loss - loss_p) <= 1e-12 * max(1.0, loss)
    shared = np.array([grad_p[names.index(name)] for name in plain.names()])
    assert np.max(np.abs(grad - shared)) <= 1e-12 * np.max(np.abs(grad))


def test_the_sum_task_width_equals_the_reference():
    """H = 64, sequence-to-one, a batch of 32 (the sum preset's shapes: the products in dgemm
    at 32 x 256 x 64 and, over all steps, 256 x 64 x 288)."""
    model = Model(hidden=64)
    fm = FastModel(model)
    theta = model.init(0, scheme="pytorch")
    x, target = _data(model, 10, 32, True, seed=2)
    loss, grad = fm.loss_and_grad(theta, x, target)
    want_loss, want_grad = model.loss_and_grad(theta, x, target)
    assert abs(loss - want_loss) <= 1e-12 * max(1.0, want_loss)
    assert np.max(np.abs(grad - want_grad)) <= 1e-12 * np.max(np.abs(want_grad))


@pytest.mark.parametrize("inputs", [1, 4, 5])
def test_input_weight_gradient_on_both_sides_of_the_own_loop_threshold(inputs):
    """The input weights' gradient takes the own loop (as x^T dz) up to SMALL_M inputs and
    dgemm above; the input part of the forward pass the own loop up to SMALL_K: both sides
    equal the reference to 1e-12."""
    from lstm_gui.core.models.compiled import layer_kernels as lk
    assert lk.SMALL_M == 4 and lk.SMALL_K == 2
    model = Model(hidden=6, inputs=inputs, layers=2)
    fm = FastModel(model)
    theta = model.init(2, low=-0.7, high=0.7)
    x, target = _data(model, 5, 9, False, seed=3)
    loss, grad = fm.loss_and_grad(theta, x, target)
    want_loss, want_grad = model.loss_and_grad(theta, x, target)
    assert abs(loss - want_loss) <= 1e-12 * max(1.0, want_loss)
    assert np.max(np.abs(grad - want_grad)) <= 1e-12 * np.max(np.abs(want_grad))


@pytest.mark.parametrize("layers, inputs, readout, seqs", [(1, 1, True, 200), (2, 3, True, 70),
                                                          (1, 1, None, 5)])
def test_the_lean_lstm_forward_equals_the_reference(layers, inputs, readout, seqs):
    """FastModel.forward of a one-direction vanilla LSTM (the test-set pass) keeps only the
    last step's state, in blocks of 32 sequences (the last one partial here): its outputs
    equal the reference's and the training forward's (the trace) to 1e-12."""
    model = Model(hidden=1 if readout is None else 7, layers=layers, inputs=inputs,
                  readout=readout)
    fm = FastModel(model)
    theta = model.init(6, low=-0.8, high=0.8)
    x, _ = _data(model, 6, seqs, False, seed=4)
    y = fm.forward(theta, x)
    np.testing.assert_allclose(y, model.forward(theta, x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(y, fm.trace(theta, x).y, rtol=0, atol=1e-13)

"""The opt-in float32 kernels (lstm32) against the float64 numpy reference, within float32's
tolerance; the switch (RunConfig.precision, fast_model.kernels_for) and what stays float64.

Small shapes only: the float32 kernels compile on first use (this file's first test pays it
in a cold cache), never in the window's warm-up.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core.models import Model
from lstm_gui.core.models.compiled import layer_kernels
from lstm_gui.core.models.compiled.fast_model import FastModel, float32_supported, kernels_for
from lstm_gui.core.training import compiled_run
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset


def _lstm32():
    from lstm_gui.core.models.compiled import lstm32 as mod
    return mod


CASES = [
    # (hidden, layers, inputs, bias, bidirectional, seq2one, batch): one and two inputs take
    # the kernels' own small-k loops, 3 and 6 sgemm for the input part, 6 also for dW
    (3, 1, 1, True, False, False, 2),
    (4, 2, 3, True, False, True, 5),
    (3, 2, 2, False, True, True, 3),
    (5, 1, 6, True, False, False, 4),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "H{}L{}m{}{}{}{}B{}".format(
    c[0], c[1], c[2], "" if c[3] else "-nobias", "-bi" if c[4] else "", "-s2o" if c[5] else "", c[6]))
def test_float32_loss_and_gradient_agree_with_the_float64_reference(case):
    hidden, layers, inputs, bias, bidi, seq2one, batch = case
    model = Model(hidden=hidden, layers=layers, inputs=inputs, bias=bias, bidirectional=bidi)
    fm = FastModel(model, precision="float32")
    assert fm.kernels is _lstm32()
    theta = model.init(3, low=-0.8, high=0.8)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, batch, inputs))
    target = rng.standard_normal(batch if seq2one else (6, batch))
    loss, grad = fm.loss_and_grad(theta, x, target)
    want_loss, want_grad = model.loss_and_grad(theta, x, target)
    y, want_y = fm.forward(theta, x), model.forward(theta, x)
    assert y.dtype == np.float64 and not np.array_equal(y, want_y)
    np.testing.assert_allclose(y, want_y, rtol=0, atol=1e-5 * np.max(np.abs(want_y)))
    assert loss == pytest.approx(want_loss, rel=1e-5)
    scale = np.max(np.abs(want_grad))
    assert np.max(np.abs(grad - want_grad)) <= 1e-5 * scale
    # ... and it is float32's arithmetic, not float64's (the test would pass on the float64
    # kernels too otherwise)
    assert 1e-10 < abs(loss - want_loss) / want_loss or np.max(np.abs(grad - want_grad)) > 1e-10 * scale


def test_the_float32_exp():
    k = _lstm32()
    z = np.concatenate([np.linspace(-87.0, 88.0, 20001), [0.0, 1e-6, -1e-6]]).astype(np.float32)
    out = np.empty_like(z)
    k._vexp(z, out, np.empty(z.size, dtype=np.int32))
    want = np.exp(z.astype(np.float64))
    assert np.max(np.abs(out - want) / want) < 1.2e-7      # about 1 ulp (measured 8.3e-8)
    special = np.array([np.nan, -np.inf, np.inf, -200.0, 200.0], dtype=np.float32)
    got = np.empty_like(special)
    k._vexp(special, got, np.empty(5, dtype=np.int32))
    assert math.isnan(got[0])
    assert 0.0 < got[1] == got[3] < 1e-37 and np.isfinite(got[2]) and got[2] == got[4] > 1e38


def test_float32_applies_to_the_vanilla_lstm_only():
    assert kernels_for(Model(hidden=4), "float64") is layer_kernels
    assert kernels_for(Model(hidden=4), "float32") is _lstm32()
    for cell in ("gru", "peephole", "cifg", "noaf"):
        assert not float32_supported(Model(cell=cell, hidden=2))
        assert kernels_for(Model(cell=cell, hidden=2), "float32") is layer_kernels
    assert not float32_supported(Model(hidden=2, layers=2, dropout=0.5))
    assert RunConfig().precision == "float64"
    with pytest.raises(ValueError, match="precision must be one of float64, float32"):
        RunConfig(precision="float16")


def small_sum(**kw):
    return replace(for_set_preset(RunConfig(), "sum-of-sequence"),
                   **{"hidden": 4, "batch": 100, "lr": 0.01, **kw})


def _run(cfg, chunks):
    run = TrainingRun(cfg)
    assert compiled_run.trainer_for(run) is compiled_run.model_chunk
    for n in chunks:
        run.train(n)
    return run


def test_a_float32_run_follows_the_float64_run_and_saves_float64():
    r64 = _run(small_sum(), [8])
    r32 = _run(small_sum(precision="float32"), [8])
    assert r32.epoch == r64.epoch == 8
    _, l64, _ = r64.history.arrays()
    _, l32, _ = r32.history.arrays()
    np.testing.assert_allclose(l32, l64, rtol=1e-4)
    assert r32.test_mse() == pytest.approx(r64.test_mse(), rel=1e-4)
    # the test MSE recorded every epoch: 200 held-out sequences in float32 (7 blocks of 32)
    u64, u32 = r64.evaluation.view().unseen_mse, r32.evaluation.view().unseen_mse
    assert len(u32) == len(u64) > 5 and not np.array_equal(u32, u64)
    np.testing.assert_allclose(u32, u64, rtol=1e-4)
    assert not np.array_equal(r32.params, r64.params)       # float32 really computed
    np.testing.assert_allclose(r32.params, r64.params, rtol=0, atol=1e-4)
    assert r32.params.dtype == np.float64
    assert "precision" not in r32.config.to_dict()        # a file holds the model, not this
    # the opt-in does not change the float64 run: the same as a run that never heard of it
    assert np.array_equal(r64.params, _run(replace(small_sum(), precision="float64"), [8]).params)


def test_float32_chunks_resume_bit_identically_and_other_cells_stay_float64():
    cfg = small_sum(precision="float32", hidden=3)
    whole = _run(cfg, [6])
    split = _run(cfg, [1, 2, 3])
    assert np.array_equal(whole.params, split.params)
    assert np.array_equal(whole.history.arrays()[1], split.history.arrays()[1])
    gru = small_sum(cell="gru", hidden=3)
    assert np.array_equal(_run(gru, [3]).params, _run(replace(gru, precision="float32"), [3]).params)


def test_the_float32_tutorial_stops_at_its_target():
    cfg = replace(for_set_preset(RunConfig(), "torch-sin-cos"), hidden=4, target_mse=0.05)
    r64 = _run(cfg, [3000])
    r32 = _run(replace(cfg, precision="float32"), [3000])
    assert r32.stop_reason == r64.stop_reason == "target"
    assert abs(r32.epoch - r64.epoch) <= max(3, r64.epoch // 50)


def test_fast_model_train_in_float32_follows_float64():
    model = Model(hidden=3)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 12, 1))
    target = x.sum(axis=0)[:, 0]
    theta = model.init(0, scheme="pytorch")
    perms = FastModel.permutations(12, 4, np.random.default_rng(0))
    t64, l64, s64 = FastModel(model).train(theta, x, target, 4, batch=5, lr=0.01, perms=perms)
    t32, l32, s32 = FastModel(model, "float32").train(theta, x, target, 4, batch=5, lr=0.01,
                                                      perms=perms)
    np.testing.assert_allclose(l32, l64, rtol=1e-5)
    np.testing.assert_allclose(t32, t64, rtol=0, atol=1e-5)
    assert s32["step"][0] == s64["step"][0] == 12


def test_a_float32_overflow_stops_with_the_last_finite_parameters():
    # float32 ends at 3.4e38: a readout of 1e30 gives dE/dh of 1e60 in float32 (inf), which
    # float64 carries on with; the run stops, as on any non-finite step, keeping theta
    model = Model(hidden=3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 6, 1))
    theta = model.init(0) * 1e30
    t32, l32, _ = FastModel(model, "float32").train(theta, x, x.sum(axis=0)[:, 0], 3, batch=3)
    assert len(l32) == 0 and np.array_equal(t32, theta)
    _, l64, _ = FastModel(model).train(theta, x, x.sum(axis=0)[:, 0], 3, batch=3)
    assert len(l64) == 3


def test_the_float32_kernels_are_made_by_the_blas_keyed_decorator():
    # a kernel cached with sgemm and loaded where OpenBLAS is absent would call a missing
    # symbol (test_blas_cache.py): lstm32's own kernels carry kernel_with's cache key
    from numba.core.registry import CPUDispatcher

    from lstm_gui.core.models.compiled import _blas
    own = [v for v in vars(_lstm32()).values()
           if isinstance(v, CPUDispatcher) and v.py_func.__module__ == _lstm32().__name__]
    assert len(own) > 10
    assert all(any(k is made for made in _blas.MADE) for k in own)


@pytest.mark.parametrize("ta", [False, True])
def test_the_float32_products_against_numpy(ta):
    # _gemm (sgemm, or the own loop for k <= 2) and the own loop alone (where OpenBLAS is
    # absent), with offsets and row strides, as layer_kernels' tests check the float64 ones
    k32 = _lstm32()
    rng = np.random.default_rng(4)
    for m, n, k in [(5, 7, 1), (6, 9, 2), (9, 5, 3), (4, 8, 17)]:
        a = rng.standard_normal(3 + 40 * 40).astype(np.float32)
        b = rng.standard_normal(2 + 40 * 40).astype(np.float32)
        lda, ldb, ldc = 40, 40, 12
        A = a[3:3 + (k if ta else m) * lda].reshape(-1, lda)[:, :(m if ta else k)]
        opA = A.T if ta else A
        B_ = b[2:2 + k * ldb].reshape(k, ldb)[:, :n]
        for fn in (k32._gemm, k32._gemm_own):
            c = np.ones(5 + m * ldc, dtype=np.float32)
            fn(ta, m, n, k, a, 3, lda, b, 2, ldb, c, 5, ldc)
            got = c[5:5 + m * ldc].reshape(m, ldc)
            np.testing.assert_allclose(got[:, :n], 1.0 + opA.astype(float) @ B_.astype(float),
                                       rtol=1e-5, atol=1e-5)
            assert np.all(got[:, n:] == 1.0) and np.all(c[:5] == 1.0)

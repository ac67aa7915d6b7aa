"""A model's run on the fused kernel (layer_kernels.train_run through compiled_run.model_chunk)
equals the same run epoch by epoch on the numpy reference: mini-batch orders, optimizers with
clipping, momentum and frozen parameters, stop rules, history, divergence."""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core.models import compiled
from lstm_gui.core.training import compiled_run
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset
from lstm_gui.core.training.tasks import from_arrays, preset


def small_sum(**kw):
    base = for_set_preset(RunConfig(), "sum-of-sequence")
    return replace(base, **{"hidden": 3, "batch": 150, "lr": 0.01, **kw})


def _both(cfg, epochs, chunks=(None,)):
    runs = {}
    for kernel in ("numpy", "compiled"):
        compiled.use(kernel)
        try:
            run = TrainingRun(cfg)
            assert (compiled_run.trainer_for(run) is compiled_run.model_chunk) == (kernel == "compiled")
            reason = None
            for n in chunks:
                reason = run.train(epochs if n is None else n)
            runs[kernel] = (run, reason)
        finally:
            compiled.use(None)
    return runs["numpy"], runs["compiled"]


@pytest.mark.parametrize("cfg", [
    small_sum(optimizer="adam", clip=0.5, frozen=(0, 3, 7)),
    small_sum(optimizer="momentum", cell="gru", units=2, batch=400),
    small_sum(optimizer="sgd", cell="peephole", batch=1000, plateau=2),
    replace(RunConfig(task=preset("sin-cos"), hidden=4, optimizer="adam", lr=0.01), epochs=30,
            target_mse=0.3),
], ids=["adam-clip-frozen", "momentum-gru-2-layers", "sgd-whole-batch-plateau", "waveform-target"])
def test_fused_run_equals_the_numpy_run(cfg):
    (ref, r_reason), (fast, f_reason) = _both(cfg, 6 if cfg.task.is_set else 40)
    assert (fast.epoch, f_reason, fast.stop_reason) == (ref.epoch, r_reason, ref.stop_reason)
    np.testing.assert_allclose(fast.params, ref.params, rtol=1e-12, atol=1e-13)
    assert fast.mse == pytest.approx(ref.mse, rel=1e-12)
    e_ref, l_ref, p_ref = ref.history.arrays()
    e_fast, l_fast, p_fast = fast.history.arrays()
    np.testing.assert_array_equal(e_fast, e_ref)
    np.testing.assert_allclose(l_fast, l_ref, rtol=1e-12)
    np.testing.assert_allclose(p_fast, p_ref, rtol=1e-12, atol=1e-13)
    assert fast.best_mse == pytest.approx(ref.best_mse, rel=1e-12)
    assert fast._best_epoch == ref._best_epoch
    for name in ("m", "v", "velocity"):
        a, b = getattr(fast.optimizer, name, None), getattr(ref.optimizer, name, None)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-16)
    for f in cfg.frozen:
        assert fast.params[f] == fast.initial_params[f]
    # the evaluation recorded the same epochs
    np.testing.assert_array_equal(fast.evaluation.view()[0], ref.evaluation.view()[0])
    # the shuffle generator stands where the epoch-by-epoch run left it
    assert fast.trainer.state_dict() == ref.trainer.state_dict()


def test_fused_chunks_split_anywhere_are_bit_identical_and_resume():
    cfg = small_sum(optimizer="adam", cell="gru")
    compiled.use("compiled")
    try:
        straight = TrainingRun(cfg)
        straight.train(5)
        split = TrainingRun(cfg)
        for n in (1, 2, 2):
            split.train(n)
        first = TrainingRun(cfg)
        first.train(3)
        resumed = TrainingRun.restore(first.config, first.params.copy(), first.state_dict())
        resumed.train(2)
    finally:
        compiled.use(None)
    for run in (split, resumed):
        np.testing.assert_array_equal(run.params, straight.params)
        assert run.mse == straight.mse and run.epoch == 5


def test_divergence_keeps_what_the_numpy_run_keeps():
    """A sequence whose loss overflows, met mid-epoch: the batches before it stay applied."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(80)
    target = x.copy()
    target[45:50] = 1e200          # sequence 9 of 16: its squared error is inf
    task = from_arrays(x, target, "huge.csv", sequences=16)
    cfg = RunConfig(task=task, hidden=2, batch=3, optimizer="momentum", lr=0.01, epochs=5)
    (ref, r_reason), (fast, f_reason) = _both(cfg, 5)
    assert r_reason == f_reason == "diverged" and fast.epoch == ref.epoch == 0
    assert not np.array_equal(fast.params, fast.initial_params)
    np.testing.assert_allclose(fast.params, ref.params, rtol=1e-12)
    np.testing.assert_allclose(fast.optimizer.velocity, ref.optimizer.velocity, rtol=1e-12)
    assert fast.trainer.state_dict() == ref.trainer.state_dict()


def test_should_continue_is_asked_between_chunks():
    cfg = small_sum(epochs=0)
    compiled.use("compiled")
    try:
        run = TrainingRun(cfg)
        asked = []
        run.train(4, lambda: asked.append(1) or len(asked) < 3)
    finally:
        compiled.use(None)
    assert run.epoch == 2 and len(asked) == 3

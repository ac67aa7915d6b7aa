"""A snapshot is taken in two parts (issue 21's speed): copies under the run's lock
(TrainingRun.snapshot_job), forward passes after (SnapshotJob.compute), on the compiled kernel
when it computes the model.  What it shows must not change."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lstm_gui.core.models import compiled
from lstm_gui.core.training import compiled_run, model_training
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def _gru_run(**kw):
    return TrainingRun(RunConfig(task=preset("sin-cos", length=40), cell="gru", hidden=16,
                                 units=2, epochs=0, **kw))


@pytest.mark.parametrize("kernel", ["numpy", "compiled"])
def test_the_snapshots_trace_equals_the_numpy_references(kernel):
    compiled.use(kernel)
    try:
        run = _gru_run()
        run.train(3)
        snap = run.snapshot()
    finally:
        compiled.use(None)
    want = run.model.trace(run.params, run.x[:, None, None])
    assert list(snap.trace.states) == list(want.states)
    for name in want.states:
        np.testing.assert_allclose(snap.trace.states[name], want.states[name], rtol=1e-12,
                                   atol=1e-12, err_msg=name)
    np.testing.assert_allclose(snap.trace.y, want.y, rtol=1e-12, atol=1e-12)


def test_a_model_with_dropout_traces_as_the_same_model_without():
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="lstm", hidden=4,
                                units=2, dropout=0.3, epochs=0))
    compiled.use("compiled")
    try:
        got = model_training.trace(run.model, run.params, run.x[:, None, None])
    finally:
        compiled.use(None)
    want = run.model.trace(run.params, run.x[:, None, None])
    for name in want.states:
        np.testing.assert_allclose(got.states[name], want.states[name], rtol=1e-12, atol=1e-12)


def test_a_job_computed_after_the_run_trained_on_shows_the_state_it_was_taken_at():
    run = _gru_run()
    run.train(2)
    job = run.snapshot_job(span=3)
    before = run.snapshot(span=3)
    run.train(5)                       # what the training thread does once the lock is free
    snap = job.compute()
    assert snap.epoch == before.epoch == 2 and snap.revision == before.revision < run.revision
    np.testing.assert_array_equal(snap.params, before.params)
    assert not np.array_equal(snap.params, run.params)
    for name in before.trace.states:
        np.testing.assert_array_equal(snap.trace.states[name], before.trace.states[name])
    assert snap.test_mse == before.test_mse and snap.mse == before.mse
    np.testing.assert_array_equal(snap.span.h, before.span.h)


def test_a_replayed_epochs_job_computes_its_own_mse():
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), epochs=0))
    run.train(10)
    job = run.snapshot_job(replay=4)
    assert job.mse is None and job.epoch == 4
    snap = job.compute()
    stored = run.history.arrays()[2][list(run.history.arrays()[0]).index(4)]
    assert snap.mse == pytest.approx(TrainingRun._mse_at(run, stored), rel=1e-12)


# ---------------------------------------------------------------- compiled chunks of epochs

def _fused(run) -> bool:
    return compiled_run.trainer_for(run) is compiled_run.model_chunk


def _runs(cfg, splits, monkeypatch):
    """The same config trained epoch by epoch (the compiled gradient per mini-batch, the
    optimizer in numpy), in the fused kernel's chunks of `splits` (calls of train(), as the
    window's pauses cut them), and in the fused kernel in one call."""
    with monkeypatch.context() as m:
        m.setattr(compiled_run, "model_supported", lambda run: False)   # epoch by epoch, forced
        one_by_one = TrainingRun(cfg)
        assert not _fused(one_by_one)
        one_by_one.train(sum(splits))
    chunked, whole = TrainingRun(cfg), TrainingRun(cfg)
    assert _fused(chunked) and _fused(whole)
    for n in splits:
        chunked.train(n)
    whole.train(sum(splits))
    return one_by_one, chunked, whole


@pytest.mark.parametrize("optimizer, lr, batch", [("adam", 0.01, 0), ("sgd", 0.1, 0),
                                                  ("adam", 0.01, 2)])
def test_compiled_chunks_cut_anywhere_are_bit_for_bit_and_equal_the_epochs_one_by_one(
        optimizer, lr, batch, monkeypatch):
    from lstm_gui.core.training.datasets import SET_PRESETS  # noqa: F401 (the set presets)
    from lstm_gui.core.training.run import for_set_preset
    compiled.use("compiled")
    try:
        cfg = RunConfig(cell="gru", hidden=16, units=2, optimizer=optimizer, lr=lr, epochs=0)
        if batch:   # a task of 5 sequences in shuffled mini-batches
            cfg = for_set_preset(cfg, "torch-sin-cos")
            from dataclasses import replace
            cfg = replace(cfg, batch=batch, target_mse=0.0, epochs=0, hidden=16)
        else:
            # One sequence: a matrix of one row, whose stride BLAS once refused (DGEMM
            # "parameter number 8 had an illegal value", nothing computed).
            cfg = cfg.with_field("task.length", 40)
        # 160 epochs: the train/test record due at 150 ends a chunk
        a, b, c = _runs(cfg, [3, 60, 97], monkeypatch)
    finally:
        compiled.use(None)
    assert a.epoch == b.epoch == c.epoch == 160
    # Cut anywhere, the fused kernel's run is the same to the last bit ...
    np.testing.assert_array_equal(b.params, c.params)
    np.testing.assert_array_equal(b.history.arrays()[1], c.history.arrays()[1])
    assert b.optimizer.state_dict() == c.optimizer.state_dict()
    assert b.mse == c.mse and b.best_mse == c.best_mse
    np.testing.assert_array_equal(b.evaluation.view().unseen_mse, c.evaluation.view().unseen_mse)
    assert b.trainer.shuffle_rng.bit_generator.state == c.trainer.shuffle_rng.bit_generator.state
    # ... and the epochs one by one agree to rounding (the update's operations in another order).
    np.testing.assert_allclose(b.params, a.params, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(b.history.arrays()[1], a.history.arrays()[1], rtol=1e-9)
    assert a.trainer.shuffle_rng.bit_generator.state == b.trainer.shuffle_rng.bit_generator.state


def test_a_budget_stops_compiled_chunks_exactly_and_stop_rules_take_them_too():
    compiled.use("compiled")
    try:
        run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="gru", hidden=16,
                                    epochs=25))
        assert _fused(run)
        assert run.train(100) == "budget" and run.epoch == 25
        # The fused kernel checks the stop rules and applies momentum itself.
        assert _fused(TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="gru",
                                            hidden=16, target_mse=1e-3)))
        assert _fused(TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="gru",
                                            hidden=16, optimizer="momentum")))
    finally:
        compiled.use(None)


EPOCH_ZERO = {"unit": {}, "gru": dict(cell="gru", hidden=4, units=2),
              "sum": dict(task=preset("sum-of-sequence"))}


@pytest.mark.parametrize("name", EPOCH_ZERO)
def test_a_fresh_runs_snapshot_has_the_models_mse_at_its_initial_parameters(name):
    """Not NaN (printed "nan" wherever it was shown): computed by the job, as a replay's."""
    run = TrainingRun(RunConfig(**EPOCH_ZERO[name]))
    snap = run.snapshot()
    assert snap.epoch == 0 and math.isfinite(snap.mse), snap.mse
    assert snap.mse == pytest.approx(run.current_mse(), rel=1e-12)


def test_the_unit_at_epoch_0_shows_where_its_curve_starts():
    """The history's MSE of epoch 1 is the loss before that epoch's update: the MSE shown at
    epoch 0 (the unit trains on the whole sequence at once)."""
    run = TrainingRun(RunConfig())
    at_zero = run.snapshot().mse
    run.train(1)
    assert run.history.arrays()[1][0] == pytest.approx(at_zero, rel=1e-12)

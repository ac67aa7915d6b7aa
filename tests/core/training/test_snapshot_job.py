"""A snapshot is taken in two parts (issue 21's speed): copies under the run's lock
(TrainingRun.snapshot_job), forward passes after (SnapshotJob.compute), on the compiled kernel
when it computes the model.  What it shows must not change."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_gui.core.models import compiled
from lstm_gui.core.training import model_training
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

"""Free-running prediction (issue 17): the model fed its own output."""
import numpy as np
import pytest

from lstm_gui.core.analysis.freerun import _Chain, free_run, free_run_snapshot, free_run_task
from lstm_gui.core.models import unit
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


@pytest.mark.parametrize("units", [1, 3])
@pytest.mark.parametrize("delay", [0, 1])
def test_stepping_matches_the_forward_pass_when_shown_the_input(units, delay):
    rng = np.random.default_rng(5)
    params, x = rng.uniform(-1, 1, (units, 12)), rng.uniform(-1, 1, 40)
    chain = _Chain(params, delay)
    h = [chain.step(v) for v in x.tolist()]
    np.testing.assert_allclose(h, unit.forward(params, x, delay).h, atol=1e-12)


def test_free_run_feeds_back_its_own_output():
    rng = np.random.default_rng(2)
    params, x = rng.uniform(-1, 1, 12), rng.uniform(-0.5, 0.5, 30)
    fr = free_run(params, x, np.zeros(10))
    # Shown x then its own guesses, the forward pass gives the same guesses one step later.
    h = unit.forward(params, np.concatenate([x, fr.predicted])).h
    np.testing.assert_allclose(fr.predicted, h[len(x) - 1:-1], atol=1e-12)


def test_steps_within_counts_from_the_start_until_the_first_miss():
    params = np.zeros(12)      # h = 0 always: c_tilde = tanh(0) = 0
    truth = np.array([0.05, -0.05, 0.2, 0.0])
    fr = free_run(params, np.ones(5), truth, tolerance=0.1)
    assert fr.predicted.tolist() == [0.0] * 4
    assert fr.steps_within == 2


def test_a_trained_chain_runs_on_the_waveform_longer_than_an_untrained_one():
    task = preset("next-step")
    run = TrainingRun(RunConfig(task=task, units=2, lr=0.02, seed=0))
    untrained = free_run_task(run.params, task)
    run.train(3000)
    trained = free_run_task(run.params, task, run.config.delay)
    assert trained.truth.shape == trained.predicted.shape == (2 * task.length,)
    np.testing.assert_allclose(trained.truth, task.extended(3).sequences()[0][task.length:])
    assert trained.steps_within >= 5 > untrained.steps_within


def test_free_run_of_a_snapshot_uses_its_params_task_and_delay():
    run = TrainingRun(RunConfig(task=preset("next-step"), delay=1, seed=3))
    run.train(20)
    snap = run.snapshot()
    got = free_run_snapshot(snap)
    want = free_run_task(run.params, run.config.task, 1)
    np.testing.assert_array_equal(got.predicted, want.predicted)

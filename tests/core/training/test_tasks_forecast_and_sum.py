"""The tasks of issue 17: running-sum and next-step."""
import numpy as np
import pytest

from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import PRESETS, RUNNING_SUM_BOUND, preset


def test_running_sum_target_is_the_scaled_running_sum_of_its_input():
    x, t = preset("running-sum").sequences()
    ratio = t / np.cumsum(x)
    np.testing.assert_allclose(ratio, ratio[0])
    assert np.max(np.abs(t)) == pytest.approx(RUNNING_SUM_BOUND)
    assert np.max(np.abs(x)) <= PRESETS["running-sum"].amplitude


def test_running_sum_depends_on_its_seed_only():
    a, b = preset("running-sum", seed=1), preset("running-sum", seed=2)
    assert not np.array_equal(a.sequences()[0], b.sequences()[0])
    np.testing.assert_array_equal(a.sequences()[0], preset("running-sum", seed=1).sequences()[0])


@pytest.mark.parametrize("key", ["running-sum", "next-step"])
def test_extended_task_continues_the_training_sequence(key):
    task = preset(key)
    x, t = task.sequences()
    x3, t3 = task.extended(3).sequences()
    assert x3.shape == (3 * task.length,)
    np.testing.assert_allclose(x3[: task.length], x, atol=1e-12)
    np.testing.assert_allclose(t3[: task.length], t, atol=1e-12)


def test_next_step_target_is_the_input_one_step_later():
    x, t = preset("next-step").sequences()
    np.testing.assert_array_equal(t[:-1], x[1:])
    x3, _ = preset("next-step").extended(3).sequences()
    assert t[-1] == pytest.approx(x3[len(x)])


def test_next_step_reaches_mse_below_001_within_3000_epochs_with_default_settings():
    run = TrainingRun(RunConfig(task=preset("next-step"), epochs=3000))
    run.train(3000)
    assert run.current_mse() < 0.01


def test_running_sum_is_learned_by_keeping_the_forget_gate_open():
    run = TrainingRun(RunConfig(task=preset("running-sum"), epochs=PRESETS["running-sum"].epochs))
    before = run.snapshot().trace.f.mean()
    run.train(run.config.epochs)
    snap = run.snapshot()
    assert run.current_mse() < 0.01
    assert snap.trace.f.mean() > 0.9 > before

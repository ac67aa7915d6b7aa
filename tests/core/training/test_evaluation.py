"""Train/test over epochs (issue 17): unseen and clean-target MSE recorded as the run trains."""
import numpy as np
import pytest

from lstm_gui.core.models import compiled, unit
from lstm_gui.core.training.evaluation import MIN_EVERY, EvalHistory, interval
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import from_arrays, preset


def test_interval_is_one_percent_of_the_budget_but_never_below_the_minimum():
    assert interval(0) == MIN_EVERY
    assert interval(3000) == MIN_EVERY
    assert interval(100_000) == 1000 and interval(20_000) == max(MIN_EVERY, 200)


def test_the_run_records_the_unseen_mse_every_interval():
    run = TrainingRun(RunConfig(epochs=5000))
    run.train(2 * MIN_EVERY)
    ev = run.snapshot().evaluation
    assert ev.epochs.tolist() == [MIN_EVERY, 2 * MIN_EVERY]
    assert ev.unseen_mse[-1] == pytest.approx(run.generalisation(3).unseen_mse, rel=1e-12)
    assert np.isnan(ev.clean_mse).all()      # no noise: nothing to compare against


@pytest.mark.parametrize("mode", ["target", "input", "both"])
def test_noise_runs_record_the_mse_against_the_clean_target(mode):
    run = TrainingRun(RunConfig(noise=Noise(mode, 0.2), seed=4))
    run.train(MIN_EVERY)
    ev = run.snapshot().evaluation
    h = unit.forward(run.params, run.clean_x, 0).h
    assert ev.clean_mse[-1] == pytest.approx(np.mean((h - run.clean_target) ** 2), rel=1e-9)
    trained_on = np.mean((unit.forward(run.params, run.x, 0).h - run.target) ** 2)
    assert trained_on != pytest.approx(ev.clean_mse[-1])


def test_target_noise_sets_a_floor_under_the_training_mse_but_not_the_clean_one():
    run = TrainingRun(RunConfig(noise=Noise("target", 0.2), seed=1, epochs=1500))
    run.train(1500)
    ev = run.snapshot().evaluation
    # Uniform noise in [-0.2, 0.2] has variance 0.2**2 / 3.
    assert run.current_mse() > 0.5 * 0.2 ** 2 / 3 > ev.clean_mse[-1]


def test_a_csv_task_has_no_unseen_part():
    x, t = preset("sin-cos").sequences()
    run = TrainingRun(RunConfig(task=from_arrays(x, t)))
    run.train(MIN_EVERY)
    assert np.isnan(run.snapshot().evaluation.unseen_mse).all()


def test_memory_is_bounded_by_thinning_to_even_spacing():
    cfg = RunConfig()
    ev = EvalHistory(cfg, *cfg.task.sequences(), every=1, capacity=8)
    params = np.zeros((1, 12))
    for epoch in range(1, 101):
        if ev.due(epoch):
            ev.record(epoch, params)
    view = ev.view()
    assert len(view.epochs) <= 8
    assert np.all(np.diff(view.epochs) == ev.every) and view.epochs[0] == ev.every


def test_reset_empties_the_record():
    run = TrainingRun(RunConfig())
    run.train(MIN_EVERY)
    run.reset()
    assert len(run.snapshot().evaluation.epochs) == 0


@pytest.fixture
def kernel():
    yield compiled.use
    compiled.use(None)


@pytest.mark.parametrize("units, delay", [(1, 0), (2, 1)])
def test_the_compiled_and_numpy_paths_record_the_same_evaluation(kernel, units, delay):
    views = []
    for name in ("numpy", "compiled"):
        kernel(name)
        run = TrainingRun(RunConfig(units=units, delay=delay, noise=Noise("input", 0.1), seed=2))
        run.train(3 * MIN_EVERY + 7)
        views.append(run.snapshot().evaluation)
    numpy_view, compiled_view = views
    assert numpy_view.epochs.tolist() == compiled_view.epochs.tolist() == [MIN_EVERY * k for k in (1, 2, 3)]
    # The compiled kernel computes tanh from exp: the same to rounding, which 300 epochs of
    # training grow to about 1e-8 relative.
    np.testing.assert_allclose(compiled_view.unseen_mse, numpy_view.unseen_mse, rtol=1e-6)
    np.testing.assert_allclose(compiled_view.clean_mse, numpy_view.clean_mse, rtol=1e-6)


def test_a_dataset_run_keeps_its_test_mse_in_the_same_bounded_store():
    """SetEval (many sequences) records through the one store EvalHistory keeps: the same
    thinning, and each row is model_training.held_out_mse at that epoch's parameters."""
    from lstm_gui.core.models import Model
    from lstm_gui.core.training.datasets import torch_sin_cos
    from lstm_gui.core.training.evaluation import EvalRecords
    from lstm_gui.core.training.model_training import SetEval, held_out_mse
    cfg = RunConfig(epochs=100)
    model, data = Model(hidden=2, readout=1), torch_sin_cos()
    ev = SetEval(cfg, model, data, capacity=8)
    assert isinstance(ev, EvalRecords) and ev.every == 1
    thetas = {epoch: model.init(epoch) for epoch in range(1, 41)}
    for epoch, theta in thetas.items():
        if ev.due(epoch):
            ev.record(epoch, theta)
    view = ev.view()
    assert len(view.epochs) <= 8 and np.all(np.diff(view.epochs) == ev.every) and ev.every > 1
    assert [held_out_mse(model, thetas[int(e)], data) for e in view.epochs] == list(view.unseen_mse)
    assert np.isnan(view.clean_mse).all()

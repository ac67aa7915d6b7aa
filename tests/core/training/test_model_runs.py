"""Runs of models other than the unit: mini-batches, reproducibility, resumption, test MSE."""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core.training import model_training
from lstm_gui.core.training.datasets import epoch_batches
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset
from lstm_gui.core.training.tasks import from_arrays


def small_sum(**kw):
    """The sum task, cut down to stay fast: H = 4, batch 100 (10 batches an epoch)."""
    base = for_set_preset(RunConfig(), "sum-of-sequence")
    return replace(base, **{"hidden": 4, "batch": 100, "lr": 0.01, **kw})


def test_the_default_config_is_the_unit_on_its_own_path():
    run = TrainingRun(RunConfig())
    assert RunConfig().is_unit and run.model is None and run.params.shape == (1, 12)
    assert not replace(RunConfig(), hidden=2).is_unit
    assert RunConfig().model().size == 12


def test_a_preset_takes_its_sources_settings():
    c = for_set_preset(RunConfig(), "torch-sin-cos")
    assert (c.hidden, c.lr, c.batch_size, c.epochs, c.target_mse, c.optimizer) == (
        16, 1e-2, 5, 10_000, 1e-4, "adam")
    assert c.model().readout and not c.is_unit
    assert RunConfig().with_field("task.key", "sum-of-sequence").batch_size == 32


def test_each_epoch_visits_every_training_sequence_in_the_seeded_order(monkeypatch):
    seen = []
    real = model_training.epoch_batches

    def spy(rng, n, batch):
        out = real(rng, n, batch)
        seen.append(np.concatenate(out))
        return out
    monkeypatch.setattr(model_training, "epoch_batches", spy)
    run = TrainingRun(small_sum(seed=5))
    run.train(3)
    assert len(seen) == 3
    for order in seen:
        assert sorted(order.tolist()) == list(range(1000))
    assert not np.array_equal(seen[0], seen[1])
    # The orders are the run's shuffle stream: the fourth spawned child of the seed.
    rng = np.random.default_rng(np.random.SeedSequence(5).spawn(4)[2])
    for order in seen:
        np.testing.assert_array_equal(order, np.concatenate(epoch_batches(rng, 1000, 100)))


def test_same_seed_same_bits_other_seed_other_model():
    a, b, c = (TrainingRun(small_sum(seed=s)) for s in (1, 1, 2))
    for r in (a, b, c):
        r.train(2)
    np.testing.assert_array_equal(a.params, b.params)
    assert a.mse == b.mse and not np.array_equal(a.params, c.params)


@pytest.mark.parametrize("cfg", [
    dict(cell="gru", hidden=6, units=2, batch=250),
    dict(cell="lstm", hidden=5, units=2, dropout=0.3, batch=300),
])
def test_resume_mid_run_is_bit_identical(cfg):
    straight = TrainingRun(small_sum(**cfg))
    straight.train(4)
    first = TrainingRun(small_sum(**cfg))
    first.train(2)
    resumed = TrainingRun.restore(first.config, first.params.copy(), first.state_dict())
    resumed.train(2)
    np.testing.assert_array_equal(resumed.params, straight.params)
    assert resumed.mse == straight.mse and resumed.epoch == 4


def test_every_run_reports_train_and_test_mse():
    run = TrainingRun(small_sum())
    run.train(1)
    snap = run.snapshot()
    assert np.isfinite(snap.mse) and np.isfinite(snap.test_mse)
    # The test MSE is the held-out sequences' own.
    y = run.model.forward(run.params, np.transpose(run.data.x_test, (1, 0, 2)))
    assert snap.test_mse == pytest.approx(np.mean((y[-1] - run.data.y_test) ** 2), rel=1e-12)
    assert len(snap.evaluation.epochs) == 1
    unit = TrainingRun(RunConfig(epochs=10))
    unit.train(10)
    assert unit.snapshot().test_mse == unit.generalisation(3).unseen_mse


def test_a_wide_model_on_a_waveform_learns_and_tests_on_the_continuation():
    run = TrainingRun(RunConfig(hidden=8, init="pytorch", lr=0.02))
    first = run.current_mse()
    run.train(150)
    assert run.current_mse() < first / 4
    assert np.isfinite(run.test_mse())


def test_seq_to_one_gradient_matches_central_differences():
    model = small_sum(hidden=3).model()
    rng = np.random.default_rng(0)
    theta = model.init(rng, "pytorch")
    x = rng.standard_normal((10, 4, 1))
    target = x[:, :, 0].sum(axis=0)
    _, grad = model.loss_and_grad(theta, x, target)
    eps = 1e-6
    for k in range(0, model.size, 7):
        up, down = theta.copy(), theta.copy()
        up[k] += eps
        down[k] -= eps
        fd = (model.loss_and_grad(up, x, target)[0] - model.loss_and_grad(down, x, target)[0]) / (2 * eps)
        assert fd == pytest.approx(grad[k], rel=1e-6, abs=1e-9)


def test_csv_sets_with_several_inputs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((60, 2))
    task = from_arrays(x, x[:, 0] - x[:, 1], "two.csv", sequences=6, test=2)
    cfg = RunConfig(task=task, hidden=3, epochs=5)
    run = TrainingRun(cfg)
    assert run.model.inputs == 2 and run.data.x_train.shape == (4, 10, 2)
    run.train(5)
    assert np.isfinite(run.test_mse())


def test_noise_and_the_lstmlib_rule_are_refused_where_they_mean_nothing():
    with pytest.raises(ValueError, match="noise"):
        replace(small_sum(), noise=replace(RunConfig().noise, mode="target"))
    with pytest.raises(ValueError, match="lstmlib"):
        RunConfig(hidden=2, gradient="lstmlib", delay=1)
    with pytest.raises(ValueError, match="forget"):
        RunConfig(cell="gru", forget_bias=1.0)


def test_limits_count_hidden_layers_batch_and_sequences():
    from lstm_gui.core import limits
    with pytest.raises(ValueError, match="parameters; the limit is 200,000"):
        RunConfig(hidden=512, units=2)
    # 64 units x 2 directions x 16 layers over the 1 200 sum sequences fits; the same over
    # a million-step waveform does not.
    assert limits.model_training_bytes(64, 1, 1, 10, 32, 1000, 1) < limits.MAX_TRAIN_BYTES
    with pytest.raises(ValueError, match="GiB to train"):
        RunConfig(task=replace(RunConfig().task, length=200_000, cycles=5.0), hidden=64)
    more = limits.model_training_bytes(16, 2, 2, 100, 64, 1000, 3)
    assert more > limits.model_training_bytes(16, 2, 2, 100, 64, 500, 3)
    assert more > limits.model_training_bytes(16, 1, 2, 100, 64, 1000, 3)

from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core.training.history import History, column_names
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import BUDGET, DIVERGED, PLATEAU, TARGET, RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def test_same_seed_same_bits_however_the_epochs_are_split():
    a = TrainingRun(RunConfig(seed=3, epochs=0))
    a.train(1000)
    b = TrainingRun(RunConfig(seed=3, epochs=0))
    b.train(400)
    b.train(600)
    assert a.params.tobytes() == b.params.tobytes()
    c = TrainingRun(RunConfig(seed=4, epochs=0))
    c.train(1000)
    assert not np.array_equal(a.params, c.params)


def test_reset_returns_to_the_initial_parameters_and_reinit_draws_new_ones():
    run = TrainingRun(RunConfig(seed=1))
    start = run.params.copy()
    run.train(50)
    assert not np.array_equal(run.params, start)
    run.reset()
    assert run.epoch == 0 and np.array_equal(run.params, start) and len(run.history) == 0
    run.reset(reseed=2)
    assert run.config.seed == 2 and not np.array_equal(run.params, start)


def test_learning_rate_and_optimizer_change_mid_run_without_reset():
    run = TrainingRun(RunConfig(epochs=0))
    run.train(20)
    p = run.params.copy()
    assert run.configure(replace(run.config, lr=0.01)) is False
    assert run.epoch == 20 and np.array_equal(run.params, p) and run.optimizer.lr == 0.01
    assert run.configure(replace(run.config, optimizer="sgd")) is False
    assert run.optimizer.name == "sgd" and run.events[-1][0] == 20
    assert run.configure(replace(run.config, task=preset("square-cos"))) is True
    assert run.epoch == 0


def test_stop_criteria():
    run = TrainingRun(RunConfig(epochs=30))
    assert run.train(100) == BUDGET and run.epoch == 30
    run = TrainingRun(RunConfig(epochs=0, target_mse=0.05))
    assert run.train(5000) == TARGET and run.mse <= 0.05
    run = TrainingRun(RunConfig(epochs=0, optimizer="sgd", lr=1e-9, plateau=50))
    assert run.train(5000) == PLATEAU and run.epoch < 200


def test_divergence_stops_and_keeps_the_last_finite_parameters(monkeypatch):
    # The numpy path: the patched function below is its (test_compiled.py has the kernel's).
    monkeypatch.setenv("LSTM_GUI_KERNEL", "numpy")
    run = TrainingRun(RunConfig(epochs=0))
    run.train(10)
    good = run.params.copy()
    from lstm_gui.core.models import unit
    monkeypatch.setattr(unit, "model_loss_and_grad",
                        lambda p, x, t, d: (np.nan, np.full_like(p, np.nan)))
    assert run.train(10) == DIVERGED
    assert np.array_equal(run.params, good) and run.epoch == 10 and run.stop_reason == DIVERGED


@pytest.mark.parametrize("kernel", ["numpy", "compiled"])
@pytest.mark.parametrize("seed", range(5))
def test_defaults_beat_the_c_library_on_sine_to_cosine(seed, kernel, monkeypatch):
    # Adam lr 0.05 by default; the C library reached 0.0063-0.0114 after 100 000 epochs.
    # The best MSE, not the last: Adam at lr 0.05 has brief spikes whose timing hangs on the
    # last bits (epoch 1000 of seed 0 is 0.0085 on the numpy path, 0.0026 compiled; seed 2
    # compiled is mid-spike there at 0.017, the numpy path 0.0017).
    monkeypatch.setenv("LSTM_GUI_KERNEL", kernel)
    run = TrainingRun(RunConfig(seed=seed, epochs=0))
    run.train(1000)
    assert run.best_mse <= 0.0114


def test_defaults_reach_1e_3_for_four_of_five_seeds():
    finals = []
    for seed in range(5):
        run = TrainingRun(RunConfig(seed=seed, epochs=0))
        run.train(5000)
        finals.append(run.mse)
    assert sum(m <= 0.001 for m in finals) >= 4, finals


def test_plain_descent_falls_smoothly_like_the_c_library():
    run = TrainingRun(RunConfig(task=preset("trajectories"), optimizer="sgd", lr=0.01, epochs=0))
    run.train(2000)
    _, mse, params = run.history.arrays()
    assert mse[-1] < mse[0]
    assert np.all(np.diff(mse) <= 1e-12)  # monotone at this step size
    assert np.max(np.abs(np.diff(params, axis=0))) < 0.01  # no jumps


def test_noise_is_drawn_once_or_every_epoch():
    fixed = TrainingRun(RunConfig(noise=Noise("target", 0.1), epochs=0))
    t0 = fixed.target.copy()
    fixed.train(3)
    assert np.array_equal(fixed.target, t0) and not np.array_equal(t0, fixed.clean_target)
    fresh = TrainingRun(RunConfig(noise=Noise("target", 0.1, resample=True), epochs=0))
    t0 = fresh.target.copy()
    fresh.train(3)
    assert not np.array_equal(fresh.target, t0)


def test_generalisation_reports_the_mse_on_the_unseen_span():
    run = TrainingRun(RunConfig(epochs=0))
    run.train(2000)
    x, target, h, n, unseen = run.generalisation(3)
    assert len(x) == len(h) == 300 and n == 100
    assert unseen == pytest.approx(np.mean((h[100:] - target[100:]) ** 2))
    assert unseen < 0.05


def test_history_is_bounded_and_thinned_evenly():
    h = History(units=1, recent=100, thinned=64)
    p = np.zeros((1, 12))
    for e in range(1, 100_001):
        p[0, 0] = e
        h.append(e, 1.0 / e, p)
    epochs, mse, params = h.arrays()
    assert len(epochs) <= 164 and epochs[-1] == 100_000
    assert np.all(np.diff(epochs) > 0)
    assert np.array_equal(epochs[-100:], np.arange(99_901, 100_001))
    assert epochs[0] == 1 and epochs[1] <= 4096  # the start of the run is still there
    assert np.array_equal(params[:, 0, 0], epochs)
    assert np.allclose(mse, 1.0 / epochs)


def test_a_million_epoch_history_stays_under_100_mb():
    assert History(units=1).nbytes() < 100 * 2**20
    assert History(units=16).nbytes() < 100 * 2**20


def test_history_csv_has_the_c_library_columns():
    run = TrainingRun(RunConfig(epochs=0, units=2))
    run.train(3)
    lines = run.history.to_csv().splitlines()
    assert lines[0].split(",") == column_names(2)
    assert lines[0].startswith("epoch,MSE,W_fh,W_fx,b_f") and "u2.b_o" in lines[0]
    assert len(lines) == 4 and lines[1].split(",")[0] == "1"

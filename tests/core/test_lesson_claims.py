"""What the lessons tell the learner they will see, checked by training each lesson's run.

A lesson is only as good as its numbers: if a change to the core or a task moves them, this
fails and the lesson's text must be walked through again.
"""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core import lessons, unit
from lstm_gui.core.freerun import free_run_task
from lstm_gui.core.noise import Noise
from lstm_gui.core.run import TrainingRun


def _run(name, **changes):
    cfg = lessons.load(name).config
    return TrainingRun(replace(cfg, **changes) if changes else cfg)


def _mse_at(run, epochs):
    out = []
    for e in epochs:
        run.train(e - run.epoch)
        out.append(run.current_mse())
    return out


def test_memory_same_input_two_outputs_told_apart_by_the_cell():
    run = _run("memory")
    m300, m1000, m3000 = _mse_at(run, (300, 1000, 3000))
    assert m300 == pytest.approx(0.02, rel=0.2) and m1000 == pytest.approx(0.007, rel=0.2)
    assert m3000 == pytest.approx(0.0013, rel=0.2)
    s = run.snapshot()
    h, c = s.trace.h, s.trace.c.ravel()
    assert np.all(np.abs(s.x[[10, 20, 30, 40, 50]]) < 0.01)
    assert np.all(h[[10, 30, 50]] < -0.45) and np.all(h[[20, 40]] > 0.45)
    assert c[10] == pytest.approx(-0.6, abs=0.1) and c[20] == pytest.approx(1.6, abs=0.15)
    assert h[0] == pytest.approx(0.27, abs=0.02)


def test_forget_gate_opens_for_the_running_sum_and_cannot_when_its_bias_is_frozen():
    free, frozen = _run("forget-gate"), _run("forget-gate-frozen")
    assert free.snapshot().trace.f.mean() == pytest.approx(0.28, abs=0.01)
    assert frozen.params[0, 2] == pytest.approx(-0.94, abs=0.005)
    free.train(3000)
    frozen.train(3000)
    assert free.current_mse() == pytest.approx(0.001, rel=0.3)
    assert free.snapshot().trace.f.mean() > 0.985
    assert np.abs(free.generalisation(3).target).max() == pytest.approx(1.6, abs=0.1)
    assert frozen.params[0, 2] == pytest.approx(-0.94, abs=0.005)
    assert frozen.current_mse() == pytest.approx(0.14, rel=0.1)
    s = frozen.snapshot()
    assert s.trace.f.mean() == pytest.approx(0.32, abs=0.02)
    recent = np.convolve(s.x, 0.3 ** np.arange(10))[: len(s.x)]   # the last few inputs
    assert np.corrcoef(s.trace.h, recent)[0, 1] > 0.9
    assert np.corrcoef(s.trace.h, s.target)[0, 1] < 0.5


def test_noise_on_the_target_floors_the_training_mse_not_the_clean_one():
    run = _run("noise")
    run.train(3000)
    assert 0.1 ** 2 / 3 < run.current_mse() == pytest.approx(0.0036, rel=0.05)
    assert run.snapshot().evaluation.clean_mse[-1] == pytest.approx(0.0007, rel=0.2)
    run = _run("noise", noise=Noise("input", 0.1))
    run.train(3000)
    assert run.current_mse() == pytest.approx(0.0024, rel=0.1)
    assert run.snapshot().evaluation.clean_mse[-1] == pytest.approx(0.0012, rel=0.15)


def test_learning_rates_too_high_too_low_and_right():
    run = _run("learning-rate")
    run.train(3000)
    epochs, mse, _ = run.history.arrays()
    assert epochs[np.argmax(mse < 0.01)] == pytest.approx(454, abs=5) and mse[epochs == 1000][0] < 0.003
    jump = epochs[np.argmax((mse > 0.1) & (epochs > 500))]
    assert 1250 <= jump <= 1350
    assert run.current_mse() == pytest.approx(0.125, abs=0.001)
    trace = run.snapshot().trace
    assert trace.i.max() < 0.05 and trace.o.max() < 0.5 and np.abs(run.params).max() > 20
    assert np.linalg.norm(unit.mse_and_grad(run.params, run.x, run.target)[1]) < 1e-4
    low = _mse_at(_run("learning-rate", lr=0.002), (300, 1000, 3000))
    right = _mse_at(_run("learning-rate", lr=0.05), (300, 1000, 3000))
    np.testing.assert_allclose(low, [0.13, 0.03, 0.002], rtol=0.2)
    np.testing.assert_allclose(right, [0.02, 0.007, 0.0013], rtol=0.2)


def test_plain_descent_needs_about_20000_epochs_adam_1000():
    m = _mse_at(_run("lstmlib"), (1000, 5000, 20000))
    np.testing.assert_allclose(m, [0.14, 0.11, 0.018], rtol=0.05)
    assert _mse_at(_run("lstmlib", optimizer="adam", lr=0.05), (1000,))[0] < 0.001


def test_a_chain_starves_its_first_unit_of_gradient():
    run = _run("chain")
    g = np.linalg.norm(unit.mse_and_grad(run.params, run.x, run.target)[1], axis=1)
    assert 200 < g[2] / g[0] < 400 and g[0] < g[1] < g[2]
    start = run.params.copy()
    run.train(3000)
    assert run.current_mse() < 0.0002
    moved = np.linalg.norm(run.params - start, axis=1)
    assert moved.max() < 2 * moved.min()
    sgd = _run("chain", optimizer="sgd", lr=0.5)
    start = sgd.params.copy()
    sgd.train(3000)
    moved = np.linalg.norm(sgd.params - start, axis=1)
    assert moved[0] < moved[1] < moved[2]
    single = _run("chain", optimizer="sgd", lr=0.5, units=1)
    single.train(3000)
    assert sgd.current_mse() == pytest.approx(0.0038, rel=0.05)
    assert single.current_mse() == pytest.approx(0.0038, rel=0.05)


def test_forecasting_one_unit_falls_off_two_units_run_on():
    run = _run("forecasting")
    run.train(300)
    assert run.current_mse() < 0.0012
    run.train(2700)
    assert free_run_task(run.params, run.config.task).steps_within <= 1
    chain = _run("forecasting", units=2)
    chain.train(1000)
    assert free_run_task(chain.params, chain.config.task).steps_within <= 3
    chain.train(2000)
    assert chain.current_mse() < 2e-5
    assert free_run_task(chain.params, chain.config.task).steps_within >= 20

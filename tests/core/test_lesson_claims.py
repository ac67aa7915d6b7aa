"""What the lessons tell the learner they will see, checked by training each lesson's run
on both training paths (numpy, and the compiled kernel a learner with numba gets).

The two paths agree to rounding, but rounding grows over thousands of Adam steps, so the
lessons quote what holds on both.  If a change to the core or a task moves these numbers,
this fails and the lesson's text must be walked through again.
"""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core import lessons
from lstm_gui.core.analysis.freerun import free_run_task
from lstm_gui.core.models import compiled, lstmlib_rule, unit
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


@pytest.fixture(params=["numpy", "compiled"], autouse=True)
def kernel(request):
    compiled.use(request.param)
    yield request.param
    compiled.use(None)


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
    assert m300 == pytest.approx(0.02, rel=0.1) and m1000 < 0.01
    assert 0.001 < m3000 < 0.003
    s = run.snapshot()
    h, c = s.trace.h, s.trace.c.ravel()
    assert np.all(np.abs(s.x[[10, 20, 30, 40, 50]]) < 0.01)
    np.testing.assert_allclose(h[[10, 30, 50]], -0.48, atol=0.025)
    np.testing.assert_allclose(h[[20, 40]], 0.48, atol=0.025)
    assert c[10] == pytest.approx(-0.6, abs=0.05) and c[20] == pytest.approx(1.7, abs=0.1)
    assert h[0] == pytest.approx(0.27, abs=0.01)


def test_forget_gate_opens_for_the_running_sum():
    run = _run("forget-gate", epochs=6000)
    assert run.snapshot().trace.f.mean() == pytest.approx(0.28, abs=0.01)
    run.train(3000)
    assert 0.0008 < run.current_mse() < 0.0016
    assert run.snapshot().trace.f.mean() == pytest.approx(0.81, abs=0.01)
    assert np.abs(run.generalisation(3).target).max() == pytest.approx(1.6, abs=0.1)
    run.train(3000)
    assert run.snapshot().trace.f.mean() == pytest.approx(0.87, abs=0.01)


def test_a_frozen_forget_bias_keeps_the_gate_shut_and_the_error_ten_times_higher():
    run = _run("forget-gate-frozen", epochs=6000)
    assert run.params[0, 2] == pytest.approx(-0.94, abs=0.005)
    run.train(3000)
    assert run.params[0, 2] == pytest.approx(-0.94, abs=0.005)
    assert 0.011 < run.current_mse() < 0.015
    assert run.snapshot().trace.f.mean() == pytest.approx(0.31, abs=0.015)
    run.train(3000)
    assert run.current_mse() == pytest.approx(0.005, rel=0.1)
    assert run.snapshot().trace.f.mean() < 0.35


def test_noise_on_the_target_floors_the_training_mse_not_the_clean_one():
    run = _run("noise")
    run.train(3000)
    assert 0.1 ** 2 / 3 < run.current_mse() == pytest.approx(0.0036, rel=0.03)
    assert 0.0005 < run.snapshot().evaluation.clean_mse[-1] < 0.0008
    run = _run("noise", noise=Noise("input", 0.1))
    run.train(3000)
    assert run.current_mse() == pytest.approx(0.0024, rel=0.05)
    assert run.snapshot().evaluation.clean_mse[-1] == pytest.approx(0.0012, rel=0.1)


def test_learning_rates_too_high_too_low_and_right():
    run = _run("learning-rate")
    run.train(3000)
    epochs, mse, _ = run.history.arrays()
    assert epochs[np.argmax(mse < 0.01)] == pytest.approx(450, abs=10)
    assert mse[epochs == 1000][0] < 0.003
    jump = epochs[np.argmax((mse > 0.1) & (epochs > 500))]
    assert 1300 <= jump <= 1350 and mse[epochs == 1290][0] < 0.01
    assert 0.15 < mse[(epochs > 1250) & (epochs < 1400)].max() < 0.4
    assert run.current_mse() == pytest.approx(0.125, abs=0.002)
    assert run.snapshot().trace.i.max() < 0.02 and 25 < np.abs(run.params).max() < 35
    assert np.linalg.norm(unit.mse_and_grad(run.params, run.x, run.target)[1]) < 1e-4
    low = _mse_at(_run("learning-rate", lr=0.002), (300, 1000, 3000))
    np.testing.assert_allclose(low, [0.13, 0.03, 0.002], rtol=0.05)
    right = _mse_at(_run("learning-rate", lr=0.05), (300, 1000, 3000))
    assert right[0] == pytest.approx(0.02, rel=0.1) and right[1] < 0.01 and right[2] < 0.003


def test_the_c_librarys_rule_is_a_third_off_and_slower_than_the_exact_gradient():
    run = _run("lstmlib")
    assert run.config.gradient == "lstmlib" and run.config.delay == 1
    _, exact = unit.mse_and_grad(run.params, run.x, run.target, 1)
    _, rule = lstmlib_rule.mse_and_grad(run.params[0], run.x, run.target)
    assert np.linalg.norm(rule - exact.ravel()) / np.linalg.norm(exact) == pytest.approx(0.33, abs=0.01)
    np.testing.assert_allclose(_mse_at(run, (1000, 5000)), [0.14, 0.13], rtol=0.03)
    exact_run = _run("lstmlib", gradient="exact")
    m = _mse_at(exact_run, (12000, 14000, 20000))
    assert m[0] > 0.02 > m[1] and m[2] == pytest.approx(0.018, rel=0.03)
    assert _mse_at(_run("lstmlib", gradient="exact", optimizer="adam", lr=0.05), (1000,))[0] < 0.005


def test_remembering_further_back_is_harder():
    mse = []
    for k in (1, 20):
        run = TrainingRun(RunConfig(task=preset("delay-k", lag=k, cycles=2), seed=0, epochs=3000))
        run.train(3000)
        mse.append(run.current_mse())
    assert mse[0] == pytest.approx(0.003, rel=0.1) and 0.1 < mse[1] < 0.12


def test_a_chain_starves_its_first_unit_of_gradient():
    run = _run("chain")
    g = np.linalg.norm(unit.mse_and_grad(run.params, run.x, run.target)[1], axis=1)
    assert 250 < g[2] / g[0] < 400 and g[0] < g[1] < g[2]
    start = run.params.copy()
    run.train(3000)
    assert run.current_mse() < 0.00015
    moved = np.linalg.norm(run.params - start, axis=1)
    assert moved.max() < 1.5 * moved.min()
    sgd = _run("chain", optimizer="sgd", lr=0.5)
    start = sgd.params.copy()
    sgd.train(3000)
    moved = np.linalg.norm(sgd.params - start, axis=1)
    assert moved[0] < moved[1] < moved[2]
    single = _run("chain", optimizer="sgd", lr=0.5, units=1)
    single.train(3000)
    assert sgd.current_mse() == pytest.approx(0.0038, rel=0.03)
    assert 0.0038 <= single.current_mse() <= 0.0040


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
    assert free_run_task(chain.params, chain.config.task).steps_within > 20

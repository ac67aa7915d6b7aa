"""The compiled kernel (numba) against the numpy reference, and its own guarantees."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.core.models import compiled, unit
from lstm_gui.core.models.compiled import _kernels as K
from lstm_gui.core.training import compiled_run as chunk
from lstm_gui.core.training.history import History
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.optim import make_optimizer
from lstm_gui.core.training.run import BUDGET, DIVERGED, PLATEAU, TARGET, RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def kernel_switch():
    """compiled.use(), undone after the test."""
    yield compiled.use
    compiled.use(None)


def both_paths(config: RunConfig, epochs: int, **kw) -> dict:
    """The same run trained on each path: {'numpy': run, 'compiled': run}."""
    runs = {}
    try:
        for name in compiled.KERNELS:
            compiled.use(name)
            runs[name] = TrainingRun(config, **kw)
            runs[name].train(epochs)
    finally:
        compiled.use(None)
    return runs


def assert_same_run(a: TrainingRun, b: TrainingRun, tol: float) -> None:
    assert a.epoch == b.epoch and a.stop_reason == b.stop_reason
    np.testing.assert_allclose(b.params, a.params, rtol=0, atol=tol)
    ea, ma, pa = a.history.arrays()
    eb, mb, pb = b.history.arrays()
    assert np.array_equal(ea, eb)
    np.testing.assert_allclose(mb, ma, rtol=tol, atol=0)
    np.testing.assert_allclose(pb, pa, rtol=0, atol=tol)
    assert a.best_mse == pytest.approx(b.best_mse, rel=tol) and a._best_epoch == b._best_epoch


# ---------------------------------------------------------------- gradients

@pytest.mark.parametrize("units", [1, 2, 4])
@pytest.mark.parametrize("delay", [0, 1])
def test_chain_gradient_agrees_with_numpy_to_1e_12(units, delay):
    rng = np.random.default_rng(units * 10 + delay)
    for _ in range(5):
        p = rng.uniform(-2, 2, (units, 12))
        x, t = rng.uniform(-1, 1, (2, 37))
        mse, grad = unit.model_loss_and_grad(p, x, t, delay)
        c_mse, c_grad = chunk.model_loss_and_grad(p, x, t, delay)
        assert c_mse == pytest.approx(mse, rel=1e-13)
        assert np.max(np.abs(c_grad - grad)) <= 1e-12 * max(1.0, np.max(np.abs(grad)))


@pytest.mark.parametrize("units", [1, 3])
@pytest.mark.parametrize("shared", [True, False])
def test_population_gradient_agrees_with_numpy_to_1e_12(units, shared):
    rng = np.random.default_rng(units + 7 * shared)
    p = rng.uniform(-2, 2, (6, units, 12))
    x = rng.uniform(-1, 1, 41 if shared else (6, 41))
    t = rng.uniform(-1, 1, (6, 41))
    for delay in (0, 1):
        mse, grad = unit.mse_and_grad(p, x, t, delay)
        c_mse, c_grad = chunk.population_loss_and_grad(p, x, t, delay)
        np.testing.assert_allclose(c_mse, mse, rtol=1e-13)
        assert np.max(np.abs(c_grad - grad)) <= 1e-12 * max(1.0, np.max(np.abs(grad)))


def test_population_of_chains_is_each_model_alone():
    rng = np.random.default_rng(5)
    p = rng.uniform(-1, 1, (4, 2, 12))
    x, t = rng.uniform(-1, 1, (2, 4, 30))
    mse, grad = chunk.population_loss_and_grad(p, x, t, 1)
    for k in range(4):
        m1, g1 = chunk.model_loss_and_grad(p[k], x[k], t[k], 1)
        assert mse[k] == pytest.approx(m1, rel=1e-14)
        np.testing.assert_allclose(grad[k], g1, rtol=0, atol=1e-15)


def test_vector_exp_matches_math_exp_and_keeps_nan():
    z = np.concatenate([np.linspace(-708, 709, 100_001), np.random.default_rng(0).normal(0, 5, 999)])
    out = np.empty_like(z)
    K._vexp(z, out, np.empty(len(z), dtype=np.int64))
    assert np.max(np.abs(out / np.exp(z) - 1)) <= 4.5e-16
    special = np.array([np.nan, -np.inf, -1e4, 1e4, np.inf, 0.0])
    out = np.empty_like(special)
    K._vexp(special, out, np.empty(6, dtype=np.int64))
    assert np.isnan(out[0]) and out[5] == 1.0
    # Clamped: the sigmoid and tanh built on it reach their limits all the same.
    assert 0 < out[1] == out[2] < 1e-307 and 1e307 < out[3] == out[4] < np.inf
    assert 1.0 / (1.0 + out[4]) < 1e-307 and 1.0 - 2.0 / (out[4] + 1.0) == 1.0


# ---------------------------------------------------------------- short runs, both paths

CONFIGS = {
    "sgd": RunConfig(optimizer="sgd", lr=0.01, epochs=0),
    "momentum": RunConfig(optimizer="momentum", lr=0.01, epochs=0),
    "adam": RunConfig(optimizer="adam", lr=0.05, epochs=0),
    "adam-clip": RunConfig(optimizer="adam", lr=0.05, clip=0.05, epochs=0),
    "momentum-clip-chain": RunConfig(optimizer="momentum", lr=0.02, clip=0.1, units=3, delay=1,
                                     epochs=0, seed=4),
    "frozen-adam": RunConfig(optimizer="adam", lr=0.05, units=2, frozen=(0, 5, 13, 23),
                             epochs=0, seed=2),
    "frozen-sgd": RunConfig(optimizer="sgd", lr=0.3, frozen=(1, 2, 11), epochs=0),
    "noise-once": RunConfig(noise=Noise("both", 0.1), epochs=0, seed=3),
    "noise-every-epoch": RunConfig(noise=Noise("both", 0.1, "gaussian", resample=True),
                                   epochs=0, seed=3),
}


@pytest.mark.parametrize("name", CONFIGS)
def test_short_runs_agree_with_numpy(name):
    runs = both_paths(CONFIGS[name], 25)
    assert_same_run(runs["numpy"], runs["compiled"], 1e-13)
    # Same noise stream, draw for draw.
    a, b = runs["numpy"], runs["compiled"]
    assert np.array_equal(a.x, b.x) and np.array_equal(a.target, b.target)
    assert a._noise_rng.bit_generator.state == b._noise_rng.bit_generator.state
    for key, value in a.optimizer.state_dict().items():
        if isinstance(value, list):
            np.testing.assert_allclose(b.optimizer.state_dict()[key], value, rtol=1e-12, atol=1e-16)
        else:
            assert b.optimizer.state_dict()[key] == value


def test_frozen_parameters_do_not_move_on_the_compiled_path(kernel_switch):
    kernel_switch("compiled")
    run = TrainingRun(CONFIGS["frozen-adam"])
    start = run.params.copy()
    run.train(200)
    frozen = list(CONFIGS["frozen-adam"].frozen)
    assert np.array_equal(run.params.ravel()[frozen], start.ravel()[frozen])
    moving = np.setdiff1d(np.arange(24), frozen)
    assert np.all(run.params.ravel()[moving] != start.ravel()[moving])


def test_clipping_limits_every_step_on_the_compiled_path(kernel_switch):
    kernel_switch("compiled")
    clip, lr = 0.01, 0.5
    run = TrainingRun(RunConfig(optimizer="sgd", lr=lr, clip=clip, epochs=0))
    run.train(50)
    _, _, params = run.history.arrays()
    steps = np.linalg.norm(np.diff(params.reshape(len(params), -1), axis=0), axis=1)
    assert np.all(steps <= lr * clip * (1 + 1e-12)) and steps.max() > 0.99 * lr * clip


@pytest.mark.parametrize("reason,config", [
    (BUDGET, RunConfig(epochs=137)),
    (TARGET, RunConfig(epochs=0, target_mse=0.05)),
    (PLATEAU, RunConfig(epochs=0, optimizer="sgd", lr=1e-9, plateau=50)),
])
def test_stop_criteria_stop_at_the_same_epoch_on_both_paths(reason, config):
    runs = both_paths(config, 5000)
    assert runs["numpy"].stop_reason == reason
    # Adam's steps have size lr however small the gradient, so the paths' last-bit
    # differences grow with the epochs: 2e-12 measured after 137 epochs.
    assert_same_run(runs["numpy"], runs["compiled"], 1e-10)


# ---------------------------------------------------------------- resumption

@pytest.mark.parametrize("name", ["adam", "momentum-clip-chain", "frozen-adam", "noise-every-epoch"])
def test_compiled_resumption_is_bit_identical(name, kernel_switch, monkeypatch):
    kernel_switch("compiled")
    whole = TrainingRun(CONFIGS[name])
    whole.train(300)
    split = TrainingRun(CONFIGS[name])
    split.train(100)
    # Other chunk sizes too: 1-epoch chunks for the rest.
    monkeypatch.setattr(chunk, "CHUNK_SECONDS", 1e-12)
    split.train(200)
    assert np.array_equal(whole.params, split.params) and whole.epoch == split.epoch == 300
    for a, b in zip(whole.history.arrays(), split.history.arrays()):
        assert np.array_equal(a, b)
    assert np.array_equal(whole.x, split.x)
    assert whole.optimizer.state_dict() == split.optimizer.state_dict()


def test_compiled_resumption_after_a_stop_continues_the_noise_stream(kernel_switch):
    # A chunk drawn for more epochs than the budget allowed gives the extra draws back.
    config = replace(CONFIGS["noise-every-epoch"], epochs=40)
    kernel_switch("compiled")
    stopped = TrainingRun(config)
    assert stopped.train(1000) == BUDGET and stopped.epoch == 40
    stopped.configure(replace(config, epochs=90))
    stopped.train(1000)
    straight = TrainingRun(replace(config, epochs=90))
    straight.train(1000)
    assert np.array_equal(stopped.params, straight.params)
    assert np.array_equal(stopped.x, straight.x)


def test_a_saved_compiled_run_resumes_bit_identically(kernel_switch):
    kernel_switch("compiled")
    config = CONFIGS["noise-every-epoch"]
    straight = TrainingRun(config)
    straight.train(60)
    first = TrainingRun(config)
    first.train(30)
    again = TrainingRun.restore(config, first.params, json.loads(json.dumps(first.state_dict())))
    again.train(30)
    assert np.array_equal(again.params, straight.params)
    for a, b in zip(again.history.arrays(), straight.history.arrays()):
        assert np.array_equal(a, b)


def test_the_paths_can_take_turns(kernel_switch):
    # A step from the window's Step button (numpy), then training (compiled): one optimizer.
    config = CONFIGS["adam-clip"]
    kernel_switch("numpy")
    ref = TrainingRun(config)
    ref.train(20)
    mixed = TrainingRun(config)
    for k in range(4):
        kernel_switch(compiled.KERNELS[k % 2])
        mixed.train(5)
    assert_same_run(ref, mixed, 1e-13)


def test_should_continue_is_asked_between_chunks(kernel_switch):
    kernel_switch("compiled")
    run = TrainingRun(RunConfig(epochs=0))
    assert run.train(100, should_continue=lambda: False) is None and run.epoch == 0
    asked = []
    run.train(500, should_continue=lambda: asked.append(run.epoch) or True)
    assert run.epoch == 500 and 1 <= len(asked) < 500 and asked[0] == 0


def test_revision_moves_once_per_chunk(kernel_switch, monkeypatch):
    kernel_switch("compiled")
    run = TrainingRun(RunConfig(epochs=0))
    before = run.revision
    run.train(300)
    assert run.revision > before
    seen = []
    monkeypatch.setattr(chunk, "CHUNK_SECONDS", 1e-12)   # one epoch per chunk
    run.train(5, should_continue=lambda: seen.append(run.revision) or True)
    assert len(set(seen)) == 5 and run.revision > seen[-1]


def test_the_kernel_leaves_the_gil_while_it_trains(kernel_switch):
    # One long kernel call on a thread: had it kept the GIL, the main thread could not run a
    # single bytecode between the call's start and end.
    kernel_switch("compiled")
    run = TrainingRun(RunConfig(epochs=0))
    run.train(1)
    span = []

    def train():
        start = time.perf_counter()
        run.apply_chunk(chunk.run_chunk(run, run.draw_ahead(20_000)))
        span.extend([start, time.perf_counter()])

    thread = threading.Thread(target=train)
    ticks = []
    thread.start()
    while thread.is_alive():
        ticks.append(time.perf_counter())
    thread.join()
    start, end = span
    inside = [t for t in ticks if start + 0.25 * (end - start) < t < end - 0.25 * (end - start)]
    assert run.epoch == 20_001 and len(inside) > 100


# ---------------------------------------------------------------- the NaN guard

def test_nan_guard_keeps_the_last_finite_parameters_on_both_paths():
    # Targets of 1e154: the squared error overflows at once.  No setting makes such a target
    # any more (amplitudes stop at 1e9, limits.SETTINGS), so the run's sequence is replaced.
    config = RunConfig(task=preset("sin-cos"), optimizer="sgd", lr=0.9, epochs=0)
    runs = {}
    try:
        for name in compiled.KERNELS:
            compiled.use(name)
            run = runs[name] = TrainingRun(config)
            run.clean_target = np.full_like(run.clean_target, 1e154)
            run._draw_noise()
            with np.errstate(over="ignore"):
                run.train(100)
    finally:
        compiled.use(None)
    for run in runs.values():
        assert run.stop_reason == DIVERGED and run.epoch == 0
        assert np.array_equal(run.params, run.initial_params) and len(run.history) == 0


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_nan_guard_mid_chunk_on_both_paths(kind, monkeypatch):
    # Noise redrawn every epoch; the 30th draw puts 1e200 in the target, so epoch 31's
    # squared error overflows in the middle of a chunk.
    config = RunConfig(noise=Noise("target", 0.01, resample=True), optimizer=kind, lr=0.05,
                       epochs=0, seed=6)
    runs = {}
    for name in compiled.KERNELS:
        monkeypatch.setattr(compiled, "_forced", name)
        run = TrainingRun(config)
        draw, count = run._draw_noise, [0]

        def poisoned(check=True, run=run, draw=draw, count=count):
            draw(check)
            count[0] += 1
            if count[0] == 30:
                run.target = np.full_like(run.target, 1e200)

        run._draw_noise = poisoned
        with np.errstate(over="ignore"):
            assert run.train(100) == DIVERGED
        runs[name] = run
    a, b = runs["numpy"], runs["compiled"]
    assert a.epoch == b.epoch == 30 and len(b.history) == 30
    assert_same_run(a, b, 1e-13)
    # A hand edit clears the stop; the next epoch draws afresh and training goes on.
    b.set_params(b.params)
    monkeypatch.setattr(compiled, "_forced", "compiled")
    assert b.train(10) is None and b.epoch == 40 and np.isfinite(b.params).all()


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_kernel_divergence_mid_chunk_keeps_the_last_finite_step(kind):
    # The kernel's own guard, mid-chunk: epoch 5's target overflows the squared error.
    config = RunConfig(optimizer=kind, lr=0.05, epochs=0, seed=9)
    ref = TrainingRun(config)
    compiled.use("numpy")
    try:
        ref.train(5)
    finally:
        compiled.use(None)
    run = TrainingRun(config)
    xs = np.repeat(run.x[None], 8, axis=0)
    ts = np.repeat(run.target[None], 8, axis=0)
    ts[5] = 1e200
    p = run.params.copy()
    m, v = np.zeros(12), np.zeros(12)
    counters = np.zeros(3, dtype=np.int64)
    floats = np.array([np.nan, np.inf])
    out_mse, out_params = np.empty(8), np.empty((8, 12))
    done, code = K.train_chunk(p, xs, ts, 0, *chunk._hyper(run.optimizer), m, v, counters,
                               floats, np.zeros(12, dtype=np.bool_), 0, 0.0, 0, out_mse,
                               out_params)
    assert (done, code) == (5, K.DIVERGED) and counters[0] == 5
    np.testing.assert_allclose(p, ref.params, rtol=0, atol=1e-13)
    assert floats[0] == pytest.approx(ref.mse, rel=1e-13)
    if kind == "adam":
        assert counters[2] == 5
        np.testing.assert_allclose(v, ref.optimizer.v.ravel(), rtol=1e-12)
    if kind != "sgd":
        ref_m = ref.optimizer.velocity if kind == "momentum" else ref.optimizer.m
        np.testing.assert_allclose(m, ref_m.ravel(), rtol=1e-12)


# ---------------------------------------------------------------- history

@pytest.mark.parametrize("seed", range(4))
def test_history_extend_equals_appending_row_by_row(seed):
    rng = np.random.default_rng(seed)
    one, bulk = History(2, recent=7, thinned=8), History(2, recent=7, thinned=8)
    epoch = 0
    for size in rng.integers(0, 30, 25):
        epochs = np.arange(epoch + 1, epoch + 1 + size)
        mse = rng.uniform(size=size)
        params = rng.uniform(size=(size, 24))
        for e, m, p in zip(epochs, mse, params):
            one.append(int(e), float(m), p)
        bulk.extend(epochs, mse, params)
        epoch += size
        assert len(one) == len(bulk) and one.stride == bulk.stride
        for a, b in zip(one.arrays(), bulk.arrays()):
            assert np.array_equal(a, b)


def test_compiled_history_stays_bounded(kernel_switch):
    kernel_switch("compiled")
    run = TrainingRun(RunConfig(epochs=0), history_recent=100)
    size = run.history.nbytes()
    run.train(30_000)
    epochs, _, _ = run.history.arrays()
    assert run.history.nbytes() == size and len(run.history) == 30_000
    assert epochs[0] == 1 and epochs[-1] == 30_000 and len(epochs) <= 100 + 10_000
    assert np.array_equal(epochs[-100:], np.arange(29_901, 30_001))


# ---------------------------------------------------------------- populations

@pytest.mark.parametrize("name,clip", [("sgd", None), ("momentum", 0.1), ("adam", None)])
def test_population_training_agrees_with_the_numpy_optimizer(name, clip):
    rng = np.random.default_rng(1)
    p = rng.uniform(-1, 1, (5, 2, 12))
    x, t = preset("sin-cos", length=50).sequences()
    opt = make_optimizer(name, 0.05, clip)
    ref = p.copy()
    ref_mse = []
    for _ in range(20):
        mse, grad = unit.mse_and_grad(ref, x, t, 1)
        ref_mse.append(mse)
        ref = opt.step(ref, grad)
    c_opt = make_optimizer(name, 0.05, clip)
    new, mse, diverged = chunk.train_population(p, x, t, c_opt, 20, delay=1)
    assert not diverged.any()
    np.testing.assert_allclose(new, ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mse, ref_mse, rtol=1e-12)
    if name == "adam":
        assert c_opt.t == opt.t
        np.testing.assert_allclose(c_opt.m, opt.m, rtol=1e-10, atol=1e-16)


def test_a_diverging_model_of_a_population_stops_alone():
    rng = np.random.default_rng(2)
    p = rng.uniform(-1, 1, (3, 1, 12))
    x = np.linspace(-0.5, 0.5, 20)
    t = np.stack([x, x, np.full(20, 1e200)])   # model 2's squared error overflows
    new, mse, diverged = chunk.train_population(p, x, t, make_optimizer("sgd", 0.1), 5)
    assert diverged.tolist() == [False, False, True]
    assert np.array_equal(new[2], p[2]) and np.all(new[:2] != p[:2])
    assert np.isfinite(mse[:, :2]).all() and not np.isfinite(mse[:, 2]).any()


# ---------------------------------------------------------------- the switch

def test_env_switch_picks_the_path(monkeypatch):
    compiled.use(None)
    monkeypatch.setenv("LSTM_GUI_KERNEL", "numpy")
    run = TrainingRun(RunConfig(epochs=0))
    assert compiled.active() == "numpy" and chunk.trainer_for(run) is None
    monkeypatch.setenv("LSTM_GUI_KERNEL", "compiled")
    assert compiled.active() == "compiled" and chunk.trainer_for(run) is chunk.run_chunk
    monkeypatch.setenv("LSTM_GUI_KERNEL", "fortran")
    with pytest.raises(ValueError, match="LSTM_GUI_KERNEL"):
        compiled.active()


def test_use_overrides_the_environment(monkeypatch, kernel_switch):
    monkeypatch.setenv("LSTM_GUI_KERNEL", "compiled")
    kernel_switch("numpy")
    assert compiled.active() == "numpy"
    with pytest.raises(ValueError):
        kernel_switch("cuda")


def test_without_numba_the_numpy_path_trains(monkeypatch):
    compiled.use(None)
    monkeypatch.delenv("LSTM_GUI_KERNEL", raising=False)
    monkeypatch.setattr(compiled, "_available", False)
    assert compiled.active() == "numpy"
    run = TrainingRun(RunConfig(epochs=0))
    assert chunk.trainer_for(run) is None and run.train(3) is None and run.epoch == 3
    monkeypatch.setenv("LSTM_GUI_KERNEL", "compiled")
    with pytest.raises(RuntimeError, match="numba"):
        compiled.active()


def test_a_numba_that_fails_to_import_counts_as_missing(monkeypatch):
    import importlib

    def broken(name, *args):
        raise ImportError("Numba needs NumPy 2.3 or less")

    monkeypatch.setattr(compiled, "_available", None)
    monkeypatch.setattr(importlib, "import_module", broken)
    monkeypatch.delenv("LSTM_GUI_KERNEL", raising=False)
    assert not compiled.available() and compiled.active() == "numpy"


def test_unsupported_configs_take_the_numpy_path(kernel_switch):
    kernel_switch("compiled")
    run = TrainingRun(RunConfig(epochs=0))
    other_rule = SimpleNamespace(config=SimpleNamespace(gradient="lstmlib"), optimizer=run.optimizer,
                                 model=None)
    assert chunk.trainer_for(other_rule) is None

    class Custom(type(run.optimizer)):
        pass

    custom = SimpleNamespace(config=run.config, optimizer=Custom(), model=None)
    assert chunk.trainer_for(custom) is None and chunk.trainer_for(run) is chunk.run_chunk


def test_first_launch_says_it_compiles_then_loads_from_the_cache(tmp_path):
    # A fresh cache: the command line compiles and says so; the next process loads.
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("LSTM_GUI_KERNEL", None)
    first = subprocess.run([sys.executable, "-m", "lstm_gui", "train", "--epochs", "20",
                            "--quiet"], env=env, capture_output=True, text=True, check=True)
    assert first.stderr.count(compiled.COMPILING_MESSAGE) == 1
    code = ("from lstm_gui.core.training import compiled_run; said = []; "
            "print(compiled_run.warm_up(said.append), said)")
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True)
    assert second.stdout.strip() == "False []"


def test_the_command_line_refuses_an_unknown_kernel():
    env = dict(os.environ, LSTM_GUI_KERNEL="fortran", PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-m", "lstm_gui", "train", "--epochs", "5"], env=env,
                         capture_output=True, text=True, check=False)
    assert res.returncode == 2 and "LSTM_GUI_KERNEL" in res.stderr


# ---------------------------------------------------------------- the population's blocks

@pytest.mark.parametrize("k, units, delay", [(1, 1, 0), (17, 1, 0), (33, 2, 1), (257, 1, 0), (32, 3, 2)])
def test_population_blocks_equal_each_model_alone(k, units, delay):
    """Blocks of K.BLOCK models in vector lanes: K not a multiple of the block (a last block
    of one model and 15 padding lanes), K = 257, chains with lstmlib's delay; K = 1 and 17
    take the small path (fewer than K.VECTOR_MIN models: no block-sized work array)."""
    rng = np.random.default_rng(k)
    n = 13
    p = rng.uniform(-2, 2, (k, units, 12))
    xb, tb = rng.uniform(-1, 1, (2, n, k))
    mse, grad = np.empty(k), np.empty((k, units, 12))
    K.population_loss_and_grad(p, xb, tb, delay, mse, grad)
    work, g1 = np.empty((10, units, n)), np.empty((units, 12))
    for km in range(k):
        m1 = K.model_loss_and_grad(p[km].copy(), xb[:, km].copy(), tb[:, km].copy(), delay,
                                   work, g1)
        assert mse[km] == pytest.approx(m1, rel=1e-14)
        assert np.max(np.abs(grad[km] - g1)) <= 1e-14 * max(1.0, np.max(np.abs(g1)))


def test_population_exp_matches_math_exp_and_keeps_nan():
    z = np.concatenate([np.linspace(-708, 709, 100_001), np.random.default_rng(0).normal(0, 5, 999)])
    out = np.empty_like(z)
    K.exp_each(z, out)
    assert np.max(np.abs(out / np.exp(z) - 1)) <= 4.5e-16
    special = np.array([np.nan, -np.inf, -1e4, 1e4, np.inf, 0.0])
    out = np.empty_like(special)
    K.exp_each(special, out)
    assert np.isnan(out[0]) and out[5] == 1.0
    assert 0 < out[1] == out[2] < 1e-307 and 1e307 < out[3] == out[4] < np.inf
    assert 1.0 / (1.0 + out[4]) < 1e-307 and 1.0 - 2.0 / (out[4] + 1.0) == 1.0


def test_members_skip_a_block_of_stopped_members_and_report_their_loss():
    """A block whose members all stopped is no longer computed: each still reports its loss
    at its final parameters every epoch, its parameters stay, and the members training in
    the other block go on exactly as without the stopped ones."""
    rng = np.random.default_rng(3)
    k, n, epochs = K.VECTOR_MIN + 3, 20, 7
    first = K.VECTOR_MIN            # members 0 .. first-1 stopped, two whole blocks
    p = rng.uniform(-1, 1, (k, 1, 12))
    x, t = rng.uniform(-1, 1, (2, n))
    xb, tb = (np.ascontiguousarray(np.broadcast_to(a[:, None], (n, k))) for a in (x, t))
    hyper = (K.ADAM, 0.05, 0.0, 0.9, 0.9, 0.999, 1e-8)

    def members(p, state):
        kk = p.shape[0]
        m, v, tt = np.zeros((kk, 12)), np.zeros((kk, 12)), np.zeros(kk, dtype=np.int64)
        out = np.empty((epochs, kk))
        done = K.train_members(p, xb[:, :kk], tb[:, :kk], 0, *hyper, m, v, tt,
                               np.zeros(12, dtype=np.bool_), 0.0, state,
                               np.zeros(kk, dtype=np.int64), 0, out)
        return done, out

    state = np.full(k, K.STOPPED, dtype=np.int64)
    state[first:] = K.ACTIVE
    state[1] = K.HELD_DIVERGED
    mine = p.copy()
    done, out = members(mine, state)
    assert done == epochs
    np.testing.assert_array_equal(mine[:first], p[:first])
    work, g = np.empty((10, 1, n)), np.empty((1, 12))
    for km in range(first):
        if km == 1:
            assert np.isnan(out[:, km]).all()
            continue
        loss = K.model_loss_and_grad(p[km].copy(), x, t, 0, work, g)
        assert out[0, km] == pytest.approx(loss, rel=1e-14) and (out[:, km] == out[0, km]).all()
    # The same three training without the stopped ones (held, never computed).
    alone = p.copy()
    held = np.full(k, K.HELD_DIVERGED, dtype=np.int64)
    held[first:] = K.ACTIVE
    _, out_alone = members(alone, held)
    np.testing.assert_array_equal(mine[first:], alone[first:])
    np.testing.assert_array_equal(out[:, first:], out_alone[:, first:])


@pytest.mark.parametrize("kind", [K.SGD, K.MOMENTUM, K.ADAM])
def test_member_step_is_the_optimizer_step_bit_for_bit(kind):
    """The population's copy of the update (vector code) computes what a single run's does."""
    rng = np.random.default_rng(kind)
    size = 36
    p, g, m = rng.normal(0, 1, (3, size))
    v = rng.uniform(0, 1, size)
    outs = []
    for step in (K.optimizer_step, K._member_step):
        new, new_m, new_v = np.empty(size), np.empty(size), np.empty(size)
        ok = step(kind, p, g, new, 0.05, 0.9, 0.9, 0.999, 1e-8, m, v, 7, new_m, new_v)
        outs.append((ok, new.tobytes(), new_m.tobytes() if kind else b"", new_v.tobytes() if kind == K.ADAM else b""))
    assert outs[0] == outs[1] and outs[0][0]


def test_members_that_stop_one_by_one_free_their_lanes_and_equal_single_runs():
    """Members reach the target at different epochs: the ones still training are packed into
    the first blocks each time one stops (their lanes move).  Each member's losses equal,
    bit for bit, those of the same call without a target (no lane ever moves) up to its stop,
    then stay; its stop epoch, losses and parameters are its own train_chunk run's (plain
    descent at a small rate: at lr 0.1 and more this task amplifies rounding differences of
    a few ulp into different runs after ~150 epochs)."""
    rng = np.random.default_rng(11)
    k, n, epochs, target = K.VECTOR_MIN + 5, 30, 300, 0.46
    p = rng.uniform(-1, 1, (k, 1, 12))
    x = np.sin(np.linspace(0, 6, n))
    t = np.cos(np.linspace(0, 6, n))
    xb, tb = (np.ascontiguousarray(np.broadcast_to(a[:, None], (n, k))) for a in (x, t))
    hyper = (K.SGD, 0.05, 0.0, 0.9, 0.9, 0.999, 1e-8)

    def members(target):
        mine = p.copy()
        m, v, tt = np.zeros((k, 12)), np.zeros((k, 12)), np.zeros(k, dtype=np.int64)
        state, stopped = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
        out = np.empty((epochs, k))
        done = K.train_members(mine, xb, tb, 0, *hyper, m, v, tt, np.zeros(12, dtype=np.bool_),
                               target, state, stopped, 0, out)
        return done, out, mine, stopped

    done, out, mine, stopped = members(target)
    _, free, _, _ = members(0.0)
    assert len(set(stopped[stopped > 0].tolist())) >= 3          # stopped at several epochs
    for km in range(k):
        q = p[km].copy()
        mm, vv = np.zeros(12), np.zeros(12)
        counters, floats = np.zeros(3, dtype=np.int64), np.array([np.nan, np.inf])
        rows, params = np.empty(done), np.empty((done, 12))
        got, reason = K.train_chunk(q, x[None], t[None], 0, *hyper, mm, vv, counters, floats,
                                    np.zeros(12, dtype=np.bool_), 0, target, 0, rows, params)
        assert stopped[km] == (got if reason == K.TARGET else 0)
        last = got if reason == K.TARGET else done
        np.testing.assert_array_equal(out[:last, km], free[:last, km])
        np.testing.assert_allclose(out[:last, km], rows[:last], rtol=1e-13)
        np.testing.assert_allclose(mine[km], q, rtol=1e-12, atol=1e-14)
        if reason == K.TARGET:
            assert (out[got + 1:done, km] == out[got, km]).all()

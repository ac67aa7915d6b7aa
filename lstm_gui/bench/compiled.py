"""Benchmark of the compiled kernel (numba) beside the numpy path, for `python -m lstm_gui.bench`.

Every speed is a ratio to the plain pure-Python loop of bench.py measured in the same run
(paired rounds, median and quartiles), as the rest of the benchmark.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from ..core.models import UNIT, compiled, unit
from ..core.training import compiled_run
from ..core.training.optim import SGD, make_optimizer
from ..core.training.run import RunConfig, TrainingRun
from ..core.training.tasks import preset
from .timing import best, plain_epoch, ratio_text, versus

ROOT = Path(__file__).resolve().parents[1]


def _kernel(name: str):
    """Context: train on the path `name`."""
    class _Use:
        def __enter__(self):
            compiled.use(name)

        def __exit__(self, *exc):
            compiled.use(None)
    return _Use()


def _train_fn(name: str, config: RunConfig, epochs: int):
    """A function that trains `epochs` more epochs of one run on path `name`."""
    with _kernel(name):
        run = TrainingRun(config)
        run.train(epochs)   # warm: compiled, allocator set up

    def fn():
        with _kernel(name):
            run.train(epochs)
    return fn


def _epoch_fns(opt_name: str, lr: float, epochs: int):
    """One unit's epochs without TrainingRun (no history, no stop criteria), per path:
    numpy's loss, gradient and update, one epoch a call; the compiled chunk kernel, `epochs`
    a call."""
    from ..core.models.compiled import _kernels
    from ..core.training import compiled_run as chunk

    run = TrainingRun(RunConfig(optimizer=opt_name, lr=lr, epochs=0))
    opt = make_optimizer(opt_name, lr)
    state = {"p": run.params.copy()}

    def numpy_epoch():
        _, g = unit.model_loss_and_grad(state["p"], run.x, run.target, 0)
        state["p"] = opt.step(state["p"], g)

    size = UNIT.size
    p = run.params.copy()
    m, v = np.zeros(size), np.zeros(size)
    counters = np.zeros(3, dtype=np.int64)
    floats = np.array([np.nan, np.inf])
    frozen = np.zeros(size, dtype=np.bool_)
    out_mse, out_params = np.empty(epochs), np.empty((epochs, size))
    hyper = chunk._hyper(make_optimizer(opt_name, lr))
    xs, ts = run.x[None], run.target[None]

    def compiled_epochs():
        _kernels.train_chunk(p, xs, ts, 0, *hyper, m, v, counters, floats, frozen, 0, 0.0, 0,
                             out_mse, out_params)
    return numpy_epoch, compiled_epochs


def bench_epochs(reference, rounds: int) -> None:
    """One unit's epoch and TrainingRun.train, both paths, as ratios to the reference."""
    print("both paths, one unit, n = 100, per epoch, ratio to the reference:")
    chunk = 200
    for opt, lr in (("sgd", 0.01), ("adam", 0.05)):
        numpy_epoch, compiled_epochs = _epoch_fns(opt, lr, chunk)
        print(f"  {opt}, the epoch alone (forward, exact gradient, update):")
        for name, fn, per_call, number in (("numpy", numpy_epoch, 1, 40),
                                           ("compiled", compiled_epochs, chunk, 3)):
            fn()
            v = versus(fn, reference, rounds, number, 25)
            print(f"    {name:>8} {v.best / per_call * 1e6:6.1f} us {ratio_text(v, per_call)}")
        print(f"  {opt}, TrainingRun.train with history and stop criteria:")
        for name in compiled.KERNELS:
            config = RunConfig(optimizer=opt, lr=lr, epochs=10**9, target_mse=1e-12,
                               plateau=10**9)
            # train(1) a call on the numpy path (it steps epoch by epoch anyway); 200 a call
            # compiled, which the window and the command line ask for at once.
            per_call = 1 if name == "numpy" else chunk
            fn = _train_fn(name, config, per_call)
            v = versus(fn, reference, rounds, 40 if name == "numpy" else 3, 25)
            print(f"    {name:>8} {v.best / per_call * 1e6:6.1f} us {ratio_text(v, per_call)}")
    print("  targets: compiled epoch >= 10x, compiled TrainingRun.train >= 8x")


def bench_population(reference, rounds: int, k: int = 256) -> None:
    x, t = preset("sin-cos").sequences()
    pop = np.random.default_rng(0).uniform(-1, 1, (k, 1, UNIT.size))
    state = {"p": pop.copy()}
    opt = SGD(lr=0.01)

    def numpy_epoch():
        _, g = unit.mse_and_grad(state["p"], x, t)
        state["p"] = opt.step(state["p"], g)

    c_state = {"p": pop.copy()}
    c_opt = SGD(lr=0.01)

    from ..core.training import compiled_run as chunk

    def compiled_epoch():
        c_state["p"], _, _ = chunk.train_population(c_state["p"], x, t, c_opt, 1)

    print(f"population K = {k}, n = 100, SGD, per model-epoch:")
    for name, fn in (("numpy", numpy_epoch), ("compiled", compiled_epoch)):
        fn()
        v = versus(fn, reference, rounds, 3, 25)
        print(f"    {name:>8} {v.best / k * 1e6:6.2f} us {ratio_text(v, k)}")
    print("  target: compiled >= 40x")


def bench_chains(quick: bool) -> None:
    print("epochs per second (Adam), compiled, chains by length:")
    print(f"  {'units':>5} {'n=100':>9} {'n=300':>9} {'n=1000':>9}")
    with _kernel("compiled"):
        for units in (1, 2, 4):
            cells = []
            for n in (100, 300, 1000):
                run = TrainingRun(RunConfig(task=preset("sin-cos", length=n), units=units, epochs=0))
                run.train(200)   # first calls run slower (caches, the chunk size estimate)
                per = best(lambda run=run: run.train(200), 2 if quick else 5, 1) / 200
                cells.append(f"{1 / per:9,.0f}")
            print(f"  {units:>5} " + " ".join(cells))


def bench_lstmlib_experiment(repeat: int) -> None:
    """The C library's sine to cosine: 100 000 epochs of plain descent, lr 0.01, its timing."""
    config = RunConfig(optimizer="sgd", lr=0.01, delay=1, epochs=100_000)
    times = []
    for _ in range(repeat):
        with _kernel("compiled"):
            run = TrainingRun(config)
            start = time.perf_counter()
            run.train(100_000)
            times.append(time.perf_counter() - start)
    each = ", ".join(f"{t:.2f}" for t in sorted(times))
    print(f"the C library's sine to cosine, 100 000 epochs, SGD lr 0.01, lstmlib timing, headless,"
          f" compiled: {statistics.median(times):.2f} s ({each}), final MSE"
          f" {run.current_mse():.4f} (the C library: 2.6-2.8 s; target < 3 s)")


def _compile_time(cache_dir: str) -> float:
    code = "from lstm_gui.core.training import compiled_run; print(compiled_run.compile_seconds())"
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_compile(repeat: int) -> None:
    """warm_up() in fresh processes: with an empty cache (it compiles), then from the cache."""
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(_compile_time(tmp))
            warm.append(_compile_time(tmp))
    print(f"first call (warm_up) in a fresh process: compiling {statistics.median(cold):.2f} s"
          f" ({min(cold):.2f}-{max(cold):.2f}), from the cache {statistics.median(warm):.2f} s"
          f" ({min(warm):.2f}-{max(warm):.2f}), {repeat} runs")


def bench_gil(seconds: float = 2.0) -> None:
    """Training on a threading.Thread while the main thread runs a busy Python loop: the
    share of each one's speed alone that both keep together.  The compiled kernel leaves the
    GIL, so both can keep nearly all of it on two free cores; the numpy path shares it."""
    def busy(stop_at: float) -> int:
        count = 0
        while time.perf_counter() < stop_at:
            count += 1
        return count

    alone_busy = busy(time.perf_counter() + seconds / 2) / (seconds / 2)
    print(f"GIL: training on a thread beside a busy Python loop on the main thread "
          f"(share of the speed of each alone; {os.cpu_count()} cores, shared):")
    for name in compiled.KERNELS:
        with _kernel(name):
            run = TrainingRun(RunConfig(epochs=0))
            run.train(10)
            start, e0 = time.perf_counter(), run.epoch
            run.train(10**9, should_continue=lambda start=start: time.perf_counter() - start < seconds / 2)
            alone = (run.epoch - e0) / (time.perf_counter() - start)
        stop = threading.Event()

        def train(name=name, run=run, stop=stop):
            with _kernel(name):
                run.train(10**9, should_continue=lambda: not stop.is_set())

        thread = threading.Thread(target=train)
        e0 = run.epoch
        start = time.perf_counter()
        thread.start()
        loops = busy(start + seconds)
        stop.set()
        thread.join()
        took = time.perf_counter() - start
        together = (run.epoch - e0) / took
        print(f"    {name:>8}: training {together / alone:4.2f} of alone ({alone:,.0f} epochs/s),"
              f" busy loop {loops / took / alone_busy:4.2f}")


def main(quick: bool, only_population: bool = False) -> None:
    if not compiled.available():
        print("compiled kernel: numba is not installed (pip install 'lstm-gui[fast]'); skipped")
        return
    compiled_run.warm_up()
    x, t = preset("sin-cos").sequences()
    xl, tl = x.tolist(), t.tolist()
    q = np.random.default_rng(0).uniform(-1, 1, UNIT.size).tolist()
    def reference():
        plain_epoch(q, xl, tl, 0.01)

    rounds = 11 if quick else 41
    print()
    if only_population:
        bench_population(reference, rounds)
        return
    bench_epochs(reference, rounds)
    bench_population(reference, rounds)
    bench_chains(quick)
    bench_lstmlib_experiment(1 if quick else 3)
    bench_compile(1 if quick else 3)
    bench_gil(1.0 if quick else 2.0)

"""Benchmark: prints figures, asserts nothing.  `python -m lstm_gui.bench [--gui]`.

Every speed is printed beside a reference measured in the same run, a plain pure-Python
exact-BPTT loop, so that the ratios mean something on a shared, noisy machine.
"""
from __future__ import annotations

import argparse

import numpy as np

from ..core.models import UNIT, unit
from ..core.training.evaluation import EvalHistory
from ..core.training.optim import SGD
from ..core.training.run import RunConfig, TrainingRun
from ..core.training.tasks import preset
from .timing import best, check_plain_matches_core, plain_epoch, ratio_text, versus


def bench_core(quick: bool = False) -> None:
    x, t = preset("sin-cos").sequences()
    xl, tl = x.tolist(), t.tolist()
    p0 = np.random.default_rng(0).uniform(-1, 1, UNIT.size)

    q = p0.tolist()
    reference = lambda: plain_epoch(q, xl, tl, 0.01)  # noqa: E731
    rounds = 11 if quick else 41
    ref = best(reference, 5, 50)
    print(f"reference: plain pure-Python exact-BPTT epoch, n = 100: {ref * 1e6:8.1f} us (best)")
    print(f"  (its update agrees with the core's to {check_plain_matches_core():.1e} relative)")
    print("ratios: median over paired rounds of reference time / core time, measured back to back")

    for name in ("sgd", "adam"):
        run = TrainingRun(RunConfig(optimizer=name, lr=0.01 if name == "sgd" else 0.05, epochs=0))
        v = versus(lambda: run.train(1), reference, rounds, 40, 25)
        print(f"one unit, n = 100, one training epoch ({name:>4}):   {v.best * 1e6:8.1f} us"
              f"   {ratio_text(v)}")
    print("  targets: <= 230 us and >= 1.5x (the reference's update is plain descent, like sgd)")
    bench_evaluation(rounds)

    k = 256
    pop = np.random.default_rng(0).uniform(-1, 1, (k, 1, UNIT.size))
    opt = SGD(lr=0.01)
    state = {"p": pop}

    def pop_epoch():
        _, g = unit.mse_and_grad(state["p"], x, t)
        state["p"] = opt.step(state["p"], g)

    pop_epoch()   # the first call sets the allocator up (core/_memory.py)
    v = versus(pop_epoch, reference, rounds, 3, 25)
    print(f"population K = {k}, n = 100, per model-epoch:    {v.best / k * 1e6:8.2f} us"
          f"   {v.ratio * k:5.1f}x the reference (quartiles {v.low * k:.1f}-{v.high * k:.1f})")
    print("  targets: <= 14 us and >= 25x")

    print("epochs per second (Adam), chains by length:")
    print(f"  {'units':>5} {'n=100':>9} {'n=300':>9} {'n=1000':>9}")
    for units in (1, 2, 4):
        cells = []
        for n in (100, 300, 1000):
            run = TrainingRun(RunConfig(task=preset("sin-cos", length=n), units=units, epochs=0))
            per = best(lambda: run.train(5), 2 if quick else 3, 2) / 5
            cells.append(f"{1 / per:9,.0f}")
        print(f"  {units:>5} " + " ".join(cells))


def bench_evaluation(rounds: int) -> None:
    """The cost of train/test records (core/evaluation.py) on training speed, on the
    training path in use: a record's time in epochs, paired with a batch of epochs."""
    from ..core.models import compiled
    run = TrainingRun(RunConfig(epochs=0))
    ev, run.evaluation = EvalHistory(run.config, run.clean_x, run.clean_target), None
    run.train(200)   # the compiled path's chunk size settles
    v = versus(lambda: ev.record(1, run.params), lambda: run.train(200), rounds, 20, 1)
    cost = [200 / r / (ev.every + 200 / r) for r in (v.ratio, v.high, v.low)]
    print(f"train/test record ({compiled.active()} path): {200 / v.ratio:.2f} epochs of work "
          f"(quartiles {200 / v.high:.2f}-{200 / v.low:.2f}); one every {ev.every} epochs costs "
          f"{cost[0]:.1%} of training speed (quartiles {cost[1]:.1%}-{cost[2]:.1%}); target < 5%")
    # The whole cost: the compiled path records from the rows of its chunks.
    with_eval = TrainingRun(RunConfig(epochs=0))
    with_eval.train(200)
    v = versus(lambda: with_eval.train(1000), lambda: run.train(1000), rounds, 1, 1)
    print(f"  training with records keeps {v.ratio:.1%} of the speed without "
          f"(quartiles {v.low:.1%}-{v.high:.1%})")


def bench_gui(rounds: int = 4, seconds: float = 2.0) -> None:
    """The default window (the unit, its default views) training at full speed: the 10 ms
    timer's lateness idle and training, redraws, and the share of headless speed, in paired
    rounds (bench.gui_timing, the loop every window benchmark shares)."""
    from ..core.training.run import RunConfig
    from . import gui_timing as gt

    cfg = RunConfig(epochs=0)
    window = gt.open_window(cfg)
    idle = gt.LatenessTimer()
    idle.start()
    gt.spin(1.0)
    idle.stop()
    r = gt.paired_rounds(window, cfg, rounds, seconds, chunk=500)
    gt.close_window(window)
    i99 = float(np.percentile(np.asarray(idle.late or [0.0]) * 1e3, 99))
    p50, p99, worst = r.lateness()
    q1, share, q3 = gt.quartiles(r.ratios)
    print(f"GUI, 1400x900 offscreen, 10 ms timer lateness: idle p99 {i99:.1f} ms; training "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms (target p99 <= 50 ms)")
    print(f"  while training: {gt.quartiles(r.live)[1]:,.0f} epochs/s, "
          f"{gt.quartiles(r.frames)[1]:.1f} frames/s; headless {gt.quartiles(r.alone)[1]:,.0f} "
          f"epochs/s: the window keeps {share:.0%} (quartiles {q1:.0%}-{q3:.0%}, {rounds} paired "
          f"rounds; {gt.load_average()})")


def run_workload(name: str, count: int) -> None:
    """Run one workload `count` times and nothing else, for an instruction counter.

    Wall-clock time on a shared machine drifts; instructions do not.  Counting with
    valgrind's callgrind, the per-epoch cost is (workload - 'none') / count.
    """
    from ..core.models import compiled
    compiled.use("numpy")   # the counts are the numpy core's, as the README's table says
    x, t = preset("sin-cos").sequences()
    xl, tl = x.tolist(), t.tolist()
    q = np.random.default_rng(0).uniform(-1, 1, UNIT.size).tolist()
    run = TrainingRun(RunConfig(optimizer="sgd", lr=0.01, epochs=0))
    pop = np.random.default_rng(0).uniform(-1, 1, (256, 1, UNIT.size))
    opt = SGD(lr=0.01)
    for _ in range(count if name != "none" else 0):
        if name == "ref":
            plain_epoch(q, xl, tl, 0.01)
        elif name == "core":
            run.train(1)
        elif name == "pop":
            _, g = unit.mse_and_grad(pop, x, t)
            pop = opt.step(pop, g)


def bench_instructions() -> None:
    """Instructions per epoch, counted by valgrind's callgrind (deterministic, unlike time)."""
    import os
    import re
    import shutil
    import subprocess
    import sys
    import tempfile

    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed; skipped")
        return
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # idle BLAS threads spin and get counted
    counts = {}
    plan = (("none", 200), ("ref", 200), ("core", 200), ("pop", 20))
    with tempfile.TemporaryDirectory() as tmp:
        for name, count in plan:
            res = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/{name}.out",
                 sys.executable, "-m", "lstm_gui.bench", "--workload", name, "--count", str(count)],
                capture_output=True, text=True, env=env)
            found = re.search(r"Collected : (\d+)", res.stderr)
            if not found:
                print(f"instructions: callgrind failed for {name}; skipped")
                return
            counts[name] = int(found.group(1))
    per = {name: (counts[name] - counts["none"]) / count for name, count in plan if name != "none"}
    per["pop"] /= 256
    print(f"instructions per epoch (callgrind): reference {per['ref'] / 1e6:.2f} M; one unit "
          f"{per['core'] / 1e6:.2f} M ({per['ref'] / per['core']:.2f}x fewer, target >= 1.5x); "
          f"population K = 256 {per['pop'] / 1e3:.1f} k per model ({per['ref'] / per['pop']:.1f}x fewer, "
          f"target >= 25x)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_gui.bench", description=__doc__)
    parser.add_argument("--gui", action="store_true", help="also measure the window's responsiveness")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per epoch with valgrind (about 5 minutes)")
    parser.add_argument("--workload", choices=("none", "ref", "core", "pop"),
                        help="only run this workload --count times (for callgrind)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--files", action="store_true", help="also measure model files (format 2 vs 1)")
    parser.add_argument("--torch-python", metavar="PATH",
                        help="an interpreter with torch: the general models are timed against it")
    parser.add_argument("--layer-only", action="store_true",
                        help="only the general models' kernels (against torch with --torch-python)")
    parser.add_argument("--ensemble-only", action="store_true",
                        help="only the compiled population kernel: K = 256 against the plain loop, "
                             "and 64-seed ensembles against 64 whole runs (issue 22)")
    args = parser.parse_args(argv)
    if args.workload:
        run_workload(args.workload, args.count)
        return 0
    if args.ensemble_only:
        from .ensemble import bench_population_only
        bench_population_only(versus, ratio_text, args.quick)
        return 0
    from .layer import FULL, QUICK, bench_layer
    if args.layer_only:
        bench_layer(args.torch_python, QUICK if args.quick else FULL)
        return 0
    from ..core.models import compiled
    from . import compiled as bench_compiled
    compiled.use("numpy")          # the figures above are the numpy path's
    try:
        bench_core(args.quick)
    finally:
        compiled.use(None)
    bench_compiled.main(args.quick)
    from .ensemble import bench_ensemble
    bench_ensemble(versus, ratio_text, args.quick)
    from .analysis import bench_analysis
    bench_analysis(args.quick)
    bench_layer(args.torch_python, QUICK if args.quick else FULL)
    if args.instructions:
        bench_instructions()
    if args.gui:
        bench_gui()
        from .views import bench_model_window
        bench_model_window()
        from .cell import bench_cell_view
        bench_cell_view()
        from . import window as bench_window
        bench_window.main()
    if args.files:
        from .files import bench_files
        bench_files(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

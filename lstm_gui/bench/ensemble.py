"""Benchmarks of issue 15: an ensemble against its members trained one after another, and
the C library's rule against the exact gradient.  Called by ``python -m lstm_gui.bench``.

Both are paired ratios measured in the same run (``timing.versus``): the machine is shared
and its speed moves, a ratio of back-to-back batches moves far less.
"""
from __future__ import annotations

from dataclasses import replace

from ..core.analysis.ensemble import EnsembleRun
from ..core.training.run import RunConfig, TrainingRun


def bench_population_only(versus, ratio_text, quick: bool = False) -> None:
    """`--ensemble-only`: the compiled population kernel alone (K = 256 against the plain
    loop, issue 20's measure) and the whole-run ensembles on the compiled path."""
    from ..core.models import compiled
    from . import compiled as bench_compiled
    if not compiled.available():
        print("compiled kernel: numba is not installed; skipped")
        return
    bench_compiled.main(quick, only_population=True)
    bench_ensemble(versus, ratio_text, quick, kernels=["compiled"])


def bench_ensemble(versus, ratio_text, quick: bool = False, kernels=None) -> None:
    from ..core.models import compiled
    if kernels is None:
        kernels = ["numpy"] + (["compiled"] if compiled.available() else [])
    for kernel in kernels:
        compiled.use(kernel)
        try:
            print(f"{kernel} kernel (ensemble and single runs alike):")
            _ensembles(versus, quick)
        finally:
            compiled.use(None)
    if kernels != ["compiled"]:
        _rule(versus, ratio_text, quick)


def _ensembles(versus, quick: bool) -> None:
    """Whole runs, as a user makes them: 64 seeds x 2 000 epochs as one ensemble against the
    same 64 runs trained one after another.  (One-epoch calls flattered the ensemble: 9.6-11.7x
    measured that way, 1.8-1.9x for whole runs.)"""
    rounds = 3 if quick else 5
    k, epochs = 64, 200 if quick else 2000
    for name, lr in (("sgd", 0.01), ("adam", 0.05)):
        config = RunConfig(optimizer=name, lr=lr, epochs=epochs)

        def ensemble(config=config):
            ens = EnsembleRun(config, range(k))
            while ens.train(500):
                pass

        def one_after_another(config=config):
            for s in range(k):
                TrainingRun(replace(config, seed=s)).train(epochs)

        ensemble()     # compiled, allocator set up
        v = versus(ensemble, one_after_another, rounds, 1, 1)
        print(f"ensemble of {k} seeds x {epochs} epochs ({name:>4}): {v.best:7.2f} s"
              f"   {v.ratio:5.1f}x faster than {k} whole runs one after another "
              f"(quartiles {v.low:.1f}-{v.high:.1f}; those took {v.best_ref:.2f} s)")
    print("  target: >= 4x (issue 22)")


def _rule(versus, ratio_text, quick: bool) -> None:
    rounds = 7 if quick else 21
    exact = TrainingRun(RunConfig(optimizer="sgd", lr=0.01, delay=1, epochs=0))
    rule = TrainingRun(RunConfig(optimizer="sgd", lr=0.01, delay=1, epochs=0, gradient="lstmlib"))
    v = versus(lambda: rule.train(1), lambda: exact.train(1), rounds, 40, 40)
    print(f"one unit, the C library's rule (adjoint form):   {v.best * 1e6:8.1f} us"
          f"   {ratio_text(v)}; reference: the exact-gradient epoch, {v.best_ref * 1e6:.1f} us")

"""Benchmarks of issue 15: an ensemble against its members trained one after another, and
the C library's rule against the exact gradient.  Called by ``python -m lstm_gui.bench``.

Both are paired ratios measured in the same run (``timing.versus``): the machine is shared
and its speed moves, a ratio of back-to-back batches moves far less.
"""
from __future__ import annotations

from dataclasses import replace

from ..core.analysis.ensemble import EnsembleRun
from ..core.training.run import RunConfig, TrainingRun


def bench_ensemble(versus, ratio_text, quick: bool = False) -> None:
    from ..core.models import compiled
    kernels = ["numpy"] + (["compiled"] if compiled.available() else [])
    for kernel in kernels:
        compiled.use(kernel)
        try:
            print(f"{kernel} kernel (ensemble and single runs alike):")
            _ensembles(versus, quick)
        finally:
            compiled.use(None)
    _rule(versus, ratio_text, quick)


def _ensembles(versus, quick: bool) -> None:
    rounds = 7 if quick else 21
    k = 64
    for name, lr in (("sgd", 0.01), ("adam", 0.05)):
        config = RunConfig(optimizer=name, lr=lr, epochs=0)
        ens = EnsembleRun(config, range(k))
        singles = [TrainingRun(replace(config, seed=s)) for s in range(k)]

        def one_after_another(singles=singles):
            for run in singles:
                run.train(1)

        ens.train(2)   # allocator set up, as a user's first chunk would
        v = versus(lambda ens=ens: ens.train(1), one_after_another, rounds, 3, 1)
        print(f"ensemble of {k} seeds, one epoch ({name:>4}):     {v.best * 1e3:8.2f} ms"
              f"   {v.ratio:5.1f}x faster than {k} single runs one after another "
              f"(quartiles {v.low:.1f}-{v.high:.1f}); {v.best / k * 1e6:.1f} us per model-epoch")
    print("  target: >= 5x")


def _rule(versus, ratio_text, quick: bool) -> None:
    rounds = 7 if quick else 21
    exact = TrainingRun(RunConfig(optimizer="sgd", lr=0.01, delay=1, epochs=0))
    rule = TrainingRun(RunConfig(optimizer="sgd", lr=0.01, delay=1, epochs=0, gradient="lstmlib"))
    v = versus(lambda: rule.train(1), lambda: exact.train(1), rounds, 40, 40)
    print(f"one unit, the C library's rule (adjoint form):   {v.best * 1e6:8.1f} us"
          f"   {ratio_text(v)}; reference: the exact-gradient epoch, {v.best_ref * 1e6:.1f} us")

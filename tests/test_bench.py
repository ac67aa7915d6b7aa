"""The benchmark's reference must compute what the core computes, or its ratios mean nothing."""
import numpy as np

from lstm_gui.bench import timing as bench


def test_reference_update_equals_the_core_update():
    assert bench.check_plain_matches_core() < 1e-12


def test_paired_ratio_reports_quartiles_around_the_median():
    calls = {"fn": 0, "ref": 0}

    def fn():
        calls["fn"] += 1

    def ref():
        calls["ref"] += 1
        sum(range(200))

    v = bench.versus(fn, ref, rounds=5, number=3, ref_number=2)
    assert calls == {"fn": 15, "ref": 10}
    assert v.low <= v.ratio <= v.high and v.best > 0 and v.best_ref > 0
    assert np.isfinite(v.ratio)


def test_landscape_reference_computes_the_core_mse():
    from lstm_gui.bench.analysis import plain_mse
    from lstm_gui.core import mse
    rng = np.random.default_rng(2)
    p, x, t = rng.uniform(-1, 1, 12), rng.uniform(-1, 1, 30), rng.uniform(-1, 1, 30)
    assert abs(plain_mse(p.tolist(), x.tolist(), t.tolist()) - mse(p, x, t)) < 1e-15

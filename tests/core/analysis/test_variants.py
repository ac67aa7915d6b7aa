"""Variants side by side: the Greff table's numbers are the ensembles' own."""
from dataclasses import replace

import numpy as np

from lstm_gui.core.analysis.ensemble import EnsembleRun
from lstm_gui.core.analysis.variants import SeedRuns, format_table, greff_table
from lstm_gui.core.training.run import RunConfig, TrainingRun

BASE = RunConfig(hidden=3, init="pytorch", lr=0.02, epochs=30, target_mse=0.03)


def test_seed_runs_are_the_single_runs_and_the_table_reads_them():
    seeds = range(4)
    lstm = SeedRuns(BASE, seeds)
    gru = SeedRuns(replace(BASE, cell="gru"), seeds)
    for ens in (lstm, gru):
        while ens.train(10):
            pass
    single = TrainingRun(replace(BASE, cell="gru", seed=2))
    single.train(30)
    np.testing.assert_array_equal(gru.members[2].params, single.params)
    assert gru.mse[2] == single.mse and gru.test_mse()[2] == single.test_mse()
    data = [("lstm", lstm.mse, lstm.test_mse(), lstm.success()[0]),
            ("gru", gru.mse, gru.test_mse(), gru.success()[0])]
    rows = greff_table(data)
    assert rows[0].train_median == np.median(lstm.mse)
    assert rows[1].test_median == np.median(gru.test_mse())
    assert rows[1].test_q25 == np.quantile(gru.test_mse(), 0.25)
    assert rows[1].difference == np.median(gru.test_mse()) - np.median(lstm.test_mse())
    assert rows[1].success == gru.success()[0] == np.mean(gru.stopped_at > 0)
    assert rows[1].low <= rows[1].difference <= rows[1].high
    assert greff_table(data)[1].low == rows[1].low      # the bootstrap is seeded
    assert "baseline" in format_table(rows, "lstm").splitlines()[1]
    bands = gru.bands()
    assert bands.members.shape == (gru.epoch, 4)


def test_seed_runs_count_success_at_another_target_from_the_history():
    """A sweep over a fixed budget (no stop rule) with --success-mse: a seed succeeds at the
    first epoch its MSE reached the level (it used to count only seeds that stopped there)."""
    cfg = replace(BASE, target_mse=0.0, epochs=40)
    runs = SeedRuns(cfg, range(3))
    while runs.train(40):
        pass
    level = float(np.median([r.history.arrays()[1].min() for r in runs.members]))
    rate, epochs = runs.success(level)
    firsts = []
    for r in runs.members:
        ep, mse, _ = r.history.arrays()
        if (mse <= level).any():
            firsts.append(int(ep[np.nonzero(mse <= level)[0][0]]))
    assert rate == len(firsts) / 3 and list(epochs) == sorted(firsts) and len(firsts) >= 2
    assert np.isnan(runs.success()[0])      # no stop rule and no level: no success column


def test_a_clear_difference_is_called_clear():
    rng = np.random.default_rng(0)
    good, bad = rng.uniform(0.01, 0.02, 16), rng.uniform(0.5, 0.6, 16)
    rows = greff_table([("a", good, good, 1.0), ("b", bad, bad, 0.0), ("c", good[::-1], good, 1.0)])
    assert rows[1].clear and rows[1].low > 0 and not rows[2].clear


def test_the_units_ensemble_reports_each_members_test_mse():
    cfg = RunConfig(epochs=40)
    ens = EnsembleRun(cfg, [0, 1])
    ens.train(40)
    one = TrainingRun(replace(cfg, seed=1))
    one.train(40)
    assert ens.test_mse()[1] == np.float64(one.test_mse()) or abs(ens.test_mse()[1] - one.test_mse()) < 1e-10


def test_seed_runs_of_a_model_for_any_model_and_members_not_begun_have_no_result():
    from lstm_gui.core.analysis.variants import seeds_of
    assert isinstance(seeds_of(RunConfig(epochs=10), [0, 1]), EnsembleRun)
    runs = seeds_of(replace(BASE, cell="gru"), range(3))
    assert isinstance(runs, SeedRuns)
    runs.members[0].train(5)                     # as a cancel leaves it: seeds 1, 2 not begun
    assert np.isfinite(runs.test_mse()[0]) and np.isnan(runs.test_mse()[1:]).all()
    assert np.isnan(runs.mse[1:]).all() and not runs.diverged.any() and runs.trained == 0
    # Lean members: the MSE alone in the history, no gradient norms (256 seeds of a wide model)
    assert runs.members[0].history.row_shape == (0,)
    assert len(runs.members[0].grad_norms_view().epochs) == 0
    bands = runs.bands()
    assert bands.members.shape == (5, 3) and np.isnan(bands.members[:, 1:]).all()

"""The ensemble view through its real widgets (pytest-qt, offscreen)."""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.app.qt import Qt, QtCore
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.ensemble import EnsembleView
from lstm_gui.core.analysis.ensemble import EnsembleRun
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


class RecordingTrainer:
    """Stands in for the window's Trainer: records the runs the view opens."""

    def __init__(self):
        self.runs = []

    def replace_run(self, run, text="Open"):
        self.runs.append(run)
        return run


@pytest.fixture
def view(qtbot):
    messages = []
    ctx = ViewContext(trainer=RecordingTrainer(), cursor=TimeCursor(), undo=None,
                      message=messages.append, settings=None)
    v = EnsembleView(ctx)
    v.messages = messages
    qtbot.addWidget(v)
    v.resize(1100, 500)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


def _snap(config):
    run = TrainingRun(config)
    return run.snapshot()


def _train(view, qtbot, button):
    with qtbot.waitSignal(view.finished, timeout=60_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_trains_seeds_of_the_current_settings_and_shows_bands_success_and_histogram(view, qtbot):
    config = RunConfig(optimizer="adam", lr=0.05, seed=5)
    view.show_snapshot(_snap(config))
    view.seeds.setValue(8)
    view.epochs.setValue(300)
    view.target.setValue(0.05)
    _train(view, qtbot, view.run_button)
    (r,) = view.results
    assert r.seeds == tuple(range(5, 13)) and r.epoch <= 300
    # The same numbers as the core's ensemble of those seeds.
    ens = EnsembleRun(replace(config, target_mse=0.05, epochs=300), range(5, 13))
    ens.train(300)
    np.testing.assert_allclose(r.final, ens.mse, rtol=1e-12)
    rate, _ = ens.success()
    assert f"{100 * rate:.0f} % reached 0.05" in view.summary.text()
    assert view.plot.series_count() == 1
    assert sum(view.histogram.counts[0]) == np.isfinite(ens.mse).sum()
    assert view.pin_button.isEnabled() and not view.cancel_button.isEnabled()


def test_lstmlib_rule_vs_exact_overlays_both_with_a_legend_naming_them(view, qtbot):
    view.show_snapshot(_snap(RunConfig(optimizer="sgd", lr=0.05)))
    view.seeds.setValue(8)
    view.epochs.setValue(200)
    _train(view, qtbot, view.rules_button)
    labels = [r.label for r in view.results]
    assert labels == ["exact gradient", "lstmlib rule"]
    assert [r.config.gradient for r in view.results] == ["exact", "lstmlib"]
    assert all(r.config.delay == 1 for r in view.results)
    legend = [item[1].text for item in view.plot.legend.items]
    assert any("exact gradient" in t for t in legend) and any("lstmlib rule" in t for t in legend)
    # Same seeds, different rules: different results.
    assert not np.allclose(view.results[0].final, view.results[1].final)


def test_pinned_result_stays_as_a_ghost_named_by_what_differs(view, qtbot):
    view.show_snapshot(_snap(RunConfig(optimizer="sgd", lr=0.01)))
    view.seeds.setValue(8)
    view.epochs.setValue(100)
    _train(view, qtbot, view.run_button)
    qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    view.show_snapshot(_snap(RunConfig(optimizer="adam", lr=0.05)))
    _train(view, qtbot, view.run_button)
    assert view.plot.series_count() == 2
    legend = " | ".join(item[1].text for item in view.plot.legend.items)
    assert "Adam 0.05" in legend and "plain descent 0.01 (pinned)" in legend
    qtbot.mouseClick(view.unpin_button, Qt.MouseButton.LeftButton)
    assert view.plot.series_count() == 1


def test_clicking_a_member_opens_that_seed_as_the_current_run(view, qtbot):
    view.show_snapshot(_snap(RunConfig(optimizer="adam", lr=0.05, seed=10)))
    view.seeds.setValue(8)
    view.epochs.setValue(100)
    _train(view, qtbot, view.run_button)
    r = view.results[0]
    k = 3
    epoch = r.bands.epochs[len(r.bands.epochs) // 2]
    row = list(r.bands.epochs).index(epoch)
    vb = view.plot.getPlotItem().vb
    vb.prepareForPaint()   # the range follows the data when painted; the test maps before
    qtbot.wait(50)
    scene = vb.mapViewToScene(QtCore.QPointF(float(epoch), float(np.log10(r.bands.members[row, k]))))
    pos = view.plot.mapFromScene(scene)
    assert view.plot.viewport().rect().contains(pos)
    with qtbot.waitSignal(view.member_chosen) as chosen:
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert chosen.args[0].seed == r.seeds[k] == 13
    opened = view.ctx.trainer.runs[-1]
    assert opened.config.seed == 13 and opened.epoch == r.epoch   # the member as plotted
    assert "seed 13" in view.messages[-1]


def test_cancel_stops_the_thread_early(view, qtbot):
    view.show_snapshot(_snap(RunConfig(optimizer="adam", lr=0.05)))
    view.seeds.setValue(64)
    view.epochs.setValue(1_000_000)
    view.target.setValue(0.0001)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.results), timeout=30_000)
    with qtbot.waitSignal(view.finished, timeout=30_000):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert not view.is_running() and view.results[0].epoch < 1_000_000
    assert view.run_button.isEnabled()


def test_nine_series_each_have_their_own_colour_and_dash(qtbot):
    """A sweep of the nine cells draws nine medians no two alike (past six colours, dashes)."""
    from lstm_gui.app.ensemble_plot import BandsPlot
    from lstm_gui.core.analysis.ensemble import bands

    plot = BandsPlot(show_members=False)
    qtbot.addWidget(plot)
    rng = np.random.default_rng(0)
    plot.set_series([(f"cell={k}", bands(np.arange(1, 6), rng.uniform(0.1, 1, (5, 4))))
                     for k in range(9)])
    looks = {(m.opts["pen"].color().name(), m.opts["pen"].style()) for _, _, _, m in plot._groups}
    assert len(looks) == 9


# A small model of every kind the population kernel does not compute: a GRU of 3 units.
MODEL = RunConfig(cell="gru", hidden=3, init="pytorch", optimizer="adam", lr=0.02, seed=2)


def test_seeds_of_a_model_train_and_show_bands_like_the_units(view, qtbot):
    """Found by the tester: on any model but the unit the thread died (ValueError from the
    population kernel) and the view said "Training N seeds..." for ever."""
    from lstm_gui.core.analysis.variants import SeedRuns

    view.show_snapshot(_snap(MODEL))
    view.seeds.setValue(8)
    view.epochs.setValue(20)
    view.target.setValue(0.0001)
    with qtbot.waitSignal(view.finished, timeout=20_000):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    (r,) = view.results
    assert r.seeds == tuple(range(2, 10)) and r.epoch == 20
    runs = SeedRuns(replace(MODEL, target_mse=0.0001, epochs=20), range(2, 10))
    runs.train(20)
    np.testing.assert_array_equal(r.final, runs.mse)          # each member is its single run
    np.testing.assert_array_equal(r.test, runs.test_mse())
    assert view.plot.series_count() == 1 and r.bands.members.shape == (20, 8)
    assert "Training" not in view.summary.text() and "8 seeds, epoch 20" in view.summary.text()
    assert view.run_button.isEnabled() and not view.cancel_button.isEnabled()


def test_a_failure_in_the_thread_reaches_the_window_in_one_line_and_ends_training(
        view, qtbot, monkeypatch):
    """The mechanism: whatever the training thread raises is reported, and the view leaves
    its "Training..." state (before, the exception ended the thread silently)."""
    import lstm_gui.app.views.ensemble as module

    def broken(config, seeds):
        raise RuntimeError("the kernel\nbroke")

    monkeypatch.setattr(module, "seeds_of", broken, raising=False)
    monkeypatch.setattr(module, "EnsembleRun", broken, raising=False)
    view.show_snapshot(_snap(RunConfig()))
    view.seeds.setValue(8)
    with qtbot.waitSignal(view.finished, timeout=10_000):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert not view.is_running() and view.run_button.isEnabled()
    assert "Training" not in view.summary.text()
    assert "the kernel broke" in view.summary.text()
    assert view.messages and view.messages[-1] == "Ensemble of seeds failed: the kernel broke"


def test_a_pinned_lstm_is_named_by_its_cell_after_switching_to_gru(view, qtbot):
    """Found by the tester: the pinned LSTM band's legend said "same settings (pinned)"."""
    lstm = replace(MODEL, cell="lstm")
    view.show_snapshot(_snap(lstm))
    view.seeds.setValue(8)
    view.epochs.setValue(10)
    _train(view, qtbot, view.run_button)
    qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    view.show_snapshot(_snap(MODEL))
    _train(view, qtbot, view.run_button)
    legend = " | ".join(item[1].text for item in view.plot.legend.items)
    assert "cell lstm (pinned)" in legend and "cell gru" in legend
    assert "same settings" not in legend


def test_the_end_says_in_the_status_what_finished_and_its_result(view, qtbot):
    """Found by the tester: an ensemble that finished said nothing in the status bar."""
    view.show_snapshot(_snap(RunConfig(optimizer="adam", lr=0.05)))
    view.seeds.setValue(8)
    view.epochs.setValue(50)
    _train(view, qtbot, view.run_button)
    (r,) = view.results
    assert r.test is not None and len(r.test) == 8
    assert view.messages[-1] == (f"Ensemble of 8 seeds done at epoch 50: median test MSE "
                                 f"{np.nanmedian(r.test):.3g}")
    _train(view, qtbot, view.rules_button)
    exact, rule = view.results
    assert view.messages[-1] == (
        f"Ensembles of 8 seeds done at epoch 50: median test MSE {np.nanmedian(exact.test):.3g} "
        f"(exact gradient), {np.nanmedian(rule.test):.3g} (lstmlib rule)")


def test_a_pinned_result_and_the_next_make_a_greff_table(view, qtbot):
    """Each setting against the pinned one, as Greff et al.'s table: the numbers are
    variants.greff_table's of the two ensembles' own final and test MSEs."""
    from lstm_gui.core.analysis.variants import greff_table

    lstm = replace(MODEL, cell="lstm")
    view.show_snapshot(_snap(lstm))
    view.seeds.setValue(8)
    view.epochs.setValue(10)
    _train(view, qtbot, view.run_button)
    assert not view.table.isVisible()          # one setting: nothing to compare
    qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    view.show_snapshot(_snap(MODEL))
    _train(view, qtbot, view.run_button)
    assert view.table.isVisible() and view.table.rowCount() == 2
    pinned, current = view.ghosts[0], view.results[0]
    rows = greff_table([("cell lstm (pinned)", pinned.final, pinned.test, pinned.success),
                        ("cell gru", current.final, current.test, current.success)])
    cells = [[view.table.item(i, j).text() for j in range(view.table.columnCount())]
             for i in range(2)]
    assert cells[0][0] == "cell lstm (pinned)" and cells[1][0] == "cell gru"
    assert cells[0][view.COLUMNS.index("vs baseline")] == "baseline"
    assert cells[1][view.COLUMNS.index("test MSE")] == f"{rows[1].test_median:.3g}"
    assert cells[1][view.COLUMNS.index("vs baseline")] == f"{rows[1].difference:+.3g}"
    assert cells[1][view.COLUMNS.index("95 % interval")] == f"[{rows[1].low:+.2g}, {rows[1].high:+.2g}]"
    assert cells[1][view.COLUMNS.index("clear")] == ("yes" if rows[1].clear else "no")
    qtbot.mouseClick(view.unpin_button, Qt.MouseButton.LeftButton)
    assert not view.table.isVisible()


def test_the_rules_compare_refuses_a_model_in_one_line(view, qtbot):
    """RunConfig refuses the C library's rule on any model: asked from the view, that was
    an exception in the button's slot."""
    view.show_snapshot(_snap(MODEL))
    qtbot.mouseClick(view.rules_button, Qt.MouseButton.LeftButton)
    assert not view.is_running()
    assert "The lstmlib rule trains one unit" in view.messages[-1]


def test_seeds_of_a_model_not_trained_yet_are_not_called_diverged(view, qtbot):
    """A model's seeds train one after another: while (or after a cancel) some have not
    started, their MSE is NaN, which the summary counted as diverged."""
    view.show_snapshot(_snap(replace(MODEL, task=preset("sin-cos", length=400))))
    view.seeds.setValue(8)
    view.epochs.setValue(1_000_000)
    view.target.setValue(0.0)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.results), timeout=20_000)
    with qtbot.waitSignal(view.finished, timeout=20_000):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    text = view.summary.text()
    assert "diverged" not in text and "of 8 seeds trained (one after another)" in text
    assert view.messages[-1].startswith("Ensemble of 8 seeds cancelled")


def test_final_mses_close_together_get_a_readable_histogram_axis(qtbot):
    """Eight seeds of the PyTorch tutorial all stop at 1e-4: bins over 0.0004 of a decade
    printed tick labels over each other ("-4.0001-0005")."""
    from lstm_gui.app.ensemble_plot import FinalMseHistogram
    hist = FinalMseHistogram()
    qtbot.addWidget(hist)
    finals = 1e-4 * (1 - 1e-4 * np.arange(8))
    hist.set_series([("a", finals)])
    assert hist.edges[-1] - hist.edges[0] >= 0.2 - 1e-9 and sum(hist.counts[0]) == 8

"""The Gradient flow dock for models of H units and other families, through its real widgets."""
import numpy as np
import pytest

from lstm_gui.app.commands import Commands
from lstm_gui.app.trainer import Trainer
from lstm_gui.app.views import gradient
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.gradient import DECADES, GradientView
from lstm_gui.core.analysis import gradflow_model
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def make(qtbot, settings, task=None, **config):
    run = TrainingRun(RunConfig(task=task or preset("delay-k", length=30), epochs=0, seed=0,
                                optimizer="adam", lr=0.01, **config))
    trainer = Trainer(run)
    commands = Commands(trainer)
    cursor = TimeCursor()
    cursor.set_length(30)
    ctx = ViewContext(trainer=commands, cursor=cursor, undo=commands.undo, message=print,
                      settings=settings)
    view = GradientView(ctx)
    qtbot.addWidget(view)
    view.resize(700, 560)
    view.show()
    qtbot.waitExposed(view)
    return view, run, trainer, ctx


def feed(qtbot, view, run):
    snap = run.snapshot()
    drawn = view.results_drawn
    view.show_snapshot(snap)
    # This snapshot's result: an earlier frame's job may still finish first.
    qtbot.waitUntil(lambda: view.results_drawn > drawn and view._series["epoch"]
                    and view._series["epoch"][-1] == snap.epoch, timeout=20_000)
    return snap


@pytest.mark.parametrize("config,gates", [(dict(cell="lstm", hidden=16), ("f", "i", "C", "o")),
                                          (dict(cell="gru", hidden=3, units=2), ("r", "z", "n"))],
                         ids=["lstm-H16", "gru-H3-2layers"])
def test_heat_map_lag_profile_and_horizon_of_a_model_are_the_cores(qtbot, settings, config, gates):
    view, run, trainer, ctx = make(qtbot, settings, **config)
    try:
        run.train(3)
        feed(qtbot, view, run)
        run.train(3)
        snap = feed(qtbot, view, run)
        flow = gradflow_model.analyse(snap.model, snap.params, snap.x, snap.target)
        assert view.mapPlot.isVisible() and view.lagPlot.isVisible() and view.normsPlot.isVisible()
        assert not view.paramPlot.isVisible()
        top = flow.abs_map.max()
        expect = np.log10(np.maximum(flow.abs_map, top * 10.0 ** -DECADES)).T
        np.testing.assert_allclose(view.image.image, expect, rtol=1e-12)
        assert view.gates == gates and len(view.gateCurves) == len(gates)
        for g, curve in zip(gates, view.gateCurves):
            lags, values = curve.getOriginalDataset()
            keep = flow.per_gate[g] > 0
            np.testing.assert_array_equal(lags, np.arange(30)[keep])
            np.testing.assert_allclose(values, flow.per_gate[g][keep], rtol=1e-12)
        assert view.horizonLine.value() == flow.horizon
        epochs, horizons = view.horizonCurve.getData()
        assert list(epochs) == [3, 6] and horizons[-1] == flow.horizon
        assert f"memory horizon <b>{flow.horizon}</b>" in view.summary.text()
        # The time cursor's row is drawn on its own.
        ctx.cursor.set(20)
        lags, row = view.rowCurve.getOriginalDataset()
        np.testing.assert_allclose(row, flow.abs_map[20, 20::-1][flow.abs_map[20, 20::-1] > 0])
    finally:
        trainer.shutdown()


def test_a_task_of_many_sequences_is_itemised_on_a_sample_and_says_so(qtbot, settings, monkeypatch):
    # 1 000 sequences to one output fit the budget (one origin); a smaller one samples them.
    monkeypatch.setattr(gradient, "FLOW_STEP_BUDGET", 2_000)
    view, run, trainer, ctx = make(qtbot, settings, task=preset("sum-of-sequence"), cell="gru",
                                   hidden=4)
    try:
        run.train(1)
        feed(qtbot, view, run)
        assert view.mapPlot.isVisible()
        assert "itemised on" in view.summary.text() and "of the 1,000 training sequences" in view.summary.text()
        # Sequence-to-one: only the last step's error teaches; its row holds the whole map.
        image = view.image.image
        assert np.isfinite(image).all() and image.shape[0] == image.shape[1]
    finally:
        trainer.shutdown()


def test_the_unit_after_a_model_gets_its_own_plots_back(qtbot, settings):
    view, run, trainer, ctx = make(qtbot, settings, cell="gru", hidden=2)
    try:
        feed(qtbot, view, run)
        assert view.gates == ("r", "z", "n")
        unit = TrainingRun(RunConfig(task=preset("delay-k", length=30), epochs=0, seed=0))
        feed(qtbot, view, unit)
        assert view.gates == ("f", "i", "C", "o") and view.paramPlot.isVisible()
        assert view.paramLegend.isVisible()
    finally:
        trainer.shutdown()

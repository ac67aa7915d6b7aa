"""The gradient-flow view through its real widgets, fed snapshots of a real TrainingRun."""
import numpy as np

from lstm_gui.app.commands import Commands
from lstm_gui.app.trainer import Trainer
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.gradient import DECADES, GradientView
from lstm_gui.core.analysis import gradflow
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def make(qtbot, settings, **config):
    run = TrainingRun(RunConfig(task=preset("delay-k", length=40), epochs=0, seed=0, **config))
    trainer = Trainer(run)
    commands = Commands(trainer)
    cursor = TimeCursor()
    cursor.set_length(40)
    ctx = ViewContext(trainer=commands, cursor=cursor, undo=commands.undo, message=print,
                      settings=settings)
    view = GradientView(ctx)
    qtbot.addWidget(view)
    view.resize(640, 560)
    view.show()
    qtbot.waitExposed(view)
    return view, run, trainer, ctx


def feed(qtbot, view, trainer):
    snap = trainer.snapshot()
    drawn = view.results_drawn
    view.show_snapshot(snap)
    qtbot.waitUntil(lambda: view.results_drawn > drawn, timeout=10_000)
    return snap


def test_heat_map_lag_profile_and_horizon_are_the_cores(qtbot, settings):
    view, run, trainer, _ = make(qtbot, settings)
    run.train(300)
    snap = feed(qtbot, view, trainer)
    G = gradflow.contributions(snap.params, snap.x, snap.target)
    A = np.abs(G).sum(axis=(2, 3))
    floor = A.max() * 10.0 ** -DECADES
    np.testing.assert_allclose(view.image.image, np.log10(np.maximum(A, floor)).T)
    # Nothing above the diagonal: error terms never learn from later steps.
    assert np.all(view.image.image[np.triu_indices(40, 1)[::-1]] == np.log10(floor))
    horizon = gradflow.memory_horizon(G)
    assert f"memory horizon <b>{horizon}</b>" in view.summary.text()
    assert view.horizonLine.value() == horizon
    f_lags, f_values = view.gateCurves[0].getOriginalDataset()
    G5 = G.reshape(40, 40, 4, 3)
    expected = gradflow.lag_magnitude(G5[:, :, 0, :])
    np.testing.assert_allclose(f_values, expected[f_lags.astype(int)], rtol=1e-12)
    trainer.shutdown()


def test_follows_the_time_cursor(qtbot, settings):
    view, run, trainer, ctx = make(qtbot, settings)
    run.train(100)
    snap = feed(qtbot, view, trainer)
    ctx.cursor.set(25)
    assert view.cursorLine.value() == 25
    lags, values = view.rowCurve.getOriginalDataset()
    A = np.abs(gradflow.contributions(snap.params, snap.x, snap.target)).sum(axis=(2, 3))
    np.testing.assert_allclose(values, A[25, 25 - lags.astype(int)], rtol=1e-12)
    assert lags.max() <= 25
    assert "t = 25" in view.lagPlot.titleLabel.text
    trainer.shutdown()


def test_horizon_and_gradient_over_epochs_and_clipping(qtbot, settings):
    view, run, trainer, _ = make(qtbot, settings, clip=1e-3)
    feed(qtbot, view, trainer)
    run.train(200)
    snap = feed(qtbot, view, trainer)
    epochs, _ = view.horizonCurve.getData()
    assert list(epochs) == [0, 200]
    # The gradient per parameter: the run's record, then the frame's own epoch.
    recorded = snap.grad_norms.epochs
    assert recorded[0] == 0
    np.testing.assert_array_equal(view.paramCurves[0].getOriginalDataset()[0],
                                  recorded if recorded[-1] == 200 else np.append(recorded, 200))
    assert "clipping active" in view.summary.text()
    assert view.clipLine.isVisible()
    # A reset run starts the series over.
    run.reset()
    feed(qtbot, view, trainer)
    assert list(view.horizonCurve.getData()[0]) == [0]
    trainer.shutdown()


def test_update_sizes_come_from_the_history_and_the_choice_is_kept(qtbot, settings):
    view, run, trainer, ctx = make(qtbot, settings)
    run.train(50)
    snap = feed(qtbot, view, trainer)
    view.quantityCombo.setCurrentIndex(view.quantityCombo.findData("update"))
    _, values = view.paramCurves[2].getOriginalDataset()    # b_f
    p = snap.history.params[:, 0, 2]
    np.testing.assert_allclose(values, np.abs(np.diff(p))[np.abs(np.diff(p)) > 0], rtol=1e-12)
    again = GradientView(ctx)
    qtbot.addWidget(again)
    assert again.quantityCombo.currentData() == "update"
    trainer.shutdown()


def test_a_chain_is_itemised_and_a_too_long_run_is_refused_in_words(qtbot, settings):
    view, run, trainer, _ = make(qtbot, settings, units=2)
    run.train(20)
    feed(qtbot, view, trainer)
    assert view.image.image.shape == (40, 40)
    G = gradflow.contributions(run.params, run.x, run.target)
    assert f"memory horizon <b>{gradflow.memory_horizon(G)}</b>" in view.summary.text()
    trainer.shutdown()
    long_run = TrainingRun(RunConfig(task=preset("sin-cos", length=1500), epochs=0, units=2))
    drawn = view.results_drawn
    view.show_snapshot(long_run.snapshot())
    assert "Too long to itemise" in view.summary.text()
    assert not view.worker.pending() and view.results_drawn == drawn


def test_gradient_norms_per_unit_of_a_chain_are_the_cores(qtbot, settings):
    """The chain lesson (sin-cos, 3 units, seed 0): at epoch 0 unit 1 gets about 300x less
    gradient than unit 3, and gradientNorms draws each unit's own norm, not their sum."""
    from lstm_gui.core.models import unit

    run = TrainingRun(RunConfig(task=preset("sin-cos"), units=3, optimizer="adam", lr=0.05,
                                seed=0, epochs=0))
    trainer = Trainer(run)
    commands = Commands(trainer)
    cursor = TimeCursor()
    ctx = ViewContext(trainer=commands, cursor=cursor, undo=commands.undo, message=print,
                      settings=settings)
    view = GradientView(ctx)
    qtbot.addWidget(view)
    view.resize(640, 700)
    view.show()
    snap = feed(qtbot, view, trainer)
    _, grad = unit.mse_and_grad(snap.params, snap.x, snap.target)
    expected = np.linalg.norm(grad, axis=1)
    assert expected[2] / expected[0] > 100          # the lesson's fact, in the core
    np.testing.assert_allclose(view.layer_norms()[-1], expected, rtol=1e-9)
    assert "unit 1 gets" in view.summary.text() and "than unit 3" in view.summary.text()
    assert view.normsPlot.ctrl.logYCheck.isChecked()
    run.train(20)
    snap = feed(qtbot, view, trainer)
    _, grad = unit.mse_and_grad(snap.params, snap.x, snap.target)
    norms = view.layer_norms()
    # The run's record (epoch 0 and rows through the 20 epochs), its last at epoch 20.
    assert norms.shape[1] == 3 and 2 <= norms.shape[0] <= 21
    np.testing.assert_allclose(norms[-1], np.linalg.norm(grad, axis=1), rtol=1e-9)
    # The per-parameter plot shows one unit's gradient, not the units' sum.
    view.show_unit(0)
    _, values = view.paramCurves[2].getOriginalDataset()
    np.testing.assert_allclose(values[-1], abs(grad[0, 2]), rtol=1e-9)
    assert "of unit 1" in view.paramPlot.titleLabel.text
    trainer.shutdown()


def test_gradient_norms_of_a_two_layer_gru_are_the_norms_of_its_gradient_blocks(qtbot, settings):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=40), cell="gru", hidden=16, units=2,
                                optimizer="adam", lr=0.01, seed=0, epochs=0))
    trainer = Trainer(run)
    commands = Commands(trainer)
    ctx = ViewContext(trainer=commands, cursor=TimeCursor(), undo=commands.undo, message=print,
                      settings=settings)
    view = GradientView(ctx)
    qtbot.addWidget(view)
    view.resize(700, 560)
    view.show()
    run.train(5)
    snap = feed(qtbot, view, trainer)
    model = snap.model
    _, grad = model.loss_and_grad(snap.params, snap.x, snap.target)
    per_layer = [np.sqrt(sum(np.sum(grad[b.slice] ** 2) for b in model.blocks() if b.layer == k))
                 for k in range(2)]
    np.testing.assert_allclose(view.layer_norms()[-1], per_layer, rtol=1e-9)
    # Per hidden unit: row j of every block of the layer (16 thin curves per layer).
    assert len(view.unitCurves) == 32
    R = [b for b in model.blocks() if b.layer == 1]
    unit3 = np.sqrt(sum(np.sum(grad[b.slice].reshape(b.shape)[3] ** 2) for b in R))
    np.testing.assert_allclose(view.unitCurves[16 + 3].getOriginalDataset()[1][-1], unit3, rtol=1e-9)
    assert "layer 1" in view.normsPlot.titleLabel.text and "‖∇E‖" in view.summary.text()


def test_sampled_series_show_markers_and_the_parameters_have_a_legend(qtbot, settings):
    """Issue 25: the horizon is sampled once per analysed frame (epochs 0 and 3 000 when
    training ran between two frames): markers, not a line drawn as if it were data."""
    from lstm_gui.core import PARAM_NAMES
    view, run, trainer, _ = make(qtbot, settings)
    feed(qtbot, view, trainer)
    run.train(300)
    feed(qtbot, view, trainer)
    opts = view.horizonCurve.opts
    assert opts["pen"] is None and opts["symbol"] == "o"
    assert len(view.horizonCurve.getData()[0]) == 2
    assert all(curve.opts["symbol"] == "o" for curve in view.paramCurves)
    names = [label.text for _, label in view.paramLegend.items]
    assert names == list(PARAM_NAMES)
    trainer.shutdown()


def test_a_chains_gradient_is_listed_unit_by_unit(qtbot, settings):
    from lstm_gui.core.models import unit
    view, run, trainer, _ = make(qtbot, settings, units=3)
    snap = feed(qtbot, view, trainer)
    g = np.linalg.norm(unit.mse_and_grad(snap.params, snap.x, snap.target)[1], axis=1)
    text = view.summary.text()
    assert "per unit " + ", ".join(f"{u + 1}: {v:.2g}" for u, v in enumerate(g)) in text
    trainer.shutdown()


def test_every_plot_title_fits_its_plot_in_the_windows_default_dock(window, qtbot):
    """At 1400x900 the unit's gradient-flow dock is about 595 px wide: three plots a row cut
    their titles ("How much s teach…", "Memory horizon (s…")."""
    window.layout_.present("gradientView")
    view = window.views["gradientView"]
    qtbot.waitUntil(lambda: window.can_be_seen("gradientView"))
    window.step(30)
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    qtbot.wait(50)
    assert window.docks["gradientView"].width() < 700
    plots = (view.mapPlot, view.lagPlot, view.horizonPlot, view.normsPlot, view.paramPlot)
    for plot in plots:
        label = plot.titleLabel
        text = label.item.toPlainText()
        assert text, "every plot has a title"
        assert label.item.boundingRect().width() <= plot.boundingRect().width(), text


def _view(qtbot, settings, run):
    trainer = Trainer(run)
    commands = Commands(trainer)
    ctx = ViewContext(trainer=commands, cursor=TimeCursor(), undo=commands.undo, message=print,
                      settings=settings)
    view = GradientView(ctx)
    qtbot.addWidget(view)
    view.resize(700, 560)
    view.show()
    qtbot.waitExposed(view)
    return view, trainer


def test_a_models_first_result_is_awaited_with_computing_not_the_units_empty_plots(qtbot, settings):
    """Found by the tester: while its first GRU result computed, the view showed empty axes
    with the unit's legend of parameters."""
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=40), cell="gru", hidden=4,
                                init="pytorch", epochs=0))
    view, trainer = _view(qtbot, settings, run)
    view.show_snapshot(run.snapshot())             # the worker's result cannot be drawn yet
    assert "omputing" in view.summary.text()
    assert not view.paramPlot.isVisible() and not view.paramLegend.isVisible()
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=20_000)
    assert "omputing" not in view.summary.text()
    trainer.shutdown()


def test_gradient_norms_are_the_runs_record_one_point_per_recorded_epoch(qtbot, settings):
    """Before, the curves were gathered from the frames the view analysed (2-3 points in 15 s
    joined by lines); a dock shown after 300 epochs drew one point.  Now the run records
    them (TrainingRun.grad_norms_view) and one snapshot draws the whole record."""
    from lstm_gui.core.models import compiled
    compiled.use("numpy")          # epoch by epoch: many offers
    try:
        run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="gru", hidden=3,
                                    units=2, init="pytorch", epochs=60))
        run._grad_pace.share = float("inf")
        run.train(60)
    finally:
        compiled.use(None)
    view, trainer = _view(qtbot, settings, run)
    snap = feed(qtbot, view, trainer)
    rec = snap.grad_norms
    assert len(rec.epochs) > 10 and rec.epochs[-1] == 60
    for k, curve in enumerate(view.layerCurves):
        x, y = curve.getOriginalDataset()
        np.testing.assert_array_equal(x, rec.epochs)
        np.testing.assert_allclose(y, rec.layers[:, k])
    x, y = view.unitCurves[4].getOriginalDataset()
    np.testing.assert_allclose(y, rec.units[:, 4])
    # A long record is drawn thinned, evenly, from its first row to its last.
    from lstm_gui.app.views import gradient
    gradient.MAX_DRAWN, kept = 10, gradient.MAX_DRAWN
    try:
        view._norms_drawn = None
        view._draw_recorded(snap)
    finally:
        gradient.MAX_DRAWN = kept
    x, y = view.layerCurves[1].getOriginalDataset()
    assert len(x) == 10 and x[0] == rec.epochs[0] and x[-1] == rec.epochs[-1]
    np.testing.assert_allclose(y, rec.layers[np.searchsorted(rec.epochs, x), 1])
    trainer.shutdown()


def test_a_chains_norms_and_parameters_are_the_runs_record(qtbot, settings):
    from lstm_gui.core.models import compiled
    compiled.use("numpy")
    try:
        run = TrainingRun(RunConfig(task=preset("sin-cos"), units=3, epochs=0))
        run.train(200)
    finally:
        compiled.use(None)
    view, trainer = _view(qtbot, settings, run)
    snap = feed(qtbot, view, trainer)
    rec = snap.grad_norms
    assert len(rec.epochs) > 100 and rec.epochs[0] == 0
    x, y = view.layerCurves[0].getOriginalDataset()
    # The record, then the analysed frame's own epoch (200: the step at epoch 200 has not run).
    np.testing.assert_array_equal(x, np.append(rec.epochs, 200))
    np.testing.assert_allclose(y[:-1], rec.layers[:, 0])
    view.show_unit(2)
    x, y = view.paramCurves[2].getOriginalDataset()
    np.testing.assert_allclose(y[:-1], rec.params[:, 2, 2])
    trainer.shutdown()

"""The Landscape dock for models of H units and other families, through its real widgets."""
import numpy as np
import pytest

from lstm_gui.app.commands import Commands
from lstm_gui.app.trainer import Trainer
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.landscape import LandscapeView
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def context(settings, **model):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=40), epochs=0, seed=1,
                                optimizer="adam", lr=0.01, **model))
    trainer = Trainer(run)
    commands = Commands(trainer)
    messages = []
    ctx = ViewContext(trainer=commands, cursor=TimeCursor(), undo=commands.undo,
                      message=messages.append, settings=settings)
    ctx.messages = messages
    return ctx, run, trainer


def view_of(qtbot, ctx):
    view = LandscapeView(ctx)
    qtbot.addWidget(view)
    view.resize(560, 500)
    view.show()
    qtbot.waitExposed(view)
    view.sizeCombo.setCurrentIndex(view.sizeCombo.findData(16))
    return view


def shown(qtbot, view, snap, kind):
    drawn = view.results_drawn
    view.show_snapshot(snap)
    # The map of this snapshot: one of an earlier frame may still arrive first.
    qtbot.waitUntil(lambda: view.results_drawn > drawn and view.plot.map.kind == kind
                    and np.array_equal(view.plot.map.origin, snap.params), timeout=20_000)
    return view.plot.map


@pytest.mark.parametrize("model", [dict(cell="lstm", hidden=16), dict(cell="gru", hidden=16)],
                         ids=["lstm-H16", "gru-H16"])
def test_a_map_of_an_h16_model_is_drawn_finite_with_the_runs_loss_at_its_centre(qtbot, settings, model):
    ctx, run, trainer = context(settings, **model)
    try:
        view = view_of(qtbot, ctx)
        for epochs in (2, 2, 2, 2):          # a path the view saw (the history keeps none)
            run.train(epochs)
            view.show_snapshot(run.snapshot())
        snap = run.snapshot()
        m = shown(qtbot, view, snap, "pca")
        image = view.plot.image.image
        assert image.shape == (17, 17) and np.isfinite(image).all()
        np.testing.assert_allclose(image, np.log10(m.mse))
        assert m.mse[8, 8] == pytest.approx(run.current_mse(), abs=1e-12)
        np.testing.assert_array_equal(m.origin, snap.params)
        # The path drawn is the snapshots the view saw, ending at the model (0, 0).
        coords = view.path_coords()
        assert coords.shape == (4, 2)        # epochs 2, 4, 6 and now (8)
        np.testing.assert_allclose(coords[-1], 0.0, atol=1e-12)
        # Random filter-normalised, and two named parameters of the model's own (GRU only:
        # each map of the LSTM takes a second here).
        if model["cell"] == "gru":
            other_planes(qtbot, view, snap)
        # The Hessian is refused in one line (1 169 / 897 parameters).
        view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("hessian"))
        view.show_snapshot(snap)
        assert "takes more than a second above 96" in view.readout.text()
        assert "\n" not in view.readout.text()
    finally:
        trainer.shutdown()


def other_planes(qtbot, view, snap):
    view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("random"))
    assert np.isfinite(shown(qtbot, view, snap, "random").mse).all()
    assert view.param1Combo.count() == snap.model.size
    view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("params"))
    m = shown(qtbot, view, snap, "params")
    assert m.names == view.settings_tuple()[1] and m.names[0] in snap.model.names()


def test_a_small_gru_gets_the_hessian_plane_and_the_curvature_and_a_click_moves_it(qtbot, settings):
    ctx, run, trainer = context(settings, cell="gru", hidden=3)      # 52 parameters: allowed
    try:
        run.train(3)
        view = view_of(qtbot, ctx)
        view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("hessian"))
        snap = run.snapshot()
        m = shown(qtbot, view, snap, "hessian")
        assert np.isfinite(m.mse).all()
        assert "Sharpest curvature here" in view.curvatureLabel.text()
        before = snap.params.copy()
        view.move_to(0.1, -0.2)
        after = trainer.read(lambda r: r.params.copy())
        np.testing.assert_allclose(after, before + 0.1 * m.d1 - 0.2 * m.d2)
    finally:
        trainer.shutdown()


def test_pca_waits_for_three_frames_and_says_so_in_the_view_then_the_line_goes(qtbot, settings):
    ctx, run, trainer = context(settings, cell="gru", hidden=8)      # 257 parameters: no history
    try:
        view = view_of(qtbot, ctx)
        m = shown(qtbot, view, run.snapshot(), "random")
        assert m.kind == "random"
        assert "needs a path of 3 frames of training" in view.readout.text()
        for _ in range(3):
            run.train(2)
            view.show_snapshot(run.snapshot())
        shown(qtbot, view, run.snapshot(), "pca")
        assert view.readout.text() == "" and ctx.messages == []
    finally:
        trainer.shutdown()

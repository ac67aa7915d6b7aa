"""The landscape view through its real widgets, fed snapshots of a real TrainingRun."""
import numpy as np
import pytest

from lstm_gui.app.commands import Commands
from lstm_gui.app.qt import Qt, QtCore, QtGui, QtWidgets
from lstm_gui.app.trainer import Trainer
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.landscape import LandscapeView
from lstm_gui.core import mse_and_grad
from lstm_gui.core.analysis import landscape
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


@pytest.fixture
def ctx(qtbot, settings):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=40), epochs=0, seed=3))
    run.train(150)
    trainer = Trainer(run)
    commands = Commands(trainer)
    messages = []
    c = ViewContext(trainer=commands, cursor=TimeCursor(), undo=commands.undo,
                    message=messages.append, settings=settings)
    c.messages = messages
    yield c
    trainer.shutdown()


def make_view(qtbot, ctx):
    view = LandscapeView(ctx)
    qtbot.addWidget(view)
    view.resize(520, 480)
    view.show()
    qtbot.waitExposed(view)
    return view


def shown(qtbot, view, ctx):
    """Feed the current snapshot and wait for its map."""
    snap = ctx.trainer.trainer.snapshot()
    drawn = view.results_drawn
    view.show_snapshot(snap)
    qtbot.waitUntil(lambda: view.results_drawn > drawn, timeout=10_000)
    return snap


def test_map_path_and_curvature_of_a_trained_run(qtbot, ctx):
    view = make_view(qtbot, ctx)
    view.sizeCombo.setCurrentIndex(view.sizeCombo.findData(16))
    snap = shown(qtbot, view, ctx)
    m = view.plot.map
    assert m.kind == "pca" and m.mse.shape == (17, 17)
    np.testing.assert_array_equal(m.origin, snap.params)
    # The image holds log10 of the grid; the grid is the MSE at those points.
    np.testing.assert_allclose(view.plot.image.image, np.log10(m.mse))
    i, j = 3, 11
    point = m.origin + m.alphas[i] * m.d1 + m.betas[j] * m.d2
    assert m.mse[i, j] == pytest.approx(mse_and_grad(point, snap.x, snap.target)[0], abs=1e-12)
    # The path ends at the current model, marked at the origin of the plane.
    coords = view.path_coords()
    assert coords.shape == (len(snap.history.params) + 1, 2)
    np.testing.assert_allclose(coords[-1], 0.0, atol=1e-12)
    xs, ys = view.plot.current.getData()
    assert (xs[0], ys[0]) == pytest.approx((0.0, 0.0), abs=1e-12)
    assert len(view.plot.path.getData()[0]) == coords.shape[0]
    # The span fits the path.
    assert m.span >= np.abs(coords).max()
    top = np.linalg.eigvalsh(landscape.hessian(snap.params, snap.x, snap.target))[-1]
    assert f"{top:.4g}" in view.curvatureLabel.text()
    assert f"{2 / snap.config.lr:.4g}" in view.curvatureLabel.text()


def test_the_path_grows_live_on_the_last_map(qtbot, ctx):
    view = make_view(qtbot, ctx)
    shown(qtbot, view, ctx)
    before = len(view.plot.path.getData()[0])
    ctx.trainer.trainer.step(40)
    view.show_snapshot(ctx.trainer.trainer.snapshot())
    assert len(view.plot.path.getData()[0]) > before      # at once, before any new map


def test_hover_reads_out_and_a_click_moves_the_model_undoably(qtbot, ctx):
    view = make_view(qtbot, ctx)
    view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("params"))
    view.spanSpin.setValue(0.5)
    view.sizeCombo.setCurrentIndex(view.sizeCombo.findData(16))
    before = shown(qtbot, view, ctx).params.copy()
    # Each setting above asked for a map; the click must land on the last one.
    qtbot.waitUntil(lambda: (view.plot.map.kind, view.plot.map.span, view.plot.map.mse.shape)
                    == ("params", 0.5, (17, 17)) and not view.worker.isRunning(), timeout=10_000)
    qtbot.wait(50)
    vb = view.plot.plot.getViewBox()
    scene = vb.mapViewToScene(QtCore.QPointF(0.25, -0.25))
    widget_pos = view.plot.mapFromScene(scene)
    # A move event sent as such: QTest's mouseMove sends none when the cursor is already
    # there (an earlier test left it there), so the hover depended on the order of tests.
    viewport = view.plot.viewport()
    move = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, QtCore.QPointF(widget_pos),
                             QtCore.QPointF(viewport.mapToGlobal(widget_pos)),
                             Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                             Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(viewport, move)
    qtbot.waitUntil(lambda: "MSE" in view.readout.text())
    assert "W_fx" in view.plot.plot.getAxis("bottom").labelText
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    after = ctx.trainer.trainer.read(lambda run: run.params.copy())
    moved = after - before
    assert moved[0, 1] == pytest.approx(0.25, abs=0.05)     # W_fx, to a pixel
    assert moved[0, 2] == pytest.approx(-0.25, abs=0.05)    # b_f
    assert np.count_nonzero(moved) == 2
    ctx.undo.undo()
    np.testing.assert_array_equal(ctx.trainer.trainer.read(lambda run: run.params), before)


def test_settings_survive_a_new_view(qtbot, ctx):
    view = make_view(qtbot, ctx)
    view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("params"))
    view.param1Combo.setCurrentIndex(view.param1Combo.findData("W_oh"))
    view.sizeCombo.setCurrentIndex(view.sizeCombo.findData(96))
    view.spanSpin.setValue(2.5)
    again = make_view(qtbot, ctx)
    assert again.settings_tuple() == ("params", ("W_oh", "b_f"), 96, 2.5)
    assert again.param1Combo.isVisibleTo(again)


def test_random_and_hessian_planes(qtbot, ctx):
    view = make_view(qtbot, ctx)
    view.sizeCombo.setCurrentIndex(view.sizeCombo.findData(16))
    for kind in ("random", "hessian", "line"):
        view.directionsCombo.setCurrentIndex(view.directionsCombo.findData(kind))
        shown(qtbot, view, ctx)
        qtbot.waitUntil(lambda kind=kind: view.plot.map.kind == kind, timeout=10_000)
        assert np.isfinite(view.plot.map.mse).all()


def test_a_chain_offers_every_units_parameters(qtbot, settings):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), units=2, epochs=0, seed=1))
    run.train(40)
    trainer = Trainer(run)
    commands = Commands(trainer)
    ctx = ViewContext(trainer=commands, cursor=TimeCursor(), undo=commands.undo,
                      message=print, settings=settings)
    view = make_view(qtbot, ctx)
    view.sizeCombo.setCurrentIndex(view.sizeCombo.findData(16))
    view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("params"))
    view.param2Combo.setCurrentIndex(0)
    shown(qtbot, view, ctx)
    assert view.param1Combo.count() == 24
    view.param2Combo.setCurrentIndex(view.param2Combo.findData("b_o@2"))
    assert view.param2Combo.currentText() == "b_o (unit 2)"
    qtbot.waitUntil(lambda: view.plot.map.d2[1, 11] == 1.0, timeout=10_000)
    assert view.plot.map.origin.shape == (2, 12)
    trainer.shutdown()

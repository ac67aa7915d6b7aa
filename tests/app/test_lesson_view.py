"""The Lesson view (issue 17), through the real window's widgets."""
import numpy as np
from PySide6.QtCore import Qt

from lstm_gui.app.qt import QtWidgets
from lstm_gui.core import lessons
from lstm_gui.core.training.evaluation import MIN_EVERY

from .conftest import current


def _lessons_action(window):
    return window.findChild(type(window.openAction), "lessonsAction")


def test_help_lessons_opens_the_lesson_beside_the_plots(window, qtbot):
    dock = window.docks["lessonView"]
    assert not dock.isVisible()
    assert _lessons_action(window) in window.helpMenu.actions()
    _lessons_action(window).trigger()
    qtbot.waitUntil(dock.isVisible)
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.docks["signalView"].isVisible() and window.docks["mseView"].isVisible()
    view = window.views["lessonView"]
    assert view.lessonCombo.count() == len(lessons.names())
    text = view.text.toPlainText()
    assert lessons.load("memory").title in text and "Before you press Train" in text


def test_choosing_a_lesson_shows_its_text(window, qtbot):
    window.show_lessons()
    view = window.views["lessonView"]
    view.lessonCombo.setCurrentIndex(view.lessonCombo.findData("noise"))
    assert "Noise on the target" in view.text.toPlainText()
    assert "What you saw" in view.text.toPlainText()


def test_set_up_replaces_the_run_shows_the_views_and_undoes(window, qtbot):
    window.show_lessons()
    view = window.views["lessonView"]
    before = current(window).config
    view.open("forget-gate-frozen")
    with qtbot.waitSignal(view.lesson_requested) as blocker:
        qtbot.mouseClick(view.setUpButton, Qt.MouseButton.LeftButton)
    lesson = blocker.args[0]
    assert lesson.name == "forget-gate-frozen"
    run = current(window)
    assert run.config == lesson.config and run.epoch == 0
    assert run.config.task.key == "running-sum" and run.config.frozen == (2,)
    for name in lesson.docks:
        if name in window.docks:
            assert window.docks[name].isVisible()
    # The panel shows the lesson's settings; Train trains the lesson's run.
    assert window.panel.config().lr == lesson.config.lr
    qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: current(window).epoch > 20, timeout=20_000)
    window.pause()
    np.testing.assert_array_equal(current(window).params[0, 2], run.initial_params[0, 2])
    window.undoAction.trigger()   # back to the run before the lesson
    qtbot.waitUntil(lambda: current(window).config == before)


def test_the_mse_view_draws_the_unseen_and_clean_curves(window, qtbot):
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("noise")
    view.set_up()
    window.trainer.apply(lambda run: run.train(2 * MIN_EVERY))
    window.refresh()
    plot = window.msePlot
    epochs, unseen = plot.unseen.getData()
    _, clean = plot.clean.getData()
    recorded = current(window).snapshot().evaluation
    assert list(epochs) == [MIN_EVERY, 2 * MIN_EVERY]
    # The plot's y axis is logarithmic: pyqtgraph hands back log10 of the values.
    np.testing.assert_allclose(10 ** unseen, recorded.unseen_mse)
    np.testing.assert_allclose(10 ** clean, recorded.clean_mse)
    names = [label.text for _, label in plot.legend.items]
    assert "unseen steps (3x)" in names and "vs clean target" in names
    assert isinstance(view.text, QtWidgets.QTextBrowser)


def test_without_noise_the_clean_curve_stays_out_of_the_legend(window, qtbot):
    window.trainer.apply(lambda run: run.train(MIN_EVERY))
    window.refresh()
    names = [label.text for _, label in window.msePlot.legend.items]
    assert "unseen steps (3x)" in names and "vs clean target" not in names


def test_every_view_a_lesson_names_is_a_dock_of_the_window(window):
    for name in lessons.names():
        missing = set(lessons.load(name).docks) - set(window.docks)
        assert not missing, f"lesson {name} names views the window lacks: {missing}"


def test_the_signal_view_runs_a_forecast_free_past_the_sequence(window, qtbot):
    from lstm_gui.core.analysis.freerun import free_run_snapshot
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("forecasting")
    view.set_up()
    window.trainer.apply(lambda run: run.train(300))
    window.panel.spanCheck.setChecked(True)
    window.refresh()
    plot = window.signalPlot
    assert plot.free_run.isVisible()
    t, predicted = plot.free_run.getData()
    expected = free_run_snapshot(current(window).snapshot(span=3))
    n = current(window).config.task.length
    assert t[0] == n - 1 and len(t) == 2 * n
    np.testing.assert_allclose(predicted, expected.predicted)
    assert f"free-running: {expected.steps_within} steps" in plot.getPlotItem().titleLabel.text
    view.open("memory")
    view.set_up()
    window.refresh()
    assert not plot.free_run.isVisible()   # sine to cosine is no forecast

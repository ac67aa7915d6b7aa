"""The Lesson view (issue 17), through the real window's widgets."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from lstm_gui.app.qt import QtWidgets
from lstm_gui.core import lessons
from lstm_gui.core.training.evaluation import MIN_EVERY

from .conftest import current


def _discard_without_asking(window):
    """Set up over trained work asks to save it once branch `reliable` is in
    (Commands.confirm_discard); these tests mean to discard it."""
    window.commands.confirm_discard = lambda action: True


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


def test_choosing_a_lesson_shows_its_question_not_its_answer(window, qtbot):
    window.show_lessons()
    view = window.views["lessonView"]
    view.lessonCombo.setCurrentIndex(view.lessonCombo.findData("noise"))
    text = view.text.toPlainText()
    assert "Noise on the target" in text and "Predict" in text
    assert "is folded" in text and "0.0036" not in text   # the answer waits


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
    # Sampled every 150 epochs: drawn with their markers (issue 25).
    assert plot.unseen.opts["symbol"] == "o" and plot.clean.opts["symbol"] == "o"


def test_a_held_out_test_set_is_named_so_on_the_mse_plot(qtbot):
    """Lesson 11's dashed curve is the test half, not a continuation: the legend says so.
    (On the plot alone: the other views learn to draw models of H units on their branches.)"""
    from lstm_gui.app.plots import MsePlot
    plot = MsePlot()
    qtbot.addWidget(plot)
    run = lessons.make_run(lessons.load("pytorch-tutorial").config)
    run.train(MIN_EVERY)
    plot.show_snapshot(run.snapshot())
    names = [label.text for _, label in plot.legend.items]
    assert "test (held out)" in names and "unseen steps (3x)" not in names
    _, test = plot.unseen.getData()
    np.testing.assert_allclose(10 ** test, [run.test_mse()])


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
    _discard_without_asking(window)
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


# ---------------------------------------------------------------- predict, then check (issue 25)

def _explanation_line(name):
    """A line of the lesson's explanation that its question does not contain."""
    lesson = lessons.load(name)
    return next(line for line in lesson.explanation.splitlines()[1:]
                if len(line) > 40 and line not in lesson.question
                and not set(line) & set("*`[]_²¹⁰"))


def _comparison(view):
    """The rows of the table in the lesson text: [["You predicted", "What happened"], [...]]."""
    from PySide6.QtGui import QTextTable
    for frame in view.text.document().rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            return [[" ".join(frame.cellAt(r, c).firstCursorPosition().block().text().split())
                     for c in range(frame.columns())] for r in range(frame.rows())]
    return None


def test_the_answer_is_hidden_until_a_prediction_is_committed(window, qtbot, settings):
    from lstm_gui.app.lesson_progress import LessonProgress
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("forget-gate")
    lesson = view.lesson
    secret = _explanation_line("forget-gate")[:40]
    assert secret not in view.text.toPlainText() and _comparison(view) is None
    assert view.revealButton.isVisible() and view.commitButton.isEnabled()
    # Commit with nothing typed: nothing unfolds, the learner is told why.
    view.predictionInput.setEditText("")
    qtbot.mouseClick(view.commitButton, Qt.MouseButton.LeftButton)
    assert secret not in view.text.toPlainText()
    assert "prediction first" in window.messageLabel.text()
    # Pick one of the lesson's choices and commit it.
    assert view.predictionInput.count() == len(lesson.choices) >= 2
    view.predictionInput.setCurrentIndex(2)
    qtbot.mouseClick(view.commitButton, Qt.MouseButton.LeftButton)
    text = view.text.toPlainText()
    assert secret in text
    assert _comparison(view) == [["You predicted", "What happened"], [lesson.choices[2], lesson.outcome]]
    assert text.index("What you saw") < text.index("You predicted")
    assert not view.revealButton.isVisible() and not view.commitButton.isEnabled()
    # Kept between launches.
    assert LessonProgress(settings).prediction("forget-gate") == lesson.choices[2]


def test_a_typed_prediction_and_show_what_happened(window, qtbot, settings):
    from lstm_gui.app.lesson_progress import LessonProgress
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("memory")
    view.predictionInput.setEditText("  below 0.01, the cell differs  ")
    view.predictionInput.lineEdit().returnPressed.emit()
    assert _comparison(view)[1][0] == "below 0.01, the cell differs"
    view.open("noise")
    secret = _explanation_line("noise")[:40]
    qtbot.mouseClick(view.revealButton, Qt.MouseButton.LeftButton)
    assert secret in view.text.toPlainText() and _comparison(view)[1][0].startswith("nothing")
    assert LessonProgress(settings).prediction("noise") == ""   # shown, not predicted
    qtbot.mouseClick(view.startOverButton, Qt.MouseButton.LeftButton)
    assert secret not in view.text.toPlainText()
    view.open("memory")
    qtbot.mouseClick(view.startOverButton, Qt.MouseButton.LeftButton)
    assert LessonProgress(settings).prediction("memory") == ""


def test_training_past_the_moments_unfolds_and_marks_the_lesson_done(window, qtbot, settings):
    from lstm_gui.app.lesson_progress import LessonProgress
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("memory")
    view.set_up()
    secret = _explanation_line("memory")[:40]
    window.trainer.apply(lambda run: run.train(view.lesson.last_moment - 1))
    window.refresh()
    assert secret not in view.text.toPlainText()
    window.trainer.apply(lambda run: run.train(1))
    window.refresh()
    assert secret in view.text.toPlainText()
    assert LessonProgress(settings).done("memory")
    assert view.lessonCombo.currentText().startswith("✓")


def test_each_moment_link_replays_its_epoch_and_moves_the_cursor(window, qtbot):
    from PySide6.QtCore import QUrl
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("memory")
    view.set_up()
    moments = view.lesson.bookmarks
    assert any(m.step is not None for m in moments)
    view.text.anchorClicked.emit(QUrl(moments[-1].link))   # not trained yet: says so
    assert window.replay_epoch is None and "Train to epoch" in window.messageLabel.text()
    window.trainer.apply(lambda run: run.train(view.lesson.last_moment))
    window.refresh()
    html = view.text.toHtml()
    for m in moments:
        assert f'href="{m.link}"' in html     # a link in the text
        view.text.anchorClicked.emit(QUrl(m.link))
        assert window.replay_epoch == m.epoch
        assert window.replayLabel.text() == f"replay: epoch {m.epoch:,}"
        if m.step is not None:
            assert window.timeCursor.t == m.step


def test_every_lessons_moments_are_links(window):
    view = window.views["lessonView"]
    for name in lessons.names():
        view.open(name)
        html = view.text.toHtml()
        for m in view.lesson.bookmarks:
            assert f'href="{m.link}"' in html, (name, m)


def test_set_up_resets_the_view_options_the_lesson_does_not_name(window, qtbot):
    _discard_without_asking(window)
    window.show_lessons()
    view = window.views["lessonView"]
    window.panel.spanCheck.setChecked(True)
    window.panel.smoothSpin.setValue(3)
    window.trainer.apply(lambda run: run.train(50))
    window.pin_run()
    window.replay(20)
    window.timeCursor.set(7)
    gradient = window.views["gradientView"]
    gradient.quantityCombo.setCurrentIndex(gradient.quantityCombo.findData("update"))
    view.open("noise")
    assert view.lesson.view_options["span"] is False
    view.set_up()
    assert not window.panel.spanCheck.isChecked() and window.panel.smoothSpin.value() == 25
    assert window.replay_epoch is None and not window.msePlot.ghost.isVisible()
    assert window.timeCursor.t == 0 and gradient.quantityCombo.currentData() == "grad"
    assert window._snapshot_opts["span"] == 0
    spanned = next(n for n in lessons.names() if lessons.load(n).view_options["span"])
    view.open(spanned)
    view.set_up()
    assert window.panel.spanCheck.isChecked() and window._snapshot_opts["span"] == 3


def test_a_lesson_link_pins_the_run_as_a_ghost(window, qtbot):
    from PySide6.QtCore import QUrl
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("learning-rate")
    view.set_up()
    view.reveal()
    assert 'href="lesson:pin"' in view.text.toHtml()
    window.trainer.apply(lambda run: run.train(200))
    view.text.anchorClicked.emit(QUrl("lesson:pin"))
    assert window.msePlot.ghost.isVisible()


def test_unreadable_progress_starts_the_lessons_over(qtbot, tmp_path):
    from lstm_gui.app.lesson_progress import KEY, LessonProgress
    from lstm_gui.app.qt import QtCore
    s = QtCore.QSettings(str(tmp_path / "p.ini"), QtCore.QSettings.Format.IniFormat)
    for bad in ("{not json", "[1, 2]", '{"memory": 3, "noise": {"prediction": 5, "done": "yes"}}'):
        s.setValue(KEY, bad)
        p = LessonProgress(s)
        assert p.prediction("memory") == "" and not p.done("noise")
    p.commit("memory", "x" * 500)
    assert len(LessonProgress(s).prediction("memory")) == 200


def test_a_settings_link_restarts_the_run_with_them_undoably(window, qtbot):
    from PySide6.QtCore import QUrl
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("learning-rate")
    view.set_up()
    window.trainer.apply(lambda run: run.train(30))
    view.text.anchorClicked.emit(QUrl("lesson:set?lr=0.05"))
    run = current(window)
    assert run.config.lr == 0.05 and run.epoch == 0
    assert window.panel.config().lr == 0.05
    window.undoAction.trigger()
    qtbot.waitUntil(lambda: current(window).epoch == 30)
    view.text.anchorClicked.emit(QUrl("lesson:set?units=0"))     # refused: one line, nothing changed
    assert "units" in window.messageLabel.text() and current(window).epoch == 30


def test_a_start_link_starts_the_run_over_from_named_parameters(window, qtbot):
    _discard_without_asking(window)
    from PySide6.QtCore import QUrl
    window.show_lessons()
    view = window.views["lessonView"]
    view.open("forget-bias")
    view.set_up()
    run = current(window)
    k = run.config.model().names().index("b_f")
    assert run.params.reshape(-1)[k] == 1.0             # the lesson's start
    window.trainer.apply(lambda r: r.train(20))
    view.reveal()
    assert 'href="lesson:start?b_f=2"' in view.text.toHtml()
    view.text.anchorClicked.emit(QUrl("lesson:start?b_f=2"))
    run = current(window)
    assert run.epoch == 0 and run.params.reshape(-1)[k] == 2.0
    view.text.anchorClicked.emit(QUrl("lesson:start"))  # the seed's own: lesson 2's start
    assert current(window).params.reshape(-1)[k] == pytest.approx(-0.94, abs=0.005)
    window.undoAction.trigger()
    window.undoAction.trigger()
    qtbot.waitUntil(lambda: current(window).epoch == 20)

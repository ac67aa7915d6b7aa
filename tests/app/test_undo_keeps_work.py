"""Undo never throws trained epochs away silently (issue 26, items 1 and 2): whatever undo,
redo, a command after an undo or a lesson's Set up replaces, the document is dirty while that
training is unsaved, and closing asks."""
import pytest

from lstm_gui.app.qt import QtWidgets
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

from .conftest import current

B = QtWidgets.QMessageBox.StandardButton


def _ask_log(monkeypatch, answer=B.Discard):
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return answer
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", question)
    return asked


@pytest.mark.parametrize("change", [
    lambda w: w.commands.reseed(12345),                                   # New seed
    lambda w: w.commands.configure(current(w).config.with_field("seed", 7)),
    lambda w: w.commands.configure(current(w).config.with_field("units", 2)),
    lambda w: w.commands.configure(current(w).config.with_field("task.key", "square-cos")),
    lambda w: w.commands.set_param(0, 1, 0.25),                           # an edit at epoch 0
    lambda w: w.commands.set_frozen(2, True),                             # fix a parameter
])
def test_undo_after_training_leaves_the_document_dirty_and_closing_asks(window, monkeypatch, change):
    change(window)
    window.step(300)
    assert current(window).epoch == 300 and window.is_dirty()
    window.commands.undo.undo()
    assert current(window).epoch == 0
    assert window.is_dirty(), "300 trained epochs sit only in the redo stack"
    assert "*" in window.windowTitle()
    asked = _ask_log(monkeypatch, B.Cancel)
    window.close()
    assert asked and window.isVisible(), "closing asked and Cancel kept the window"


def test_a_command_after_undo_drops_the_redo_and_the_document_stays_dirty(window, monkeypatch):
    window.commands.reseed(99)
    window.step(200)
    window.commands.undo.undo()
    window.commands.reset()           # a new command: the 200 epochs cannot be redone any more
    assert not window.commands.undo.canRedo()
    assert window.is_dirty()


def test_redo_brings_the_training_back_and_saving_makes_it_clean(window, tmp_path, monkeypatch):
    window.commands.reseed(5)
    window.step(100)
    window.commands.undo.undo()
    window.commands.undo.redo()
    assert current(window).epoch == 100 and window.is_dirty()
    assert window._save_to(tmp_path / "m.json")
    assert not window.is_dirty()
    window.commands.undo.undo()      # back to epoch 0, but the training is saved: nothing lost
    assert not window.is_dirty() or current(window).epoch == 0


def test_replacing_an_unsaved_run_asks_first_and_cancel_keeps_it(window, monkeypatch):
    window.step(150)
    asked = _ask_log(monkeypatch, B.Cancel)
    lesson = TrainingRun(RunConfig(task=preset("square-cos")))
    assert window.commands.replace_run(lesson, "Lesson: memory") is False
    assert asked and current(window).epoch == 150
    asked = _ask_log(monkeypatch, B.Discard)
    assert window.commands.replace_run(lesson, "Lesson: memory") is True
    assert asked and current(window) is lesson
    assert window.is_dirty(), "the 150 epochs are in the undo stack only"


def test_replacing_a_run_with_nothing_unsaved_does_not_ask(window):
    lesson = TrainingRun(RunConfig(task=preset("square-cos")))
    assert window.commands.replace_run(lesson, "Lesson: memory") is True   # no dialog (fixture)
    assert current(window) is lesson

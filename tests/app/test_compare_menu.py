"""The Compare menu's ensemble of the current settings, and what the status bar says when a
run or an ensemble ends (the window's real actions, offscreen)."""
from lstm_gui.core import lessons
from lstm_gui.core.training.run import TrainingRun


def test_the_cells_lesson_runs_end_to_end_with_an_ensemble_of_its_settings(window, qtbot):
    """The cells lesson (a 16-unit LSTM on the sum of sequences, 10 epochs): Compare ->
    Ensemble of seeds trains seeds of those settings - its budget, no target it does not
    have - and the status bar says what finished and its result.  Before, the thread died on
    any model but the unit and the view said "Training..." for ever."""
    lesson = lessons.load("cells")
    window.commands.replace_run(lessons.make_run(lesson.config), "lesson", ask=False)
    view = window.views["ensembleView"]
    view.seeds.setValue(8)
    window.findChild(type(window.trainAction), "ensembleAction").trigger()
    assert window.docks["ensembleView"].isVisible()
    qtbot.waitUntil(lambda: not view.is_running(), timeout=30_000)
    (r,) = view.results
    assert r.config.cell == "lstm" and r.config.hidden == 16
    assert r.epoch == lesson.config.epochs == 10 and r.config.target_mse == 0
    assert view.epochs.value() == 10 and view.target.value() == 0     # shown as "none"
    assert window.statusBar().currentMessage().startswith("Ensemble of 8 seeds done at epoch 10: "
                                                          "median test MSE ")


def test_a_finished_run_of_many_sequences_says_its_train_and_test_mse(window, qtbot):
    """Found by the tester: the sum-of-sequence run ended with no result in the status bar."""
    lesson = lessons.load("cells")
    config = lesson.config.with_field("epochs", 2).with_field("hidden", 4)
    window.commands.replace_run(TrainingRun(config), "small", ask=False)
    with qtbot.waitSignal(window.trainer.stopped, timeout=30_000):
        window.toggle_training()
    qtbot.waitUntil(lambda: "test MSE" in window.statusBar().currentMessage(), timeout=5_000)
    run = TrainingRun(config)
    run.train(2)
    assert window.statusBar().currentMessage() == (
        f"Stopped at epoch 2: reached the epoch budget; MSE {run.mse:.3g}, "
        f"test MSE {run.test_mse():.3g}.")

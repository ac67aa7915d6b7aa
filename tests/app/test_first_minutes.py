"""Issue 24: the first five minutes, the docks, and one source of truth for the window's state.

Each test below failed on the window before the issue was fixed."""
import random
import time

from lstm_gui.app.qt import Qt

from .conftest import current, enter


def full_speed(window):
    window.speedCombo.setCurrentIndex(0)
    assert window.speedCombo.currentData() is None


# ---------------------------------------------------------------- 5. the Train/Pause label

def test_the_train_label_follows_whether_epochs_advance_over_200_rapid_presses(window, qtbot):
    full_speed(window)
    enter(window.panel.epochsSpin, 300)          # the run stops by itself now and then
    window.activateWindow()
    window.setFocus()
    rng = random.Random(24)
    for _ in range(200):
        run = current(window)
        if run.should_stop():
            qtbot.keyClick(window, Qt.Key.Key_Backspace)    # back to epoch 0: trainable again
        # Random moments: sometimes the queued signals are served first, sometimes not.
        if rng.random() < 0.5:
            qtbot.wait(rng.randrange(0, 6))
        else:
            time.sleep(rng.randrange(0, 6) / 1000)
        stopped_before = current(window).should_stop() is not None
        qtbot.keyClick(window, Qt.Key.Key_Space)
        text, training = window.trainButton.text(), window.trainer.is_training
        if text == "Train":
            e0 = current(window).epoch
            time.sleep(0.003)
            assert not training and current(window).epoch == e0, "says Train while training"
        else:
            assert text == "Pause"
            stopped_since = current(window).should_stop() is not None and not stopped_before
            assert training or stopped_since, "says Pause though nothing trains"
    window.pause()
    assert window.trainButton.text() == "Train"

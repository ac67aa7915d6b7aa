"""Long operations run off the GUI thread, can be cancelled, and stop within a second at close
(issue 26, items 8 and 9)."""
import time

import numpy as np

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.views.background import LatestJobWorker
from lstm_gui.core.analysis import plane

from .conftest import current


def test_step_n_at_its_maximum_returns_at_once_and_pause_cancels_it(window, qtbot):
    start = time.perf_counter()
    window.transport.stepNSpin.setValue(1_000_000)
    window.transport.stepNButton.click()
    assert time.perf_counter() - start < 0.5, "Step N ran on the GUI thread"
    assert window.trainer.is_training
    qtbot.waitUntil(lambda: current(window).epoch > 0, timeout=10_000)
    QtWidgets.QApplication.processEvents()
    start = time.perf_counter()
    window.pause()
    assert time.perf_counter() - start < 1.0 and not window.trainer.is_training
    epoch = current(window).epoch
    qtbot.wait(200)
    assert 0 < epoch == current(window).epoch < 1_000_000


def test_step_n_trains_exactly_its_epochs_then_stops(window, qtbot):
    window.step(3000)
    qtbot.waitUntil(lambda: not window.trainer.is_training, timeout=60_000)
    assert current(window).epoch == 3000
    # The run stops on the training thread first; the window hears of it through a queued
    # signal, so the status line follows an event-loop pass later (it failed when read at once).
    qtbot.waitUntil(lambda: "Step N done" in window.statusBar().currentMessage(), timeout=5_000)


def test_closing_during_step_n_stops_within_a_second(window, qtbot):
    window.step(1_000_000)
    qtbot.waitUntil(lambda: current(window).epoch > 0, timeout=10_000)
    window._confirm_discard = lambda action: True
    start = time.perf_counter()
    window.close()
    assert time.perf_counter() - start < 1.5
    assert not window.trainer.thread_running()


def test_a_long_landscape_map_is_given_up_soon_after_stop(qtbot, monkeypatch):
    # The map gives up between chunks; a chunk is bounded by the memory budget (here a
    # smaller one, so that a chunk takes well under a second and the map many of them).
    from lstm_gui.core import limits
    monkeypatch.setattr(limits, "MAX_WORK_BYTES", 64 * 2**20)
    n = 20_000
    x = np.sin(np.arange(n) * 0.01)
    params = np.full((1, 12), 0.1)
    worker = LatestJobWorker(duty=1.0)
    worker.submit(lambda: plane.compute(params, x, x, kind="random", size=64,
                                        should_continue=worker.running), urgent=True)
    qtbot.wait(500)
    assert worker.isRunning()
    start = time.perf_counter()
    worker.stop()
    took = time.perf_counter() - start
    assert took < 2.0, f"the map went on for {took:.1f} s after stop"

"""Closing the window returns within a second whatever its analyses and kernels are doing
(issue 26): the window's memory bench (every dock open, 200 000 points) once sat in close for
over ten minutes."""
import time

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.views import landscape as landscape_view
from lstm_gui.core.analysis.landscape import Cancelled


def _kernels_loaded(window, qtbot):
    """As the app does at start: the kernels are loaded before training (else the first chunk
    loads numba's machinery under the run's lock, seconds under load, and close waits)."""
    window.warm_up_kernel()
    qtbot.waitUntil(lambda: window.trainer.kernel_ready, timeout=120_000)


def _close_discarding(window, monkeypatch) -> float:
    """Close the window answering 'Discard' to its unsaved-work question; seconds taken."""
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Discard)
    start = time.perf_counter()
    window.close()
    return time.perf_counter() - start


def _slow_map(*args, should_continue=None):
    """A map job that runs for 30 s unless it is asked to stop (as the real map does between
    chunks)."""
    end = time.perf_counter() + 30
    while time.perf_counter() < end:
        if should_continue is not None and not should_continue():
            raise Cancelled
        time.sleep(0.005)
    raise AssertionError("the map was never asked to stop")


def test_closing_while_training_with_unsaved_work_does_not_wait_for_a_new_map(window, qtbot, monkeypatch):
    # The user's close: training runs, the work is unsaved, the question is answered Discard.
    # Answering pauses and redraws the window, and that frame asked the landscape view for a
    # new map after its worker had been stopped: close then waited for the whole map.
    monkeypatch.setattr(landscape_view, "_compute", _slow_map)
    view = window.views["landscapeView"]
    dock = window.docks["landscapeView"]
    dock.setFloating(True)
    dock.resize(520, 460)
    dock.show()
    _kernels_loaded(window, qtbot)
    window.train()
    qtbot.waitUntil(lambda: view.worker.isRunning(), timeout=15_000)
    took = _close_discarding(window, monkeypatch)
    assert took < 1.5, f"close took {took:.1f} s"
    assert not view.worker.isRunning()
    window._confirm_discard = lambda action: True      # the fixture closes it again


def test_closing_while_training_does_not_draw_the_run_once_more(window, qtbot, monkeypatch):
    # Answering the close's question paused training and redrew the whole window first: a
    # snapshot of a 1 000 000-point run on the window's thread (9-20 s at load 6).  The window
    # already shows a frame at most one snapshot old; closing needs no new one.
    from .conftest import current
    _kernels_loaded(window, qtbot)
    window.train()
    qtbot.waitUntil(lambda: current(window).epoch > 0, timeout=15_000)
    taken = window.trainer.snapshot

    def slow_snapshot(**options):
        time.sleep(3)          # a long run's snapshot
        return taken(**options)
    monkeypatch.setattr(window.trainer, "snapshot", slow_snapshot)
    took = _close_discarding(window, monkeypatch)
    assert took < 1.5, f"close took {took:.1f} s"
    assert not window.trainer.is_training
    window._confirm_discard = lambda action: True      # the fixture closes it again

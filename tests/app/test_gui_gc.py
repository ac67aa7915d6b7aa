"""Garbage is collected on the GUI thread only (lstm_gui.app.gui_gc says why: a collection in
a worker thread that frees a Qt object deadlocked the process)."""
import gc
import threading

from lstm_gui.app import gui_gc
from lstm_gui.app.qt import QtCore
from lstm_gui.app.window import MainWindow


class _Cycle:
    """An object in a reference cycle that notes the thread that finally frees it."""

    freed_in: list[str] = []

    def __init__(self):
        self.me = self

    def __del__(self):
        _Cycle.freed_in.append(threading.current_thread().name)


def _make_garbage_in_a_worker():
    def work():
        for _ in range(50):
            _Cycle()
        # Allocation enough to cross every generation's threshold many times over: with the
        # automatic collector on, the cycles above are freed here, in this thread.
        junk = [[[] for _ in range(100)] for _ in range(2000)]
        del junk

    thread = threading.Thread(target=work, name="worker")
    thread.start()
    thread.join()


def test_a_window_stops_the_automatic_collector(qtbot, tmp_path):
    gc.enable()
    window = MainWindow(settings=QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert not gc.isenabled()


def test_cycles_made_in_a_worker_are_freed_on_the_gui_thread(qtbot, tmp_path):
    window = MainWindow(settings=QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    _Cycle.freed_in.clear()
    _make_garbage_in_a_worker()
    assert "worker" not in _Cycle.freed_in
    # The collector's timer, on the GUI thread, frees them within a few of its intervals.
    qtbot.waitUntil(lambda: len(_Cycle.freed_in) >= 50, timeout=int(6 * gui_gc.INTERVAL_S * 1000))
    assert set(_Cycle.freed_in) == {threading.main_thread().name}

"""Training on a QThread: the core's run, advanced in chunks, sent out as snapshots.

The window and the thread share one TrainingRun behind a lock.  The thread holds the lock
for about a millisecond of epochs at a time and then gives the GIL away, so the window
stays responsive (NOTES-QT.md); the window takes the lock for its own short operations
(a step, a save, new settings).
"""
from __future__ import annotations

import contextlib
import threading
import time

from .qt import QtCore, Signal

SNAPSHOT_INTERVAL = 1 / 30   # seconds: at most ~30 snapshots a second
CHUNK_SECONDS = 0.001        # work done between two releases of the GIL
MAX_GUI_WAIT = 0.25          # never wait longer than this for the window to draw


class TrainingThread(QtCore.QThread):
    """Runs epochs while training is on; emits snapshots and why it stopped."""

    snapshot_ready = Signal(object, float)   # Snapshot, epochs per second
    run_stopped = Signal(str)                # a key of core.run.STOP_REASONS

    def __init__(self, run, parent=None, snapshot_options=None):
        super().__init__(parent)
        self._run = run
        self._lock = threading.Lock()
        self._training = threading.Event()
        self._quit = threading.Event()
        self._consumed = threading.Event()
        self._consumed.set()
        # Cleared while the window draws a snapshot: the thread then waits without the GIL,
        # so the window's Python (every binding call re-takes the GIL) runs uncontended.
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        self.snapshot_options = snapshot_options or (lambda: {})
        self._interval = SNAPSHOT_INTERVAL
        self.rate = 0.0
        self.elapsed = 0.0      # seconds spent training since the last reset

    # ------------------------------------------------------------ called from the GUI

    @contextlib.contextmanager
    def locked(self):
        """The run, for exclusive use by the caller while the block runs."""
        with self._lock:
            yield self._run

    def replace_run(self, run) -> None:
        with self._lock:
            self._run = run
            self.elapsed = 0.0

    @property
    def is_training(self) -> bool:
        return self._training.is_set()

    def start_training(self) -> None:
        self._training.set()
        if not self.isRunning():
            self.start()

    def pause(self) -> None:
        self._training.clear()

    def hold(self) -> None:
        """Training waits (without the GIL) until release(): the window is drawing."""
        self._gui_idle.clear()

    def release(self) -> None:
        self._gui_idle.set()

    def snapshot_taken(self, draw_seconds: float = 0.0) -> None:
        """The window drew the last snapshot in draw_seconds; the next one may be sent.

        Training waits while the window draws, so snapshots are spaced to leave training
        at least two thirds of the time however slow the drawing is.
        """
        self._interval = max(SNAPSHOT_INTERVAL, 3 * draw_seconds)
        self._consumed.set()

    def shutdown(self) -> None:
        """Stop cooperatively and wait for the thread to end."""
        self._quit.set()
        self._training.set()   # wake the loop so it can see the quit flag
        self.wait()

    # ------------------------------------------------------------ the thread

    def run(self) -> None:  # noqa: D401 - QThread's entry point
        per_epoch = 2e-4
        last_emit = 0.0
        window_start, window_epochs = time.perf_counter(), 0
        while not self._quit.is_set():
            if not self._training.wait(0.05):
                window_start, window_epochs = time.perf_counter(), 0
                continue
            if self._quit.is_set():
                break
            self._gui_idle.wait(MAX_GUI_WAIT)
            chunk = max(1, int(CHUNK_SECONDS / per_epoch))
            t0 = time.perf_counter()
            with self._lock:
                before = self._run.epoch
                reason = self._run.train(chunk)
                done = self._run.epoch - before
            t1 = time.perf_counter()
            self.elapsed += t1 - t0
            if done:
                per_epoch = 0.8 * per_epoch + 0.2 * (t1 - t0) / done
            window_epochs += done
            if t1 - window_start > 0.5:
                self.rate = window_epochs / (t1 - window_start)
                window_start, window_epochs = t1, 0
            if reason:
                self._training.clear()
                self._emit()
                self.run_stopped.emit(reason)
            elif t1 - last_emit >= self._interval and self._consumed.is_set():
                last_emit = t1
                self._emit()
            time.sleep(0)   # let the GUI thread have the GIL

    def _emit(self) -> None:
        with self._lock:
            snap = self._run.snapshot(**self.snapshot_options())
        self._consumed.clear()
        self.snapshot_ready.emit(snap, self.rate)


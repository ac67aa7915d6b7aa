"""A view's own background worker: computes the latest job only, at a bounded duty cycle.

A view submits a job (a function of no arguments) for each snapshot; a job not yet started
is replaced by a newer one.  While training runs, the worker rests after each job for
``(1 - duty) / duty`` times as long as the job took, so it never takes more than ``duty`` of
the time (the GIL, the cores) away from training; an urgent job (training paused) starts at
once.  The thread ends when idle and starts again on the next job, so a window closed
between jobs leaves no running thread behind.
"""
from __future__ import annotations

import threading
import time
import traceback

from ...core.analysis.landscape import Cancelled
from ..qt import QtCore, Signal

# At most a twentieth of the time.  At a tenth, training with the landscape shown ran at 0.88
# (0.76-0.96) of its speed with it hidden: the job also takes the GIL from the training
# thread between its chunks, and the window redraws each new map (26-31 ms).
DUTY = 0.05


class LatestJobWorker(QtCore.QThread):
    """Runs submitted jobs one at a time, latest first; ``done(result)`` on the GUI thread."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent=None, duty: float = DUTY):
        super().__init__(parent)
        self.duty = duty
        self._cond = threading.Condition()
        self._job = None
        self._urgent = False
        self._not_before = 0.0
        self._stopping = False
        self._active = False     # a run() loop will look at the job (set and cleared under lock)
        self.last_seconds = 0.0
        self.busy_seconds = 0.0  # all jobs together, for measuring the duty cycle

    def submit(self, job, urgent: bool = False) -> None:
        with self._cond:
            if self._stopping:
                return
            self._job = job
            self._urgent = urgent
            self._cond.notify_all()
            start, self._active = not self._active, True
        if start:
            self.wait()          # a loop that just decided to end has only to return
            self.start()

    def running(self) -> bool:
        """False once stop() was asked: a long job checks this between its chunks."""
        return not self._stopping

    def pending(self) -> bool:
        with self._cond:
            return self._job is not None

    def run(self) -> None:
        while True:
            with self._cond:
                while self._job is not None and not self._stopping and not self._urgent:
                    rest = self._not_before - time.perf_counter()
                    if rest <= 0:
                        break
                    self._cond.wait(rest)
                job, self._job, self._urgent = self._job, None, False
                if job is None or self._stopping:
                    self._active = False
                    return
            t0 = time.perf_counter()
            try:
                result = job()
            except Cancelled:
                continue               # stop() asked: the window is closing
            except Exception as exc:   # noqa: BLE001 - shown to the user, never swallowed
                traceback.print_exc()
                self.failed.emit(" ".join(str(exc).split()) or type(exc).__name__)
                continue
            finally:
                took = time.perf_counter() - t0
                self.last_seconds = took
                self.busy_seconds += took
                with self._cond:
                    self._not_before = time.perf_counter() + took * (1 - self.duty) / self.duty
            self.done.emit(result)

    def stop(self) -> None:
        """Drop what is queued, let a running job finish, wait for the thread.  A later
        submit starts it again (a close the user cancelled)."""
        with self._cond:
            self._stopping = True
            self._job = None
            self._cond.notify_all()
        self.wait()
        with self._cond:
            self._stopping = False
            self._active = False


def watch_window_close(view) -> None:
    """Let `view` see its top-level window's Close event (its eventFilter stops its worker):
    a QThread still running when the window is destroyed would abort the process."""
    # The main window, not view.window(): a floating dock is a top-level window of its own.
    window = view
    while window.parentWidget() is not None:
        window = window.parentWidget()
    if window is not view and getattr(view, "_watched_window", None) is not window:
        window.installEventFilter(view)
        view._watched_window = window

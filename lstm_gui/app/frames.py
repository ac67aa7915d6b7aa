"""Drawing one snapshot across the visible views, a part per pass of the event loop.

While a frame is drawn, training waits without the GIL (Trainer.hold): with training running,
every binding call of a paint would otherwise wait for the GIL.  Each part (the status, then
one view) runs in its own pass of the event loop (a 1 ms timer fires after the paint the part
caused), so timers and input are served between the parts instead of after the whole frame.

A part that raises is reported (one line in the status bar) and the frame goes on; the hold
is released in a ``finally`` whatever happens, so a failing view can never slow training.
"""
from __future__ import annotations

import time
import traceback

from .qt import QtCore, Signal


class FrameScheduler(QtCore.QObject):
    """Draws snapshots through ``parts(snap)``: a list of callables, one per view."""

    failed = Signal(str)   # one line: which part failed and why

    def __init__(self, trainer, parts, parent=None):
        super().__init__(parent)
        self._trainer = trainer
        self._parts = parts
        self._queue: list = []
        self._start: float | None = None
        self.last_error: str | None = None

    def draw_async(self, snap) -> None:
        """Draw snap part by part, training held until the last part is done."""
        self._trainer.hold()
        self._start = time.perf_counter()
        self._queue = list(self._parts(snap))
        self._next()

    def draw_now(self, snap) -> None:
        """Draw snap in one go (when not training)."""
        for name, part in self._parts(snap):
            self._run(name, part)

    def _run(self, name, part) -> None:
        try:
            part()
        except Exception as exc:   # noqa: BLE001 - one view must not stop the others
            self.last_error = f"{name}: {' '.join(str(exc).split()) or type(exc).__name__}"
            traceback.print_exc()
            self.failed.emit(f"Could not draw {self.last_error}")

    def _next(self) -> None:
        try:
            if self._queue:
                name, part = self._queue.pop(0)
                self._run(name, part)
                if self._queue:
                    QtCore.QTimer.singleShot(1, self._next)
                    return
        finally:
            if not self._queue and self._start is not None:
                self._trainer.release()
                self._trainer.snapshot_taken(time.perf_counter() - self._start)
                self._start = None

    def busy(self) -> bool:
        return self._start is not None

    def cancel(self) -> None:
        """Drop the rest of a frame (a newer state is about to be drawn)."""
        self._queue = []
        if self._start is not None:
            self._trainer.release()
            self._trainer.snapshot_taken(0.0)
            self._start = None

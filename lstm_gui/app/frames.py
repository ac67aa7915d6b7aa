"""Drawing one snapshot across the visible views, a part per pass of the event loop.

While a frame is drawn, training waits without the GIL (Trainer.hold): with training running,
every binding call of a paint would otherwise wait for the GIL.  Each part (the status, then
one view) runs in its own pass of the event loop (a 1 ms timer fires after the paint the part
caused), so timers and input are served between the parts instead of after the whole frame.

A part that raises is reported (one line in the status bar) and the frame goes on; the hold
is released in a ``finally`` whatever happens, so a failing view can never slow training.

Each view is paced by its own cost: the GUI thread's CPU time from its part's start to the
next part's start (its update and the paint it caused; CPU time, since on a loaded machine
the wall time is mostly waiting for a core).  While training, a view is drawn again only once
``cost / PACE_SHARE`` has passed since its last draw, so no view takes more than that share of
a core, and a view that costs little (Signal, MSE) is not held back by one that costs much
(with every dock open, an H = 16 GRU's Weights and Parameters took 100-260 ms a frame on a
loaded machine; every view drawn every frame gave 1-2 frames a second, and the GUI thread's
CPU is taken from training's: one process).  A frame drawn in one go (paused, a replay, a
test) draws every view.
"""
from __future__ import annotations

import time
import traceback

from .qt import QtCore, Signal

PACE_SHARE = 0.05     # of a core, at most, for one view's draws while training
SMOOTHING = 0.5       # weight of the newest cost in a view's running cost


class FrameScheduler(QtCore.QObject):
    """Draws snapshots through ``parts(snap)``: a list of callables, one per view."""

    failed = Signal(str)   # one line: which part failed and why

    def __init__(self, trainer, parts, parent=None):
        super().__init__(parent)
        self._trainer = trainer
        self._parts = parts
        self._queue: list = []
        self._start: float | None = None
        self._start_cpu = 0.0
        self.last_error: str | None = None
        self.cost: dict[str, float] = {}      # a part's running cost, CPU seconds (update + paint)
        self.drawn: dict[str, float] = {}     # when a part was last drawn (perf_counter)
        self._current: tuple[str, float] | None = None

    def due(self, name: str, now: float) -> bool:
        """True if the part `name` may be drawn in a frame starting now (see PACE_SHARE)."""
        cost = self.cost.get(name)
        return cost is None or now - self.drawn.get(name, -1e300) >= cost / PACE_SHARE

    def draw_async(self, snap) -> None:
        """Draw snap part by part, training held until the last part is done; a view drawn
        too recently for its cost waits for a later frame (the status is always drawn)."""
        self._trainer.hold()
        self._start = now = time.perf_counter()
        self._start_cpu = time.thread_time()
        parts = list(self._parts(snap))
        self._queue = [part for k, part in enumerate(parts) if k == 0 or self.due(part[0], now)]
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
        now = time.perf_counter()
        cpu = time.thread_time()
        if self._current is not None:
            # The previous part's cost: its update, and the paint it caused before this timer.
            name, started = self._current
            old = self.cost.get(name)
            new = cpu - started
            self.cost[name] = new if old is None else (1 - SMOOTHING) * old + SMOOTHING * new
            self._current = None
        try:
            if self._queue:
                name, part = self._queue.pop(0)
                self._current = (name, cpu)
                self.drawn[name] = now
                self._run(name, part)
                QtCore.QTimer.singleShot(1, self._next)   # also after the last: its cost
                return
        finally:
            if not self._queue and self._current is None and self._start is not None:
                self._trainer.release()
                self._trainer.snapshot_taken(time.perf_counter() - self._start,
                                             time.thread_time() - self._start_cpu)
                self._start = None

    def busy(self) -> bool:
        return self._start is not None

    def cancel(self) -> None:
        """Drop the rest of a frame (a newer state is about to be drawn)."""
        self._queue = []
        self._current = None
        if self._start is not None:
            self._trainer.release()
            self._trainer.snapshot_taken(0.0)
            self._start = None

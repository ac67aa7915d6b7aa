"""Drawing snapshots across the views that can be seen, within a budget of the GUI's CPU.

The scheduler is the one place that decides when a view draws; the views stay independent
(adding one touches no other).  What a view has to draw is *pending* until it is drawn:

- a snapshot it has not shown yet (every view, when a new one arrives);
- a result of its own background worker (``request``: the gradient flow's and the
  landscape's results are drawn here, not when the worker finishes: drawn there they took
  the GUI thread for 50-220 ms at moments no budget covered).

A view whose dock cannot be seen (closed, a tab behind another, collapsed) keeps its work
pending and draws nothing; it catches up once it is shown (``catch_up``, from the dock's
visibility and the view's own Show and Resize events).

**The budget.**  While training, each frame spends at most about ``budget`` of the GUI
thread's CPU on views.  Every part (a view's snapshot, a view's worker result) has a cost:
the GUI thread's CPU from its start to the next part's start, i.e. its own update and the
paint it caused (CPU time: on a loaded machine the wall time is mostly waiting for a core),
taken as the lower median of its last ``COST_SAMPLES`` draws: one outlier (a garbage
collection or a worker's result landing inside a part: 186 ms once for Signal, whose draws
cost 2.5 ms) made a running mean of it starve a cheap view for seconds.
Three quarters of the budget are shared max-min fairly, weighted by the views'
``frame_weight`` (water-filling, deficit round robin): each pending part earns its weight times
the level a frame and draws when its credit covers its cost, so a part costing k times that
draws every k-th frame and none starves.  What is left of the budget goes to the pending parts
cheapest for their weight first.  The weights say what a learner watches: Signal (the output
closing in on the target) and the MSE weigh 3, the Parameters 2, the others 1 (unweighted, the
MSE plot drew 1.7-2.4 times a second while the cheap heat map drew 10).  So cheap and
watched views draw about every frame and expensive ones (the heat maps, the weights, a
gradient-flow result) less often, instead of slowing every frame; a view is drawn with the
latest snapshot whenever it draws.
Measured with every dock open on an H = 16, 2-layer GRU: a frame of every view cost 100-260
ms of GUI CPU; every view drawn every frame gave 0.2-2 frames a second.

**The budget adapts to the frame rate.**  The trainer sends the next snapshot once training
has had three times the last frame's CPU (``Trainer.snapshot_taken``), so the GUI's CPU a
second is fixed by training's, and the budget only chooses between more frames with fewer
views each and fewer, fuller frames.  A fixed 25 ms gave 11 frames a second on a calm
machine and 6-7 on a loaded one (two busy processes on the two cores), under the 10 a second
a live plot needs; 10 ms gave 20 and 11, but the MSE plot 1.7 redraws a second on a calm
machine.  So each second of frames is looked at (:meth:`_adapt`): while frames come slower
than ``FRAME_RATE_AIM`` and were held back by the window's cost (the trainer's
``held_back``: not a slow-motion pace), the budget shrinks; while they come faster, or are
not held back (paced), it grows, within ``BUDGET_RANGE``.

Each part runs in its own pass of the event loop (a 1 ms timer fires after the paint the
part caused), so timers and input are served between the parts.  While a frame is drawn,
training on the numpy path waits without the GIL (``Trainer.hold``).  A part that raises is
reported (one line) and the frame goes on; the hold is released in a ``finally``.  A frame
drawn in one go (paused, a replay, a test: ``draw_now``) draws every part that can be seen.
"""
from __future__ import annotations

import functools
import math
import time
import traceback
from collections import deque
from collections.abc import Callable

from .qt import QtCore, QtWidgets, Signal

FRAME_BUDGET = 0.016   # GUI CPU seconds a frame spends on views while training, at first
BUDGET_RANGE = (0.004, 0.030)   # what the budget adapts within (see "adapts" above)
FRAME_RATE_AIM = (12.0, 18.0)   # frames a second: the budget shrinks below, grows above
ADAPT_SECONDS = 1.0    # frames looked at together before the budget changes
SHRINK, GROW = 0.8, 1.1
AGED_SHARE = 0.75      # of the budget, shared max-min fairly; the rest goes cheapest first
COST_SAMPLES = 5       # a part's cost: the lower median of its last few draws
STATUS = "status"
RESULT = ":result"     # a part's key suffix for a view's worker result
CATCH_UP_TRIES, CATCH_UP_RETRY_MS = 20, 25   # a view brought forward, until it is in sight
SAMPLES = 400          # costs kept per part, for the bench's breakdown


def water_level(costs: list[float], budget: float, weights: list[float] | None = None) -> float:
    """The level s with sum(min(c, w s) for c, w in zip(costs, weights)) == budget (inf if
    everything fits): each part's share w s of a frame's budget, weighted max-min fair."""
    if sum(costs) <= budget:
        return math.inf
    weights = weights or [1.0] * len(costs)
    left, heavy = budget, sum(weights)
    for c, w in sorted(zip(costs, weights), key=lambda cw: cw[0] / cw[1]):
        if c * heavy > left * w:
            return left / heavy
        left -= c
        heavy -= w
    return math.inf      # pragma: no cover - the sum exceeded the budget


class FrameScheduler(QtCore.QObject):
    """Draws snapshots and views' worker results (see the module docstring).

    status(): draws the window's own status for the current snapshot (every frame);
    views: name -> View; can_be_seen(name): whether that view's dock is in sight;
    titles: name -> what a failure message calls it.
    """

    failed = Signal(str)   # one line: which part failed and why

    def __init__(self, trainer, status: Callable[[], None], views: dict,
                 can_be_seen: Callable[[str], bool], titles: dict | None = None, parent=None,
                 budget: float = FRAME_BUDGET, clock: Callable[[], float] = time.perf_counter):
        super().__init__(parent)
        self._trainer = trainer
        self._status = status
        self._views = views
        self._seen = can_be_seen
        self._titles = titles or {}
        self.budget = budget
        self.aged_share = AGED_SHARE
        self._clock = clock
        self._frame_times: list[float] = []   # this second's frames (see _adapt)
        self._frames_held = 0                  # of those, how many the window's cost held back
        self.snap = None                              # the latest snapshot
        self._stale: set[str] = set()                 # views that have not drawn self.snap
        self._requests: dict[str, Callable[[], None]] = {}   # view -> its latest result's draw
        self._queue: list[tuple[str, Callable[[], None]]] = []
        self._start: float | None = None
        self._start_cpu = 0.0
        self._end_cpu: float | None = None    # the GUI thread's CPU when the last frame ended
        self._current: tuple[str, float, float] | None = None   # key, CPU at start, after update
        self._flush_pending = False
        self._stopped = False
        self._catching: set[str] = set()     # views that came into sight, to draw at once
        self._catch_tries = 0
        self._unseen: set[str] = set()       # views out of sight when last asked
        self.last_error: str | None = None
        self.cost: dict[str, float] = {}      # a part's cost, CPU seconds (update + paint)
        self._recent: dict[str, deque] = {}   # a part's last COST_SAMPLES costs
        self.credit: dict[str, float] = {}    # a part's share of budgets not yet spent
        self.samples: dict[str, deque] = {}   # a part's last (update, paint) CPU seconds
        self.draws: dict[str, int] = {}       # how often each part was drawn
        # Each view's share of the budget (View.frame_weight; 1 when it has none).
        self._weights = {name: float(getattr(v, "frame_weight", 1.0)) for name, v in views.items()}
        for view in views.values():
            view.installEventFilter(self)

    # ------------------------------------------------------------ what is pending

    def pending(self, name: str) -> bool:
        """True if the view `name` has something not drawn yet (a snapshot or a result)."""
        return name in self._stale or name in self._requests

    def request(self, name: str, draw: Callable[[], None]) -> None:
        """The view `name` has a worker result to draw (`draw`, replacing an older one not
        drawn yet): drawn in the next frame while training, at once otherwise."""
        self._requests[name] = draw
        if not self._trainer.is_training:
            self._flush_soon()

    def catch_up(self, name: str) -> None:
        """The view `name` came into sight: draw what it missed, at once."""
        if self.pending(name):
            self._catching.add(name)
            self._catch_tries = 0
            self._flush_soon()

    def eventFilter(self, obj, event) -> bool:   # noqa: N802 - Qt's name
        # A view shown, or given room again (a collapsed dock dragged open), catches up.
        if event.type() in (QtCore.QEvent.Type.Show, QtCore.QEvent.Type.Resize):
            name = getattr(obj, "name", None)
            if name in self._unseen and self._seen(name):
                self._unseen.discard(name)
                self.catch_up(name)
        return False

    def _flush_soon(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            QtCore.QTimer.singleShot(0, self._flush)

    def _flush(self) -> None:
        """Draw at once, after a frame in progress: what the views that came into sight
        missed, and (when not training) every pending part in sight."""
        self._flush_pending = False
        if self._stopped:
            return
        if self.busy():
            self._flush_pending = True      # _next() calls again at the frame's end
            return
        names = None if not self._trainer.is_training else self._catching
        waiting, self._catching = self._catching, set()
        for key, part in self._parts(budgeted=False, names=names):
            self._run(key, part)
        # A dock just brought forward is placed by the layout after its visibility changed:
        # a view not in sight yet is looked at again shortly (a few times).
        waiting = {n for n in waiting if self.pending(n) and not self._seen(n)}
        if waiting and self._catch_tries < CATCH_UP_TRIES:
            self._catch_tries += 1
            self._catching |= waiting
            self._flush_pending = True
            QtCore.QTimer.singleShot(CATCH_UP_RETRY_MS, self._flush)
        else:
            self._catch_tries = 0

    # ------------------------------------------------------------ choosing the parts

    def _parts(self, budgeted: bool, names=None) -> list[tuple[str, Callable[[], None]]]:
        """The pending parts of the views in sight (of `names` only, if given); with
        `budgeted`, only those due within this frame's budget (see the module docstring)."""
        parts: list[tuple[str, Callable[[], None]]] = []
        for name in self._views if names is None else [n for n in self._views if n in names]:
            if not self._seen(name):
                self._unseen.add(name)
                continue
            self._unseen.discard(name)
            if name in self._stale:
                parts.append((name, functools.partial(self._draw_snapshot, name)))
            if name in self._requests:
                parts.append((name + RESULT, functools.partial(self._draw_request, name)))
        if not budgeted:
            return parts
        return self._due(parts)

    def _due(self, parts: list[tuple[str, Callable[[], None]]]) -> list[tuple[str, Callable[[], None]]]:
        """The parts drawn in this frame, in their order (see the module docstring): first
        those whose credit covers their cost (each pending part earns the water level of half
        the budget a frame), then, cheapest first, those that fit in what is left of it."""
        known = [k for k, _ in parts if k in self.cost]
        level = water_level([self.cost[k] for k in known], self.budget * self.aged_share,
                            [self._weight(k) for k in known])
        chosen: set[str] = set()
        left = self.budget
        for key, _ in parts:
            cost = self.cost.get(key)
            if cost is None or len(self._recent[key]) < 2:
                # Drawn now, which measures it: twice, as a view's first draw builds its plots.
                chosen.add(key)
                continue
            credit = min(self.credit.get(key, 0.0) + self._weight(key) * level, cost)
            if credit >= cost * (1 - 1e-9):
                credit -= cost
                chosen.add(key)
                left -= cost
            self.credit[key] = credit
        for key, _ in sorted(parts, key=lambda kp: self.cost.get(kp[0], 0.0) / self._weight(kp[0])):
            cost = self.cost.get(key, 0.0)
            if key not in chosen and cost <= left:
                chosen.add(key)
                left -= cost
        return [(key, part) for key, part in parts if key in chosen]

    def _weight(self, key: str) -> float:
        """A part's weight: its view's ``frame_weight``."""
        return self._weights[key.removesuffix(RESULT)]

    def _draw_snapshot(self, name: str) -> None:
        self._stale.discard(name)
        self._views[name].show_snapshot(self.snap)

    def _draw_request(self, name: str) -> None:
        draw = self._requests.pop(name, None)
        if draw is not None:
            draw()

    # ------------------------------------------------------------ frames

    def _new_snapshot(self, snap) -> None:
        self.snap = snap
        self._stale = set(self._views)

    def draw_async(self, snap) -> None:
        """Draw snap part by part, training held until the last part is done: the status,
        then the views' parts due within the budget (the others stay pending)."""
        self._new_snapshot(snap)
        self._adapt(bool(getattr(self._trainer, "held_back", False)))
        self._trainer.hold()
        self._start = time.perf_counter()
        self._start_cpu = time.thread_time()
        self._queue = [(STATUS, self._status)] + self._parts(budgeted=True)
        self._next()

    def _adapt(self, held_back: bool) -> None:
        """A frame starts (`held_back`: the trainer held its snapshot back for the window's
        cost); after ADAPT_SECONDS of frames, the budget moves towards FRAME_RATE_AIM."""
        now = self._clock()
        times = self._frame_times
        if times and now - times[-1] > ADAPT_SECONDS:   # a pause: a new second starts
            times.clear()
            self._frames_held = 0
        times.append(now)
        self._frames_held += held_back
        if now - times[0] < ADAPT_SECONDS or len(times) < 3:
            return
        rate = (len(times) - 1) / (now - times[0])
        held = self._frames_held / len(times)
        low, high = FRAME_RATE_AIM
        if rate < low and held > 0.5:
            self.budget = max(BUDGET_RANGE[0], self.budget * SHRINK)
        elif rate > high or held == 0:
            self.budget = min(BUDGET_RANGE[1], self.budget * GROW)
        times[:] = [now]
        self._frames_held = 0

    def draw_now(self, snap) -> None:
        """Draw snap in one go (when not training): every part that can be seen."""
        self._new_snapshot(snap)
        self._run(STATUS, self._status)
        for key, part in self._parts(budgeted=False):
            self._run(key, part)

    def _run(self, key: str, part) -> None:
        self.draws[key] = self.draws.get(key, 0) + 1
        try:
            part()
        except Exception as exc:   # noqa: BLE001 - one view must not stop the others
            name = key.removesuffix(RESULT)
            title = self._titles.get(name, name)
            self.last_error = f"{title}: {' '.join(str(exc).split()) or type(exc).__name__}"
            traceback.print_exc()
            self.failed.emit(f"Could not draw {self.last_error}")

    def _measured(self, cpu: float) -> None:
        """The part just drawn cost its update and the paint it caused, until `cpu`."""
        if self._current is None:
            return
        key, started, updated = self._current
        self._current = None
        recent = self._recent.setdefault(key, deque(maxlen=COST_SAMPLES))
        recent.append(cpu - started)
        self.cost[key] = sorted(recent)[(len(recent) - 1) // 2]
        self.samples.setdefault(key, deque(maxlen=SAMPLES)).append(
            (updated - started, cpu - updated))

    def _next(self) -> None:
        self._measured(time.thread_time())
        try:
            if self._queue:
                key, part = self._queue.pop(0)
                cpu = time.thread_time()
                self._run(key, part)
                self._current = (key, cpu, time.thread_time())
                QtCore.QTimer.singleShot(1, self._next)   # also after the last: its cost
                return
        finally:
            if not self._queue and self._current is None and self._start is not None:
                self._trainer.release()
                # The GUI thread's CPU since the last frame ended: this frame and whatever the
                # window did in between (hover, timers, a catch-up), all taken from training.
                cpu = time.thread_time()
                since = cpu - (self._start_cpu if self._end_cpu is None else self._end_cpu)
                self._end_cpu = cpu
                self._trainer.snapshot_taken(time.perf_counter() - self._start, since)
                self._start = None
                if self._flush_pending:
                    QtCore.QTimer.singleShot(0, self._flush)

    def busy(self) -> bool:
        return self._start is not None

    def stop(self) -> None:
        """The window closes: nothing is drawn from here on."""
        self._stopped = True
        self.cancel()

    def cancel(self) -> None:
        """Drop the rest of a frame (a newer state is about to be drawn)."""
        self._queue = []
        self._current = None
        if self._start is not None:
            self._trainer.release()
            self._trainer.snapshot_taken(0.0)
            self._start = None
            if self._flush_pending and not self._stopped:
                # A catch-up waited for this frame's end, which _next() will not reach now.
                QtCore.QTimer.singleShot(0, self._flush)


def in_sight(dock: QtWidgets.QDockWidget) -> bool:
    """True if the dock is shown: closed docks, tabs behind another and collapsed docks draw
    nothing.  A floating dock is a window of its own, whose visibleRegion() Qt reports empty
    (seen offscreen for Signal, Gates and MSE once floated): those views stopped updating
    while training."""
    return dock.isVisible() and (dock.isFloating() or not dock.visibleRegion().isEmpty())

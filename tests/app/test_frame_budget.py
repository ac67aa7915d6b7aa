"""The frame scheduler's mechanisms (app/frames.py), driven for real: the budget shared among
views of different costs, a view out of sight drawing nothing until it is shown, and a
worker's results drawn through the frames.  No timing is asserted: a part's cost is CPU time
burnt on purpose, which the load of the machine does not change."""
from __future__ import annotations

import time

import pytest

from lstm_gui.app.frames import BUDGET_RANGE, FrameScheduler, water_level
from lstm_gui.app.qt import QtWidgets

from .conftest import enter


def test_the_water_level_shares_a_budget_max_min_fairly():
    assert water_level([1, 2, 3], 10) == float("inf")              # everything fits
    assert water_level([1, 5, 10], 7) == pytest.approx(3.0)         # 1 + 3 + 3
    assert sum(min(c, water_level([2, 4, 8, 16], 12)) for c in (2, 4, 8, 16)) == pytest.approx(12)


def test_the_water_level_gives_each_part_its_weight_times_the_level():
    # Weights 3 and 1 on equal costs: shares 3s and s of the budget.
    assert water_level([10, 10], 8, [3, 1]) == pytest.approx(2.0)   # 6 + 2
    # The heavy part's whole cost fits under its share: the rest goes to the others.
    costs, weights = [1, 10, 10], [3, 1, 1]
    s = water_level(costs, 9, weights)
    assert s == pytest.approx(4.0)                                   # 1 + 4 + 4
    assert sum(min(c, w * s) for c, w in zip(costs, weights)) == pytest.approx(9)


class FakeTrainer:
    """What the scheduler asks of the trainer; counts the frames."""

    is_training = True

    def __init__(self):
        self.frames = 0
        self.held = False

    def hold(self):
        self.held = True

    def release(self):
        self.held = False

    def snapshot_taken(self, *args):
        self.frames += 1


class Burner(QtWidgets.QWidget):
    """A view whose draw costs `cost` seconds of this thread's CPU (its k-th draw costs
    `once[k]` instead, if given)."""

    def __init__(self, name, cost, weight=1.0, once=None):
        super().__init__()
        self.name, self.cost, self.drawn = name, cost, 0
        self.frame_weight = weight
        self.once = once or {}

    def show_snapshot(self, snap):
        cost = self.once.get(self.drawn, self.cost)
        self.drawn += 1
        start = time.thread_time()
        while time.thread_time() - start < cost:
            pass


def run_frames(qtbot, frames, trainer, n):
    for k in range(n):
        frames.draw_async(k)
        qtbot.waitUntil(lambda: not frames.busy(), timeout=10_000)
    assert trainer.frames == n and not trainer.held


def test_a_view_weighing_three_times_more_draws_about_three_times_more_often(qtbot):
    views = {"watched": Burner("watched", 0.004, weight=3), "other": Burner("other", 0.004)}
    trainer = FakeTrainer()
    # A budget for one of the two a frame, shared max-min fairly (no cheapest-first rest).
    frames = FrameScheduler(trainer, lambda: None, views, lambda name: True, budget=0.004)
    frames.aged_share = 1.0
    n = 80
    run_frames(qtbot, frames, trainer, n)
    watched, other = views["watched"].drawn, views["other"].drawn
    assert other >= 10, (watched, other)                  # it does not starve
    assert 2.0 <= watched / other <= 4.5, (watched, other)


def test_one_dear_draw_of_a_cheap_view_does_not_hold_it_back(qtbot):
    # Its third draw cost 150 ms (a collection, a worker's result landing inside it): with a
    # running mean of its costs it then drew about once in 20 frames; the lower median of its
    # last draws ignores that one.
    views = {"cheap": Burner("cheap", 0.001, once={2: 0.150}), "dear": Burner("dear", 0.012)}
    trainer = FakeTrainer()
    frames = FrameScheduler(trainer, lambda: None, views, lambda name: True, budget=0.006)
    n = 40
    run_frames(qtbot, frames, trainer, n)
    assert views["cheap"].drawn >= 0.8 * n, views["cheap"].drawn


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def budget_after(qtbot, frame_seconds, held_back, seconds=6.0, budget=0.016):
    """The frame budget after `seconds` of frames every `frame_seconds` (a fake clock),
    each held back by the window's cost or not."""
    views = {"v": Burner("v", 0.0)}
    trainer = FakeTrainer()
    trainer.held_back = held_back
    clock = Clock()
    frames = FrameScheduler(trainer, lambda: None, views, lambda name: True, budget=budget,
                            clock=clock)
    for _ in range(int(seconds / frame_seconds)):
        frames.draw_async(None)
        qtbot.waitUntil(lambda: not frames.busy(), timeout=10_000)
        clock.now += frame_seconds
    return frames.budget


def test_the_budget_shrinks_while_held_back_frames_come_too_slowly_and_grows_when_they_are_fast(qtbot):
    low, high = BUDGET_RANGE
    slow = budget_after(qtbot, 1 / 6, held_back=True)           # 6 frames a second
    assert low <= slow < 0.016 * 0.6, slow
    assert budget_after(qtbot, 1 / 3, held_back=True, seconds=15) == pytest.approx(low)
    fast = budget_after(qtbot, 1 / 30, held_back=True)           # 30 frames a second
    assert 0.016 * 1.3 < fast <= high, fast
    steady = budget_after(qtbot, 1 / 15, held_back=True)         # within FRAME_RATE_AIM
    assert steady == pytest.approx(0.016)


def test_a_slow_pace_not_held_back_by_the_window_does_not_shrink_the_budget(qtbot):
    # Slow motion at 5 epochs a second sends 5 snapshots a second: the window could draw
    # more and fuller frames, so its budget is not cut (it grows, every view drawn each frame).
    assert budget_after(qtbot, 1 / 5, held_back=False) > 0.016


def test_a_pause_starts_a_new_second_of_frames(qtbot):
    # Frames every 2 s (a user pressing Step, say) are not "too slow": nothing is measured.
    assert budget_after(qtbot, 2.0, held_back=True, seconds=30) == pytest.approx(0.016)


def test_cheap_views_draw_every_frame_expensive_ones_less_often_and_none_starves(qtbot):
    costs = {"cheap": 0.001, "cheaper": 0.0005, "middle": 0.008, "dear": 0.020, "dearest": 0.040}
    views = {name: Burner(name, cost) for name, cost in costs.items()}
    trainer = FakeTrainer()
    frames = FrameScheduler(trainer, lambda: None, views, lambda name: True, budget=0.010)
    n = 90
    for k in range(n):
        frames.draw_async(k)
        qtbot.waitUntil(lambda: not frames.busy(), timeout=10_000)
    assert trainer.frames == n and not trainer.held
    drawn = {name: v.drawn for name, v in views.items()}
    # The first frame draws everything (its costs unknown); then the cheap ones about every
    # frame (not when the expensive ones' turns took the whole budget).
    assert drawn["cheap"] >= 0.8 * n and drawn["cheaper"] >= 0.8 * n, drawn
    assert drawn["cheap"] > drawn["middle"] > drawn["dear"] > drawn["dearest"] >= 2, drawn
    # On average a frame spent about the budget on views, not the 100 ms all of them cost.
    spent = sum(drawn[name] * cost for name, cost in costs.items())
    assert spent / n < 0.020, (spent / n, drawn)


def test_a_view_out_of_sight_draws_nothing_and_catches_up_at_once_when_shown(qtbot):
    views = {name: Burner(name, 0.0) for name in ("shown", "hidden")}
    seen = {"shown": True, "hidden": False}
    trainer = FakeTrainer()
    frames = FrameScheduler(trainer, lambda: None, views, seen.get)
    for k in range(5):
        frames.draw_async(k)
        qtbot.waitUntil(lambda: not frames.busy())
    assert views["shown"].drawn == 5 and views["hidden"].drawn == 0
    assert frames.pending("hidden") and not frames.pending("shown")
    trainer.is_training = False         # no frame comes any more: only the catch-up draws it
    seen["hidden"] = True
    frames.catch_up("hidden")
    qtbot.waitUntil(lambda: views["hidden"].drawn == 1)
    assert not frames.pending("hidden")


def test_a_tabbed_dock_is_not_drawn_while_training_and_catches_up_when_brought_forward(window, qtbot):
    name = "weightsView"
    window.layout_.present(name)         # opened: in front of the tab group of Parameters
    qtbot.waitUntil(lambda: window.can_be_seen(name))
    window.docks["paramsView"].raise_()  # and then a tab behind Parameters
    qtbot.waitUntil(lambda: not window.can_be_seen(name))
    assert window.docks[name] in window.tabifiedDockWidgets(window.docks["paramsView"])
    view = window.views[name]
    shown: list = []
    original = view.show_snapshot

    def counting(snap):
        shown.append(snap)
        return original(snap)
    view.show_snapshot = counting
    enter(window.panel.epochsSpin, "never")
    window.trainButton.click()
    before = window.frames.draws.get("status", 0)
    qtbot.waitUntil(lambda: window.frames.draws.get("status", 0) >= before + 3, timeout=60_000)
    window.pause()
    qtbot.waitUntil(lambda: not window.frames.busy(), timeout=10_000)
    assert shown == [] and window.frames.pending(name)
    window.docks[name].raise_()          # the user clicks its tab
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
    assert shown[-1] is window.frames.snap           # the latest snapshot, without a new frame
    assert not window.frames.pending(name)


def test_the_gradient_flows_results_are_drawn_in_frames_and_not_while_hidden(window, qtbot):
    view = window.views["gradientView"]
    window.layout_.present("gradientView")
    qtbot.waitUntil(lambda: window.can_be_seen("gradientView"))
    inside: list[bool] = []
    original = view._on_result

    def drawing(result):
        # Drawn by the frame scheduler: inside a frame's part while training.
        inside.append(window.frames.busy() or not window.trainer.is_training)
        return original(result)
    view._on_result = drawing
    enter(window.panel.epochsSpin, "never")
    window.trainButton.click()
    qtbot.waitUntil(lambda: len(inside) >= 2, timeout=60_000)
    assert all(inside) and window.frames.draws.get("gradientView:result", 0) >= 2
    # Behind another tab its results wait, drawn once it is shown again.
    window.docks["paramsView"].raise_()
    qtbot.waitUntil(lambda: not window.can_be_seen("gradientView"))
    window.pause()
    qtbot.waitUntil(lambda: not view.worker.pending() and not view.worker.isRunning(), timeout=30_000)
    qtbot.wait(200)                           # a result still queued from the worker arrives
    drawn = len(inside)
    view.worker.done.emit(("late", None))     # a result arriving while the dock is hidden
    qtbot.wait(200)
    assert len(inside) == drawn and window.frames.pending("gradientView")
    late: list = []
    view._on_result = late.append
    window.docks["gradientView"].raise_()
    qtbot.waitUntil(lambda: late == [("late", None)], timeout=10_000)

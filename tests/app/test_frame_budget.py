"""The frame scheduler's mechanisms (app/frames.py), driven for real: the budget shared among
views of different costs, a view out of sight drawing nothing until it is shown, and a
worker's results drawn through the frames.  No timing is asserted: a part's cost is CPU time
burnt on purpose, which the load of the machine does not change."""
from __future__ import annotations

import time

import pytest

from lstm_gui.app.frames import FrameScheduler, water_level
from lstm_gui.app.qt import QtWidgets

from .conftest import enter


def test_the_water_level_shares_a_budget_max_min_fairly():
    assert water_level([1, 2, 3], 10) == float("inf")              # everything fits
    assert water_level([1, 5, 10], 7) == pytest.approx(3.0)         # 1 + 3 + 3
    assert sum(min(c, water_level([2, 4, 8, 16], 12)) for c in (2, 4, 8, 16)) == pytest.approx(12)


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
    """A view whose draw costs `cost` seconds of this thread's CPU."""

    def __init__(self, name, cost):
        super().__init__()
        self.name, self.cost, self.drawn = name, cost, 0

    def show_snapshot(self, snap):
        self.drawn += 1
        start = time.thread_time()
        while time.thread_time() - start < self.cost:
            pass


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

"""Issue 21's speed mechanisms, driven for real: the training thread computes a snapshot's
forward passes without the run's lock, and a view whose dock cannot be seen is not drawn."""
from __future__ import annotations

import threading

from lstm_gui.app.trainer import Trainer
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

from .conftest import enter


def test_the_training_thread_does_not_hold_the_runs_lock_while_it_computes_a_snapshot(qtbot):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="gru", hidden=4,
                                units=2, epochs=0))
    # Compile (or load) the model's kernels here first: with a cold numba cache the training
    # thread's first chunk compiles the fused kernel under the run's lock, for tens of seconds
    # (CI's fresh clone: no snapshot within 30 s), which is not what this test measures.
    run.train(1)
    run.snapshot()
    trainer = Trainer(run)
    probes: list[bool] = []
    computed = threading.Event()
    compute = trainer.compute_snapshot

    def probing(job):
        # Another thread asks for the lock without waiting: it gets it only if the training
        # thread, computing this snapshot, does not hold it (an RLock is not shared).
        got = []

        def probe():
            ok = trainer._lock.acquire(blocking=False)
            got.append(ok)
            if ok:
                trainer._lock.release()
        other = threading.Thread(target=probe)
        other.start()
        other.join()
        probes.append(got[0])
        snap = compute(job)
        computed.set()
        return snap

    trainer.compute_snapshot = probing
    try:
        trainer.train()
        assert computed.wait(30)
        qtbot.waitUntil(lambda: len(probes) >= 1, timeout=30_000)
    finally:
        trainer.shutdown()
    assert probes and all(probes)


def test_a_closed_dock_is_not_drawn_and_a_shown_one_is(window, qtbot):
    drawn = {"cellView": 0, "signalView": 0, "weightsView": 0}
    for name in drawn:
        view = window.views[name]
        original = view.show_snapshot

        def counting(snap, name=name, original=original):
            drawn[name] += 1
            return original(snap)
        view.show_snapshot = counting
    window.docks["cellView"].close()
    assert window.docks["signalView"].isVisible()
    assert not window.docks["cellView"].isVisible()
    assert not window.docks["weightsView"].isVisible()      # a tab behind another
    assert window.can_be_seen("signalView")
    assert not window.can_be_seen("cellView") and not window.can_be_seen("weightsView")
    enter(window.panel.epochsSpin, "never")       # frames keep coming until the pause
    before = drawn["signalView"]
    window.trainButton.click()
    # One frame drawn while training (frames are paced by training's CPU: a loaded machine
    # makes them rare, never absent).
    qtbot.waitUntil(lambda: drawn["signalView"] > before, timeout=60_000)
    window.pause()
    assert drawn["cellView"] == 0 and drawn["weightsView"] == 0, drawn


def test_a_floating_dock_is_drawn_while_training(window, qtbot):
    """Floated, Signal's dock reported an empty visibleRegion(): it stopped updating."""
    drawn = [0]
    view = window.views["signalView"]
    original = view.show_snapshot

    def counting(snap):
        drawn[0] += 1
        return original(snap)
    view.show_snapshot = counting
    dock = window.docks["signalView"]
    dock.setFloating(True)
    dock.show()
    qtbot.waitUntil(dock.isVisible)
    assert window.can_be_seen("signalView")
    enter(window.panel.epochsSpin, "never")
    before = drawn[0]
    window.trainButton.click()
    qtbot.waitUntil(lambda: drawn[0] > before, timeout=60_000)
    window.pause()


def held_back_flags(qtbot, max_rate, consume_after_ms, n=4):
    """What Trainer.held_back says for n snapshots when the window takes consume_after_ms
    to draw each (training a unit at max_rate epochs a second, None: full speed)."""
    from lstm_gui.app.qt import QtCore
    run = TrainingRun(RunConfig(epochs=0))
    run.train(1)                       # the compiled kernel loaded before the thread starts
    trainer = Trainer(run)
    trainer.max_rate = max_rate
    flags: list[bool] = []

    def drawn(snap, rate):
        flags.append(trainer.held_back)
        QtCore.QTimer.singleShot(consume_after_ms, trainer.snapshot_taken)
    trainer.snapshot_ready.connect(drawn)
    try:
        trainer.train()
        qtbot.waitUntil(lambda: len(flags) >= n + 1, timeout=30_000)
    finally:
        trainer.shutdown()
    return flags[1:]                   # the first snapshot waited for nothing


def test_a_snapshot_that_waited_for_the_windows_last_frame_is_marked_held_back(qtbot):
    # The frame scheduler shrinks its budget only for frames the window's cost held back.
    assert all(held_back_flags(qtbot, None, consume_after_ms=200))
    # Slow motion, 4 epochs a second: each snapshot comes with its epoch, the window drawing
    # well within the pace: none was held back (the budget need not shrink).
    assert not any(held_back_flags(qtbot, 4.0, consume_after_ms=0))


def test_a_frame_drawn_while_training_never_waits_for_the_runs_lock(window, qtbot):
    # The training thread holds the run's lock for each chunk (20 ms of a compiled model's
    # epochs); the window's status read the dirty flag under it in every frame and waited
    # ~19 ms a frame (profiled: the 10 ms timer's lateness p99 was 21 ms against 0.4 ms for an
    # empty window).  A frame reads what it shows from its snapshot.
    import threading
    lock = window.trainer._lock
    waits: list[str] = []
    gui = threading.get_ident()

    class Probe:
        """The run's lock, noting each acquire by the GUI thread inside a frame while training."""

        def __enter__(self):
            if threading.get_ident() == gui and window.frames.busy() and window.trainer.is_training:
                waits.append("lock")
            return lock.__enter__()

        def __exit__(self, *exc):
            return lock.__exit__(*exc)

        def __getattr__(self, name):
            return getattr(lock, name)
    window.trainer._lock = Probe()
    enter(window.panel.epochsSpin, "never")
    before = window.frames.draws.get("status", 0)
    window.trainButton.click()
    qtbot.waitUntil(lambda: window.frames.draws.get("status", 0) >= before + 5, timeout=60_000)
    window.pause()
    window.trainer._lock = lock
    assert waits == [], f"{len(waits)} waits for the run's lock inside frames"

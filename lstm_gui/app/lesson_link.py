"""What the Lesson view asks of the window: clean view options when a lesson is set up, a
moment replayed when its link is clicked, the run pinned as a ghost, settings a link names.

Kept out of window.py: the view only emits signals, and this module turns them into the
window's own actions (replay, the time cursor, the panel's view options, Ctrl+G's pin).
"""
from __future__ import annotations

from typing import Any


def connect_lessons(window: Any) -> None:
    """Wire the window's Lesson view (if it has one) to the window."""
    view = window.views.get("lessonView")
    if view is None:
        return
    view.lesson_requested.connect(lambda lesson: set_view_options(window, lesson))
    view.moment_requested.connect(lambda moment: go_to_moment(window, moment))
    view.pin_requested.connect(window.pin_run)
    view.settings_requested.connect(lambda settings: apply_settings(window, settings))
    view.start_requested.connect(lambda start: start_from(window, start))


def set_view_options(window: Any, lesson) -> None:
    """Every view option the lesson names, and the defaults for all the others: nothing of
    the lesson before leaks into this one (a 3x span, a pinned ghost, a replayed epoch)."""
    options = lesson.view_options
    window.leave_replay()
    window.unpin_run()
    forget_hover = getattr(window, "_forget_hover", None)   # no readout of the old run stays
    if forget_hover is not None:
        forget_hover()
    panel = window.panel
    panel.spanCheck.setChecked(bool(options["span"]))
    panel.smoothSpin.setValue(int(options["smoothing"]))
    panel.unitViewSpin.setValue(int(options["unit"]))
    window.timeCursor.set(0)
    for view in window.views.values():
        reset = getattr(view, "reset_view_options", None)
        if reset is not None:
            reset()
    window.statusBar().showMessage(f"Lesson set up: {lesson.title}. The run you had is kept: "
                                   "Ctrl+Z brings it back", 10_000)


def go_to_moment(window: Any, moment) -> None:
    """Replay the moment's epoch (and put the time cursor on its step), or say what is missing."""
    reached = window.trainer.read(lambda run: run.epoch)
    if reached < moment.epoch:
        window.show_message(f"Train to epoch {moment.epoch:,} first (the run is at epoch "
                            f"{reached:,}); then this moment replays it", kind="info")
        return
    window.replay(moment.epoch)
    if moment.step is not None:
        window.timeCursor.set(moment.step)


def apply_settings(window: Any, settings: dict) -> None:
    """A settings link: the run takes them and starts over from epoch 0, undoably."""
    from ..core.lessons import apply_settings as changed
    current = window.trainer.read(lambda run: run.config)
    try:
        config = changed(current, settings)
    except (ValueError, TypeError, KeyError) as exc:
        window.show_message(" ".join(str(exc).split()), kind="error")
        return
    restarted = window.commands.configure(config)
    if not restarted and window.trainer.read(lambda run: run.epoch) > 0:
        window.commands.reset()   # a lesson compares runs from the start (e.g. a new rate)
    shown = ", ".join(f"{name} {value}" for name, value in settings.items())
    window.statusBar().showMessage(f"Lesson: {shown}. Press Train; Ctrl+Z undoes it", 10_000)


def start_from(window: Any, start: dict) -> None:
    """A start link: the run starts over from the seed's initial model with these
    parameters set (``lesson:start`` alone: the seed's own), undoably."""
    from ..core.lessons import make_run
    config = window.trainer.read(lambda run: run.config)
    try:
        run = make_run(config, start)
    except ValueError as exc:
        window.show_message(" ".join(str(exc).split()), kind="error")
        return
    shown = ", ".join(f"{name} = {value:g}" for name, value in start.items()) or "the seed's own"
    if window.commands.replace_run(run, f"Lesson: start from {shown}") is False:
        return   # asked about unsaved training, and cancelled
    window.statusBar().showMessage(f"Lesson: starting from {shown}. Press Train; Ctrl+Z undoes it",
                                   10_000)

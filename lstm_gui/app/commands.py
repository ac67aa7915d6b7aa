"""What the user can do to the run, each undoable: the window's and the views' one way in.

Every command swaps in a changed copy of the run and keeps the one it replaced, so undo and
redo are the same swap back and forth (Qt's QUndoStack holds them).  A copy costs a few ms and
about 2 MB for one unit (its history); the stack keeps the last UNDO_LIMIT.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.models import UNIT
from ..core.training.run import RunConfig, TrainingRun
from .qt import QtCore, QtGui, Signal
from .trainer import Trainer

UNDO_LIMIT = 20


class _Swap(QtGui.QUndoCommand):
    def __init__(self, commands: Commands, before: TrainingRun, after: TrainingRun, text: str):
        super().__init__(text)
        self._c, self._before, self._after = commands, before, after

    def redo(self) -> None:
        self._c._swap_in(self._after)

    def undo(self) -> None:
        self._c._swap_in(self._before)


class Commands(QtCore.QObject):
    """Changes to the run.  ``changed(reset)`` is emitted after each (reset: the run went
    back to epoch 0 or was replaced, so the panel and the views start over)."""

    changed = Signal(bool)
    failed = Signal(str)    # one line: a change the core refused (the run is unchanged)

    def __init__(self, trainer: Trainer, parent=None):
        super().__init__(parent)
        self.trainer = trainer
        self.undo = QtGui.QUndoStack(self)
        self.undo.setUndoLimit(UNDO_LIMIT)
        # Set by the window: the document told of every swap (so training an undo moved into
        # the stack keeps it dirty), and the question asked before a run is replaced.
        self.document: Any = None
        self.confirm_discard: Callable[[str], bool] = lambda action: True

    def _swap_in(self, run: TrainingRun) -> None:
        old = self.trainer.replace_run(run)
        if self.document is not None:
            self.document.swapped(old, run)
        run.touch()
        self.changed.emit(run.epoch == 0 or old.config.needs_reset(run.config))

    def _change(self, text: str, fn) -> TrainingRun | None:
        """fn(copy) changes a copy of the run; the copy is swapped in, undoably.  A change
        the core refuses (ValueError) leaves the run as it was and says why (``failed``)."""
        self.trainer.pause()
        before = self.trainer.copy_run()
        after = self.trainer.copy_run()
        try:
            fn(after)
        except ValueError as exc:
            self.failed.emit(" ".join(str(exc).split()))
            return None
        self.undo.push(_Swap(self, before, after, text))
        return after

    # ------------------------------------------------------------ the commands

    def reset(self) -> None:
        self._change("Reset", lambda run: run.reset())

    def reseed(self, seed: int) -> None:
        self._change("New seed", lambda run: run.reset(reseed=seed))

    def configure(self, config: RunConfig) -> bool:
        """New settings; returns True if they restarted the run.  Settings that need no
        reset apply in place (not an undo step: the lr slider is their undo)."""
        if self.trainer.read(lambda run: config.needs_reset(run.config)):
            self._change("Settings", lambda run: run.configure(config))
            return True
        self.trainer.apply(lambda run: run.configure(config))
        self.changed.emit(False)
        return False

    def set_params(self, params: np.ndarray, text: str = "edited parameters") -> None:
        self._change(text, lambda run: run.set_params(params, text))

    def set_param(self, unit: int, index: int, value: float) -> None:
        def edit(run):
            params = run.params.copy()
            params[unit, index] = value
            name = UNIT.names()[index] + (f" (unit {unit + 1})" if run.params.shape[0] > 1 else "")
            run.set_params(params, f"{name} = {value:g}")
        self._change(f"Edit {UNIT.names()[index]}", edit)

    def set_frozen(self, flat_index: int, frozen: bool) -> None:
        def freeze(run):
            keys = set(run.config.frozen)
            keys = keys | {flat_index} if frozen else keys - {flat_index}
            run.configure(run.config.with_field("frozen", tuple(keys)))
        self._change("Fix parameter" if frozen else "Free parameter", freeze)

    def replace_run(self, run: TrainingRun, text: str = "Open", ask: bool = True) -> bool:
        """Another run becomes current (a member of an ensemble, a lesson), undoably.

        Over unsaved training it first asks (save, discard or cancel); False if the user
        cancelled and nothing changed."""
        if ask and not self.confirm_discard(f"replacing it ({text})"):
            return False
        self.trainer.pause()
        before = self.trainer.copy_run()
        self.undo.push(_Swap(self, before, run, text))
        return True

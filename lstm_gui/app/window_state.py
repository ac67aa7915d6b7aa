"""The window's own state, derived in one place: training or paused, replaying or live, dirty,
busy computing.

Every label, button and menu that shows one of these reads it from here, in
:meth:`WindowState.changed`'s handlers; nothing else sets them.  The Train button's text was
set in nine places and lagged behind the training thread: after the run stopped at its budget
a Space press was refused while the button still said "Pause" (issue 24).

What is derived is read from its owner every time (:meth:`update`): training from the trainer's
flag, dirty from the document and the run's revision (while training, the revision of the
snapshot being drawn: see :meth:`update`).  What the window itself decides (the
replayed epoch, what is computing in the background) is set here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .qt import QtCore, Signal


@dataclass(frozen=True)
class State:
    """One reading of the window's state (compare two to see what changed)."""

    training: bool = False
    replay_epoch: int | None = None     # None: live
    dirty: bool = False
    busy: tuple[str, ...] = field(default=())   # what computes in the background, in words

    @property
    def live(self) -> bool:
        return self.replay_epoch is None

    @property
    def train_label(self) -> str:
        return "Pause" if self.training else "Train"


class WindowState(QtCore.QObject):
    """Emits ``changed(state)`` whenever a reading differs from the last one."""

    changed = Signal(object)

    def __init__(self, trainer, document, parent=None):
        super().__init__(parent)
        self._trainer = trainer
        self._document = document
        self._busy: dict[str, str] = {}
        self.state = State()

    def update(self, snap=None) -> State:
        """Read training and dirty from their owners; emit ``changed`` if anything moved.

        `snap`: the live snapshot a frame draws while training: dirty is read from its
        revision and epoch.  The training thread holds the run's lock for each chunk (20 ms of
        a compiled model's epochs) and a frame asking for it waited ~19 ms (profiled on an
        H = 16, 2-layer GRU: the 10 ms timer's lateness p99 was 21 ms, an empty window's 0.4).
        """
        training = self._trainer.is_training
        if training and snap is not None and snap.replay is None:
            dirty = self._document.is_dirty(snap)       # a snapshot has the run's revision and epoch
        else:
            dirty = self._trainer.read(self._document.is_dirty)
        return self._set(training=training, dirty=bool(dirty))

    def set_replay(self, epoch: int | None) -> None:
        self._set(replay_epoch=epoch)

    def set_busy(self, key: str, text: str | None) -> None:
        """`text` (e.g. "computing the landscape") while `key` works; None when it is done."""
        if text:
            self._busy[key] = text
        else:
            self._busy.pop(key, None)
        self._set(busy=tuple(self._busy.values()))

    def _set(self, **changes) -> State:
        # The trainer's flag is re-read with every change: a reading is never half old.
        changes.setdefault("training", self._trainer.is_training)
        new = replace(self.state, **changes)
        if new != self.state:
            self.state = new
            self.changed.emit(new)
        return new

    # Readers' shorthands.
    training = property(lambda self: self.state.training)
    replay_epoch = property(lambda self: self.state.replay_epoch)

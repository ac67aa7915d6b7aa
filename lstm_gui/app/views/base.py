"""What every view is: a widget that draws snapshots, living in a dock of its own.

A view knows the run only through the snapshots it is given and the commands it sends
(``ctx.trainer``).  Adding a view means writing one module with one ``View`` subclass and
naming it in ``views/registry.py``; no other view changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..qt import Qt, QtCore, QtWidgets, Signal


class TimeCursor(QtCore.QObject):
    """The time step t shared by every view of the sequence (Signal, Gates, the cell)."""

    changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.t = 0
        self.length = 1

    def set(self, t: int) -> None:
        t = int(min(max(t, 0), self.length - 1))
        if t != self.t:
            self.t = t
            self.changed.emit(t)

    def set_length(self, n: int) -> None:
        self.length = max(1, int(n))
        if self.t >= self.length:
            self.set(self.length - 1)


class UnitSelection(QtCore.QObject):
    """The hidden unit the views look at, shared: (layer, unit), both counted from 0.

    The weights view and the gate heat map set it with a click; the cell diagram follows it.
    For a chain of 1-D units, layer k is the chain's unit k and the unit is always 0.
    """

    changed = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer = 0
        self.unit = 0

    def set(self, layer: int, unit: int) -> None:
        layer, unit = max(0, int(layer)), max(0, int(unit))
        if (layer, unit) != (self.layer, self.unit):
            self.layer, self.unit = layer, unit
            self.changed.emit(layer, unit)


@dataclass
class ViewContext:
    """What a view may use besides the snapshots.

    trainer: the window's Trainer; views send commands through it (``set_params``,
        ``configure``...) and never touch the run directly.
    cursor: the shared time cursor.
    undo: the window's QUndoStack (hand edits are undoable).
    message: call with one line for the status bar: an error or a refusal (shown red).
    info: call with one line of news or a hint (a result, a next step; not shown as an
        error); ``message`` when not given.
    settings: QSettings, for a view's own persistent options (prefix keys with its name).
    selection: the hidden unit shared by the views (made here when not given).
    frames: the window's FrameScheduler (``request(name, draw)``), or None (a view on its
        own draws at once).
    """

    trainer: Any
    cursor: TimeCursor
    undo: Any
    message: Any
    settings: Any
    selection: Any = None
    frames: Any = None
    info: Any = None

    def __post_init__(self) -> None:
        if self.info is None:
            self.info = self.message
        if self.selection is None:
            self.selection = UnitSelection(self.cursor)


class View(QtWidgets.QWidget):
    """Subclasses set ``name`` (the dock's objectName, e.g. "cellView") and ``title``, and
    implement :meth:`show_snapshot`.  It is called on the GUI thread for every snapshot the
    window shows while the dock is visible, and once with the latest when it becomes visible.
    It must stay cheap (a few ms): heavy work goes to a background worker of the view's own.
    """

    name = ""
    title = ""
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = True
    # Its share of the frames' budget against the other views' (frames.py): what the learner
    # watches most (the output closing in, the MSE falling, the parameters moving) weighs more.
    frame_weight = 1.0

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx

    def show_snapshot(self, snap) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def plots(self) -> list:
        """The pyqtgraph plots of this view, for File → Export plot."""
        return []

    def draw_when_due(self, draw) -> None:
        """Draw a result of the view's own worker (`draw()`) as a part of the window's
        frames: within their budget while training, once the dock can be seen, at once
        otherwise (frames.py).  A newer result replaces one not drawn yet.  Without a
        window (a view on its own) it draws at once."""
        frames = self.ctx.frames
        if frames is None:
            draw()
        else:
            frames.request(self.name, draw)

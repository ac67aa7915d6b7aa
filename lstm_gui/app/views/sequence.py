"""The views of the sequence at the current parameters: Signal and Gates.

Both show the shared time cursor as a vertical line; hovering with Shift, or clicking, moves
it; with the plot focused, the arrow keys move it one step.
"""
from __future__ import annotations

from ..plots import GatesPlot, SignalPlot, _pen
from ..qt import Qt, QtWidgets, pg
from .base import View


class _SequenceView(View):
    plot_class: type = SignalPlot

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.plot = self.plot_class()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        # One cursor line per stacked plot (Gates has three), all at the same t.
        self.cursor_lines = []
        for row in self.plot.rows():
            line = pg.InfiniteLine(pos=0, angle=90, movable=True,
                                   pen=_pen("#444444", 1, Qt.PenStyle.DashLine))
            line.setZValue(15)
            row.addItem(line, ignoreBounds=True)
            line.sigPositionChanged.connect(lambda line: self.ctx.cursor.set(round(line.value())))
            self.cursor_lines.append(line)
        self.cursor_line = self.cursor_lines[0]
        ctx.cursor.changed.connect(self._on_cursor)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot.installEventFilter(self)
        self.unit = 0

    def _on_cursor(self, t: int) -> None:
        for line in self.cursor_lines:
            if round(line.value()) != t:
                line.setValue(t)

    def _on_click(self, event) -> None:
        for row in self.plot.rows():
            if row.vb.sceneBoundingRect().contains(event.scenePos()):
                self.ctx.cursor.set(round(row.vb.mapSceneToView(event.scenePos()).x()))
                return

    def eventFilter(self, obj, event) -> bool:
        if obj is self.plot and event.type() == event.Type.KeyPress:
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(event.key())
            if step is not None:
                self.ctx.cursor.set(self.ctx.cursor.t + step)
                return True
        return False

    def show_snapshot(self, snap) -> None:
        self.plot.unit = min(self.unit, snap.params.shape[0] - 1)
        self.plot.show_snapshot(snap)
        self._on_cursor(self.ctx.cursor.t)
        for row in self.plot.rows():
            row.vb.prepareForPaint()

    def plots(self) -> list:
        return [self.plot]


class SignalView(_SequenceView):
    name = "signalView"
    title = "Signal"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    plot_class = SignalPlot


class GatesView(_SequenceView):
    name = "gatesView"
    title = "Gates"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    plot_class = GatesPlot

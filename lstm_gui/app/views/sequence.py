"""The views of the sequence at the current parameters: Signal and Gates.

Both show the shared time cursor as a vertical line; hovering with Shift, or clicking, moves
it; with the plot focused, the arrow keys move it one step.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ...core.analysis import layers as layer_maths
from ...core.analysis import split as split_maths
from ...core.analysis.unit_graph import unit_graph
from ...core.training.datasets import Dataset
from .. import palette
from ..plots import GatesPlot, SignalPlot, SteadyRange, _pen, fit_title
from ..qt import Qt, QtWidgets, pg
from .base import View

# The scatter's title, longest first: the first that fits the plot's width is shown.
SCATTER_TITLES = ("Predictions against targets; on the diagonal = right",
                  "Predictions vs targets", "Predictions")


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
        if getattr(snap, "model", None) is not None:
            snap = self._of_model(snap)
        self.plot.unit = min(self.unit, snap.params.shape[0] - 1)
        self.plot.show_snapshot(snap)
        self._on_cursor(self.ctx.cursor.t)
        for row in self.plot.rows():
            row.vb.prepareForPaint()

    def plots(self) -> list:
        return [self.plot]


    def _of_model(self, snap):
        """What the unit's plot reads, for a model of H units (see the subclasses)."""
        raise NotImplementedError


class SignalView(_SequenceView):
    name = "signalView"
    title = "Signal"
    frame_weight = 3.0
    area = Qt.DockWidgetArea.RightDockWidgetArea
    plot_class = SignalPlot

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        # Sequence-to-one: one prediction per sequence, drawn against its target.
        self.scatterPlot = pg.PlotWidget(objectName="seqToOnePlot")
        self.scatterPlot.setBackground("w")
        self.scatterPlot.setLabel("bottom", "target")
        self.scatterPlot.setLabel("left", "prediction (the readout at the last step)")
        fit_title(self.scatterPlot.getPlotItem(), SCATTER_TITLES, size="9pt")
        # The view covers every point and the diagonal, steadily (SteadyRange): pyqtgraph's
        # auto-range had nothing to do with a plot cut by its own title's width.
        self.scatterRange = SteadyRange(self.scatterPlot.getPlotItem().vb)
        self.legend = self.scatterPlot.addLegend(offset=(10, 10))
        self.scatter = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(palette.H),
                                          name="training sequences")
        # The held-out sequences over the training ones, in the other colour, with a legend:
        # test points off the diagonal where training points sit on it is overfitting.
        self.test_scatter = pg.ScatterPlotItem(size=5, pen=None, symbol="t",
                                               brush=pg.mkBrush(palette.VERMILLION),
                                               name="test sequences (held out)")
        self.scatterPlot.addItem(self.scatter)
        self.scatterPlot.addItem(self.test_scatter)
        self.diagonal = pg.PlotCurveItem(pen=pg.mkPen(palette.TARGET, width=1,
                                                      style=Qt.PenStyle.DashLine))
        self.scatterPlot.addItem(self.diagonal)
        self.layout().addWidget(self.scatterPlot)
        self.scatterPlot.hide()
        self._task = None      # the task whose dataset is held (rebuilt when the task changes)
        self._data = None
        self.split = None      # the SplitSignal drawn (core/analysis/split.py), or None

    def _dataset(self, task):
        if task is not self._task:
            self._task = task
            self._data = task.dataset() if getattr(task, "is_set", False) else None
        return self._data

    def show_snapshot(self, snap) -> None:
        model = getattr(snap, "model", None)
        one = model is not None and np.ndim(snap.x) == 3 and np.ndim(snap.target) == 1
        self.scatterPlot.setVisible(one)
        self.plot.setVisible(not one)
        data = self._dataset(getattr(snap.config, "task", None)) if model is not None else None
        if not one:
            self.split = (None if data is None else
                          split_maths.split_signal(model, snap.params, data, snap.config.delay))
            super().show_snapshot(snap)
            if self.split is not None:
                self.plot.show_split(self.split.boundary, self.split.label)
                # The longest form that fits: the number is kept ("test MSE 0.000" read cut).
                mse = f"{snap.test_mse:.3g}"
                self.plot.set_title((f"Signal · test MSE {mse}", f"test MSE {mse}"))
            # One signal joined from many sequences has its own time axis: the cursor's t
            # is a step of the first training sequence, which is not drawn as such.
            joined = self.split is not None and self.split.joined
            for line in self.cursor_lines:
                line.setVisible(not joined)
            return
        self.split = None
        if data is None:     # sequences without their task: what the snapshot holds
            data = Dataset(snap.x, snap.target, np.zeros((0, *np.shape(snap.x)[1:])),
                           np.zeros(0), seq_to_one=True)
        (targets, predictions), (test_t, test_p) = split_maths.split_predictions(
            model, snap.params, data, snap.config.delay)
        self.scatter.setData(targets, predictions)
        self.test_scatter.setData(test_t, test_p)
        self.test_scatter.setVisible(len(test_t) > 0)
        every = np.concatenate([targets, predictions, test_t, test_p])
        every = every[np.isfinite(every)]
        if every.size:
            ends = [float(every.min()), float(every.max())]
            self.diagonal.setData(ends, ends)
            # One range for both axes: the diagonal stays at 45 degrees' meaning.
            self.scatterRange.fit(x=ends, y=ends, margin=0.05)
        titles: tuple[str, ...] = SCATTER_TITLES
        if len(test_t):
            mse = f" · test MSE {snap.test_mse:.3g}"
            titles = tuple(t + mse for t in titles[:-1]) + (mse[3:],)
        fit_title(self.scatterPlot.getPlotItem(), titles, size="9pt")

    def _of_model(self, snap):
        """The readout's output against the target: the training part then the test part
        (self.split), or the first training sequence."""
        if self.split is not None:
            s = self.split
            return SimpleNamespace(x=s.x, target=s.target, clean_target=s.target, span=None,
                                   params=np.zeros((1, 1)), trace=SimpleNamespace(h=s.y))
        x, target, clean, y = layer_maths.signal_of(snap.x, snap.target, snap.clean_target,
                                                    snap.trace)
        return SimpleNamespace(x=x, target=target, clean_target=clean, span=None,
                               params=np.zeros((1, 1)), trace=SimpleNamespace(h=y))


class GatesView(_SequenceView):
    name = "gatesView"
    title = "Gates"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    plot_class = GatesPlot

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        ctx.selection.changed.connect(self._on_selection)
        self._last = None

    def _on_selection(self, *_) -> None:
        if self._last is not None:
            self.show_snapshot(self._last)

    def show_snapshot(self, snap) -> None:
        model = getattr(snap, "model", None)
        self._last = snap if model is not None else None
        self.plot.show_fields(self.plot.UNIT_FIELDS if model is None else self.fields(model))
        sel = self.ctx.selection
        # Set once per snapshot (the plot's own title in between re-laid the plot out twice).
        self.plot.model_title = (None if model is None else
                                 f"Gates, unit {sel.unit + 1} of layer {sel.layer + 1} ({model.cell})")
        super().show_snapshot(snap)

    @staticmethod
    def fields(model) -> tuple[str, ...]:
        """What the plot draws for a model: the gates its family computes (an ablated gate,
        the constant 1, is left out), then C (LSTM families) and h."""
        graph = unit_graph(model)
        return graph.computed + tuple("h_units" if k == "h" else k for k in graph.states())

    def _of_model(self, snap):
        """The selected unit's quantities, each (n,), under the plot's names."""
        model = snap.model
        sel = self.ctx.selection
        group = min(sel.layer, model.layers * model.dirs - 1)
        layer, direction = divmod(group, model.dirs)
        series = layer_maths.unit_series(snap.trace, layer, min(sel.unit, model.hidden - 1),
                                         direction)
        fields = {("h_units" if k == "h" else k): v for k, v in series.items()}
        return SimpleNamespace(params=np.zeros((1, 1)), trace=SimpleNamespace(**fields))

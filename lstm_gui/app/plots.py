"""The four live plots.  Each creates its curves once and updates them with setData."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import PARAM_NAMES
from ..core.fileio import replacing, with_default_suffix
from ..core.freerun import FORECAST_TASKS, free_run_snapshot
from ..core.smoothing import smooth
from .qt import Qt, QtGui, QtSvg, pg

GATE_COLOURS = {"f": "#d62728", "i": "#2ca02c", "C": "#1f77b4", "o": "#9467bd"}
PARAM_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)
MAX_MARKERS = 200     # event markers drawn; older events are still listed by the hover readout
LABEL_GAP = 0.08      # a marker gets a label when it is this share of the span from the last
# Plots compute ranges as max - min: values near 1e308 overflow to inf and pyqtgraph refuses
# the range ("Cannot set range [-inf, inf]").  Drawn values are clamped to this magnitude.
DRAW_LIMIT = 1e150


def finite_for_drawing(values: np.ndarray) -> np.ndarray:
    """values with non-finite entries removed from view (NaN) and huge ones clamped."""
    return np.clip(np.where(np.isfinite(values), values, np.nan), -DRAW_LIMIT, DRAW_LIMIT)


def _pen(colour, width=1, style=Qt.PenStyle.SolidLine, alpha=255):
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width)
    pen.setStyle(style)
    return pen


def param_icon(index: int) -> QtGui.QIcon:
    """A short line in the parameter's pen, for the table that serves as its legend."""
    pixmap = QtGui.QPixmap(26, 10)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    pen = QtGui.QPen(param_pen(index))
    pen.setWidth(2)
    painter.setPen(pen)
    painter.drawLine(1, 5, 25, 5)
    painter.end()
    return QtGui.QIcon(pixmap)


def param_pen(index: int):
    """Gate colour for the parameter's gate; W_*h solid, W_*x dashed, b_* dotted."""
    gate = PARAM_NAMES[index].split("_")[1][0]
    return _pen(GATE_COLOURS[gate], 1, PARAM_STYLES[index % 3])


class _Plot(pg.PlotWidget):
    """A plot with a compact legend above it; click an entry to hide a curve."""

    def __init__(self, title: str, x_label: str, y_label: str, object_name: str,
                 legend_columns: int = 6, axis_items=None):
        super().__init__(axisItems=axis_items)
        self.setObjectName(object_name)
        self.setMinimumSize(205, 150)
        item = self.getPlotItem()
        self.set_title(title)
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)
        # No grid: its alpha-blended lines doubled the cost of a redraw (29 -> 67 ms).
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        item.setMenuEnabled(True)
        self.legend_columns = legend_columns
        self.legend = item.addLegend(offset=None, labelTextSize="9pt", verSpacing=-8,
                                     horSpacing=10, colCount=legend_columns, frame=False)
        # In the grid cell of the top axis (never shown here), above the curves: never over one.
        # Outside the view box no zoom reaches it, so it may scale with the rest when exported.
        self.legend.setFlag(self.legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        item.layout.removeItem(item.getAxis("top"))
        self.show_legend(True)

    def set_title(self, text: str) -> None:
        item = self.getPlotItem()
        item.setTitle(text, size="10pt")
        # pyqtgraph makes the title's width a minimum of the plot: a long title ("Signal ·
        # unseen MSE ...") would widen a narrow plot past its widget and clip the curves.
        item.titleLabel.setMinimumWidth(0)

    def resizeEvent(self, event):
        self.fit_legend()   # first: the plot's minimum width depends on the legend's
        super().resizeEvent(event)

    def fit_legend(self) -> None:
        """As many legend columns as fit in the plot's width: a wider legend would widen the
        plot's grid, and with it the view box, past the widget's edge."""
        # Not while PlotWidget is being built, nor once close() has cleared the scene (its
        # last resize would touch deleted legend labels).
        if "legend" not in self.__dict__ or self.__dict__.get("closed"):
            return
        entries = [(sample.item, label.text) for sample, label in self.legend.items]
        if not entries:
            return
        widest = max(label.item.boundingRect().width() for _, label in self.legend.items)
        entry = widest + 20 + 2 * self.legend.layout.horizontalSpacing()   # sample, spacing
        room = self.width() - 16
        columns = int(max(1, min(self.legend_columns, room // entry)))
        if columns != self.legend.columnCount:
            self.fill_legend(entries, columns)

    def fill_legend(self, entries, columns: int) -> None:
        """The legend anew from (curve, name) pairs: pyqtgraph's own removal and reflow can
        leave holes in its grid."""
        self.legend.clear()
        self.legend.columnCount = columns
        for curve, name in entries:
            self.legend.addItem(curve, name)

    def show_legend(self, shown: bool) -> None:
        """Lay the legend out above the plot, or take it out (a hidden item keeps its room)."""
        layout = self.getPlotItem().layout
        if shown and layout.itemAt(1, 1) is not self.legend:
            layout.addItem(self.legend, 1, 0, 1, 3)     # over the axis columns too
            layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignRight)
        elif not shown and layout.itemAt(1, 1) is self.legend:
            layout.removeItem(self.legend)
        self.legend.setVisible(shown)
        layout.activate()


class SignalPlot(_Plot):
    """Input, noisy target, clean target and the unit's output over t."""

    def __init__(self):
        super().__init__("Signal", "t", "value", "signalPlot", legend_columns=2)
        self.clean = self.plot(pen=_pen("#ff7f0e", 4, alpha=70))
        self.target = self.plot(pen=_pen("#ff7f0e", 1))
        self.input = self.plot(pen=_pen("#7f7f7f", 1, Qt.PenStyle.DashLine))
        self.output = self.plot(pen=_pen("#1f77b4", 2))
        self.clean.setVisible(False)
        self._fill_legend()
        self.span_output = self.plot(pen=_pen("#1f77b4", 2, Qt.PenStyle.DotLine))
        self.span_target = self.plot(pen=_pen("#ff7f0e", 1, Qt.PenStyle.DotLine))
        # Forecasting tasks: the model fed its own output past the sequence (core/freerun.py).
        self.free_run = self.plot(pen=_pen("#2ca02c", 2, Qt.PenStyle.DashLine))
        self.unseen = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(120, 120, 120, 30),
                                          pen=pg.mkPen(None))
        self.unseen.setZValue(-10)
        self.unseen.setVisible(False)
        self.addItem(self.unseen)

    def _fill_legend(self):
        entries = [(self.target, "target"), (self.clean, "target (clean)"),
                   (self.input, "input x"), (self.output, "output h")]
        self.fill_legend([(item, name) for item, name in entries
                          if item is not self.clean or item.isVisible()], self.legend.columnCount)
        self.fit_legend()   # "target (clean)" is the widest entry

    def show_snapshot(self, snap):
        t = np.arange(len(snap.x))
        noisy = not np.array_equal(snap.target, snap.clean_target)
        self.clean.setData(t, snap.clean_target)
        self.target.setData(t, snap.target if noisy else snap.clean_target)
        if noisy != self.clean.isVisible():
            self.clean.setVisible(noisy)
            self._fill_legend()
        self.input.setData(t, snap.x)
        self.output.setData(t, snap.trace.h)
        if snap.span is not None:
            x, target, h, n, unseen = snap.span
            ts = np.arange(n - 1, len(h))
            self.span_output.setData(ts, h[n - 1:])
            self.span_target.setData(ts, target[n - 1:])
            self.unseen.setRegion((n - 1, len(h) - 1))
        for item in (self.span_output, self.span_target, self.unseen):
            item.setVisible(snap.span is not None)
        # The unseen part's MSE goes in the title, where it never covers a curve.
        title = "Signal" if snap.span is None else f"Signal · unseen MSE {snap.span[4]:.3g}"
        free = snap.span is not None and snap.config.task.key in FORECAST_TASKS
        self.free_run.setVisible(free)
        if free:
            n = snap.span.n_train
            run = free_run_snapshot(snap, factor=len(snap.span.h) // n)
            # predicted[k] guesses x(n + k), which is the target at step n - 1 + k.
            self.free_run.setData(np.arange(n - 1, n - 1 + len(run.predicted)), run.predicted)
            title += f" · free-running: {run.steps_within} steps within {run.tolerance:g}"
        self.set_title(title)


class _LogAxis(pg.AxisItem):
    """A log axis that labels 1, 2 and 5 of each decade: 2..9 all labelled crowd a small plot.

    Within less than a decade (an MSE between 0.12 and 0.15, say) there may be no such value
    at all, and the axis would carry no number: then it takes evenly spaced round values.
    """

    _linear_step = None   # the spacing of the fallback ticks, when they are in use

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        self._linear_step = None
        if not self.logMode or not np.isfinite([minVal, maxVal]).all() or maxVal <= minVal:
            return levels
        labelled = [v for _, values in levels for v in values if self._labelled(v)]
        if len(labelled) >= 2:
            return levels
        lo, hi = 10.0 ** minVal, 10.0 ** maxVal
        raw = (hi - lo) / 4
        mag = 10.0 ** np.floor(np.log10(raw))
        step = mag * next(m for m in (1, 2, 5, 10) if m * mag >= raw)
        ticks = np.arange(np.ceil(lo / step) * step, hi, step)
        self._linear_step = float(step)
        return [(self._linear_step, list(np.log10(ticks[ticks > 0])))]

    @staticmethod
    def _labelled(v: float) -> bool:
        return round(10 ** (v % 1)) in (1, 2, 5)

    def tickStrings(self, values, scale, spacing):
        if self.logMode and spacing is not None and spacing == self._linear_step:
            decimals = max(0, int(-np.floor(np.log10(spacing))))
            return [f"{10 ** v:.{decimals}f}" for v in values]
        strings = super().tickStrings(values, scale, spacing)
        if not self.logMode or spacing is not None:
            return strings
        return [s if self._labelled(v) else "" for v, s in zip(values, strings)]


class MsePlot(_Plot):
    """MSE against epoch, log axis: the raw curve faint, a smoothed one over it."""

    def __init__(self):
        super().__init__("MSE", "epoch", "MSE", "msePlot", legend_columns=2,
                         axis_items={"left": _LogAxis("left")})
        item = self.getPlotItem()
        item.setLogMode(y=True)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.raw = self.plot(name="MSE", pen=_pen("#1f77b4", 1, alpha=90))
        self.smooth = self.plot(name="smoothed", pen=_pen("#1f77b4", 2))
        # Train/test over epochs (core/evaluation.py), in the legend only once they have points.
        self.unseen = self.plot(pen=_pen("#d62728", 2, Qt.PenStyle.DashLine))
        self.clean = self.plot(pen=_pen("#2ca02c", 2, Qt.PenStyle.DashLine))
        self._evaluation_shown = (False, False)
        self.smoothing = 25
        self._markers: list = []
        self._marker_events: tuple = ()
        self._events: tuple = ()
        self._epochs = np.zeros(0)
        self._mse = np.zeros(0)
        self.readout = pg.TextItem(color="#000000", anchor=(1, 0), fill=pg.mkBrush(255, 255, 255, 210))
        self.readout.setZValue(20)
        self.addItem(self.readout, ignoreBounds=True)
        self.readout.setVisible(False)
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)

    def show_snapshot(self, snap):
        epochs, mse, _ = snap.history
        keep = (mse > 0) & np.isfinite(mse)
        self._epochs, self._mse = epochs[keep], mse[keep]
        self.raw.setData(self._epochs, self._mse)
        self.smooth.setVisible(self.smoothing > 1)
        if self.smoothing > 1 and len(self._mse):
            # Smooth in log space: the curve spans decades.
            self.smooth.setData(self._epochs, np.exp(smooth(np.log(self._mse), self.smoothing)))
        else:
            self.smooth.setData([], [])   # a run back at epoch 0 keeps no curve of the last
        self._show_evaluation(getattr(snap, "evaluation", None))
        self._show_events(snap.events)

    def _show_evaluation(self, evaluation) -> None:
        """The MSE on the unseen continuation and against the clean target, where recorded."""
        shown = []
        empty = np.zeros(0)
        epochs, unseen, clean = (empty, empty, empty) if evaluation is None else evaluation
        for curve, values in ((self.unseen, unseen), (self.clean, clean)):
            keep = np.isfinite(values) & (values > 0)
            curve.setData(epochs[keep], values[keep])
            shown.append(bool(keep.any()))
        if tuple(shown) != self._evaluation_shown:
            self._evaluation_shown = tuple(shown)
            entries = [(self.raw, "MSE"), (self.smooth, "smoothed"),
                       (self.unseen, "unseen (3x)"), (self.clean, "vs clean target")]
            self.fill_legend([e for e, s in zip(entries, (True, True, *shown)) if s],
                             self.legend.columnCount)
            self.fit_legend()

    def _show_events(self, events):
        """Markers for the run's events.  Only the last MAX_MARKERS are drawn, and a marker is
        labelled only where the previous label is far enough away; the hover readout names
        every event.  Markers already drawn are kept, so a new event costs one marker, not a
        redraw of all (1.9 s per new event at 1 000 events before)."""
        self._events = events
        shown = events[-MAX_MARKERS:]
        if tuple(shown) == self._marker_events:
            return
        for m in self._markers:
            self.removeItem(m)
        self._markers = []
        pen = _pen("#555555", 1, Qt.PenStyle.DashLine)
        last_labelled = None
        span = max(1.0, float(shown[-1][0] - shown[0][0])) if shown else 1.0
        for epoch, text in shown:
            # A label only every LABEL_GAP of the span: labels never overprint.
            room = last_labelled is None or (epoch - last_labelled) / span >= LABEL_GAP
            line = pg.InfiniteLine(pos=epoch, angle=90, pen=pen)
            if room:
                # InfLineLabel formats its text with str.format: braces in the event's text
                # (data, e.g. from a file) must be escaped, or "{" raises on every draw.
                pg.InfLineLabel(line, text=str(text).replace("{", "{{").replace("}", "}}"),
                                position=0.9, color="#555555")
                last_labelled = epoch
            self.addItem(line)
            self._markers.append(line)
        self._marker_events = tuple(shown)

    def readout_at(self, epoch: float) -> str | None:
        """The text shown when hovering at `epoch`: the nearest recorded point."""
        if not len(self._epochs):
            return None
        k = int(np.clip(np.searchsorted(self._epochs, epoch), 0, len(self._epochs) - 1))
        if k > 0 and abs(self._epochs[k - 1] - epoch) < abs(self._epochs[k] - epoch):
            k -= 1
        text = f"epoch {int(self._epochs[k])}\nMSE {self._mse[k]:.4g}"
        near = [t for e, t in self._events if abs(e - self._epochs[k]) <= max(1, 0.01 * self._epochs[-1])]
        if near:
            text += "\n" + "; ".join(str(t) for t in near[-3:])
        return text

    def _on_mouse(self, event):
        pos = event[0]
        vb = self.getPlotItem().vb
        if not self.sceneBoundingRect().contains(pos) or not vb.sceneBoundingRect().contains(pos):
            self.readout.setVisible(False)
            return
        point = vb.mapSceneToView(pos)
        text = self.readout_at(point.x())
        if text is None:
            return
        self.readout.setText(text)
        (x0, x1), (y0, y1) = vb.viewRange()
        self.readout.setPos(x1, y1)
        self.readout.setVisible(True)


class ParamsPlot(_Plot):
    """The 12 parameter trajectories of one unit; legend entries toggle the curves."""

    def __init__(self):
        super().__init__("Parameters", "epoch", "value", "paramsPlot", legend_columns=4)
        # Twelve entries would take a third of the plot: in the window, the parameter table
        # is this plot's legend (a swatch per row, and a check box that shows or hides the
        # curve); exported images get the legend.
        self.show_legend(False)
        item = self.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.curves = [self.plot(name=name, pen=param_pen(k)) for k, name in enumerate(PARAM_NAMES)]
        self.unit = 0

    def show_snapshot(self, snap):
        epochs, _, params = snap.history
        u = min(self.unit, params.shape[1] - 1) if params.ndim == 3 and len(params) else 0
        for k, curve in enumerate(self.curves):
            if len(epochs):
                curve.setData(epochs, finite_for_drawing(params[:, u, k]))
            else:
                curve.setData([], [])
        self.set_title("Parameters" + (f" (unit {u + 1})" if snap.params.shape[0] > 1 else ""))


class GatesPlot(_Plot):
    """f, i, C~, C, o and h over t for the current parameters of one unit."""

    NAMES = (("f", "f", "#d62728"), ("i", "i", "#2ca02c"), ("c_tilde", "C~", "#1f77b4"),
             ("c", "C", "#17becf"), ("o", "o", "#9467bd"), ("h_units", "h", "#000000"))

    def __init__(self):
        super().__init__("Gates", "t", "value", "gatesPlot", legend_columns=3)
        self.curves = {key: self.plot(name=label, pen=_pen(colour, 2 if key == "h_units" else 1))
                       for key, label, colour in self.NAMES}
        self.unit = 0

    def show_snapshot(self, snap):
        units = snap.params.shape[0]
        u = min(self.unit, units - 1)
        for key, curve in self.curves.items():
            seq = getattr(snap.trace, key)
            curve.setData(np.arange(seq.shape[-1]), seq[u] if seq.ndim == 2 else seq)
        self.set_title("Gates" + (f" (unit {u + 1})" if units > 1 else ""))


EXPORT_SUFFIXES = (".png", ".svg")


def export_plot(plot: pg.PlotWidget, path, width: int | None = None, default_suffix: str = ".png") -> Path:
    """Save one plot as PNG or SVG (by extension) with pyqtgraph's exporters; returns the path.

    A name without either extension gets `default_suffix` (the format chosen in the dialog).
    The image is rendered to a temporary file in the same folder and renamed over the target
    only when complete (fileio.replacing): a full disk leaves the old file and raises OSError.
    """
    path = with_default_suffix(path, default_suffix, EXPORT_SUFFIXES)
    item = plot.getPlotItem()
    shown = plot.legend.isVisible()
    plot.show_legend(True)  # an exported plot has no table beside it
    try:
        with replacing(path, suffix=path.suffix.lower()) as tmp:
            _export(plot, item, str(tmp), width)
    finally:
        plot.show_legend(shown)
    return path


def _export(plot, item, path: str, width):
    if path.lower().endswith(".svg"):
        try:
            pg.exporters.SVGExporter(item).export(path)
        except ValueError:
            # pyqtgraph 0.14.0 cannot parse closed paths ("... Z") that Qt 6 writes
            # (pyqtgraph issue #3495); Qt's own SVG generator draws the same widget.
            _render_svg(plot, path)
    else:
        exporter = pg.exporters.ImageExporter(item)
        exporter.parameters()["width"] = width or max(800, int(plot.width() * 2))
        # pyqtgraph ignores QImage.save's result; a full disk must not pass for success.
        if not exporter.export(toBytes=True).save(path, "PNG"):
            raise OSError("the image could not be written (is the disk full?)")


def _render_svg(widget, path: str) -> None:
    generator = QtSvg.QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(widget.size())
    generator.setViewBox(widget.rect())
    generator.setTitle(widget.objectName())
    painter = QtGui.QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()

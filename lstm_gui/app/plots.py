"""The four live plots.  Each creates its curves once and updates them with setData."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.analysis.freerun import FORECAST_TASKS, free_run_snapshot
from ..core.limits.fileio import replacing, with_default_suffix
from ..core.models import Model
from ..core.training.smoothing import smooth
from . import palette
from .qt import Qt, QtGui, QtSvg, pg

# A gate's colour by the letter of its parameters' names (W_fh -> "f", W_Ch -> "C").
GATE_COLOURS = {"f": palette.F, "i": palette.I, "C": palette.C_TILDE, "o": palette.O}
PARAM_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)
MAX_MARKERS = 200     # event markers drawn; older events are still listed by the hover readout
LABEL_GAP = 0.08      # a marker gets a label when it is this share of the span from the last
# Plots compute ranges as max - min: values near 1e308 overflow to inf and pyqtgraph refuses
# the range ("Cannot set range [-inf, inf]").  Drawn values are clamped to this magnitude.
DRAW_LIMIT = 1e150
HOVER_COLOUR = "#555555"
MSE_COLOUR = "#333333"  # not h's blue: the MSE is not a quantity of the unit
POINT_SIZE = 7        # the marker of a curve of one point (a task of length 1), in pixels


def finite_for_drawing(values: np.ndarray) -> np.ndarray:
    """values with non-finite entries removed from view (NaN) and huge ones clamped."""
    return np.clip(np.where(np.isfinite(values), values, np.nan), -DRAW_LIMIT, DRAW_LIMIT)


def device_scale() -> float:
    """Device pixels per logical pixel (2 under QT_SCALE_FACTOR=2).

    pyqtgraph's pens are cosmetic (their width is in device pixels, so zooming never thickens
    a curve); without this factor a 2 px curve is drawn 2 device pixels wide at a scale of 2,
    a hairline on the screen (measured: 2 px wide in a 600 x 400 grab of a 300 x 200 plot)."""
    app = QtGui.QGuiApplication.instance()
    return float(app.devicePixelRatio()) if isinstance(app, QtGui.QGuiApplication) else 1.0


def _pen(colour, width=1, style=Qt.PenStyle.SolidLine, alpha=255):
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width * device_scale(), cosmetic=True)
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
    """The colour of the parameter's gate (palette.py); W_*h solid, W_*x dashed, b_* dotted."""
    # Width 1: at 1.5, Qt's wide-line path for dashed and dotted pens made a redraw of the
    # 12 curves 6x slower (measured: 2.4 -> 15 ms per paint of the plot at 3000 epochs).
    return _pen(palette.param_colour(index), 1, PARAM_STYLES[index % 3])


def set_curve(curve, x, y) -> None:
    """curve.setData(x, y), with a dot when there is a single point: a line of one point
    draws nothing (a task of length 1 showed empty Signal and Gates plots)."""
    single = len(x) == 1
    if single != (curve.opts.get("symbol") is not None):
        # Empty the curve first: each symbol setter rebuilds the scatter points of the data
        # it holds (24 s for 300 000 old points before going to length 1).
        curve.setData([], [])
        if single:
            colour = curve.opts["pen"].color() if curve.opts.get("pen") is not None else "k"
            curve.setSymbol("o")
            curve.setSymbolSize(POINT_SIZE * device_scale())
            curve.setSymbolBrush(pg.mkBrush(colour))
            curve.setSymbolPen(None)
        else:
            curve.setSymbol(None)
    curve.setData(x, y)


def nice_bound(value: float) -> float:
    """The smallest of 0.1, 0.2, 0.5, 1, 2, 5, 10, ... at or above |value|: a range that
    changes only when the data cross one of these, not every frame."""
    value = abs(float(value))
    if not np.isfinite(value) or value <= 0.1:
        return 0.1
    value = min(value, DRAW_LIMIT)
    mag = 10.0 ** np.floor(np.log10(value))
    return float(next(m * mag for m in (1, 2, 5, 10) if m * mag >= value * (1 - 1e-12)))


def steady_span(current, lo: float, hi: float, margin=0.1, fill: float = 0.4,
                min_span: float = 0.0) -> tuple[float, float]:
    """A range for data in [lo, hi] that changes only when the data leave the range `current`
    (lo, hi or None) or fill less than `fill` of it; a new one leaves `margin` of the data's
    span free on each side (a pair: below, above; a growing series wants room above) and
    spans at least `min_span`.  An axis whose range moves is
    redrawn (its ticks, labels and the plot's layout): Signal's paint took 8.2 ms of CPU with
    auto-range against 1.3 ms with a range that stays."""
    span = hi - lo
    if current is not None:
        c0, c1 = current
        if c0 <= lo and hi <= c1 and span >= fill * (c1 - c0) and c1 - c0 >= min_span * (1 - 1e-9):
            return current
    if span < min_span:
        mid = (lo + hi) / 2
        lo, hi, span = mid - min_span / 2, mid + min_span / 2, min_span
    if not span > 0:
        span = max(abs(lo), abs(hi), 1.0) * 0.2
    below, above = margin if isinstance(margin, tuple) else (margin, margin)
    return lo - below * span, hi + above * span


class SteadyRange:
    """Keeps a view box's auto-ranged axes steady (steady_span) instead of pyqtgraph's
    auto-range, which moves the range with every new point.  An axis the user zoomed or
    panned is left alone until auto-range is switched on again (the plot's "A" button)."""

    def __init__(self, vb, **span_options):
        self.vb = vb
        self.options = span_options
        self.managed = [True, True]
        vb.sigRangeChangedManually.connect(self._by_hand)

    def _by_hand(self, mask) -> None:
        for axis, changed in enumerate(mask):
            if changed:
                self.managed[axis] = False

    def fit(self, x=None, y=None, **options) -> None:
        """x, y: the data's (lo, hi) on each axis (in the view box's coordinates: log10 on a
        log axis), or None to leave that axis as it is."""
        vb = self.vb
        ranges = vb.viewRange()
        new: dict = {}
        for axis, bounds in enumerate((x, y)):
            if bounds is None or not np.all(np.isfinite(bounds)):
                continue
            if vb.state["autoRange"][axis] is not False:
                # Auto-range is on (at first, or by the "A" button): this object takes over.
                vb.enableAutoRange(axis=axis, enable=False)
                self.managed[axis] = True
                current = None
            elif not self.managed[axis]:
                continue
            else:
                current = tuple(ranges[axis])
            span = steady_span(current, float(bounds[0]), float(bounds[1]),
                               **{**self.options, **options})
            if span != current:
                new["xRange" if axis == 0 else "yRange"] = span
        if new:
            vb.setRange(padding=0, **new)


def retitle(plot_item, text, **options) -> None:
    """plot_item's title: `text`, or a tuple of forms longest first (the first that fits the
    title's place is shown; see fit_title).  Set only when it changes: a title set again
    re-lays the plot out (1-2 ms a frame); its width never widens the plot."""
    fit_title(plot_item, text, **options)


def _free_title_width(label) -> None:
    """pyqtgraph's LabelItem makes its text's width its minimum and preferred width at every
    resize (LabelItem.updateMin): a long title widened a narrow plot past its widget (the
    sum task's scatter drew 454 px in a 205 px dock, its right half cut off), and a
    setMinimumWidth(0) after setTitle lasted until the next resize.  The label's width is
    now the layout's; the text is fitted to it (fit_title)."""
    if getattr(label, "_width_free", False):
        return
    label._width_free = True
    update_min = label.updateMin
    minimum, preferred = Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize

    def free() -> None:
        update_min()
        label.setMinimumWidth(0)
        hint = label._sizeHint
        label._sizeHint = {**hint, minimum: (0, hint[minimum][1]), preferred: (0, hint[preferred][1])}
        label.updateGeometry()

    label.updateMin = free
    free()


def _plain(text: str) -> str:
    doc = QtGui.QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def fit_title(plot_item, texts, **options) -> None:
    """Title `plot_item` with the first of `texts` (a string, or forms longest first) whose
    width fits the title's place (above the view box), fitted again when that place's width
    changes; when none fits, the last, cut with "…" (plain text).  Cut by the widget's edge
    instead, "Signal · test MSE 0.000194" read "Signal · test MSE 0.000" at the smallest
    window.  Options (size=...) as PlotItem.setTitle's."""
    forms = (texts,) if isinstance(texts, str) else tuple(texts or ())     # none: no title
    label = plot_item.titleLabel
    _free_title_width(label)
    plot_item._title_forms = (forms, options)
    if not getattr(plot_item, "_title_fitting", False):
        plot_item._title_fitting = True
        label.geometryChanged.connect(lambda: _refit_title(plot_item))
    _refit_title(plot_item, force=True)


def _title_width(text: str, options: dict) -> float:
    font = QtGui.QFont()
    size = str(options.get("size", "")).strip()
    if size.endswith("pt"):
        font.setPointSizeF(float(size[:-2]))
    if options.get("bold"):
        font.setBold(True)
    metrics = QtGui.QFontMetricsF(font)
    lines = _plain(text).replace("\u2028", "\n").replace("\u2029", "\n").split("\n")
    return max(metrics.horizontalAdvance(line) for line in lines) + 4


def _refit_title(plot_item, force: bool = False) -> None:
    forms, options = plot_item._title_forms
    if not forms:
        if getattr(plot_item, "_title_text", None) is not None:
            plot_item._title_text = None
            plot_item.setTitle(None)
        return
    label = plot_item.titleLabel
    width = label.width()
    if not force and getattr(plot_item, "_title_fit_width", None) == width:
        return
    plot_item._title_fit_width = width
    shown = forms[-1]
    if width > 0:      # not laid out yet: the shortest, until the place is known
        for text in forms:
            if _title_width(text, options) <= width:
                shown = text
                break
        else:
            if "<" not in shown and _title_width(shown, options) > width:
                font = QtGui.QFont()
                size = str(options.get("size", "")).strip()
                if size.endswith("pt"):
                    font.setPointSizeF(float(size[:-2]))
                shown = QtGui.QFontMetricsF(font).elidedText(shown, Qt.TextElideMode.ElideRight,
                                                             max(width - 6, 1.0))
    if getattr(plot_item, "_title_text", None) == shown:
        return
    plot_item._title_text = shown
    plot_item.setTitle(shown, **options)


def fit_axis_label(plot_item, side: str, texts) -> None:
    """`side`'s axis label: the first of `texts` (forms longest first) whose width fits the
    axis's length, fitted again when that length changes.  pyqtgraph centres a label longer
    than its axis past the axis's ends: the gradient view's heat map, 60 px high at the
    smallest window, lost the first letter of "error at step t" there."""
    axis = plot_item.getAxis(side)
    axis._label_forms = tuple(texts)
    if not getattr(axis, "_label_fitting", False):
        axis._label_fitting = True
        axis.geometryChanged.connect(lambda: _refit_axis_label(axis))
    axis._label_fit_length = None
    _refit_axis_label(axis)


def _refit_axis_label(axis) -> None:
    vertical = axis.orientation in ("left", "right")
    length = axis.height() if vertical else axis.width()
    if getattr(axis, "_label_fit_length", None) == length:
        return
    axis._label_fit_length = length
    forms = axis._label_forms
    metrics = QtGui.QFontMetricsF(axis.label.font())
    shown = forms[-1]
    if length > 0:
        shown = next((t for t in forms if metrics.horizontalAdvance(t) + 4 <= length), forms[-1])
    if axis.labelText != shown:
        axis.setLabel(shown)
        axis.resizeEvent()      # the label placed for its new width (pyqtgraph: at a resize only)


def data_bounds(*arrays, log: bool = False) -> tuple[float, float] | None:
    """(min, max) of the finite values (the positive ones, as log10, with `log`), or None."""
    values = [np.asarray(a, dtype=float).ravel() for a in arrays if a is not None and np.size(a)]
    if not values:
        return None
    v = np.concatenate(values)
    v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
    if not len(v):
        return None
    lo, hi = float(v.min()), float(v.max())
    return (np.log10(lo), np.log10(hi)) if log else (lo, hi)


class _IntegerAxis(pg.AxisItem):
    """An axis of whole numbers (epochs): no tick at 1.5 when the run has two epochs."""

    def tickValues(self, minVal, maxVal, size):
        levels = [(spacing, [v for v in values if float(v).is_integer()])
                  for spacing, values in super().tickValues(minVal, maxVal, size) if spacing >= 1]
        if any(values for _, values in levels):
            return levels
        lo, hi = np.ceil(minVal), np.floor(maxVal)
        return [(1.0, list(np.arange(lo, hi + 1)))] if hi >= lo else []


class _Plot(pg.PlotWidget):
    """A plot with a compact legend above it (click an entry to hide a curve; hover it for
    what the curve is) and a hover readout: a marker on every curve at the hovered x, and
    the values in a box."""

    x_name = "t"
    per_line = 1          # readout entries on one line

    def __init__(self, title: str, x_label: str, y_label: str, object_name: str,
                 legend_columns: int = 6, axis_items=None, title_tip: str = ""):
        super().__init__(axisItems=axis_items)
        self.setObjectName(object_name)
        self.setMinimumSize(205, 150)
        item = self.getPlotItem()
        self.title_tip = title_tip
        self.tips: dict[str, str] = {}      # legend name -> its tooltip
        self.named: list = []               # (name, curve, row) read out on hover
        self._hover: dict = {}              # row -> (line, dots, readout)
        self.set_title(title)
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)
        self.style_row(item)
        item.setMenuEnabled(True)
        self.steady = SteadyRange(item.vb)
        self.legend_columns = legend_columns
        self.legend = item.addLegend(offset=None, labelTextSize="9pt", verSpacing=-8,
                                     horSpacing=10, colCount=legend_columns, frame=False)
        # In the grid cell of the top axis (never shown here), above the curves: never over one.
        # Outside the view box no zoom reaches it, so it may scale with the rest when exported.
        self.legend.setFlag(self.legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        item.layout.removeItem(item.getAxis("top"))
        self.show_legend(True)
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)

    @staticmethod
    def style_row(item) -> None:
        # No grid: its alpha-blended lines doubled the cost of a redraw (29 -> 67 ms).
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
            item.getAxis(axis).setPen(_pen(pg.getConfigOption("foreground")))

    def rows(self) -> list:
        """The plot items (one per stacked plot) that share the x axis."""
        return [self.getPlotItem()]

    def export_item(self):
        """What an exported image shows."""
        return self.getPlotItem()

    def add_curve(self, name: str, pen, tip: str, row=None, legend: bool = True):
        """A curve in `row` (the first by default), read out on hover, in the legend with
        `tip` as its tooltip."""
        row = row or self.getPlotItem()
        curve = row.plot(pen=pen)
        self.tips[name] = tip
        self.named.append((name, curve, row))
        if legend:
            self.legend.addItem(curve, name)
            self._tip_legend()
        return curve

    SHORT = 230           # below this height (px) the plot drops its title and y label:
    # at the window's smallest size (825 x 384) a plot is ~150 px high, and title, legend
    # and axes left ~40 px for the curves; the dock's title bar still names the plot.

    def is_short(self) -> bool:
        return self.height() < self.SHORT

    def set_title(self, text) -> None:
        """The title: a string, or forms longest first (the first that fits is shown)."""
        item = self.getPlotItem()
        shown = None if self.is_short() else text
        self.title_text = text
        if self.__dict__.get("_title_shown", ...) == shown:
            return     # a title set again re-lays the plot out (1-2 ms a frame)
        self._title_shown = shown
        if shown is None:
            item._title_text = None
            item.setTitle(None)
        else:
            # Fitted to the plot's width (the first form that fits): a long title ("Signal ·
            # unseen MSE ...") is neither cut at the widget's edge nor widens the plot.
            fit_title(item, shown, size="10pt")
        item.titleLabel.setToolTip(self.title_tip)

    def resizeEvent(self, event):
        self.fit_legend()   # first: the plot's minimum width depends on the legend's
        super().resizeEvent(event)
        if "title_text" in self.__dict__ and self.is_short() != self.__dict__.get("_was_short"):
            self._was_short = self.is_short()
            self.set_title(self.title_text)
            for row in self.rows():
                row.getAxis("left").showLabel(not self._was_short)

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
        self._tip_legend()

    def _tip_legend(self) -> None:
        for sample, label in self.legend.items:
            tip = self.tips.get(label.text, "")
            sample.setToolTip(tip)
            label.setToolTip(tip)

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

    # Hover readout ------------------------------------------------------------------------

    def values_at(self, x: float) -> tuple[float, list] | None:
        """(the nearest recorded x, [(name, y, curve, row)] of every shown curve there)."""
        found: list = []
        at = None
        for name, curve, row in self.named:
            xs, ys = curve.xData, curve.yData
            if not curve.isVisible() or xs is None or not len(xs):
                continue
            k = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if k > 0 and abs(xs[k - 1] - x) <= abs(xs[k] - x):
                k -= 1
            at = float(xs[k]) if at is None else at
            found.append((name, float(ys[k]), curve, row))
        return None if at is None else (at, found)

    def readout_rows(self, x: float) -> list[str] | None:
        """The readout of each row at x (the x value heads the first)."""
        got = self.values_at(x)
        if got is None:
            return None
        at, found = got
        texts = []
        for r, row in enumerate(self.rows()):
            entries = [f"{name} {y:.4g}" for name, y, _, item in found if item is row]
            lines = ["  ".join(entries[k:k + self.per_line])
                     for k in range(0, len(entries), self.per_line)]
            if r == 0:
                lines.insert(0, f"{self.x_name} {at:g}")
            texts.append("\n".join(lines))
        return texts

    def readout_at(self, x: float) -> str | None:
        """The text the hover readout shows at x, all rows together."""
        rows = self.readout_rows(x)
        return None if rows is None else "\n".join(t for t in rows if t)

    def _hover_items(self, row):
        if row not in self._hover:
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=_pen(HOVER_COLOUR, 1, Qt.PenStyle.DotLine))
            dots = pg.ScatterPlotItem(size=8 * device_scale(), pen=_pen("#ffffff", 1))
            readout = pg.TextItem(color="#000000", anchor=(1, 0),
                                  fill=pg.mkBrush(255, 255, 255, 210))
            for z, part in enumerate((line, dots, readout)):
                part.setZValue(18 + z)
                part.setVisible(False)
                row.addItem(part, ignoreBounds=True)
            self._hover[row] = (line, dots, readout)
        return self._hover[row]

    def hide_hover(self) -> None:
        for parts in self._hover.values():
            for part in parts:
                part.setVisible(False)

    def show_hover(self, x: float) -> bool:
        """Markers and readout at the recorded x nearest `x`; False when there is no data."""
        got = self.values_at(x)
        texts = self.readout_rows(x)
        if got is None or texts is None:
            self.hide_hover()
            return False
        at, found = got
        for row, text in zip(self.rows(), texts):
            line, dots, readout = self._hover_items(row)
            log_y = row.getAxis("left").logMode
            spots = [{"pos": (at, np.log10(y) if log_y else y),
                      "brush": pg.mkBrush(curve.opts["pen"].color())}
                     for _, y, curve, item in found
                     if item is row and np.isfinite(y) and (y > 0 or not log_y)]
            line.setValue(at)
            dots.setData(spots)
            (x0, x1), (_, y1) = row.vb.viewRange()
            # On the side away from the pointer: the readout never hides the hovered values.
            right = at < (x0 + x1) / 2
            readout.setAnchor((1, 0) if right else (0, 0))
            readout.setText(text)
            readout.setPos(x1 if right else x0, y1)
            for part in (line, dots):
                part.setVisible(True)
            readout.setVisible(bool(text))
        return True

    def leaveEvent(self, event):
        # The pointer left the plot: its readout and dots go with it (they stayed, issue 24).
        self.hide_hover()
        super().leaveEvent(event)

    def _on_mouse(self, event):
        pos = event[0]
        for row in self.rows():
            if row.vb.sceneBoundingRect().contains(pos):
                self.show_hover(row.vb.mapSceneToView(pos).x())
                return
        self.hide_hover()


SOLID, DASH, DOT, DASH_DOT = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                              Qt.PenStyle.DashDotLine)
H_TIP = ("h(t) = o(t)·tanh(C(t)), the unit's output: in (-1, 1).  The same colour (blue) in "
         "every view; in Signal it should follow the target.")


class SignalPlot(_Plot):
    """Input, noisy target, clean target and the unit's output over t."""

    def __init__(self):
        super().__init__("Signal", "t (time step)", "value of h, target, x", "signalPlot",
                         legend_columns=2,
                         title_tip="The task's sequence and the unit's answer at the current "
                                   "parameters: training makes h follow the target, t = 0..n-1.")
        self.clean = self.add_curve(
            "target (clean)", _pen(palette.TARGET, 4, alpha=60),
            "The target before noise was added: what the unit can at best learn.  Same range "
            "as the target.", legend=False)
        self.target = self.add_curve(
            "target", _pen(palette.TARGET, 1),
            "target(t): what h(t) should be; MSE = (1/n)·Σ (h(t) − target(t))².  The task's "
            "range, e.g. [-0.5, 0.5] for the waveforms.")
        self.input = self.add_curve(
            "input x", _pen(palette.X, 1, DASH),
            "x(t): the input sequence fed to the unit at each step (the task's; shifted one "
            "step later with lstmlib timing).")
        self.output = self.add_curve("output h", _pen(palette.H, 2), H_TIP)
        self.clean.setVisible(False)
        self._fill_legend()
        self.span_output = self.plot(pen=_pen(palette.H, 2, DOT))
        self.span_target = self.plot(pen=_pen(palette.TARGET, 1, DOT))
        # Forecasting tasks: the model fed its own output past the sequence (core/freerun.py).
        self.free_run = self.plot(pen=_pen(palette.BLUISH_GREEN, 2, DASH))
        self.unseen = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(120, 120, 120, 30),
                                          pen=pg.mkPen(None))
        self.unseen.setZValue(-10)
        self.unseen.setVisible(False)
        self.addItem(self.unseen)
        # Between training and test (the PyTorch tutorial's figure): a dashed vertical line
        # half a step after the last trained step, labelled at the top.
        self.split_line = pg.InfiniteLine(
            pos=0, angle=90, movable=False, pen=_pen("#555555", 1.5, DASH), label="train | test",
            labelOpts={"position": 0.96, "color": "#333333", "fill": (255, 255, 255, 200),
                       "movable": False, "anchors": [(0.5, 0.5), (0.5, 0.5)]})
        self.split_line.setZValue(5)
        self.split_line.setVisible(False)
        self.addItem(self.split_line, ignoreBounds=True)

    def show_split(self, boundary: float | None, label: str = "train | test") -> None:
        """The dashed train/test line at x = boundary (None: no line)."""
        self.split_line.setVisible(boundary is not None)
        if boundary is not None:
            self.split_line.setValue(boundary)
            if self.split_line.label.format != label:
                self.split_line.label.setFormat(label)

    def _fill_legend(self):
        entries = [(self.target, "target"), (self.clean, "target (clean)"),
                   (self.input, "input x"), (self.output, "output h")]
        self.fill_legend([(item, name) for item, name in entries
                          if item is not self.clean or item.isVisible()], self.legend.columnCount)
        self.fit_legend()   # "target (clean)" is the widest entry

    def show_snapshot(self, snap):
        t = np.arange(len(snap.x))
        noisy = not np.array_equal(snap.target, snap.clean_target)
        set_curve(self.clean, t, snap.clean_target)
        set_curve(self.target, t, snap.target if noisy else snap.clean_target)
        if noisy != self.clean.isVisible():
            self.clean.setVisible(noisy)
            self._fill_legend()
        set_curve(self.input, t, snap.x)
        set_curve(self.output, t, snap.trace.h)
        if snap.span is not None:
            x, target, h, n, unseen = snap.span
            ts = np.arange(n - 1, len(h))
            self.span_output.setData(ts, h[n - 1:])
            self.span_target.setData(ts, target[n - 1:])
            self.unseen.setRegion((n - 1, len(h) - 1))
        for item in (self.span_output, self.span_target, self.unseen):
            item.setVisible(snap.span is not None)
        self.show_split(None if snap.span is None else snap.span[3] - 0.5,
                        "train | unseen continuation")
        # The unseen part's MSE goes in the title, where it never covers a curve.
        # Forms longest first: the first that fits the plot's width is shown, numbers kept.
        titles: tuple = ("Signal",)
        if snap.span is not None:
            unseen = f"{snap.span[4]:.3g}"
            titles = (f"Signal · MSE on the unseen steps {unseen}", f"unseen MSE {unseen}")
        free = snap.span is not None and snap.config.task.key in FORECAST_TASKS
        self.free_run.setVisible(free)
        if free:
            n = snap.span.n_train
            run = free_run_snapshot(snap, factor=len(snap.span.h) // n)
            # predicted[k] guesses x(n + k), which is the target at step n - 1 + k.
            self.free_run.setData(np.arange(n - 1, n - 1 + len(run.predicted)), run.predicted)
            within = f"free-running: {run.steps_within} steps within {run.tolerance:g}"
            # The lesson's point (how far it runs free) outlives the MSE in a narrow plot.
            steps = f"free-running: {run.steps_within} steps"
            titles = (f"{titles[0]} · {within}", f"{titles[1]} · {within}",
                      f"unseen {unseen} · {steps}", steps)
        self.set_title(titles)
        self.fit_ranges()

    def fit_ranges(self) -> None:
        """Steady ranges around every curve shown (the time axis and the values)."""
        curves = [c for c in (self.clean, self.target, self.input, self.output, self.span_output,
                              self.span_target, self.free_run) if c.isVisible()]
        xs = [c.xData for c in curves if c.xData is not None]
        ys = [c.yData for c in curves if c.yData is not None]
        self.steady.fit(x=data_bounds(*xs), margin=0.02, fill=0.9)
        self.steady.fit(y=data_bounds(*ys), margin=0.08)


def without_overlaps(specs, margin: tuple = (1, 1)):
    """An axis's draw specs (pyqtgraph's generateDrawSpecs) keeping only the labels that do
    not overlap one kept before them (within `margin` = (x, y) px): pyqtgraph draws its coarsest
    level of labels whatever the room, overprinted in a plot too short for them."""
    if specs is None:
        return specs
    axis, ticks, texts = specs
    kept: list = []
    for spec in texts:
        rect = spec[0].adjusted(-margin[0], -margin[1], margin[0], margin[1])
        if not any(rect.intersects(other[0]) for other in kept):
            kept.append(spec)
    return axis, ticks, kept


def labels_with_room(axis: pg.AxisItem) -> None:
    """An axis pyqtgraph makes itself (a ColorBarItem's) draws only labels with room
    (:func:`without_overlaps`): the gradient view's bar printed "-4 -6 -8 -10" over each
    other in its 60-pixel heat map at the smallest window."""
    draw = axis.generateDrawSpecs
    axis.generateDrawSpecs = lambda p: without_overlaps(draw(p))


class _LogAxis(pg.AxisItem):
    """A log axis that labels 1, 2 and 5 of each decade: 2..9 all labelled crowd a small plot.

    Within less than a decade (an MSE between 0.12 and 0.15, say) there may be no such value
    at all, and the axis would carry no number: then it takes evenly spaced round values.
    Where even the decades do not fit (8 decades in the gradient view's 60-pixel lag plot
    printed "0.01 0.0001 10^-6 10^-8" over each other) only labels with room are drawn.
    """

    def generateDrawSpecs(self, p):
        return without_overlaps(super().generateDrawSpecs(p))

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


LogAxis = _LogAxis    # for other views' log plots (labels at 1, 2 and 5 of each decade)


class MsePlot(_Plot):
    """MSE against epoch, log axis: the raw curve faint, a smoothed one over it."""

    x_name = "epoch"

    def __init__(self):
        super().__init__("MSE", "epoch", "MSE (log)", "msePlot", legend_columns=2,
                         axis_items={"left": _LogAxis("left"), "bottom": _IntegerAxis("bottom")},
                         title_tip="The training error after each epoch, on a log axis: "
                                   "MSE = (1/n)·Σ_t (h(t) − target(t))².  Dashed lines mark "
                                   "events (edits, restarts, loads).")
        item = self.getPlotItem()
        item.setLogMode(y=True)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.raw = self.add_curve(
            "MSE", _pen(MSE_COLOUR, 1, alpha=90),
            "MSE of each recorded epoch: (1/n)·Σ (h(t) − target(t))², from 0 (perfect) up; "
            "about 0.125 is the output staying at 0 on a ±0.5 waveform.")
        self.smooth = self.add_curve(
            "smoothed", _pen(MSE_COLOUR, 2),
            "The MSE smoothed over the panel's smoothing window (a mean of log MSE).")
        self.ghost = self.add_curve(
            "pinned", _pen("#999999", 2, Qt.PenStyle.DashLine),
            "A run pinned for comparison (Compare → Pin this run): its smoothed MSE, dashed.",
            legend=False)
        self.ghost.setVisible(False)
        self.ghost_label: str | None = None
        # Train/test over epochs (core/evaluation.py), in the legend only once they have points.
        self.unseen = self.add_curve(
            "unseen steps (3x)", _pen(palette.VERMILLION, 2, DASH),
            "MSE on the task's continuation past the training length (3 times it), never "
            "trained on; recorded every 1 % of the epoch budget, at least every 150 epochs.",
            legend=False)
        self.clean = self.add_curve(
            "vs clean target", _pen(palette.BLUISH_GREEN, 2, DASH),
            "With noise: the MSE of the output on the clean input against the clean target, "
            "the task behind the noise.", legend=False)
        for curve, colour in ((self.unseen, palette.VERMILLION), (self.clean, palette.BLUISH_GREEN)):
            curve.setVisible(False)
            curve.setSymbol("o")
            curve.setSymbolSize(5)
            curve.setSymbolPen(None)
            curve.setSymbolBrush(colour)
        self._evaluation_shown = (False, False)
        self.smoothing = 25
        self._markers: list = []
        self._marker_events: tuple = ()
        self._events: tuple = ()
        self._epochs = np.zeros(0)
        self._mse = np.zeros(0)

    def set_ghost(self, epochs, mse, label: str | None, current_label: str = "MSE") -> None:
        """Overlay a pinned run's MSE (label: what differs in it), or remove it (label None).
        The current run's legend entry then names what differs in the current run."""
        for curve in (self.raw, self.ghost):
            self.legend.removeItem(curve)
        self.ghost_label = label
        self.ghost.setVisible(label is not None)
        if label is None:
            self.ghost.setData([], [])
            self.legend.addItem(self.raw, "MSE")
        else:
            keep = (np.asarray(mse) > 0) & np.isfinite(mse)
            e, m = np.asarray(epochs)[keep], np.asarray(mse)[keep]
            span = min(self.smoothing, max(1, len(m) // 8)) if self.smoothing > 1 else 1
            self.ghost.setData(e, np.exp(smooth(np.log(m), span)) if len(m) and span > 1 else m)
            self.legend.addItem(self.raw, f"MSE: {current_label}")
            self.legend.addItem(self.ghost, f"pinned: {label}")
        self.fit_legend()

    @property
    def readout(self):
        """The hover readout's text item."""
        return self._hover_items(self.getPlotItem())[2]

    def show_snapshot(self, snap):
        epochs, mse, _ = snap.history
        keep = (mse > 0) & np.isfinite(mse)
        self._epochs, self._mse = epochs[keep], mse[keep]
        set_curve(self.raw, self._epochs, self._mse)
        self.smooth.setVisible(self.smoothing > 1)
        if self.smoothing > 1 and len(self._mse):
            # Smooth in log space: the curve spans decades.
            self.smooth.setData(self._epochs, np.exp(smooth(np.log(self._mse), self.smoothing)))
        else:
            self.smooth.setData([], [])   # a run back at epoch 0 keeps no curve of the last
        # A task of many sequences holds a test set out; a waveform runs on past its length.
        held_out = bool(getattr(snap.config.task, "is_set", False))
        self._show_evaluation(getattr(snap, "evaluation", None),
                              "test (held out)" if held_out else "unseen steps (3x)")
        self._show_events(snap.events)
        self._fit_y()

    def _show_evaluation(self, evaluation, unseen_name: str = "unseen steps (3x)") -> None:
        """The MSE on the unseen continuation (or the held-out test set) and against the clean
        target, where recorded: samples every 1 % of the budget, drawn with their markers so
        a straight stretch between two of them is not read as data."""
        shown = []
        empty = np.zeros(0)
        epochs, unseen, clean = (empty, empty, empty) if evaluation is None else evaluation
        for curve, values in ((self.unseen, unseen), (self.clean, clean)):
            keep = np.isfinite(values) & (values > 0)
            curve.setData(epochs[keep], values[keep])
            curve.setVisible(bool(keep.any()))   # no hover marker on a curve with no points
            shown.append(bool(keep.any()))
        if (*shown, unseen_name) != self._evaluation_shown:
            self._evaluation_shown = (*shown, unseen_name)
            for curve, name, show in ((self.unseen, unseen_name, shown[0]),
                                      (self.clean, "vs clean target", shown[1])):
                self.legend.removeItem(curve)
                if show:
                    self.legend.addItem(curve, name)
            self._tip_legend()
            self.fit_legend()

    def _fit_y(self) -> None:
        """Steady ranges (SteadyRange): epochs with room to grow, and at least a decade of
        MSE (a range of a hundredth of a decade has no 1, 2 or 5 to label, and an MSE that
        has not moved yet after a Step is one or two nearly equal points)."""
        if not len(self._mse):
            return
        self.steady.fit(x=(float(self._epochs[0]), float(self._epochs[-1])), margin=(0.02, 0.15))
        also = [c.yData for c in (self.unseen, self.clean, self.ghost) if c.isVisible()]
        self.steady.fit(y=data_bounds(self._mse, *also, log=True), margin=0.1, min_span=1.0)

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

    def readout_rows(self, epoch: float) -> list[str] | None:
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
        return [text]


PARAM_TIPS = {"h": "weight on h(t-1), the unit's previous output (recurrent)",
              "x": "weight on the input x(t)", "b": "bias"}
GATE_WORDS = {"f": "forget gate f", "i": "input gate i", "C": "candidate C~", "o": "output gate o"}


def param_tip(name: str) -> str:
    """What parameter `name` (e.g. "W_fh") is, for tooltips."""
    kind = "b" if name.startswith("b_") else name[-1]
    gate = name[2]        # W_fh -> f, b_C -> C
    return (f"{name}: {PARAM_TIPS[kind]} of the {GATE_WORDS[gate]}; any real value, "
            "initially in [-1, 1].")


class ParamsPlot(_Plot):
    """The 12 parameter trajectories of one unit; legend entries toggle the curves."""

    x_name = "epoch"
    per_line = 3          # one gate (W_*h, W_*x, b_*) per line

    def __init__(self):
        super().__init__("Parameters", "epoch", "parameter value", "paramsPlot",
                         legend_columns=4, axis_items={"bottom": _IntegerAxis("bottom")},
                         title_tip="The 12 parameters of the unit over the epochs.  Colour: "
                                   "the gate (f, i, C~, o); line: W_*h solid, W_*x dashed, "
                                   "b_* dotted.")
        # Twelve entries would take a third of the plot: in the window, the parameter table
        # is this plot's legend (a swatch per row, and a check box that shows or hides the
        # curve); exported images get the legend.
        self.show_legend(False)
        item = self.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.curves = [self.add_curve(name, param_pen(k), param_tip(name))
                       for k, name in enumerate(Model().names())]
        self.unit = 0

    def show_snapshot(self, snap):
        epochs, _, params = snap.history
        u = min(self.unit, params.shape[1] - 1) if params.ndim == 3 and len(params) else 0
        for k, curve in enumerate(self.curves):
            if len(epochs):
                set_curve(curve, epochs, finite_for_drawing(params[:, u, k]))
            else:
                curve.setData([], [])
        self.set_title("Parameters" + (f" (unit {u + 1})" if snap.params.shape[0] > 1 else ""))
        if len(epochs):
            self.steady.fit(x=(float(epochs[0]), float(epochs[-1])), margin=(0.02, 0.15))
            shown = [c.yData for c in self.curves if c.isVisible() and c.yData is not None]
            self.steady.fit(y=data_bounds(*shown), margin=0.08)


def _gate_sum(letter: str) -> str:
    """A gate's sum in SPEC's unit, its parameters named by the Model: R·h(t−1) + W·x(t) + b."""
    unit = Model()
    r, w, b = (unit.block(kind, letter).name for kind in ("R", "W", "b"))
    return f"{r}·h(t−1) + {w}·x(t) + {b}"


GATE_TIPS = {
    "f": f"f(t) = σ({_gate_sum('f')}), the forget gate: in [0, 1], the share of "
         "C(t−1) kept (1 keeps all, 0 forgets).",
    "i": f"i(t) = σ({_gate_sum('i')}), the input gate: in [0, 1], the share of "
         "C~(t) written into the cell.",
    "o": f"o(t) = σ({_gate_sum('o')}), the output gate: in [0, 1], the share of "
         "tanh(C(t)) put out as h(t).",
    "C~": f"C~(t) = tanh({_gate_sum('C')}), the candidate: in [-1, 1], the new "
          "value the input gate lets into the cell.",
    "h": H_TIP,
    "C": "C(t) = f(t)·C(t−1) + i(t)·C~(t), the cell state (the \"conveyor belt\"): unbounded, "
         "so it has its own axis; C(0) = 0.",
    "r": "r(t) = σ(W_r·x(t) + R_r·h(t−1) + b), the GRU's reset gate: in [0, 1], how much of "
         "h(t−1) the candidate n reads.",
    "z": "z(t) = σ(W_z·x(t) + R_z·h(t−1) + b), the GRU's update gate: in [0, 1], the share of "
         "h(t−1) kept (h = (1 − z)·n + z·h(t−1)).",
    "n": "n(t) = tanh(W_n·x(t) + b + r·(R_n·h(t−1) + b')), the GRU's candidate: in [-1, 1], "
         "the new h the update gate lets in.",
}


class GatesPlot(_Plot):
    """f, i, o (fixed [0, 1]), C~ and h (fixed [-1, 1]) and C (its own axis) over t for the
    current parameters of one unit: three stacked plots sharing the t axis."""

    # (Trace field, name, colour, line style, width) per row.  The line style is the second
    # cue: under deuteranopia i and o are only 18 CIELAB units apart (palette.py).
    # A GRU's r, z share the gates' row and n the candidate's; a family shows only its own
    # quantities (show_fields).
    ROWS = ((("f", "f", palette.F, SOLID, 1), ("i", "i", palette.I, DASH, 1),
             ("o", "o", palette.O, DASH_DOT, 1), ("r", "r", palette.R_GATE, SOLID, 1),
             ("z", "z", palette.Z_GATE, DASH, 1)),
            (("c_tilde", "C~", palette.C_TILDE, DOT, 1), ("n", "n", palette.N_CANDIDATE, DOT, 1),
             ("h_units", "h", palette.H, SOLID, 2)),
            (("c", "C", palette.C, SOLID, 1),))
    UNIT_FIELDS = ("f", "i", "o", "c_tilde", "h_units", "c")   # SPEC's unit
    RANGES = ((0.0, 1.0), (-1.0, 1.0), (-1.0, 1.0))   # C's: until a snapshot gives its bound
    LEFT_WIDTH = 42       # the same for every row: their view boxes line up in t

    def __init__(self):
        super().__init__("Gates", "t (time step)", "f, i, o", "gatesPlot", legend_columns=3,
                         title_tip="Inside the unit at the current parameters: the gates f, "
                                   "i, o (top, fixed 0..1), the candidate C~ and the output h "
                                   "(middle, fixed -1..1), the cell state C (bottom).")
        self.grid = pg.GraphicsLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(0)
        top = self.getPlotItem()
        self._rows = [top, pg.PlotItem(), pg.PlotItem()]
        self.setCentralItem(self.grid)
        labels = ("f, i, o", "C~, h", "C")
        for r, row in enumerate(self._rows):
            self.grid.addItem(row, row=r, col=0)
            row.setLabel("left", labels[r])
            row.getAxis("left").setWidth(self.LEFT_WIDTH)
            if r:
                self.style_row(row)
                row.hideAxis("top")
                row.setXLink(top)
            if r < 2:
                row.hideAxis("bottom")
            if self.RANGES[r] is not None:
                # Fixed: a gate is always within [0, 1], and the range no longer jumps each frame.
                row.setYRange(*self.RANGES[r], padding=0.05)
                row.setMouseEnabled(y=False)
        bottom = self._rows[2]
        bottom.setLabel("bottom", "t (time step)")
        self.grid.layout.setRowStretchFactor(0, 5)   # the top row also holds title and legend
        self.grid.layout.setRowStretchFactor(1, 3)
        self.grid.layout.setRowStretchFactor(2, 3)
        self.curves = {}
        for r, entries in enumerate(self.ROWS):
            for key, name, colour, style, width in entries:
                self.curves[key] = self.add_curve(name, _pen(colour, width, style), GATE_TIPS[name],
                                                  row=self._rows[r])
        self.grid.layout.setVerticalSpacing(4)     # the tick labels of two rows never touch
        self.shown: tuple = ()
        self.show_fields(self.UNIT_FIELDS)
        self.fit_legend()
        self._c_bound = 1.0
        self._short = None
        self._set_ticks()
        self.unit = 0
        self.model_title: str | None = None   # a model's view names the unit shown
        for row in self._rows:
            row.vb.sigResized.connect(self._fit_row_names)

    def rows(self) -> list:
        return list(self._rows)

    def show_fields(self, fields) -> None:
        """Draw only these quantities (trace fields; h is "h_units"): the curves, legend
        entries and row labels of the others go, and the C row when there is no C (GRU)."""
        fields = tuple(k for k in self.curves if k in fields)
        if fields == self.shown:
            return
        self.shown = fields
        entries = []
        for r, row in enumerate(self._rows):
            names = []
            for key, name, *_ in self.ROWS[r]:
                curve = self.curves[key]
                curve.setVisible(key in fields)
                if key in fields:
                    entries.append((curve, name))
                    names.append(name)
                else:
                    curve.setData([], [])
            row.setLabel("left", ", ".join(names))
        has_c = "c" in fields
        self._rows[2].setVisible(has_c)
        self._rows[2].setMaximumHeight(1e6 if has_c else 0)
        self.grid.layout.setRowStretchFactor(2, 3 if has_c else 0)
        # Without the C row, the middle row carries the t axis.
        self._rows[1].showAxis("bottom", not has_c)
        self._rows[1].setLabel("bottom", "t (time step)" if not has_c else None)
        self.fill_legend(entries, self.legend.columnCount)
        self._fit_row_names()      # setLabel shows a name again, whether it fits or not

    def resizeEvent(self, event):
        super().resizeEvent(event)
        short = self.height() < self.FEW_TICKS
        if "_short" in self.__dict__ and short != self._short:   # not while being built
            self._short = short
            self._set_ticks()
        self._fit_row_names()

    def _fit_row_names(self, *_) -> None:
        """A row shows its name ("f, i, o") only when the name, turned a quarter, fits the
        row's height: at the smallest window rows of ~25 px printed "C~, h" over "f, i, o".
        The legend names every curve anyway."""
        if "_rows" not in self.__dict__ or self.__dict__.get("closed"):
            return
        for row in self._rows:
            axis = row.getAxis("left")
            show = not self.is_short() and axis.label.boundingRect().width() <= row.vb.height()
            if axis.label.isVisible() != show:
                axis.showLabel(show)

    FEW_TICKS = 300       # below this height (px), a row shows only its end ticks

    def _set_ticks(self) -> None:
        """Fixed ticks: three on a row (two when the plot is short), so that at the window's
        smallest size (rows ~30 px high) the labels of neighbouring rows do not overprint."""
        short = bool(self._short)
        b = self._c_bound
        ends = ((0.0, 1.0), (-1.0, 1.0), (-b, b))
        for row, (lo, hi) in zip(self._rows, ends):
            values = (lo, hi) if short else (lo, (lo + hi) / 2, hi)
            row.getAxis("left").setTicks([[(v, f"{v:g}") for v in values]])

    def export_item(self):
        return self.grid

    def show_snapshot(self, snap):
        units = snap.params.shape[0]
        u = min(self.unit, units - 1)
        for key in self.shown:
            seq = getattr(snap.trace, key)
            seq = seq[u] if seq.ndim == 2 else seq
            set_curve(self.curves[key], np.arange(seq.shape[-1]), finite_for_drawing(seq))
        self.set_title(self.model_title or "Gates" + (f" (unit {u + 1})" if units > 1 else ""))
        if "c" not in self.shown:
            return
        c = snap.trace.c[u] if snap.trace.c.ndim == 2 else snap.trace.c
        bound = nice_bound(np.nanmax(np.abs(c)) if np.isfinite(c).any() else 1.0)
        if bound != self._c_bound:
            # 1, 2, 5 steps: the C axis changes only when C crosses one, not every frame.
            self._rows[2].setYRange(-bound, bound, padding=0.05)
            self._c_bound = bound
            self._set_ticks()


EXPORT_SUFFIXES = (".png", ".svg")


def export_plot(plot: pg.PlotWidget, path, width: int | None = None, default_suffix: str = ".png") -> Path:
    """Save one plot as PNG or SVG (by extension) with pyqtgraph's exporters; returns the path.

    A name without either extension gets `default_suffix` (the format chosen in the dialog).
    The image is rendered to a temporary file in the same folder and renamed over the target
    only when complete (fileio.replacing): a full disk leaves the old file and raises OSError.
    """
    path = with_default_suffix(path, default_suffix, EXPORT_SUFFIXES)
    item = plot.export_item() if isinstance(plot, _Plot) else plot.getPlotItem()
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
    # At the generator's default 72 dpi, the axes (which pyqtgraph replays from a QPicture
    # recorded at the screen's 96 dpi) were scaled by 72/96: drawn at 75 %, the curves ran
    # off them.  At the widget's own resolution a QPicture replays at 1:1.
    generator.setResolution(widget.logicalDpiX())
    generator.setTitle(widget.objectName())
    painter = QtGui.QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()

"""Plots of ensembles: MSE over epochs as median with a 10-90 % band and faint member curves,
and a histogram of final MSEs.  Used by the ensemble view and by `lstm-gui sweep --plot`.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .plots import LogAxis, fit_title, without_overlaps
from .qt import Qt, QtGui, QtWidgets, Signal, pg

# Colours for the series of a comparison, in order (the first is the MSE plot's own blue).
SERIES_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
SERIES_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)


# Points per member curve: 256 members of 2 000 epochs took 170-310 ms to set and paint,
# thinned to 300 points each and fed to items made once, 16-42 ms (offscreen, 1000x500, a
# busy machine); the median and the band keep every row.
MEMBER_POINTS = 300


def _thinned_rows(n: int, at_most: int) -> np.ndarray:
    if n <= at_most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, at_most).round().astype(int))


def _colour(colour, alpha: int) -> QtGui.QColor:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    return c


def _log10(a: np.ndarray) -> np.ndarray:
    """log10 of an MSE curve, NaN where it is not positive (diverged members)."""
    with np.errstate(all="ignore"):
        return np.where(a > 0, np.log10(np.where(a > 0, a, 1.0)), np.nan)


class BandsPlot(pg.PlotWidget):
    """MSE over epochs (log scale) for one or more series (label, core.ensemble.Bands).

    Members are drawn as one faint curve per series (a single item, broken between members:
    256 separate items made a redraw several times slower).  A click near a member's curve
    emits ``member_clicked(series, k)``.
    """

    member_clicked = Signal(int, int)

    def __init__(self, parent=None, show_members: bool = True):
        # Labels at 1, 2 and 5 of each decade (as the MSE plot): a plain axis in log mode
        # named 2..9 of every decade, packed over each other below two decades.
        super().__init__(parent, axisItems={"left": LogAxis("left")})
        self.setObjectName("ensembleMsePlot")
        self.setMinimumSize(260, 180)
        item = self.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "MSE")
        item.setLogMode(x=False, y=True)
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        self.legend = item.addLegend(offset=(-10, 10), labelTextSize="9pt")
        self._legend_title: tuple = ()
        item.vb.sigResized.connect(self._fit_legend)
        self.show_members = show_members
        self._series: list = []
        self._items: list = []
        self._groups: list = []
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_series(self, series) -> None:
        """series: [(label, Bands), ...]; the first is drawn on top.  The items are made
        once per set of labels and then only fed new data (a rebuild cost 30 ms more)."""
        series = list(series)
        labels = [label for label, _ in series]
        if labels != [label for label, _ in self._series] or not self._groups:
            self._rebuild(labels)
        self._series = series
        for group, (_, b) in zip(self._groups, series):
            x = b.epochs.astype(float)
            faint, lo, hi, median = group
            if self.show_members and b.members.size and len(x):
                rows = _thinned_rows(len(x), MEMBER_POINTS)
                k = b.members.shape[1]
                xm = np.append(x[rows], np.nan)
                ym = np.vstack([b.members[rows], np.full((1, k), np.nan)])
                faint.setData(np.tile(xm, k), ym.T.ravel(), connect="finite")
            else:
                faint.setData([], [])
            lo.setData(x, b.q10)
            hi.setData(x, b.q90)
            median.setData(x, b.median)

    def _rebuild(self, labels) -> None:
        item = self.getPlotItem()
        for it in self._items:
            item.removeItem(it)
        self._items, self._groups = [], []
        self.legend.clear()
        # Drawn last to first, so that the first series is on top; listed in order.
        for s in reversed(range(len(labels))):
            colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
            faint = pg.PlotDataItem(pen=pg.mkPen(_colour(colour, 28), width=1))
            lo = pg.PlotDataItem(pen=pg.mkPen(_colour(colour, 90)))
            hi = pg.PlotDataItem(pen=pg.mkPen(_colour(colour, 90)))
            fill = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(_colour(colour, 60)))
            # Past the sixth series the colours repeat: the median's dashes tell them apart
            # (a 9-cell sweep drew peephole and noaf in the same plain green).
            median = pg.PlotDataItem(pen=pg.mkPen(colour, width=2, style=SERIES_STYLES[
                s // len(SERIES_COLOURS) % len(SERIES_STYLES)]))
            for it in (faint, lo, hi, fill, median):
                self._add(it)
            self._groups.insert(0, (faint, lo, hi, median))
        for (_, _, _, median), label in zip(self._groups, labels):
            self.legend.addItem(median, f"{label}: median, 10-90 %")
        self._labels = list(labels)
        self._fit_legend()

    LEGEND_SHARE = 0.5    # the most of the plot's width the legend may take inside it

    def _fit_legend(self, *_) -> None:
        """In a narrow plot the series' names are its title, in their colours, instead of
        a legend over the curves (at 260 px the legend covered the medians' start)."""
        item = self.getPlotItem()
        labels = getattr(self, "_labels", [])
        narrow = bool(labels) and self.legend.boundingRect().width() > self.LEGEND_SHARE * item.vb.width()
        self.legend.setVisible(not narrow)
        forms: tuple = ()
        if narrow:
            names = " · ".join(
                f"<span style='color:{SERIES_COLOURS[k % len(SERIES_COLOURS)]}'>{label}</span>"
                for k, label in enumerate(labels))
            forms = (f"{names} (median, 10-90 %)", names)
        if forms != self._legend_title:
            self._legend_title = forms
            fit_title(item, forms, size="9pt")

    def _add(self, it) -> None:
        self.getPlotItem().addItem(it)
        self._items.append(it)

    def series_count(self) -> int:
        return len(self._series)

    def member_near(self, epoch: float, log_mse: float) -> tuple[int, int] | None:
        """(series, member) whose curve passes nearest to (epoch, log10 MSE), or None."""
        best, found = np.inf, None
        for s, (_, b) in enumerate(self._series):
            if not len(b.epochs) or not b.members.size:
                continue
            row = int(np.clip(np.searchsorted(b.epochs, epoch), 0, len(b.epochs) - 1))
            dist = np.abs(_log10(b.members[row]) - log_mse)
            if np.isfinite(dist).any():
                k = int(np.nanargmin(dist))
                if dist[k] < best:
                    best, found = dist[k], (s, k)
        return found

    def _on_click(self, event) -> None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        found = self.member_near(point.x(), point.y())
        if found is not None:
            self.member_clicked.emit(*found)


MIN_DECADES = 0.2     # the histogram's axis spans at least this much of log10(MSE)


class FinalMseHistogram(pg.PlotWidget):
    """How the final MSEs of the members spread, on log10 bins; one bar set per series."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ensembleHistogram")
        self.setMinimumSize(200, 120)
        item = self.getPlotItem()
        item.setLabel("bottom", "final MSE (log10)")
        item.setLabel("left", "seeds")
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        # Only labels with room (a gap of 3 px): in the view's ~120-pixel plot pyqtgraph's
        # tenths ran together as "-1.8-1.6-1.4-1.2-1.0".
        bottom = item.getAxis("bottom")
        draw = bottom.generateDrawSpecs
        bottom.generateDrawSpecs = lambda p: without_overlaps(draw(p), margin=(2, 1))
        self._bars: list = []
        self.counts: list[np.ndarray] = []
        self.edges = np.empty(0)

    def set_series(self, finals) -> None:
        """finals: [(label, mse (K,)), ...]."""
        item = self.getPlotItem()
        for b in self._bars:
            item.removeItem(b)
        self._bars, self.counts = [], []
        logs = [_log10(np.asarray(m, dtype=float)) for _, m in finals]
        every = np.concatenate([v[np.isfinite(v)] for v in logs]) if logs else np.empty(0)
        if not every.size:
            return
        lo, hi = float(every.min()), float(every.max())
        if hi - lo < MIN_DECADES:
            # Finals close together (seeds stopped at one target): a narrower axis printed
            # its tick labels over each other ("-4.0001-0005").
            mid = 0.5 * (lo + hi)
            lo, hi = mid - MIN_DECADES / 2, mid + MIN_DECADES / 2
        self.edges = edges = np.linspace(lo, hi, 21)
        width = (edges[1] - edges[0]) / max(len(logs), 1)
        for s, v in enumerate(logs):
            counts, _ = np.histogram(v[np.isfinite(v)], bins=edges)
            self.counts.append(counts)
            colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
            bars = pg.BarGraphItem(x0=edges[:-1] + s * width, width=width, height=counts,
                                   brush=_colour(colour, 160), pen=pg.mkPen(colour))
            item.addItem(bars)
            self._bars.append(bars)


def _application():
    app = QtWidgets.QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QtWidgets.QApplication(["lstm-gui"])
    return app


def save_bands_png(path, series, title: str = "", size=(900, 520)) -> None:
    """Render the bands of [(label, Bands), ...] to a PNG (works without a display)."""
    app = _application()
    plot = BandsPlot()
    plot.resize(*size)
    plot.getPlotItem().setTitle(title, size="10pt")
    plot.set_series(series)
    plot.show()
    app.processEvents()
    image = plot.grab().toImage()
    plot.close()
    if not image.save(str(Path(path))):
        raise OSError(f"could not write {path}")




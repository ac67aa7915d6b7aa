"""The landscape map as a pyqtgraph plot: log-scale colour map, colour bar, contour lines,
the projected training path and the current model.  Used by the landscape view and by
`lstm-gui landscape --out map.png`.
"""
from __future__ import annotations

import numpy as np

from .plots import labels_with_room
from .qt import Qt, QtCore, pg

CONTOURS = 8          # contour lines, evenly spaced in log10(MSE)
COLOUR_MAP = "viridis"
FAR_SHARE = 0.5       # a point further off the plane than this share of the map's half-width is dimmed


def log_mse(mse: np.ndarray) -> np.ndarray:
    """log10 of the MSE, with NaN (non-finite models) and zeros kept finite for drawing."""
    finite = np.isfinite(mse) & (mse > 0)
    floor = float(mse[finite].min()) if finite.any() else 1.0
    out = np.log10(np.where(finite, mse, floor))
    if finite.any():
        out[~np.isfinite(mse)] = out[finite].max()
    return out


class LandscapePlot(pg.GraphicsLayoutWidget):
    """MSE over the plane (x: alpha along d1, y: beta along d2), colour = log10 MSE."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("landscapePlot")
        self.setMinimumSize(260, 220)
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setAspectLocked(False)
        self.plot.getViewBox().setMouseEnabled(False, False)
        self.plot.hideButtons()
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        # One curve, lines separated by NaN: pyqtgraph's IsocurveItem traced its lines in the
        # GUI thread at every paint, 70 % of a map's drawing (330 of 460 ms for five maps).
        self.contours = pg.PlotDataItem(pen=pg.mkPen((255, 255, 255, 150), width=1),
                                        connect="finite")
        self.contours.setZValue(5)
        self.plot.addItem(self.contours)
        self.path = pg.PlotDataItem(pen=pg.mkPen("#ff5050", width=2), connect="finite")
        # The part of the path far off the plane: its place on the map is only its shadow
        # (lesson 5's start sat on MSE 1.10 while its own MSE was 0.150), so it is dimmed.
        self.path_off = pg.PlotDataItem(pen=pg.mkPen(255, 80, 80, 90, width=1,
                                                     style=QtCore.Qt.PenStyle.DashLine),
                                        connect="finite")
        self.start = pg.ScatterPlotItem(size=9, symbol="s", brush="#ffffff", pen="#ff5050")
        self.current = pg.ScatterPlotItem(size=13, symbol="o", brush="#ff5050", pen="w")
        for item in (self.path_off, self.path, self.start, self.current):
            item.setZValue(10)
            self.plot.addItem(item)
        # Below the map, never over it.
        self.legend = pg.LegendItem(labelTextSize="8pt", colCount=4, verSpacing=-6, horSpacing=8)
        self.addItem(self.legend, row=1, col=0)
        for item, name in ((self.start, "start"), (self.current, "now"),
                           (self.path, "training path"),
                           (self.path_off, "far off the plane (shadow)")):
            self.legend.addItem(item, name)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get(COLOUR_MAP), interactive=False,
                                   width=14, label="log10 MSE")
        self.bar.setImageItem(self.image, insert_in=self.plot)
        labels_with_room(self.bar.axis)     # its tenths overprinted in a short map
        self.map = None

    def resizeEvent(self, event):
        # Not while being built, nor while closing: pyqtgraph's close() clears the scene (the
        # legend's C++ object is gone) and then drops the viewport, which resizes: touching the
        # legend there crashed `lstm-gui landscape --png` (segmentation fault).
        if hasattr(self, "legend") and not getattr(self, "closed", False):
            self._fit_legend(self.width())
        super().resizeEvent(event)

    def _fit_legend(self, width: float) -> None:
        """The legend in as many columns (4, 2, 1) as fit `width`: its four columns, 449 px,
        made the plot 467 px wide in the smallest window's 398-pixel view, and drew the
        colour bar's numbers off its edge."""
        for columns in (4, 2, 1):
            self.legend.setColumnCount(columns)
            need = self.legend.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
            if need + 20 <= width:
                break

    def set_map(self, m, lines=None) -> None:
        """Draw a :class:`lstm_gui.core.plane.LandscapeMap`; lines: its :func:`contour_lines`
        if already traced (in a worker thread), else they are traced here."""
        self.map = m
        z = log_mse(m.mse)
        self.image.setImage(z, autoLevels=False)
        lo, hi = _levels(z)
        self.bar.setLevels((lo, hi))
        da = m.alphas[1] - m.alphas[0]
        db = m.betas[1] - m.betas[0]
        self.image.setRect(QtCore.QRectF(m.alphas[0] - da / 2, m.betas[0] - db / 2,
                                         da * len(m.alphas), db * len(m.betas)))
        xs, ys = contour_lines(m) if lines is None else lines
        self.contours.setData(xs, ys)
        a, b = m.labels
        self.plot.setLabel("bottom", a)
        self.plot.setLabel("left", b)
        self.plot.setRange(xRange=(m.alphas[0], m.alphas[-1]), yRange=(m.betas[0], m.betas[-1]),
                           padding=0)
        self.set_path(m.path)

    def set_path(self, coords: np.ndarray, off_plane: np.ndarray | None = None) -> None:
        """The training path (N, 2) in plane coordinates, its last point the current model;
        off_plane (N,): each point's distance from the plane, the far part drawn dimmed."""
        coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        far = np.zeros(len(coords), bool)
        if off_plane is not None and self.map is not None and len(off_plane) == len(coords):
            far = np.asarray(off_plane) > FAR_SHARE * max(float(self.map.span), 1e-12)
        near_xy = np.where(far[:, None], np.nan, coords)
        # A segment is dimmed when either end is far: keep both ends in the dimmed line.
        far_seg = far | np.r_[far[1:], False] | np.r_[False, far[:-1]]
        far_xy = np.where(far_seg[:, None], coords, np.nan)
        self.path.setData(near_xy[:, 0], near_xy[:, 1])
        self.path_off.setData(far_xy[:, 0], far_xy[:, 1])
        self.start.setData(coords[:1, 0], coords[:1, 1])
        self.start.setOpacity(0.35 if len(far) and far[0] else 1.0)
        self.current.setData(coords[-1:, 0], coords[-1:, 1])

    def value_at(self, alpha: float, beta: float) -> float | None:
        """The grid's MSE nearest to (alpha, beta), None outside the grid."""
        m = self.map
        if m is None:
            return None
        if not (m.alphas[0] <= alpha <= m.alphas[-1] and m.betas[0] <= beta <= m.betas[-1]):
            return None
        i = int(np.abs(m.alphas - alpha).argmin())
        j = int(np.abs(m.betas - beta).argmin())
        return float(m.mse[i, j])


def _levels(z: np.ndarray) -> tuple[float, float]:
    lo, hi = float(z.min()), float(z.max())
    return lo, (hi if hi > lo else lo + 1e-9)


def contour_lines(m) -> tuple[np.ndarray, np.ndarray]:
    """CONTOURS contour lines of log10 MSE, evenly spaced, in plane coordinates: x, y arrays
    with NaN between lines.  No Qt objects: a worker thread may trace them."""
    z = log_mse(m.mse)
    lo, hi = _levels(z)
    da = m.alphas[1] - m.alphas[0]
    db = m.betas[1] - m.betas[0]
    xs, ys = [], []
    for level in np.linspace(lo, hi, CONTOURS + 2)[1:-1]:
        for line in pg.functions.isocurve(z, level, connected=True):
            pts = np.asarray(line, dtype=float)            # grid indices (i, j)
            xs += [m.alphas[0] + pts[:, 0] * da, [np.nan]]
            ys += [m.betas[0] + pts[:, 1] * db, [np.nan]]
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def export_map(m, path: str, width: int = 900, title: str = "") -> None:
    """Render a map to PNG offscreen with pyqtgraph's ImageExporter."""
    from .qt import QtWidgets
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["lstm-gui"])
    plot = LandscapePlot()
    plot.resize(width, int(width * 0.8))
    if title:
        plot.plot.setTitle(title)
    plot.set_map(m)
    plot.show()
    app.processEvents()
    exporter = pg.exporters.ImageExporter(plot.scene())
    exporter.parameters()["width"] = width
    exporter.export(str(path))
    plot.close()

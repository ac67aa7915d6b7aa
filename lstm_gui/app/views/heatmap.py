"""A layer at a glance: each gate as an image, hidden units down, time across.

``gateHeatmap`` draws every gate's sequence of every layer (rows: hidden units, layer after
layer; columns: time steps) at the parameters the window shows (live or replayed), and h.
Sigmoid gates on a fixed (0, 1) scale, tanh quantities on (-1, 1), each with its colour bar;
the time cursor is a vertical line, the selected unit a box around its row.  Hover reads a
value; a click moves the time cursor and selects the unit (shared with the cell diagram).

The images are built once per model shape and updated in place (``setImage``) per snapshot.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import layers as layer_maths
from .. import palette
from ..qt import Qt, QtCore, QtWidgets, pg
from .base import View

SEQUENTIAL = "viridis"      # (0, 1): dark shut, yellow open


def diverging_map() -> pg.ColorMap:
    """Vermillion (negative), white (0), blue (positive): the weights' colours."""
    return pg.ColorMap([0.0, 0.5, 1.0], list(palette.DIVERGING))


class GateHeatmapView(View):
    name = "gateHeatmap"
    title = "Gate heat map"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = False

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("gateHeatmapPlots")
        self.graphics.setBackground("w")
        self.readout = QtWidgets.QLabel(objectName="gateHeatmapReadout")
        self.readout.setText("Hover an image to read a value; click to select that unit and step.")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics, 1)
        self.gatePlots: dict[str, pg.PlotItem] = {}
        self.images: dict[str, pg.ImageItem] = {}
        self.cursorLines: list = []
        self.boxes: list = []
        self.separators: list = []
        self.bars: list = []
        self._key = None
        self._rect: QtCore.QRectF | None = None
        self._layers: layer_maths.Layers | None = None
        self._data: dict[str, np.ndarray] = {}
        self.graphics.scene().sigMouseMoved.connect(self._on_hover)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        ctx.cursor.changed.connect(self._on_cursor)
        ctx.selection.changed.connect(lambda *_: self._place_box())

    def minimumSizeHint(self):
        return QtCore.QSize(200, 150)

    # ------------------------------------------------------------ building

    def _build(self, layers: layer_maths.Layers, n: int) -> None:
        """Plots, images and bars for this model's gates (only when its shape changes)."""
        self.graphics.clear()
        self.gatePlots, self.images, self.cursorLines, self.boxes, self.separators = {}, {}, [], [], []
        fields = layers.fields
        unit_ranges: list = []
        bounded_ranges: list = []
        first = None
        for col, field in enumerate(fields):
            plot = self.graphics.addPlot(row=0, col=col)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.getViewBox().setMouseEnabled(False, False)
            plot.getViewBox().invertY(True)
            label = layers.label_of(field)
            plot.setTitle(f"<span style='color:{palette.QUANTITY.get(field, '#000')}'><b>{label}</b></span>",
                          size="10pt")
            plot.titleLabel.setMinimumWidth(0)
            plot.setLabel("bottom", "t")
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)
            if first is None:
                first = plot
                plot.setLabel("left", "hidden unit" if max(layers.hidden) > 1 else "unit")
            else:
                plot.setYLink(first)
                plot.setXLink(first)
                plot.getAxis("left").setStyle(showValues=False)
                plot.getAxis("left").setWidth(4)
            image = pg.ImageItem(axisOrder="row-major")
            plot.addItem(image)
            lo_hi = layer_maths.value_range(field)
            (bounded_ranges if lo_hi == (-1.0, 1.0) else unit_ranges).append(image)
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff3030", width=1))
            plot.addItem(line, ignoreBounds=True)
            box = QtWidgets.QGraphicsRectItem()
            pen = pg.mkPen("#000000", width=2)
            pen.setCosmetic(True)
            box.setPen(pen)
            box.setZValue(10)
            plot.addItem(box, ignoreBounds=True)
            for k in range(1, layers.layers):
                sep = pg.InfiniteLine(pos=layers.row_of(k, 0) - 0.5, angle=0,
                                      pen=pg.mkPen("#ffffff", width=2))
                plot.addItem(sep, ignoreBounds=True)
                self.separators.append(sep)
            self.gatePlots[field] = plot
            self.images[field] = image
            self.cursorLines.append(line)
            self.boxes.append(box)
        # Unit numbers as ticks: "1".."H" per layer, the layer's first row says which layer.
        ticks = []
        for k, h in enumerate(layers.hidden):
            for j in range(0, h, max(1, h // 8)):
                if max(layers.hidden) == 1:
                    text = str(k + 1)                     # a chain: one unit per layer
                elif j == 0 and layers.layers > 1:
                    text = f"L{k + 1}: 1"
                else:
                    text = str(j + 1)
                ticks.append((layers.row_of(k, j), text))
        assert first is not None
        first.getAxis("left").setTicks([ticks, []])
        bars_col = len(fields)
        self.bars = []
        if unit_ranges:
            bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(SEQUENTIAL),
                                  interactive=False, width=10, label="σ gates")
            bar.setImageItem(unit_ranges)
            self.graphics.addItem(bar, row=0, col=bars_col)
            self.bars.append(bar)
            bars_col += 1
        if bounded_ranges:
            bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_map(), interactive=False,
                                  width=10, label="tanh, h")
            bar.setImageItem(bounded_ranges)
            self.graphics.addItem(bar, row=0, col=bars_col)
            self.bars.append(bar)
        self._rect = QtCore.QRectF(-0.5, -0.5, n, layers.rows)
        first.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, layers.rows - 0.5), padding=0)

    # ------------------------------------------------------------ snapshots

    def show_snapshot(self, snap) -> None:
        layers = layer_maths.shape_of(snap.params, getattr(snap, "model", None))
        data = layer_maths.gate_images(layers, snap.trace)
        n = data["h"].shape[1]
        key = (layers.gates, layers.hidden, n)
        if key != self._key:
            self._build(layers, n)
            self._key = key
        self._layers, self._data = layers, data
        for field, image in self.images.items():
            lo_hi = layer_maths.value_range(field) or (-1.0, 1.0)
            image.setImage(data[field], autoLevels=False, levels=lo_hi)
            if self._rect is not None:
                # After the first image: setRect scales by the image's size (an image-less
                # item took its rect as one pixel's, and drew one column over the plot).
                image.setRect(self._rect)
        self._rect = None
        self._on_cursor(self.ctx.cursor.t)
        self._place_box()

    def _on_cursor(self, t: int) -> None:
        for line in self.cursorLines:
            line.setValue(t)

    def _place_box(self) -> None:
        layers = self._layers
        if layers is None:
            return
        sel = self.ctx.selection
        layer = min(sel.layer, layers.layers - 1)
        row = layers.row_of(layer, min(sel.unit, layers.hidden[layer] - 1))
        n = self._key[2] if self._key else 1
        for box in self.boxes:
            box.setRect(QtCore.QRectF(-0.5, row - 0.5, n, 1.0))

    # ------------------------------------------------------------ reading

    def _at(self, scene_pos):
        """(field, row, t) under a scene position, or None."""
        for field, plot in self.gatePlots.items():
            if plot.sceneBoundingRect().contains(scene_pos):
                p = plot.getViewBox().mapSceneToView(scene_pos)
                t, row = int(round(p.x())), int(round(p.y()))
                data = self._data.get(field)
                if data is not None and 0 <= row < data.shape[0] and 0 <= t < data.shape[1]:
                    return field, row, t
        return None

    def describe(self, field: str, row: int, t: int) -> str:
        """The readout for one entry: which quantity, unit and step, and its value."""
        layers = self._layers
        assert layers is not None
        layer, j = layers.unit_of_row(row)
        label = layers.label_of(field)
        if max(layers.hidden) == 1:
            where = f"unit {layer + 1}" if layers.layers > 1 else "the unit"
        else:
            where = f"unit {j + 1}" + (f" of {layers.group_names[layer]}" if layers.layers > 1 else "")
        return f"{label} of {where} at t = {t}: {self._data[field][row, t]:.4g}"

    def _on_hover(self, scene_pos) -> None:
        hit = self._at(scene_pos)
        if hit is not None:
            self.readout.setText(self.describe(*hit))

    def _on_click(self, event) -> None:
        hit = self._at(event.scenePos())
        if hit is None or self._layers is None:
            return
        _, row, t = hit
        self.ctx.selection.set(*self._layers.unit_of_row(row))
        self.ctx.cursor.set(t)

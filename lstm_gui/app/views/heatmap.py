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
from ..qt import Qt, QtCore, pg
from .base import View
from .image_grid import ImageGrid, ImageGridView

SEQUENTIAL = "viridis"      # (0, 1): dark shut, yellow open


def diverging_map() -> pg.ColorMap:
    """Vermillion (negative), white (0), blue (positive): the weights' colours."""
    return pg.ColorMap([0.0, 0.5, 1.0], list(palette.DIVERGING))


class GateHeatmapView(ImageGridView, View):
    name = "gateHeatmap"
    title = "Gate heat map"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = False

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.grid = ImageGrid(self, "gateHeatmap", "Hover an image to read a value; click to "
                              "select that unit and step.", self._on_hover, self._on_click)
        self.graphics, self.readout = self.grid.graphics, self.grid.readout
        self.cursorLines: list = []
        self.bars: list = []
        self._key = None
        self._rect: QtCore.QRectF | None = None
        self._layers: layer_maths.Layers | None = None
        self._data: dict[str, np.ndarray] = {}
        ctx.cursor.changed.connect(self._on_cursor)
        ctx.selection.changed.connect(lambda *_: self._place_box())


    # ------------------------------------------------------------ building

    def _build(self, layers: layer_maths.Layers, n: int) -> None:
        """Plots, images and bars for this model's gates (only when its shape changes)."""
        self.grid.clear()
        self.cursorLines = []
        unit_ranges: list = []
        bounded_ranges: list = []
        for field in layers.fields:
            plot, image = self.grid.add(field, layers.label_of(field), layers, link=True,
                                        separator=("#ffffff", 2), bottom="t")
            lo_hi = layer_maths.value_range(field)
            (bounded_ranges if lo_hi == (-1.0, 1.0) else unit_ranges).append(image)
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff3030", width=1))
            plot.addItem(line, ignoreBounds=True)
            self.cursorLines.append(line)
        self.bars = []
        if unit_ranges:
            self.bars.append(self.grid.add_bar(unit_ranges, (0, 1), pg.colormap.get(SEQUENTIAL),
                                               "σ gates"))
        if bounded_ranges:
            self.bars.append(self.grid.add_bar(bounded_ranges, (-1, 1), diverging_map(), "tanh, h"))
        self._rect = QtCore.QRectF(-0.5, -0.5, n, layers.rows)
        first = next(iter(self.grid.plots.values()))
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
        self.grid.fit_scene()

    def _on_cursor(self, t: int) -> None:
        for line in self.cursorLines:
            line.setValue(t)

    def _place_box(self) -> None:
        n = self._key[2] if self._key else 1
        self.grid.box_row(self._layers, self.ctx.selection, [n] * len(self.grid.boxes))

    # ------------------------------------------------------------ reading

    def _at(self, scene_pos):
        """(field, row, t) under a scene position, or None."""
        hit = self.grid.at(scene_pos)
        if hit is None:
            return None
        field, row, t = hit
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

    def _on_click(self, event) -> None:
        hit = self._at(event.scenePos())
        if hit is None or self._layers is None:
            return
        _, row, t = hit
        self.ctx.selection.set(*self._layers.unit_of_row(row))
        self.ctx.cursor.set(t)

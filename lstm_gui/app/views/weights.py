"""The weights of every gate and layer as images, live.

``weightsView``: one image per gate; rows are hidden units (layer after layer), columns the
input weights W (one per input), then the recurrent weights R (one per unit of h(t-1)), then
the bias b.  A diverging colour map centred on 0 (vermillion negative, white 0, blue
positive, as the cell diagram's edges), its scale a step above the 99th percentile of
|weight| (colour_level), kept while the weights fill it, so that it does not flicker; weights
beyond it are drawn in the full colour.  Where a layer has no weight (a first layer of one
input under a wider one's W), grey.  Hover reads a parameter; a click selects its hidden unit (the
selection the cell diagram and the gate heat map share).

Images are built once per model shape; each snapshot refreshes their values in place.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import layers as layer_maths
from ..qt import Qt, QtCore, pg
from .base import View
from .heatmap import diverging_map
from .image_grid import ImageGrid, ImageGridView

# The colour scale's steps (x 10^k): fine enough that the weights fill most of it.
LEVEL_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
LEVEL_PERCENTILE = 99     # of |weight|: one far weight does not wash the others out
KEEP_DOWN_TO = 0.4        # the scale stays while the weights fill at least this much of it


def colour_level(current: float | None, canvases) -> float:
    """The colour scale's half range for these canvases' values: the LEVEL_STEPS step at or
    above the LEVEL_PERCENTILE-th percentile of |weight|, kept while that percentile stays
    within (KEEP_DOWN_TO, 1] of the current one (no flicker at a step's edge).  Scaled to
    the largest |weight| instead, one parameter of 5 drew weights of +-1 near-white."""
    values = [np.abs(v[np.isfinite(v)]) for v in canvases]
    values = [v for v in values if v.size]
    if not values:
        return current or 1.0
    top = float(np.percentile(np.concatenate(values), LEVEL_PERCENTILE))
    if current is not None and KEEP_DOWN_TO * current < top <= current:
        return current
    return layer_maths.symmetric_level([top], steps=LEVEL_STEPS)


def absent_mask(canvas: layer_maths.WeightCanvas) -> np.ndarray:
    """(rows, cols, 4) RGBA: grey where a layer has no weight (a first layer's W of one input
    under a wider layer's W; the readout's rows of the layers below), clear elsewhere and in
    the gaps between W, R and b.  Drawn under the weights: "none here", not a weight of 0."""
    absent = canvas.index < 0
    for start in canvas.columns[1:]:
        if start >= layer_maths.CANVAS_GAP:
            absent[:, start - layer_maths.CANVAS_GAP:start] = False
    rgba = np.zeros((*absent.shape, 4), dtype=np.uint8)
    rgba[absent] = ABSENT_GREY
    return rgba


ABSENT_GREY = (226, 226, 226, 255)


class WeightsView(ImageGridView, View):
    name = "weightsView"
    title = "Weights"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = False

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.grid = ImageGrid(self, "weights", "Hover a weight to read it; click to select its "
                              "unit.", self._on_hover, self._on_click)
        self.graphics, self.readout = self.grid.graphics, self.grid.readout
        self.bar = None
        self._key = None
        self._layers: layer_maths.Layers | None = None
        self._canvases: dict[str, layer_maths.WeightCanvas] = {}
        self._values: dict[str, np.ndarray] = {}
        self._level: float | None = None
        ctx.selection.changed.connect(lambda *_: self._place_box())


    def _build(self, layers: layer_maths.Layers, canvases) -> None:
        """One plot per gate (and the readout), built when the model's shape changes."""
        self.grid.clear()
        for gate, canvas in canvases.items():
            label = "readout y" if gate == layer_maths.READOUT else layers.label_of(gate)
            rows, cols = canvas.values.shape
            w0, r0, b0 = canvas.columns
            m = r0 - layer_maths.CANVAS_GAP
            h = b0 - layer_maths.CANVAS_GAP - r0
            # Column ticks name the blocks: W under its inputs, R under h(t-1), b (and extras).
            if gate == layer_maths.READOUT:
                ticks = [(0, "w_y"), (b0, "b_y")]
            else:
                # In order of priority where they do not all fit (NamedTicksAxis): b, R, W.
                ticks = [(b0, "b"), ((r0 + r0 + h - 1) / 2, "R"), ((w0 + m - 1) / 2, "W")]
                ticks += [(b0 + 1 + e, name) for e, name in enumerate(canvas.extra_names)]
            image = pg.ImageItem(axisOrder="row-major")
            image.setColorMap(diverging_map())
            # The first image, then its rect: setRect scales by the image's size.
            image.setImage(canvas.values, autoLevels=False, levels=(-1.0, 1.0))
            image.setRect(QtCore.QRectF(-0.5, -0.5, cols, rows))
            plot, _ = self.grid.add(gate, label, layers, link=False, separator=("#999999", 1),
                                    bottom=ticks, image=image, stretch=cols + 2)
            plot.setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
            absent = pg.ImageItem(absent_mask(canvas), axisOrder="row-major")
            absent.setRect(QtCore.QRectF(-0.5, -0.5, cols, rows))
            absent.setZValue(-1)
            plot.addItem(absent)
            # The last column's label ("b") overhangs the axis's end by half its width:
            # pyqtgraph hid it (only n's "b", with b_nh after it, was shown).
            plot.getAxis("bottom").setStyle(hideOverlappingLabels=12)  # not a parameter count
        self.bar = self.grid.add_bar(list(self.images.values()), (-1, 1), diverging_map(), "weight")
        self.grid.fit_rows(layers.rows)

    def show_snapshot(self, snap) -> None:
        layers = layer_maths.shape_of(snap.params, getattr(snap, "model", None))
        key = (layers.gates, layers.hidden, layers.size)
        if key != self._key:
            self._canvases = layer_maths.weight_canvases(layers, snap.params)
            self._build(layers, self._canvases)
            self._key = key
            self._level = None
        self._layers = layers
        for gate in self.images:
            self._values[gate] = layer_maths.refresh_canvas(self._canvases[gate], snap.params)
        self._level = colour_level(self._level, list(self._values.values()))
        for gate, image in self.images.items():
            image.setImage(self._values[gate], autoLevels=False, levels=(-self._level, self._level))
        assert self.bar is not None
        self.bar.setLevels((-self._level, self._level))
        self._place_box()
        self.grid.fit_scene()

    def _place_box(self) -> None:
        self.grid.box_row(self._layers, self.ctx.selection,
                          [c.values.shape[1] for c in self._canvases.values()])

    def _at(self, scene_pos):
        """(gate, row, column) of the weight under a scene position, or None."""
        hit = self.grid.at(scene_pos)
        if hit is None:
            return None
        gate, row, col = hit
        index = self._canvases[gate].index
        if 0 <= row < index.shape[0] and 0 <= col < index.shape[1] and index[row, col] >= 0:
            return gate, row, col
        return None

    def describe(self, gate: str, row: int, col: int) -> str:
        layers = self._layers
        assert layers is not None
        index = int(self._canvases[gate].index[row, col])
        return f"{layers.names[index]} = {self._values[gate][row, col]:.6g}"

    def _on_click(self, event) -> None:
        hit = self._at(event.scenePos())
        if hit is not None and self._layers is not None:
            self.select_row(hit[1])

    def select_row(self, row: int) -> None:
        """Select the hidden unit of an image row (what a click does)."""
        assert self._layers is not None
        self.ctx.selection.set(*self._layers.unit_of_row(row))

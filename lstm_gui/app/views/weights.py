"""The weights of every gate and layer as images, live.

``weightsView``: one image per gate; rows are hidden units (layer after layer), columns the
input weights W (one per input), then the recurrent weights R (one per unit of h(t-1)), then
the bias b.  A diverging colour map centred on 0 (vermillion negative, white 0, blue
positive, as the cell diagram's edges), its scale a 1-2-5 step above the largest |weight| so
that it does not flicker.  Hover reads a parameter; a click selects its hidden unit (the
selection the cell diagram and the gate heat map share).

Images are built once per model shape; each snapshot refreshes their values in place.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import layers as layer_maths
from .. import palette
from ..qt import Qt, QtCore, QtWidgets, pg
from .base import View
from .heatmap import diverging_map


class WeightsView(View):
    name = "weightsView"
    title = "Weights"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = False

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("weightsPlots")
        self.graphics.setBackground("w")
        self.readout = QtWidgets.QLabel(objectName="weightsReadout")
        self.readout.setText("Hover a weight to read it; click to select its unit.")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics, 1)
        self.gatePlots: dict[str, pg.PlotItem] = {}
        self.images: dict[str, pg.ImageItem] = {}
        self.boxes: list = []
        self.bar = None
        self._key = None
        self._layers: layer_maths.Layers | None = None
        self._canvases: dict[str, layer_maths.WeightCanvas] = {}
        self._values: dict[str, np.ndarray] = {}
        self._level = 1.0
        self.graphics.scene().sigMouseMoved.connect(self._on_hover)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        ctx.selection.changed.connect(lambda *_: self._place_box())

    def minimumSizeHint(self):
        return QtCore.QSize(200, 150)

    def _build(self, layers: layer_maths.Layers, canvases) -> None:
        """One plot per gate (and the readout), built when the model's shape changes."""
        self.graphics.clear()
        self.gatePlots, self.images, self.boxes = {}, {}, []
        first = None
        for col, gate in enumerate(canvases):
            canvas = canvases[gate]
            plot = self.graphics.addPlot(row=0, col=col)
            # Widths in proportion to the columns: every weight drawn as a square-ish cell.
            self.graphics.ci.layout.setColumnStretchFactor(col, canvas.values.shape[1] + 2)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.getViewBox().setMouseEnabled(False, False)
            plot.getViewBox().invertY(True)
            label = "readout y" if gate == layer_maths.READOUT else layers.label_of(gate)
            plot.setTitle(f"<span style='color:{palette.QUANTITY.get(gate, '#000')}'><b>{label}</b></span>",
                          size="10pt")
            plot.titleLabel.setMinimumWidth(0)
            rows, cols = canvas.values.shape
            w0, r0, b0 = canvas.columns
            m = r0 - layer_maths.CANVAS_GAP
            h = b0 - layer_maths.CANVAS_GAP - r0
            # Column ticks name the blocks: W under its inputs, R under h(t-1), b (and extras).
            if gate == layer_maths.READOUT:
                ticks = [(0, "w_y"), (b0, "b_y")]
            else:
                ticks = [((w0 + m - 1) / 2, "W"), ((r0 + r0 + h - 1) / 2, "R"), (b0, "b")]
                ticks += [(b0 + 1 + e, name) for e, name in enumerate(canvas.extra_names)]
            plot.getAxis("bottom").setTicks([ticks, []])
            plot.getAxis("left").enableAutoSIPrefix(False)
            if first is None:
                first = plot
                plot.setLabel("left", "hidden unit" if max(layers.hidden) > 1 else "unit")
                ticks = []
                for k, hk in enumerate(layers.hidden):
                    for j in range(0, hk, max(1, hk // 8)):
                        if max(layers.hidden) == 1:
                            text = str(k + 1)
                        elif j == 0 and layers.layers > 1:
                            text = f"L{k + 1}: 1"
                        else:
                            text = str(j + 1)
                        ticks.append((layers.row_of(k, j), text))
                plot.getAxis("left").setTicks([ticks, []])
            else:
                plot.getAxis("left").setStyle(showValues=False)
                plot.getAxis("left").setWidth(4)
            image = pg.ImageItem(axisOrder="row-major")
            image.setColorMap(diverging_map())
            # The first image, then its rect: setRect scales by the image's size.
            image.setImage(canvas.values, autoLevels=False, levels=(-1.0, 1.0))
            image.setRect(QtCore.QRectF(-0.5, -0.5, cols, rows))
            plot.addItem(image)
            box = QtWidgets.QGraphicsRectItem()
            pen = pg.mkPen("#000000", width=2)
            pen.setCosmetic(True)
            box.setPen(pen)
            box.setZValue(10)
            plot.addItem(box, ignoreBounds=True)
            for k in range(1, layers.layers):
                plot.addItem(pg.InfiniteLine(pos=layers.row_of(k, 0) - 0.5, angle=0,
                                             pen=pg.mkPen("#999999", width=1)), ignoreBounds=True)
            plot.setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
            self.gatePlots[gate] = plot
            self.images[gate] = image
            self.boxes.append(box)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_map(), interactive=False,
                                   width=10, label="weight")
        self.bar.setImageItem(list(self.images.values()))
        self.graphics.addItem(self.bar, row=0, col=len(canvases))

    def show_snapshot(self, snap) -> None:
        layers = layer_maths.shape_of(snap.params, getattr(snap, "model", None))
        key = (layers.gates, layers.hidden, layers.size)
        if key != self._key:
            self._canvases = layer_maths.weight_canvases(layers, snap.params)
            self._build(layers, self._canvases)
            self._key = key
        self._layers = layers
        self._level = layer_maths.symmetric_level(snap.params)
        for gate, image in self.images.items():
            values = layer_maths.refresh_canvas(self._canvases[gate], snap.params)
            self._values[gate] = values
            image.setImage(values, autoLevels=False, levels=(-self._level, self._level))
        assert self.bar is not None
        self.bar.setLevels((-self._level, self._level))
        self._place_box()

    def _place_box(self) -> None:
        layers = self._layers
        if layers is None:
            return
        sel = self.ctx.selection
        layer = min(sel.layer, layers.layers - 1)
        row = layers.row_of(layer, min(sel.unit, layers.hidden[layer] - 1))
        for box, canvas in zip(self.boxes, self._canvases.values()):
            box.setRect(QtCore.QRectF(-0.5, row - 0.5, canvas.values.shape[1], 1.0))

    def _at(self, scene_pos):
        """(gate, row, column) of the weight under a scene position, or None."""
        for gate, plot in self.gatePlots.items():
            if plot.sceneBoundingRect().contains(scene_pos):
                p = plot.getViewBox().mapSceneToView(scene_pos)
                row, col = int(round(p.y())), int(round(p.x()))
                index = self._canvases[gate].index
                if 0 <= row < index.shape[0] and 0 <= col < index.shape[1] and index[row, col] >= 0:
                    return gate, row, col
        return None

    def describe(self, gate: str, row: int, col: int) -> str:
        layers = self._layers
        assert layers is not None
        index = int(self._canvases[gate].index[row, col])
        return f"{layers.names[index]} = {self._values[gate][row, col]:.6g}"

    def _on_hover(self, scene_pos) -> None:
        hit = self._at(scene_pos)
        if hit is not None:
            self.readout.setText(self.describe(*hit))

    def _on_click(self, event) -> None:
        hit = self._at(event.scenePos())
        if hit is not None and self._layers is not None:
            self.select_row(hit[1])

    def select_row(self, row: int) -> None:
        """Select the hidden unit of an image row (what a click does)."""
        assert self._layers is not None
        self.ctx.selection.set(*self._layers.unit_of_row(row))

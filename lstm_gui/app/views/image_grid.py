"""A row of images of a layer: one plot per key (a gate, the readout), rows the hidden units
layer after layer, with colour bars, the selected unit boxed, a readout line for hover and
clicks.  The gate heat map (time across) and the weights view (W | R | b across) both are one.

The plots are built once per model shape (:meth:`ImageGrid.add`); the views update their
images in place.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import layers as layer_maths
from .. import palette
from ..plots import fit_title, labels_with_room, without_overlaps
from ..qt import QtCore, QtGui, QtWidgets, pg
from .elided import ElidedLabel


def unit_ticks(layers: layer_maths.Layers) -> list:
    """The rows' ticks: "1".."H" per layer (about eight a layer), the layer's first row
    saying which layer ("L2: 1"); a chain's one unit per layer is its number."""
    ticks = []
    for k, h in enumerate(layers.hidden):
        for j in range(0, h, max(1, h // 8)):
            if max(layers.hidden) == 1:
                text = str(k + 1)
            elif j == 0 and layers.layers > 1:
                text = f"L{k + 1}: 1"
            else:
                text = str(j + 1)
            ticks.append((layers.row_of(k, j), text))
    # Each layer's first row first: where the names do not all fit, NamedTicksAxis keeps the
    # ones given first ("L2: 1" over L1's "15").
    return sorted(ticks, key=lambda tick: not (tick[1].startswith("L") or max(layers.hidden) == 1))


def _step_at_least(minimum: float) -> float:
    """The smallest whole 1, 2, 2.5 or 5 x 10^k at or above `minimum` (at least 1): 25 names
    25, 50, 75 of 100 steps where 50 alone would (an 85-pixel plot of 1400 x 900)."""
    if minimum <= 1:
        return 1.0
    k = 10.0 ** np.floor(np.log10(minimum))
    return float(next(m * k for m in (1, 2, 2.5, 5, 10)
                      if m * k >= minimum * (1 - 1e-12) and float(m * k).is_integer()))


def _roundest(lo: int, hi: int) -> float:
    """The roundest whole number in [lo, hi] (50 rather than 29 when one label fits)."""
    if hi < lo:
        return float(lo)
    for k in range(len(str(max(abs(lo), abs(hi), 1))), -1, -1):
        for m in (5, 2.5, 2, 1):
            step = m * 10 ** k
            if float(step).is_integer():
                v = np.ceil(lo / step) * step
                if v <= hi:
                    return float(v)
    return float(lo)


class StepAxis(pg.AxisItem):
    """A time axis of whole steps naming as many as fit its length: pyqtgraph's own spacing
    assumed room for labels a 40-pixel plot lacks, and printed "40" and "60" over each
    other ("460") in the gate heat map at the window's smallest size.  A vertical axis
    spaces its labels by the font's height (the gradient view's "error at step t").

    A horizontal axis names its first step when its label fits (its own width, and
    START_ROOM px before the axis, the corner under the left axis): an inset of half the
    widest label at each end left the gradient view's epochs "50 … 300" without their 0.
    Axes in ``peers`` (a list the axes share: images linked in x) name the same steps, those
    that fit the narrowest of them: the gate heat map's first image, narrowed by the unit
    names beside it (69 px against 86 px at 1400 x 900), named "50" where the other three
    named "25 50 75"."""

    GAP = 5               # pixels between two labels (a 9-pt space is 2.9 px)
    START_ROOM = 4        # pixels a horizontal axis's first label may reach before the axis

    def __init__(self, orientation, **kwargs):
        super().__init__(orientation, **kwargs)
        self.peers: list = [self]
        if orientation in ("top", "bottom"):
            # pyqtgraph hides a label that leaves its axis by more than this (0 before).
            self.setStyle(hideOverlappingLabels=self.START_ROOM)

    def _length(self, size: float) -> float:
        lengths = [size] + [a.geometry().width() for a in self.peers
                            if a is not self and a.isVisible() and a.geometry().width() > 0]
        return min(lengths)

    def tickValues(self, minVal, maxVal, size):
        if not maxVal > minVal or size <= 0:
            return []
        metrics = QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont())
        ends = (int(np.ceil(minVal)), int(np.floor(maxVal)))
        vertical = self.orientation in ("left", "right")
        if vertical:
            widest = metrics.height() + self.GAP
        else:
            size = self._length(size)
            widest = max(metrics.horizontalAdvance(str(v)) for v in ends) + self.GAP
        per_pixel = (maxVal - minVal) / size
        # Steps between two labels: at least a label's width (and its gap) apart.
        spacing = _step_at_least(widest * per_pixel)
        if vertical:
            # A label is centred on its step: half a label's height from each end.
            inset = widest / 2 * per_pixel
            lo, hi = int(np.ceil(minVal + inset)), int(np.floor(maxVal - inset))
        else:
            lo, hi = ends
        if hi < lo:
            return [(1.0, [_roundest(*ends)])]
        first = np.ceil(lo / spacing) * spacing
        values = [float(v) for v in np.arange(first, hi + 0.5, spacing)]
        if not vertical:
            # Each label inside the axis (the first may use START_ROOM before it): pyqtgraph
            # would hide the others.
            def fits(v: float) -> bool:
                half = metrics.horizontalAdvance(str(int(round(v)))) / 2 + 1
                return ((v - minVal) / per_pixel - half >= -self.START_ROOM + 1
                        and (maxVal - v) / per_pixel - half >= 0)
            values = [v for v in values if fits(v)]
            if not values:
                inset = widest / 2 * per_pixel
                lo, hi = int(np.ceil(minVal + inset)), int(np.floor(maxVal - inset))
                if hi < lo:
                    return [(1.0, [_roundest(*ends)])]
        return [(spacing, values or [_roundest(lo, hi)])]

    def tickStrings(self, values, scale, spacing):
        return [str(int(round(v))) for v in values]


class NamedTicksAxis(pg.AxisItem):
    """An axis of named ticks (W, R, b under a weight image; the hidden units beside it) that
    draws a name only where it does not overlap one drawn before it (pyqtgraph drew them
    over each other: "WRb" in the smallest window's 28-pixel plots, the units' numbers in a
    short one).  The ticks' order is their priority."""

    def generateDrawSpecs(self, p):
        return without_overlaps(super().generateDrawSpecs(p), margin=(2, 1))


MIN_IMAGE_WIDTH = 16      # an image's least width (px)


class ImageGrid:
    """The graphics, readout and plots of a view of images (see the module docstring).

    owner: the view (a QWidget) that the readout and graphics are laid out in.  on_hover(pos)
    and on_click(event) receive the scene's mouse signals.
    """

    def __init__(self, owner: QtWidgets.QWidget, name: str, hint: str, on_hover, on_click):
        self.owner = owner
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName(f"{name}Plots")
        self.graphics.setBackground("w")
        self.readout = ElidedLabel(objectName=f"{name}Readout")
        self.readout.setText(hint)
        layout = QtWidgets.QVBoxLayout(owner)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics, 1)
        self.plots: dict[str, pg.PlotItem] = {}
        self.images: dict[str, pg.ImageItem] = {}
        self.boxes: list = []
        self.bars: list = []
        self.step_peers: list = []      # the linked images' time axes (StepAxis.peers)
        self._unequal_at = -1           # a width where equal images did not fit
        self.graphics.scene().sigMouseMoved.connect(on_hover)
        self.graphics.scene().sigMouseClicked.connect(on_click)

    def clear(self) -> None:
        self.graphics.clear()
        self.plots, self.images, self.boxes, self.bars = {}, {}, [], []
        self.step_peers = []

    def add(self, key: str, label: str, layers: layer_maths.Layers, link: bool,
            separator: tuple[str, int], bottom, image: pg.ImageItem | None = None,
            stretch: int = 1) -> tuple[pg.PlotItem, pg.ImageItem]:
        """The next plot, titled `label` in `key`'s colour, its bottom axis labelled `bottom`
        (a string) or ticked (a list of (x, text)), with an ImageItem (`image`, or a new empty
        one), the selection box and a line between layers (colour, width).  The first plot
        carries the unit ticks; the others share its rows (and its columns too when `link`).
        stretch: the plot's share of the width."""
        col = len(self.plots)
        axes = {"bottom": StepAxis("bottom") if isinstance(bottom, str) else NamedTicksAxis("bottom"),
                "left": NamedTicksAxis("left")}
        if link and isinstance(axes["bottom"], StepAxis):
            self._share_steps(axes["bottom"])
        plot = self.graphics.addPlot(row=0, col=col, axisItems=axes)
        self.graphics.ci.layout.setColumnStretchFactor(col, stretch)
        plot.hideButtons()
        plot.vb.setMinimumWidth(MIN_IMAGE_WIDTH)
        plot.setMenuEnabled(False)
        plot.getViewBox().setMouseEnabled(False, False)
        plot.getViewBox().invertY(True)
        # Fitted (the label's own width is no minimum of the plot): "readout y" had made
        # the readout's narrow image as wide as the three gates' together.
        colour = palette.QUANTITY.get(key, "#000")
        forms = [label] + ([label.split()[-1]] if " " in label else [])
        fit_title(plot, tuple(f"<span style='color:{colour}'><b>{f}</b></span>" for f in forms),
                  size="10pt", bold=True)
        # The axes before the links: a linked view that changes its height afterwards (new
        # ticks) shifts its partners' ranges to line up on screen (cut the first two rows).
        for axis in ("left", "bottom"):
            plot.getAxis(axis).enableAutoSIPrefix(False)
        if isinstance(bottom, str):
            plot.setLabel("bottom", bottom)
        else:
            plot.getAxis("bottom").setTicks([bottom, []])
        if not self.plots:
            plot.setLabel("left", "hidden unit" if max(layers.hidden) > 1 else "unit")
            plot.getAxis("left").setTicks([unit_ticks(layers), []])
        else:
            first = next(iter(self.plots.values()))
            plot.setYLink(first)
            if link:
                plot.setXLink(first)
            plot.getAxis("left").setStyle(showValues=False)
            plot.getAxis("left").setWidth(4)
        image = image or pg.ImageItem(axisOrder="row-major")
        plot.addItem(image)
        box = QtWidgets.QGraphicsRectItem()
        pen = pg.mkPen("#000000", width=2)
        pen.setCosmetic(True)
        box.setPen(pen)
        box.setZValue(10)
        plot.addItem(box, ignoreBounds=True)
        colour, width = separator
        for k in range(1, layers.layers):
            plot.addItem(pg.InfiniteLine(pos=layers.row_of(k, 0) - 0.5, angle=0,
                                         pen=pg.mkPen(colour, width=width)), ignoreBounds=True)
        self.plots[key] = plot
        self.images[key] = image
        self.boxes.append(box)
        return plot, image

    def _share_steps(self, axis: StepAxis) -> None:
        """`axis` names the same steps as the other linked images' (StepAxis.peers), drawn
        again when any of them changes its width."""
        peers = self.step_peers
        peers.append(axis)
        axis.peers = peers

        def redraw() -> None:
            for other in peers:
                if other is not axis:
                    other.picture = None
                    other.update()
        axis.geometryChanged.connect(redraw)

    def add_bar(self, images: list, values: tuple, colour_map, label: str) -> pg.ColorBarItem:
        """A colour bar for `images`, in the next column."""
        bar = pg.ColorBarItem(values=values, colorMap=colour_map, interactive=False, width=10,
                              label=label)
        bar.setImageItem(images)
        labels_with_room(bar.axis)
        self.graphics.addItem(bar, row=0, col=self.graphics.ci.layout.columnCount())
        self.bars.append(bar)
        self.fit_width()
        return bar

    NARROW = 420      # below this width (px) the colour bars drop their names

    def fit_width(self) -> None:
        """A narrow view (the smallest window's dock, ~270 px): the bars without their names
        ("σ gates", "tanh, h": the plots' titles and the readout say what they are), which
        left the images a few pixels each."""
        narrow = self.owner.width() < self.NARROW
        changed = False
        for bar in self.bars:
            axis = bar.getAxis("left")
            if axis.label.isVisible() == narrow:
                axis.showLabel(not narrow)
                # Its numbers ("-0.5") need ~30 px; pyqtgraph's fixed 45 cut the second bar.
                bar.axis.setWidth(30 if narrow else 45)
                changed = True
        if changed:
            self.graphics.ci.layout.invalidate()
        self.fit_scene()

    def fit_scene(self) -> None:
        """The plots' layout back to the widget's width when it is wider: a layout whose
        minimum grew for a moment (new titles, bars with names) kept that width once the
        minimum shrank again, the widget's size unchanged, and drew the second colour bar
        off the smallest window's dock."""
        graphics = self.graphics
        self.equal_images()
        if graphics.ci.geometry().width() > graphics.width() + 0.5:
            self._free_first_column()           # equal images only where they fit
            self._unequal_at = graphics.width()
            graphics.ci.updateGeometry()        # its cached minimum: the old, wider one
            graphics.resizeEvent(None)

    def _free_first_column(self) -> None:
        layout = self.graphics.ci.layout
        layout.setColumnMinimumWidth(0, 0)
        layout.setColumnMaximumWidth(0, 1e6)

    def equal_images(self) -> None:
        """The linked images (the gate heat map's) as wide as each other: the first plot's
        column, which holds the unit names too, is given their width besides its image's.
        With equal stretch Qt's grid left the first image narrower (69 px against 86 px at
        1400 x 900), and its time axis named fewer steps than the others'."""
        plots = list(self.plots.values())
        if len(self.step_peers) < 2 or len(plots) < 2 or getattr(self, "_equalising", False):
            return
        widths = [p.vb.width() for p in plots]
        if max(widths) - min(widths) <= 0.5 or self.graphics.width() == self._unequal_at:
            return          # nothing to do (called at every frame: a layout pass costs)
        self._equalising = True
        try:
            layout = self.graphics.ci.layout
            self._free_first_column()
            layout.activate()
            names = plots[0].width() - plots[0].vb.width()         # the unit names' axis
            other = plots[1].width() - plots[1].vb.width()
            image = (sum(p.width() for p in plots) - names - (len(plots) - 1) * other) / len(plots)
            if image > MIN_IMAGE_WIDTH:
                layout.setColumnFixedWidth(0, image + names)
                layout.activate()
        finally:
            self._equalising = False

    def fit_rows(self, rows: int) -> None:
        """Show rows 0..rows-1 in every plot, once the plots are laid out: the rows are
        linked, and pyqtgraph lines linked views up on screen, so a range set while a new
        plot had not its height yet cut the first rows off (two of 32 in Weights)."""
        self.graphics.ci.layout.activate()
        first = next(iter(self.plots.values()), None)
        if first is not None:
            first.setYRange(-0.5, rows - 0.5, padding=0)

    def at(self, scene_pos) -> tuple[str, int, int] | None:
        """(key, row, column) of the image entry under a scene position (not checked against
        the image's size: the view knows its data), or None off the plots."""
        for key, plot in self.plots.items():
            if plot.sceneBoundingRect().contains(scene_pos):
                p = plot.getViewBox().mapSceneToView(scene_pos)
                return key, int(round(p.y())), int(round(p.x()))
        return None

    def box_row(self, layers: layer_maths.Layers | None, selection, widths) -> None:
        """Box the selected unit's row in every plot (widths: each image's columns)."""
        if layers is None:
            return
        layer = min(selection.layer, layers.layers - 1)
        row = layers.row_of(layer, min(selection.unit, layers.hidden[layer] - 1))
        for box, width in zip(self.boxes, widths):
            box.setRect(QtCore.QRectF(-0.5, row - 0.5, width, 1.0))


class ImageGridView:
    """Mixin for a View drawn by an :class:`ImageGrid` in ``self.grid``: its plots, images
    and boxes by the names the tests and the window read, its small minimum size, and the
    hover readout (the view says what is under the mouse: ``_at`` and ``describe``)."""

    grid: ImageGrid
    readout: ElidedLabel

    @property
    def gatePlots(self) -> dict:
        return self.grid.plots

    @property
    def images(self) -> dict:
        return self.grid.images

    @property
    def boxes(self) -> list:
        return self.grid.boxes

    def minimumSizeHint(self):
        return QtCore.QSize(200, 150)

    def resizeEvent(self, event):
        super().resizeEvent(event)  # type: ignore[misc]
        self.grid.fit_width()

    def showEvent(self, event):
        super().showEvent(event)  # type: ignore[misc]
        # Once shown and laid out (a tab brought to the front has no resize of its own).
        QtCore.QTimer.singleShot(0, self.grid.graphics, self.grid.fit_scene)

    def _on_hover(self, scene_pos) -> None:
        hit = self._at(scene_pos)
        if hit is not None:
            self.readout.setText(self.describe(*hit))

    def _at(self, scene_pos):
        raise NotImplementedError

    def describe(self, *hit) -> str:
        raise NotImplementedError

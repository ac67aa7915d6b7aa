"""The Parameters view of a model too large for one curve per parameter.

Left: the norm of each gate's parameters (W, R, b and extras together) per layer over the
epochs, as the run records them (``Snapshot.gate_norms``), one curve per (layer, gate): gate
colour, layer line style.
Right: the parameters in a table that filters by name (``W_z``, ``u2.``, ``[3,``) and shows
at most PAGE rows at a time, with the page chosen below it.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import layers as layer_maths
from .. import palette
from ..plots import SteadyRange, data_bounds, fit_title, set_curve
from ..qt import Qt, QtWidgets, pg
from .elided import ElidedLabel

PAGE = 200                 # table rows at a time: 2 497 rows took 120 ms to fill
MIN_PART = 130             # the plot's and the table's least width (px)
LAYER_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                Qt.PenStyle.DashDotLine)


class ModelParamsPanel(QtWidgets.QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(objectName="gateNormsPlot")
        self.plot.setBackground("w")
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "‖parameters‖ per gate")
        self.steady = SteadyRange(self.plot.getPlotItem().vb)
        self.filterEdit = QtWidgets.QLineEdit(objectName="paramFilter")
        self.filterEdit.setPlaceholderText("filter by name, e.g. W_z  u2.  [3,")
        self.pageSpin = QtWidgets.QSpinBox(objectName="paramPage", minimum=1, maximum=1)
        self.pageLabel = ElidedLabel(objectName="paramPageLabel")
        self.table = QtWidgets.QTableWidget(0, 2, objectName="modelParamTable")
        self.table.setHorizontalHeaderLabels(["parameter", "value"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(18)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.filterEdit)
        right.addWidget(self.table, 1)
        pager = QtWidgets.QHBoxLayout()
        pager.addWidget(QtWidgets.QLabel("page"))
        pager.addWidget(self.pageSpin)
        pager.addWidget(self.pageLabel, 1)
        right.addLayout(pager)
        right.setContentsMargins(0, 0, 0, 0)
        # Plot and table side by side in a splitter, each at least MIN_PART wide: in a box
        # layout the table's and the page line's widths were minimums the dock lacked at the
        # smallest window, and the table was drawn over the plot.
        self.filterEdit.setMinimumWidth(0)
        table_side = QtWidgets.QWidget(objectName="paramTableSide")
        table_side.setLayout(right)
        self.plot.setMinimumWidth(MIN_PART)
        table_side.setMinimumWidth(MIN_PART)
        self.splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal, objectName="paramsSplitter")
        self.splitter.addWidget(self.plot)
        self.splitter.addWidget(table_side)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self._moved = False         # the learner dragged the splitter: their sizes stay
        self.splitter.splitterMoved.connect(lambda *_: setattr(self, "_moved", True))
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        for side in ("left", "bottom"):
            # "epoch (x0.001)" at epoch 0: no SI prefixes on epochs and norms.
            self.plot.getPlotItem().getAxis(side).enableAutoSIPrefix(False)
        self.curves: list = []
        self._key = None
        self._snap = None
        self._rows: np.ndarray = np.zeros(0, dtype=int)
        self.filterEdit.textChanged.connect(self._on_filter)
        self.pageSpin.valueChanged.connect(lambda *_: self._fill())
        self.table.verticalScrollBar().valueChanged.connect(lambda *_: self._fill(values_only=True))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if not self._moved:
            # The plot three fifths, the table two (as the unit's view); the stretch factors
            # alone gave the table its least width at 1400 x 900.
            total = sum(self.splitter.sizes()) or self.width()
            self.splitter.setSizes([total * 3 // 5, total - total * 3 // 5])

    def show_snapshot(self, snap) -> None:
        self._snap = snap
        layers = layer_maths.shape_of(snap.params, snap.model)
        key = (snap.model, snap.config.task, snap.config.seed)
        if key != self._key:
            self._build(layers)
            self._key = key
            self._on_filter()
        # The run records them (TrainingRun.gate_norms_view): the curves are the same
        # whichever frames this view drew, hidden or not.  Gathered here from frames, a
        # 2-second run at full speed drew four points joined by straight lines.
        epochs, norms = snap.gate_norms
        norms = np.asarray(norms).reshape(len(epochs), -1)
        epochs = np.asarray(epochs, dtype=float)
        for k, curve in enumerate(self.curves):
            set_curve(curve, epochs, norms[:, k])        # a dot while there is one epoch
        if len(epochs):
            # At least ten epochs across: one epoch (an opened model) drew 0 to 0.025.
            self.steady.fit(x=(float(epochs[0]), max(float(epochs[-1]), float(epochs[0]) + 10)),
                            margin=(0.02, 0.15))
            self.steady.fit(y=data_bounds(norms), margin=0.08)
        self._fill(values_only=True)

    def _build(self, layers) -> None:
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        # The legend is the title (in the plot, eight entries covered the curves).
        gates = " ".join(f"<span style='color:{palette.QUANTITY.get(g, '#000')}'>{label}</span>"
                         for g, label in zip(layers.gates, layers.labels))
        styles = ("solid", "dashed", "dotted", "dash-dot")
        where = ", ".join(f"{name} {styles[k % len(styles)]}"
                          for k, name in enumerate(layers.group_names)) if layers.layers > 1 else ""
        # The layers' line styles on a second line: on one, the dock's default width cut them.
        # Shorter forms for a narrow plot (the first that fits is shown; see fit_title).
        short = ", ".join(f"L{k + 1} {styles[k % len(styles)]}"
                          for k in range(len(layers.group_names))) if layers.layers > 1 else ""
        fit_title(self.plot.getPlotItem(),
                  (f"‖W, R, b‖ per gate: {gates}" + (f"<br>{where}" if where else ""),
                   f"‖W, R, b‖: {gates}" + (f"<br>{short}" if short else ""),
                   gates + (f"<br>{short}" if short else "")), size="9pt")
        for k, group in enumerate(layers.group_names):
            for gate, label in zip(layers.gates, layers.labels):
                pen = pg.mkPen(palette.QUANTITY.get(gate, "#000"), width=1,
                               style=LAYER_STYLES[k % len(LAYER_STYLES)])
                name = f"{label}, {group}" if layers.layers > 1 else label
                self.curves.append(self.plot.plot(pen=pen, name=name))

    def _on_filter(self, *_) -> None:
        snap = self._snap
        if snap is None:
            return
        names = layer_maths.shape_of(snap.params, snap.model).names
        text = self.filterEdit.text().strip()
        self._rows = np.array([k for k, n in enumerate(names) if text in n], dtype=int)
        pages = max(1, -(-len(self._rows) // PAGE))
        self.pageSpin.setMaximum(pages)
        self._fill()

    def _fill(self, values_only: bool = False) -> None:
        snap = self._snap
        if snap is None:
            return
        names = layer_maths.shape_of(snap.params, snap.model).names
        start = (self.pageSpin.value() - 1) * PAGE
        rows = self._rows[start:start + PAGE]
        if not values_only or self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
            for r, k in enumerate(rows):
                self.table.setItem(r, 0, QtWidgets.QTableWidgetItem(names[k]))
                self.table.setItem(r, 1, QtWidgets.QTableWidgetItem())
        # Only the rows in sight: re-texting all 200 made each frame's repaint of the table
        # 60-200 ms on this machine.
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = len(rows) - 1 if last < 0 else last
        for r in range(first, min(last + 1, len(rows))):
            item = self.table.item(r, 1)
            text = f"{snap.params[rows[r]]: .5f}"
            if item is not None and item.text() != text:
                item.setText(text)
        self.pageLabel.set_full_text(f"of {self.pageSpin.maximum()}: {len(self._rows):,} of "
                                     f"{len(names):,} parameters")

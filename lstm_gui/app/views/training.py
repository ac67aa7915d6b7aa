"""The views of training over epochs: MSE and Parameters."""
from __future__ import annotations

from ...core.models import UNIT
from ..plots import MsePlot, ParamsPlot
from ..qt import Qt, QtWidgets, pg
from .base import View
from .params_model import ModelParamsPanel


class _EpochView(View):
    plot_class: type = MsePlot

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.plot = self.plot_class()
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.unit = 0

    def show_snapshot(self, snap) -> None:
        self.plot.unit = min(self.unit, snap.params.shape[0] - 1)
        self.plot.show_snapshot(snap)
        self.plot.getPlotItem().vb.prepareForPaint()

    def plots(self) -> list:
        return [self.plot]


class MseView(_EpochView):
    name = "mseView"
    title = "MSE"
    frame_weight = 3.0
    area = Qt.DockWidgetArea.BottomDockWidgetArea
    plot_class = MsePlot

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        # Before the first epoch there is no curve: the axes showed stray ticks of a range
        # of nothing (an opened model); a line says why instead.
        self.emptyNote = pg.TextItem(html="<div style='text-align: center; color: #555555'>No "
                                     "epoch trained yet: the MSE is drawn as it trains.</div>",
                                     anchor=(0.5, 0.5))
        self.emptyNote.setParentItem(self.plot.getPlotItem().vb)
        self.emptyNote.hide()
        self.plot.getPlotItem().vb.sigResized.connect(self._place_note)
        self._empty: bool | None = None

    def _place_note(self, *_) -> None:
        rect = self.plot.getPlotItem().vb.rect()
        self.emptyNote.setTextWidth(max(rect.width() - 12, 60))     # wrapped in a narrow plot  # not a parameter count
        self.emptyNote.setPos(rect.center())

    def show_snapshot(self, snap) -> None:
        super().show_snapshot(snap)
        empty = len(snap.history.epochs) == 0
        if empty == self._empty:
            return
        self._empty = empty
        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):
            # No ticks at all on empty axes (tick marks of no range were left without values).
            item.getAxis(side).setTicks([[], []] if empty else None)
        self.emptyNote.setVisible(empty)
        self._place_note()


class ParamTable(QtWidgets.QTableWidget):
    """Rows: the unit's parameters.  Columns: "show" (the curve in the plot), then per unit its
    value (double-click to edit) and "fix" (kept fixed while the others train)."""

    def __init__(self, parent=None):
        super().__init__(UNIT.size, 1, parent)
        self.setObjectName("paramTable")
        self.units = 0
        self._filling = False
        self.verticalHeader().setDefaultSectionSize(18)
        self.horizontalHeader().setDefaultSectionSize(66)
        self.setToolTip("Current parameter values.  Double-click a value to edit it (undo with "
                        "Ctrl+Z); tick \"fix\" to keep a parameter fixed while the others train; "
                        "untick \"show\" to hide its curve.  W_*h: weight on h(t-1) (recurrent), "
                        "W_*x: weight on the input x(t), b_*: bias.")
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.setFont(font)

    def value_column(self, unit: int) -> int:
        return 1 + 2 * unit

    def fill(self, params, frozen, visible) -> None:
        """Show params (units, size of the unit); frozen: flat indices; visible: a boolean per
        parameter."""
        from ..plots import param_icon, param_tip
        units = params.shape[0]
        self._filling = True
        try:
            if units != self.units:
                self.units = units
                self.setColumnCount(1 + 2 * units)
                labels = ["show"]
                for u in range(units):
                    labels += ["value" if units == 1 else f"unit {u + 1}", "fix"]
                self.setHorizontalHeaderLabels(labels)
                self.setColumnWidth(0, 40)
                for u in range(units):
                    self.setColumnWidth(self.value_column(u) + 1, 28)
                for k, name in enumerate(UNIT.names()):
                    header = QtWidgets.QTableWidgetItem(param_icon(k), name)
                    header.setToolTip(param_tip(name))      # the row is the curve's legend
                    self.setVerticalHeaderItem(k, header)
                    show = QtWidgets.QTableWidgetItem()
                    show.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                    show.setCheckState(Qt.CheckState.Checked if visible[k] else Qt.CheckState.Unchecked)
                    self.setItem(k, 0, show)
                    for u in range(units):
                        value = QtWidgets.QTableWidgetItem()
                        value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                        self.setItem(k, self.value_column(u), value)
                        fix_item = QtWidgets.QTableWidgetItem()
                        fix_item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                        fix_item.setToolTip(f"Keep {name} of unit {u + 1} fixed while training")
                        # A check state from the start: without one Qt draws no box and a
                        # click or Space does nothing (issue 24).
                        fix_item.setCheckState(Qt.CheckState.Unchecked)
                        self.setItem(k, self.value_column(u) + 1, fix_item)
            fixed = set(frozen)
            names = UNIT.names()
            for u in range(units):
                for k, name in enumerate(names):
                    item, fix = self.item(k, self.value_column(u)), self.item(k, self.value_column(u) + 1)
                    assert item is not None and fix is not None
                    if self.state() != self.State.EditingState or self.currentItem() is not item:
                        item.setText(f"{params[u, k]: .5f}")
                        item.setToolTip(f"{name} = {float(params[u, k])!r}")  # the full float, not np.float64(...)
                    want = Qt.CheckState.Checked if u * UNIT.size + k in fixed else Qt.CheckState.Unchecked
                    if fix.checkState() != want:
                        fix.setCheckState(want)
        finally:
            self._filling = False


class ParamsView(_EpochView):
    name = "paramsView"
    title = "Parameters"
    frame_weight = 2.0
    area = Qt.DockWidgetArea.BottomDockWidgetArea
    plot_class = ParamsPlot

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.table = ParamTable()
        self.table.setMinimumWidth(192)
        self.layout().addWidget(self.table)
        self.layout().setStretch(0, 3)
        self.layout().setStretch(1, 2)
        self.table.itemChanged.connect(self._on_item_changed)
        self._snap = None
        # A model of H units: norms per gate and layer, and a filtered, paged table.
        self.modelPanel = ModelParamsPanel()
        self.layout().addWidget(self.modelPanel)
        self.modelPanel.hide()

    def _visible(self) -> list[bool]:
        return [c.isVisible() for c in self.plot.curves]

    def show_snapshot(self, snap) -> None:
        model = getattr(snap, "model", None) is not None
        for widget in (self.plot, self.table):
            widget.setVisible(not model)
        self.modelPanel.setVisible(model)
        if model:
            self._snap = None
            self.modelPanel.show_snapshot(snap)
            return
        super().show_snapshot(snap)
        self._snap = snap
        self.table.fill(snap.params, snap.config.frozen, self._visible())

    def show_unit(self, unit: int) -> None:
        self.unit = unit
        if self.table.units > unit:
            self.table.scrollToItem(self.table.item(0, self.table.value_column(unit)))

    def _on_item_changed(self, item) -> None:
        if self.table._filling or self._snap is None:
            return
        col, k = item.column(), item.row()
        if col == 0:
            self.plot.curves[k].setVisible(item.checkState() == Qt.CheckState.Checked)
            return
        u, is_fix = divmod(col - 1, 2)
        if is_fix:
            self.ctx.trainer.set_frozen(u * UNIT.size + k, item.checkState() == Qt.CheckState.Checked)
            return
        text = item.text().strip()
        try:
            value = float(text)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            self.ctx.message(f"{text!r} is not a finite number; the parameter keeps its value")
            self.table.fill(self._snap.params, self._snap.config.frozen, self._visible())
            return
        if value != self._snap.params[u, k]:
            self.ctx.trainer.set_param(u, k, value)

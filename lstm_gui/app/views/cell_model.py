"""The cell view of a model of H units (any family): one hidden unit's equations at step t.

A unit selector (layer, unit; shared with the weights view and the gate heat map) and the
family's formulas with that unit's numbers at the time cursor (``core.analysis.unit_step``):
each gate's input term W_g[j,:]·x(t), recurrent term R_g[j,:]·h(t−1), bias, and the family's
extras.  Hover a gate's line for the largest terms of its recurrent sum.

Above the formulas, the unit drawn as its family draws it (``cell_diagram``): the same
numbers on the edges and gates.
"""
from __future__ import annotations

from ...core.analysis import unit_step as steps
from ...core.analysis.unit_graph import unit_graph
from .. import palette
from ..qt import Qt, QtCore, QtWidgets
from .cell_diagram import DiagramCanvas
from .elided import ElidedLabel


class ModelCellPanel(QtWidgets.QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.layerSpin = QtWidgets.QSpinBox(objectName="cellLayerSpin", minimum=1, maximum=1)
        self.unitSpin = QtWidgets.QSpinBox(objectName="cellUnitSpin", minimum=1, maximum=1)
        self.layerSpin.setToolTip("The layer whose unit is shown (a reverse direction counts as "
                                  "a layer of its own)")
        self.unitSpin.setToolTip("The hidden unit shown (also chosen by a click in Weights or "
                                 "the Gate heat map)")
        # One line, cut to the dock's width (the whole description in its tooltip): wrapped,
        # it took three lines of a 420-pixel dock from the drawing.
        self.title = ElidedLabel(bold=True, objectName="cellModelTitle")

        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(QtWidgets.QLabel("layer"))
        row.addWidget(self.layerSpin)
        row.addWidget(QtWidgets.QLabel("unit"))
        row.addWidget(self.unitSpin)
        self.header = QtWidgets.QLabel(objectName="cellModelHeader", wordWrap=True)
        self.lines: dict[str, QtWidgets.QLabel] = {}
        self.form = QtWidgets.QVBoxLayout()
        # The drawing above, the formulas below (scrolling when the dock is short); the
        # splitter lets a learner give either more room.
        self.canvas = DiagramCanvas()
        text = self._text = QtWidgets.QWidget()
        inner = QtWidgets.QVBoxLayout(text)
        inner.setContentsMargins(4, 2, 4, 2)
        inner.addWidget(self.header)
        inner.addLayout(self.form)
        inner.addStretch(1)
        # Never squeezed below the lines' heights: the scroll bar takes over instead.
        inner.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetMinimumSize)
        scroll = QtWidgets.QScrollArea(widgetResizable=True, frameShape=QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(text)
        self.splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical, objectName="cellModelSplitter")
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self._moved = False                 # the learner moved the splitter: keep their sizes
        self.splitter.splitterMoved.connect(lambda *_: setattr(self, "_moved", True))
        # Owned by the panel: it dies with it (a bare singleShot outlived a closed panel).
        self._room_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._room_timer.timeout.connect(self._share_room)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.splitter, 1)
        font = self.font()
        font.setPixelSize(14)
        self.setFont(font)
        self._snap = None
        self._keys: tuple = ()
        self.layerSpin.valueChanged.connect(self._on_spin)
        self.unitSpin.valueChanged.connect(self._on_spin)
        ctx.selection.changed.connect(lambda *_: self._from_selection())
        ctx.cursor.changed.connect(lambda *_: self.refresh())

    def _groups(self, model) -> int:
        return model.layers * model.dirs

    def _on_spin(self, *_) -> None:
        if self._snap is not None:
            self.ctx.selection.set(self.layerSpin.value() - 1, self.unitSpin.value() - 1)
            self.refresh()

    def _from_selection(self) -> None:
        sel = self.ctx.selection
        for spin, value in ((self.layerSpin, sel.layer + 1), (self.unitSpin, sel.unit + 1)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.refresh()

    def show_snapshot(self, snap) -> None:
        self._snap = snap
        model = snap.model
        self.layerSpin.setMaximum(self._groups(model))
        self.unitSpin.setMaximum(model.hidden)
        self.title.set_full_text(model.describe())
        self._from_selection()

    def refresh(self) -> None:
        snap = self._snap
        if snap is None:
            return
        model = snap.model
        group = min(self.layerSpin.value() - 1, self._groups(model) - 1)
        layer, direction = divmod(group, model.dirs)
        j = min(self.unitSpin.value() - 1, model.hidden - 1)
        n = snap.trace.states["h"].shape[2]
        t = min(max(self.ctx.cursor.t, 0), n - 1)
        step = steps.unit_step(model, snap.params, snap.trace, layer, j, t, direction,
                               delay=snap.config.delay if getattr(snap, "config", None) else 0)
        self.step = step
        self.diagram = self.canvas.show_graph(unit_graph(model), direction)
        self.diagram.show_step(model, step, self._describe_x(model, layer, direction, snap))
        lines = steps.formulas(model, step)
        new = tuple(lines) != self._keys
        if new:
            self._new_lines(tuple(lines))
        where = f"unit {j + 1}" + (f" of layer {group + 1}" if self._groups(model) > 1 else "")
        prev = steps.previous(direction)     # t+1 in a reverse direction
        self.header.setText(f"t = {t}, {where}: h({prev}) = {steps.fmt(step.h_prev)}"
                            + ("" if step.gru else f", C({prev}) = {steps.fmt(step.c_prev)}")
                            + f".  In each gate: W·x(t) + R·h({prev}) + bias.")
        self.header.setToolTip(f"R·h({prev}) is the sum over the layer's {model.hidden} "
                               f"unit{'s' if model.hidden > 1 else ''}: hover a line, or an "
                               "edge of the drawing, for its largest terms.")
        for key, text in lines.items():
            label = self.lines[key]
            if label.text() != text:
                label.setText(text)
            gate = {"c_tilde": "C"}.get(key, key)
            if gate in step.gates:
                terms = steps.recurrent_terms(step, gate)
                label.setToolTip(f"R·h({prev}), largest terms:\n" + "\n".join(
                    f"  R[{j + 1},{k + 1}]·h_{k + 1}({prev}) = {steps.fmt(v)}" for k, v in terms))
        if new and not self._moved:
            # After the layout has taken the new lines in (and the panel has its size).
            self._room_timer.start()

    def _new_lines(self, keys: tuple[str, ...]) -> None:
        """One label per formula line of a family, replacing the last family's at once.

        Taken out of the layout and hidden now: deleteLater alone left the old family's
        lines on screen (filled with the new numbers) until the event loop ran, and a
        label added to a shown widget is shown only by a queued call (a script that pumps
        processEvents, or a frame grabbed at once, saw GRU's lines under CIFG)."""
        for label in self.lines.values():
            self.form.removeWidget(label)
            label.hide()
            label.deleteLater()
        self.lines = {}
        for key in keys:
            label = QtWidgets.QLabel(objectName=f"cellModel_{key}")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            colour = palette.QUANTITY.get(key, "#000000")
            label.setStyleSheet(f"border-left: 6px solid {colour}; padding-left: 4px")
            self.form.addWidget(label)
            label.show()
            self.lines[key] = label
        self._keys = keys

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if not self._moved:
            self._share_room()

    def showEvent(self, event):
        super().showEvent(event)
        if not self._moved:
            self._share_room()

    def _share_room(self) -> None:
        """The formulas get the height they need (at most half the panel), the drawing the rest."""
        total = sum(self.splitter.sizes())
        if total <= 0 or not self.lines or self._moved:
            return
        need = min(self._text.sizeHint().height() + 4, int(total * 0.45))
        self.splitter.setSizes([total - need, need])

    @staticmethod
    def _describe_x(model, layer: int, direction: int, snap) -> str:
        """What the unit reads as x(t): the input, or the layer below's h."""
        delay = getattr(getattr(snap, "config", None), "delay", 0)
        if layer == 0:
            m = model.inputs
            text = "x(t)" if m == 1 else f"x(t): {m} inputs"
        else:
            text = f"x(t) = h of layer {layer} ({model.layer_inputs(layer)} numbers)"
        return text + (f" at t{steps.MINUS}1 (lstmlib timing)" if delay else "")

    def formula_text(self, key: str) -> str:
        return self.lines[key].text()

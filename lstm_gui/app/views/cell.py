"""The cell view: the unit drawn as the tutorials draw it, with its real numbers at the cursor.

colah's layout ("Understanding LSTM Networks"): the cell state C(t−1) → C(t) runs across the
top (the "conveyor belt") through the forget × and the input +; x(t) and h(t−1) come in at
the bottom and reach the four gates f, i, C~, o through their weights; the output h(t) leaves
on the right.  Every weight is an edge coloured by its sign and as thick as it is large, its
value written beside it and in its tooltip; a double click edits it.  Below the drawing, the
SPEC's formulas with the numbers of time step t plugged in.  A chain draws one cell per
unit, the output of one leading into the input of the next.

Items are built once per number of units; a snapshot only retexts the labels whose string
changed and re-pens the edges whose parameter changed.
"""
from __future__ import annotations

from ...core.models import Model
from .. import palette
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .base import View
from .cell_draw import (  # noqa: F401  (weight_width, WeightEdge: the tests read them here)
    NODE_R,
    Drawing,
    WeightEdge,
    WeightLabel,
    _alpha,
    _font,
    _path,
    _pen,
    weight_width,
)
from .cell_formulas import (
    GATE_FIRST_PARAM,
    GATE_FUNCTION,
    GATE_LABEL,
    GATES,
    KEYS,
    MINUS,
    cell_values,
    fmt,
    formulas,
    short,
    symbolic,
)
from .cell_model import ModelCellPanel

# Scene geometry, in scene units (pixels at scale 1).  One cell is CELL_W wide; cells sit
# PITCH apart (VPITCH stacked), the gap carrying the connector h(unit u) → x(unit u+1).
CELL_W, PITCH = 640, 720
C_Y = 40                                  # the conveyor belt
GATE_Y, GATE_W, GATE_H = 165, 70, 44      # gate boxes (centre y, size)
GATE_X = {"f": 140, "i": 250, "c_tilde": 360, "o": 470}
X_BUS, H_BUS = 225, 252                   # x(t) and h(t−1) lines under the gates
X_IN = 95                                 # where x(t) comes up into the cell
FORGET_X, ADD_X, PRODUCT_Y = 140, 305, 105
TANH_X, TANH_Y, OUT_Y = 545, 95, 165
FORMULA_Y, LINE = 320, 20
BOTTOM = FORMULA_Y + 7 * LINE + 4
TITLE_H = 26                              # a chain names its units above the cells
VPITCH = BOTTOM + TITLE_H + 24            # cells stacked in a tall dock
BUS = "#4d4d4d"                            # the h(t−1) line under the gates
TANH_R = 12                               # the tanh ellipse's half height  # not a parameter count
UNIT = Model()                            # SPEC's unit: each cell's parameters, by name
NAMES = tuple(UNIT.names())

# The smallest scale: 15-pixel text drawn at 9 pixels.  A smaller dock scrolls instead (the
# default window at 1400x900 gives the cell dock about 360 pixels: 0.52 to fit it all).
MIN_SCALE = 0.6


class CellItems(Drawing):
    """The items of one unit's cell, children of ``root``, in the cell's own coordinates
    (``root.setPos`` places the cell in the scene)."""

    def __init__(self, scene: QtWidgets.QGraphicsScene, unit: int, units: int, on_edit,
                 delay: int):
        super().__init__(scene)
        self.unit = unit
        self._params: tuple | None = None
        self.edges: dict[int, WeightEdge] = {}
        self.weight_labels: dict[int, WeightLabel] = {}
        self.fills: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self.formula_items: dict[str, QtWidgets.QGraphicsSimpleTextItem] = {}
        self._build(units, on_edit, delay)

    def _build(self, units, on_edit, delay):
        C, H, X = palette.C, palette.H, palette.X
        u = self.unit
        if units > 1:
            self.set_text(self._text_item("title", 70, -TITLE_H, "title", bold=True), f"Unit {u + 1}")
        body = self.scene.addRect(QtCore.QRectF(68, C_Y - 22, 532, 275),
                                  _pen("#9a9a9a", 1.2), QtGui.QBrush(QtGui.QColor("#f7f7f7")))
        body.setZValue(-2)

        # The conveyor belt: C(t−1) → × (forget) → + (input) → C(t).
        self._line(C, (0, C_Y), (CELL_W - 4, C_Y), width=4, z=1, arrow=True)
        self.set_text(self._text_item(None, 2, C_Y - 19, colour=C, bold=True), f"C(t{MINUS}1)")
        self._text_item("c_prev", 2, C_Y + 5, "value", C)
        self.set_text(self._text_item(None, CELL_W - 36, C_Y - 19, colour=C, bold=True), "C(t)")
        self._text_item("c", CELL_W - 36, C_Y + 5, "value", C, anchor="left")
        self._node(FORGET_X, C_Y, "×", tooltip="f·C(t−1): the forget gate scales the old cell state")
        self._node(ADD_X, C_Y, "+", tooltip="C = f·C(t−1) + i·C~: the new cell state")

        # Gate outputs up to where they act.
        gx = GATE_X
        top = GATE_Y - GATE_H / 2
        self._line(palette.F, (gx["f"], top), (FORGET_X, C_Y + NODE_R), z=1, arrow=True)
        self._line(palette.I, (gx["i"], top), (gx["i"], PRODUCT_Y), (ADD_X - NODE_R, PRODUCT_Y),
                   z=1, arrow=True)
        self._line(palette.C_TILDE, (gx["c_tilde"], top), (gx["c_tilde"], PRODUCT_Y),
                   (ADD_X + NODE_R, PRODUCT_Y), z=1, arrow=True)
        self._line("#333333", (ADD_X, PRODUCT_Y - NODE_R), (ADD_X, C_Y + NODE_R), z=1, arrow=True)
        self._node(ADD_X, PRODUCT_Y, "×", tooltip="i·C~: how much of the candidate goes in")

        # The output: tanh(C), × o, → h(t).
        self._line(C, (TANH_X, C_Y), (TANH_X, TANH_Y - TANH_R), width=2, z=1, arrow=True)
        cx, cy = TANH_X, TANH_Y
        tanh_box = self._ellipse(cx - 26, cy - TANH_R, 52, 2 * TANH_R, _pen(C, 1.5), QtGui.QColor("#ffffff"))
        tanh_box.setZValue(3)
        tanh_box.setToolTip("tanh(C): the cell state squashed into (−1, 1)")
        self.set_text(self._text_item(None, TANH_X, TANH_Y - 1, "label", C, anchor="center"), "tanh")
        self._text_item("tanh_c", TANH_X - 6, TANH_Y + TANH_R, "label", C, anchor="right")
        self._line(C, (TANH_X, TANH_Y + TANH_R), (TANH_X, OUT_Y - NODE_R), z=1, arrow=True)
        self._line(palette.O, (gx["o"] + GATE_W / 2, GATE_Y), (TANH_X - NODE_R, OUT_Y), z=1,
                   arrow=True)
        self._node(TANH_X, OUT_Y, "×", tooltip="h = o·tanh(C)")
        self._line(H, (TANH_X + NODE_R, OUT_Y), (CELL_W - 4, OUT_Y), width=3, z=1, arrow=True)
        self.set_text(self._text_item(None, CELL_W - 36, OUT_Y - 22, colour=H, bold=True), "h(t)")
        self._text_item("h", CELL_W - 36, OUT_Y + 5, "value", H)

        # Inputs: h(t−1) from the left, x(t) from below, on two buses under the gates.
        last_x = gx["o"] - 14
        # The buses are neutral: blue and vermillion on this part of the drawing mean a
        # weight's sign.
        self._line(BUS, (0, H_BUS), (gx["o"] + 14, H_BUS), width=2, z=0.5)
        self.set_text(self._text_item(None, 2, H_BUS - 38, colour=H, bold=True), f"h(t{MINUS}1)")
        self._text_item("h_prev", 2, H_BUS + 4, "value", H)
        self._line(X, (X_IN, 290), (X_IN, X_BUS), (last_x, X_BUS), width=2, z=0.5)
        x_name = "x(t)" if u == 0 else f"x(t) = h of unit {u}"
        if delay:
            x_name += f" at t{MINUS}1 (lstmlib timing)" if u else f" = input(t{MINUS}1), lstmlib timing"
        self.set_text(self._text_item(None, X_IN - 25, 296, colour="#333333", bold=True), x_name)
        self._text_item("x", X_IN + 8, 262, "value", "#333333")

        for gate in GATES:
            self._build_gate(gate, on_edit)

        # The formulas, one line each, in the order they are computed.
        self._text_item("header", 0, FORMULA_Y, "formula", "#333333")
        # Each line is a formula with the numbers plugged in; its symbolic form is in the
        # tooltip (both on one line would not fit a dock of 450 pixels at a readable size).
        for row, key in enumerate(KEYS, start=1):
            y = FORMULA_Y + row * LINE
            swatch = self.scene.addRect(QtCore.QRectF(0, y + 5, 10, 10), QtGui.QPen(Qt.PenStyle.NoPen),
                                        QtGui.QBrush(QtGui.QColor(palette.QUANTITY[key])))
            swatch.setZValue(5)
            swatch.setToolTip(symbolic(key))
            item = self._text_item(f"formula_{key}", 16, y, "formula", tooltip=symbolic(key))
            self.formula_items[key] = item

    def _build_gate(self, gate, on_edit):
        colour = palette.QUANTITY[gate]
        gx = GATE_X[gate]
        k = GATE_FIRST_PARAM[gate]
        rect = QtCore.QRectF(gx - GATE_W / 2, GATE_Y - GATE_H / 2, GATE_W, GATE_H)
        box = self.scene.addRect(rect, _pen(colour, 2), QtGui.QBrush(QtGui.QColor("#ffffff")))
        box.setZValue(2)
        meaning = {
            "f": "forget gate: how much of C(t−1) is kept (0 forgets, 1 keeps)",
            "i": "input gate: how much of the candidate C~ is added to C",
            "c_tilde": "candidate C~: the value proposed for the cell state, in (−1, 1)",
            "o": "output gate: how much of tanh(C) is shown as h",
        }[gate]
        box.setToolTip(f"{GATE_LABEL[gate]}, {meaning}")
        fill = self.scene.addRect(rect, QtGui.QPen(Qt.PenStyle.NoPen), QtGui.QBrush(_alpha(colour, 80)))
        fill.setZValue(2.5)
        self.fills[gate] = fill
        self.set_text(self._text_item(None, gx, GATE_Y - 11, "label", colour, bold=True, anchor="center"),
                      f"{GATE_FUNCTION[gate]} {GATE_LABEL[gate]}")
        self._text_item(f"gate_{gate}", gx, GATE_Y + 9, "value", "#000000", bold=True, anchor="center")

        bottom = GATE_Y + GATE_H / 2
        left = gx - GATE_W / 2
        # (parameter index, edge points, label position, label anchor)
        spec = (
            (k + 1, ((gx - 14, X_BUS), (gx - 14, bottom)), (gx - 17, bottom + 6), "right"),
            (k, ((gx + 14, H_BUS), (gx + 14, bottom)), (gx + 17, X_BUS + 5), "left"),
            (k + 2, ((left - 28, GATE_Y), (left, GATE_Y)), (left - 14, GATE_Y - 28), "center"),
        )
        for index, points, (lx, ly), anchor in spec:
            edge = WeightEdge(_path(*points))
            edge.setZValue(1.5)
            edge.unit, edge.index, edge.on_edit = self.unit, index, on_edit
            self.scene.addItem(edge)
            self.edges[index] = edge
            label = WeightLabel()
            label.setFont(_font("weight"))
            label.setZValue(5)
            label.unit, label.index, label.on_edit = self.unit, index, on_edit
            label.setData(0, (lx, ly, anchor))
            self._items.append(label)
            self.scene.addItem(label)
            self.weight_labels[index] = label
        # The bias reads a constant 1: a small dot where its edge starts.
        bx, by = left - 28, GATE_Y
        dot = self._ellipse(bx - 3, by - 3, 6, 6, QtGui.QPen(Qt.PenStyle.NoPen), QtGui.QColor("#555555"))
        dot.setToolTip("the bias reads a constant 1")
        dot.setZValue(1.6)

    # ------------------------------------------------------------ updating

    def show_params(self, params: tuple, frozen: frozenset = frozenset()) -> None:
        """The 12 weights (SPEC order) on their edges; the indices in `frozen` (0..11) are
        fixed by training and drawn dashed."""
        state = (params, frozen)
        if state == self._params:
            return
        old = self._params
        for index, edge in self.edges.items():
            value, fixed = params[index], index in frozen
            if old is not None and old[0][index] == value and (index in old[1]) == fixed:
                continue
            style = Qt.PenStyle.DashLine if fixed else Qt.PenStyle.SolidLine
            edge.setPen(_pen(palette.weight_colour(value), weight_width(value), style))
            name = NAMES[index]
            kind = ("recurrent weight on h(t−1)", "input weight on x(t)", "bias")[index % 3]
            tip = f"{name} = {value:.6g}  ({kind}{', fixed' if fixed else ''}; double click to edit)"
            edge.setToolTip(tip)
            label = self.weight_labels[index]
            label.setToolTip(tip)
            label.setBrush(QtGui.QBrush(QtGui.QColor(palette.weight_colour(value))))
            self.set_text(label, short(value) + (" ⊠" if fixed else ""))
        self._params = state

    def show_values(self, v, delay: int) -> None:
        L = self.labels
        self.set_text(L["c_prev"], fmt(v.c_prev))
        self.set_text(L["c"], fmt(v.c))
        self.set_text(L["h_prev"], fmt(v.h_prev))
        self.set_text(L["h"], fmt(v.h))
        self.set_text(L["x"], fmt(v.x))
        self.set_text(L["tanh_c"], fmt(v.tanh_c))
        for gate in GATES:
            value = getattr(v, gate)
            self.set_text(L[f"gate_{gate}"], fmt(value))
            self._fill(gate, value)
        source = "input" if v.unit == 0 else f"h of unit {v.unit}"
        if delay:
            source += f" at t{MINUS}1, lstmlib timing"
        self.set_text(L["header"], f"t = {v.t}:  x = {fmt(v.x)} ({source}),  "
                                   f"h(t{MINUS}1) = {fmt(v.h_prev)},  C(t{MINUS}1) = {fmt(v.c_prev)}")
        for key, text in formulas(v).items():
            self.set_text(self.formula_items[key], text)

    def _fill(self, gate: str, value: float) -> None:
        """The gate box filled to its value: from the bottom for σ in (0, 1), from the middle
        for C~ in (−1, 1)."""
        gx = GATE_X[gate]
        x0, w = gx - GATE_W / 2, GATE_W
        if gate == "c_tilde":
            hh = GATE_H / 2 * min(abs(value), 1.0)
            y = GATE_Y - hh if value > 0 else GATE_Y
        else:
            hh = GATE_H * min(max(value, 0.0), 1.0)
            y = GATE_Y + GATE_H / 2 - hh
        self.fills[gate].setRect(QtCore.QRectF(x0, y, w, hh))


class _Canvas(QtWidgets.QGraphicsView):
    """The drawing's widget: white, no frame, drag to scroll; says when it is resized."""

    resized = Signal()
    step_requested = Signal(int)       # move the time cursor by this many steps

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)   # shapes: see _Smooth
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QtGui.QBrush(QtGui.QColor("#ffffff")))
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setDragMode(QtWidgets.QGraphicsView.DragMode.ScrollHandDrag)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.resized.emit()

    def keyPressEvent(self, event):
        # Left and right move the time cursor (as in the plots), not the scroll bars.
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_PageUp: -10,
                 Qt.Key.Key_PageDown: 10, Qt.Key.Key_Home: -10**9, Qt.Key.Key_End: 10**9}
        if event.key() in steps:
            self.step_requested.emit(steps[event.key()])
            event.accept()
        else:
            super().keyPressEvent(event)


class CellView(View):
    """The live cell diagram (see the module's docstring)."""

    name = "cellView"
    title = "Cell"
    shown_by_default = True

    # (unit, parameter index 0..11, new value): emitted when the trainer has no set_param.
    param_edit_requested = Signal(int, int, float)

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.scene = QtWidgets.QGraphicsScene(self)
        self.view = _Canvas(self.scene, self)
        # A model of H units (any family) shows one unit's equations instead of the drawing.
        self.modelPanel = ModelCellPanel(ctx)
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.modelPanel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.cells: list[CellItems] = []
        self._stale: set[int] = set()           # cells showing an older snapshot or time step
        self._connectors: list = []
        self.vertical = False                   # a chain stacked top to bottom (tall docks)
        self.view.horizontalScrollBar().valueChanged.connect(self._show_visible)
        self.view.verticalScrollBar().valueChanged.connect(self._show_visible)
        self.view.resized.connect(self._on_resized)
        self.view.step_requested.connect(lambda k: ctx.cursor.set(ctx.cursor.t + k))
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._layout_key = None
        self._snap = None
        ctx.cursor.changed.connect(self._on_cursor)
        ctx.selection.changed.connect(self._on_selection)

    def _on_selection(self, layer: int, _unit: int) -> None:
        """A unit selected in another view (weights, gate heat map): a chain's layer k is
        its unit k, drawn by cell k.  (A model's panel follows the selection itself.)"""
        if self.stack.currentWidget() is self.view:
            self.show_unit(layer)

    def sizeHint(self):
        # One cell at about 0.8 of life size: readable, and a dock beside four plots.
        return QtCore.QSize(560, 420)

    def minimumSizeHint(self):
        # Small: the window's minimum width (825 px) must not grow by the dock's; the
        # drawing scales down with it.
        return QtCore.QSize(80, 60)

    # ------------------------------------------------------------ snapshots

    def show_snapshot(self, snap) -> None:
        if getattr(snap, "model", None) is not None:
            self._snap = None
            self.stack.setCurrentWidget(self.modelPanel)
            n = snap.trace.states["h"].shape[2]
            if self.ctx.cursor.length != n:
                self.ctx.cursor.set_length(n)      # as for the unit: the cell view alone works
            self.modelPanel.show_snapshot(snap)
            return
        self.stack.setCurrentWidget(self.view)
        self._snap = snap
        units = snap.params.shape[0]
        key = (units, snap.config.delay)
        if key != self._layout_key:
            self._rebuild(units, snap.config.delay)
            self._layout_key = key
        n = snap.trace.x_in.shape[-1]
        if self.ctx.cursor.length != n:
            self.ctx.cursor.set_length(n)   # may move the cursor: redraws below anyway
        self._stale = set(range(len(self.cells)))
        self._show_visible()

    def _on_cursor(self, _t: int) -> None:
        if self._snap is not None:
            self._stale = set(range(len(self.cells)))
            self._show_visible()

    def _show_visible(self, *_) -> None:
        """Bring the cells in sight up to date; the others wait until scrolled to.

        A chain of 16 at 1400x900 shows about two cells: updating all of them took 8.5 ms
        a snapshot (median), updating one 0.5 ms.
        """
        snap = self._snap
        if snap is None or not self._stale:
            return
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        # A chain that got shorter leaves indices of cells that no longer exist.
        self._stale = {u for u in self._stale if u < len(self.cells)}
        for u in sorted(self._stale):
            pos = self.cells[u].root.pos()
            if shown.intersects(QtCore.QRectF(pos.x(), pos.y() - TITLE_H, PITCH, VPITCH)):
                self._update_cell(u)

    def _update_cell(self, u: int) -> None:
        snap, cell = self._snap, self.cells[u]
        n = UNIT.size
        frozen = frozenset(k - n * u for k in snap.config.frozen if n * u <= k < n * u + n)
        cell.show_params(tuple(float(p) for p in snap.params[u]), frozen)
        cell.show_values(cell_values(snap.trace, snap.params, u, self.ctx.cursor.t),
                         snap.config.delay)
        self._stale.discard(u)

    def _rebuild(self, units: int, delay: int) -> None:
        self.scene.clear()
        self._connectors = []
        self.cells = [CellItems(self.scene, u, units, self._edit, delay) for u in range(units)]
        self._arrange(force=True)

    def _on_resized(self) -> None:
        self._arrange()
        self._show_visible()

    def _arrange(self, force: bool = False) -> None:
        """Place the cells side by side, or stacked when the dock is tall enough to show more
        of them that way, and scale them to the dock: all of them when they stay at least
        life size, else one cell's height (width) at up to life size, scrolling.  Never
        below MIN_SCALE: a smaller dock scrolls both ways rather than shrink the text."""
        units = len(self.cells)
        if not units:
            return
        view = self.view
        # The whole widget, as if no scroll bar were shown: the layout decides whether one is.
        vbar, hbar = view.verticalScrollBar(), view.horizontalScrollBar()
        vw = view.viewport().width() + (vbar.width() if vbar.isVisible() else 0)
        vh = view.viewport().height() + (hbar.height() if hbar.isVisible() else 0)
        vw, vh = max(vw, 1), max(vh, 1)
        vertical = units > 1 and vh / VPITCH > vw / PITCH
        if force or vertical != self.vertical:
            self.vertical = vertical
            self._place(units)
        rect = self.scene.sceneRect()
        one_w, one_h = CELL_W + 46, BOTTOM + (TITLE_H + 4 if units > 1 else 0)
        all_fit = min(vw / rect.width(), vh / rect.height())
        one_fit = min(vw / one_w, vh / one_h)
        bar = view.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
        off, needed = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAsNeeded
        if all_fit >= min(one_fit, 1.0) - 1e-9:
            scale = all_fit
        elif vertical:
            scale = min(one_fit, 1.0, (vw - bar) / rect.width())
        else:
            scale = min(one_fit, 1.0, (vh - bar) / rect.height())
        small = scale < MIN_SCALE
        scale = max(scale, MIN_SCALE)
        view.setHorizontalScrollBarPolicy(off if vertical and not small else needed)
        view.setVerticalScrollBarPolicy(needed if vertical or small else off)
        view.setTransform(QtGui.QTransform.fromScale(scale, scale))

    def _place(self, units: int) -> None:
        for item in self._connectors:
            self.scene.removeItem(item)
        self._connectors = []
        for u, cell in enumerate(self.cells):
            if self.vertical:
                cell.root.setPos(0, u * VPITCH)
            else:
                cell.root.setPos(u * PITCH, 0)
        side = CELL_W + 24
        for u in range(units - 1):
            # h(t) of unit u is the input x of unit u+1: along the right, then under its body.
            if self.vertical:
                y1 = (u + 1) * VPITCH
                pts = [(CELL_W, u * VPITCH + OUT_Y), (side, u * VPITCH + OUT_Y),
                       (side, y1 + 284), (X_IN, y1 + 284)]
            else:
                a, b = u * PITCH, (u + 1) * PITCH
                pts = [(a + CELL_W, OUT_Y), (a + side, OUT_Y), (a + side, 284), (b + X_IN, 284)]
            item = self.scene.addPath(_path(*pts), _pen(palette.H, 2, Qt.PenStyle.DashLine))
            item.setToolTip(f"the output h of unit {u + 1} is the input x of unit {u + 2}")
            self._connectors.append(item)
        top = -TITLE_H - 4 if units > 1 else 0
        if self.vertical:
            rect = QtCore.QRectF(-6, top, CELL_W + 46, (units - 1) * VPITCH + BOTTOM - top)
        else:
            rect = QtCore.QRectF(-6, top, (units - 1) * PITCH + CELL_W + 46, BOTTOM - top)
        self.scene.setSceneRect(rect)

    def show_unit(self, unit: int) -> None:
        """Scroll to unit `unit`'s cell (the panel's "Show unit")."""
        if 0 <= unit < len(self.cells) and self.stack.currentWidget() is self.view:
            self.ctx.selection.set(unit, 0)
            pos = self.cells[unit].root.pos()
            self.view.ensureVisible(QtCore.QRectF(pos.x(), pos.y() - TITLE_H, CELL_W, BOTTOM + TITLE_H), 0, 0)
            self._show_visible()

    # ------------------------------------------------------------ editing

    def _edit(self, unit: int, index: int) -> None:
        if self._snap is None:
            return
        old = float(self._snap.params[unit, index])
        label = f"{NAMES[index]} of unit {unit + 1}" if len(self.cells) > 1 else NAMES[index]
        value, ok = QtWidgets.QInputDialog.getDouble(
            self, "Edit parameter", label, old, -1e6, 1e6, 6)
        if not ok or value == old:
            return
        set_param = getattr(self.ctx.trainer, "set_param", None)
        if set_param is not None:
            set_param(unit, index, value)
        else:
            self.param_edit_requested.emit(unit, index, value)

    # ------------------------------------------------------------ reading (tests, export)

    def formula_text(self, unit: int, key: str) -> str:
        """The formula line shown for quantity `key` (f, i, c_tilde, c, o, h) of a unit,
        brought up to date if the unit is out of sight."""
        if unit in self._stale:
            self._update_cell(unit)
        return self.cells[unit].formula_items[key].text()

"""One hidden unit of any family drawn as the tutorials draw it, with its numbers at step t.

What is drawn comes from the family (``core.analysis.unit_graph``), not from a drawing per
family:

- LSTM families (colah's layout): the cell state C(t−1) → × f → + → C(t) across the top,
  the four gate slots f, i, C~, o below it.  A gate that owns parameters reads three edges:
  W_g[j,:]·x(t) from the x bus, R_g[j,:]·h(t−1) from the h(t−1) bus, the bias from the left;
  a peephole family adds a dashed edge from C(t−1) into i and f and from C(t) into o.  The
  coupled family's f is fed by i through "1 − i"; an ablated gate is greyed, struck through
  and reads "= 1"; NIAF's candidate and NOAF's output say "id" where the others say tanh.
- GRU: h(t−1) runs across the top through × z and + to h(t); z also feeds "1 −", which
  scales the candidate n; r multiplies n's recurrent term R_n[j,:]·h(t−1) + b_nh.

Each edge shows its term as a number (a sum over the layer's units for h(t−1): hover it for
the largest terms), coloured by its sign and as thick as it is large; each gate box shows its
value and is filled to it.  Items are built once per family; a step retexts the labels whose
string changed.
"""
from __future__ import annotations

import math

from ...core.analysis import unit_step as steps
from ...core.analysis.unit_graph import MINUS, GateNode, UnitGraph
from .. import palette
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .cell_draw import NODE_R, Drawing, WeightEdge, _alpha, _path, _pen, weight_width

W = 775                                    # the drawing's width (scene units)
C_Y = 40                                   # the top line: C (LSTM) or h (GRU)
GATE_Y, GATE_W, GATE_H = 185, 90, 48
TOP, BOTTOM_G = GATE_Y - GATE_H / 2, GATE_Y + GATE_H / 2
X_BUS, H_BUS = 255, 292                    # x(t) and h(t−1) buses under the gates
X_IN = 100                                 # where x(t) comes up
HEIGHT = 352                               # the drawing's height: x(t)'s name at the bottom
PEEP_Y = 128                               # the C(t−1) peephole line
GREY = "#9a9a9a"
BUS = "#4d4d4d"

# Where each slot sits (its box's centre x): the LSTM slots as colah's, the GRU's gates in
# the order their outputs are used, right to left (z feeds the top line first).
# 145 apart: room between two boxes for the bias edge and its number.
SLOT_X = {"f": 165, "i": 310, "c_tilde": 455, "o": 600, "z": 165, "r": 320, "n": 480}
# LSTM: forget × above f, the i·C~ product and + between i and C~, tanh(C) and × o at the right.
FORGET_X, ADD_X, PRODUCT_Y = 165, 383, 110
TANH_X, TANH_Y, OUT_Y = 705, 100, 185
TANH_R = 12                                # the tanh ellipse's half height  # not a parameter count
# GRU: z·h(t−1) above z, "1 −" then × with n, + on the top line, r·(...) under n.
ZX, ONE_X, NX, NX_Y, RX_Y = 165, 270, 640, 110, 243
MEANING = {
    "f": "forget gate: how much of C(t−1) is kept (0 forgets, 1 keeps)",
    "i": "input gate: how much of the candidate C~ is added to C",
    "c_tilde": "candidate C~: the value proposed for the cell state",
    "o": "output gate: how much of the cell state is shown as h",
    "r": "reset gate: how much of h(t−1) the candidate n reads",
    "z": "update gate: how much of h(t−1) is kept (1 keeps it, 0 takes n)",
    "n": "candidate n: the proposed new h, in (−1, 1)",
}


class UnitDiagram(Drawing):
    """The items of one unit of a family (see the module docstring)."""

    # Its texts a tenth larger than the unit's drawing: the default Cell dock at 1400x900
    # (420 x 200 pixels for the drawing) shows all of it at about half size without
    # scrolling, its numbers at 8-9 pixels.
    font_scale = 1.1

    def __init__(self, scene: QtWidgets.QGraphicsScene, graph: UnitGraph, direction: int = 0):
        super().__init__(scene)
        self.graph = graph
        # The step the recurrent state comes from: h(t+1) and C(t+1) in the reverse direction
        # of a bidirectional layer (it was labelled h(t−1) although its numbers were t+1's).
        self.prev = steps.previous(direction)
        self.boxes: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self.fills: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self.edges: dict[str, WeightEdge] = {}     # label key -> its edge
        self.struck: dict[str, QtWidgets.QGraphicsItem] = {}
        body = self.scene.addRect(QtCore.QRectF(68, C_Y - 22, W - 110, H_BUS + 14 - (C_Y - 22)), _pen("#9a9a9a", 1.2),
                                  QtGui.QBrush(QtGui.QColor("#f7f7f7")))
        body.setZValue(-2)
        if graph.gru:
            self._build_gru()
        else:
            self._build_lstm()
        self._build_inputs()
        for node in graph.gates:
            self._build_gate(node)

    # ------------------------------------------------------------ building

    def _value(self, key, x, y, colour, anchor="left", tooltip=""):
        return self._text_item(key, x, y, "value", colour, anchor=anchor, tooltip=tooltip)

    def _name(self, text, x, y, colour, anchor="left"):
        self.set_text(self._text_item(None, x, y, colour=colour, bold=True, anchor=anchor), text)

    def _build_lstm(self) -> None:
        C, H = palette.C, palette.H
        g = self.graph
        self._line(C, (0, C_Y), (W - 4, C_Y), width=4, z=1, arrow=True)
        self._name(f"C({self.prev})", 2, C_Y - 19, C)
        self._value("c_prev", 2, C_Y + 5, C)
        self._name("C(t)", W - 40, C_Y - 19, C)
        self._value("c", W - 40, C_Y + 5, C)
        f, i = g.gate("f"), g.gate("i")
        self._node(FORGET_X, C_Y, "×", colour=GREY if f.removed else "#333333",
                   tooltip=f"f·C({self.prev}): the forget gate scales the old cell state"
                   + (" (f = 1 here: nothing is forgotten)" if f.removed else ""))
        self._node(ADD_X, C_Y, "+", tooltip=f"C = f·C({self.prev}) + i·C~: the new cell state")
        self._line(self._colour(f), (SLOT_X["f"], TOP), (FORGET_X, C_Y + NODE_R), z=1, arrow=True)
        self._line(self._colour(i), (SLOT_X["i"], TOP), (SLOT_X["i"], PRODUCT_Y),
                   (ADD_X - NODE_R, PRODUCT_Y), z=1, arrow=True)
        self._line(palette.C_TILDE, (SLOT_X["c_tilde"], TOP), (SLOT_X["c_tilde"], PRODUCT_Y),
                   (ADD_X + NODE_R, PRODUCT_Y), z=1, arrow=True)
        self._line("#333333", (ADD_X, PRODUCT_Y - NODE_R), (ADD_X, C_Y + NODE_R), z=1, arrow=True)
        self._node(ADD_X, PRODUCT_Y, "×", tooltip="i·C~: how much of the candidate goes in")
        if f.status == "coupled":
            # f = 1 − i: i's value, not its own parameters, feeds the forget path.
            y = GATE_Y + 14
            self._line(palette.I, (SLOT_X["i"] - GATE_W / 2, y), (SLOT_X["f"] + GATE_W / 2, y),
                       width=2, z=1, arrow=True)
            self._node((SLOT_X["i"] + SLOT_X["f"]) / 2, y, f"1{MINUS}", colour=palette.I, wide=True,
                       tooltip="coupled gates (CIFG): f = 1 − i, what goes in pushes out as much")
        # The output: act(C) × o → h(t).
        act = g.output_function
        self._line(C, (TANH_X, C_Y), (TANH_X, TANH_Y - TANH_R), width=2, z=1, arrow=True)
        ell = self._ellipse(TANH_X - 29, TANH_Y - TANH_R, 58, 2 * TANH_R, _pen(C, 1.5), QtGui.QColor("#ffffff"))
        ell.setZValue(3)
        ell.setToolTip("tanh(C): the cell state squashed into (−1, 1)" if act == "tanh" else
                       "no output activation (NOAF): h = o·C, the cell state unsquashed")
        self._name(act, TANH_X, TANH_Y - 1, C, anchor="center")
        self._value("act_c", TANH_X + 30, TANH_Y - 10, C)
        o = g.gate("o")
        self._line(C, (TANH_X, TANH_Y + TANH_R), (TANH_X, OUT_Y - NODE_R), z=1, arrow=True)
        self._line(self._colour(o), (SLOT_X["o"] + GATE_W / 2, GATE_Y), (TANH_X - NODE_R, OUT_Y),
                   z=1, arrow=True)
        self._node(TANH_X, OUT_Y, "×", tooltip=f"h = o·{act}(C)" if act == "tanh" else "h = o·C")
        self._line(H, (TANH_X + NODE_R, OUT_Y), (W - 4, OUT_Y), width=3, z=1, arrow=True)
        self._name("h(t)", W - 40, OUT_Y - 22, H)
        self._value("h", W - 40, OUT_Y + 5, H)
        # Peepholes: i and f read C(t−1) (tapped left of the forget ×), o reads C(t).
        peeps = [n for n in g.gates if n.peephole]
        early = [n for n in peeps if n.field != "o"]
        if early:
            x_end = max(SLOT_X[n.field] for n in early) + 24
            self._peep_line((110, C_Y), (110, PEEP_Y), (x_end, PEEP_Y))
        for n in peeps:
            x = SLOT_X[n.field] + 24
            start = (x, C_Y) if n.field == "o" else (x, PEEP_Y)
            self._peep_line(start, (x, TOP), key=f"p_{n.field}", arrow=True)
            self._value(f"p_{n.field}", x + 4, TOP - 28, C)

    def _peep_line(self, *points, key=None, arrow=False):
        item = WeightEdge(_path(*points))
        item.setPen(_pen(palette.C, 1.5, Qt.PenStyle.DashLine))
        item.setZValue(1.2)
        self.scene.addItem(item)
        if key:
            self.edges[key] = item
        if arrow:
            self._arrow(palette.C, points[-2], points[-1])
        return item

    def _build_gru(self) -> None:
        H = palette.H
        z, n = SLOT_X["z"], SLOT_X["n"]
        self._line(H, (0, C_Y), (W - 4, C_Y), width=4, z=1, arrow=True)
        self._name(f"h({self.prev})", 2, C_Y - 19, H)
        self._value("h_prev_top", 2, C_Y + 5, H)
        self._name("h(t)", W - 40, C_Y - 19, H)
        self._value("h", W - 40, C_Y + 5, H)
        self._node(ZX, C_Y, "×", tooltip=f"z·h({self.prev}): the update gate keeps this much of the old h")
        self._node(NX, C_Y, "+", tooltip=f"h = (1 − z)·n + z·h({self.prev}): the new h")
        # z up to the top line, and through "1 −" to scale n.
        self._line(palette.Z_GATE, (z, TOP), (z, C_Y + NODE_R), z=1, arrow=True)
        self._line(palette.Z_GATE, (z, NX_Y), (ONE_X - NODE_R, NX_Y), z=1)
        self._node(ONE_X, NX_Y, f"1{MINUS}", colour=palette.Z_GATE, tooltip="1 − z: how much of n is taken",
                   wide=True)
        self._line(palette.Z_GATE, (ONE_X + NODE_R, NX_Y), (NX - NODE_R, NX_Y), z=1, arrow=True)
        self._node(NX, NX_Y, "×", tooltip="(1 − z)·n")
        self._line("#333333", (NX, NX_Y - NODE_R), (NX, C_Y + NODE_R), z=1, arrow=True)
        self._line(palette.N_CANDIDATE, (n + GATE_W / 2, GATE_Y), (NX, GATE_Y), (NX, NX_Y + NODE_R),
                   z=1, arrow=True)
        # r scales n's recurrent term (reset): r·(R_n·h(t−1) + b_nh).
        r = SLOT_X["r"]
        rx = n + 18
        route = r + GATE_W / 2 + 22
        y = GATE_Y + GATE_H / 4
        self._line(palette.R_GATE, (r + GATE_W / 2, y), (route, y),
                   (route, RX_Y), (rx - NODE_R, RX_Y), z=1, arrow=True)
        self._node(rx, RX_Y, "×", colour=palette.R_GATE,
                   tooltip=f"r·(R_n·h({self.prev}) + its bias): the reset gate scales what n reads of h({self.prev})")
        self._value("rn", rx + NODE_R + 3, RX_Y - 8, palette.R_GATE)

    def _build_inputs(self) -> None:
        """h(t−1) (or h(t+1)) from the left and x(t) from below, on two buses under the gates."""
        last = max(SLOT_X[n.field] for n in self.graph.gates if n.status == "gate") + 18
        self._line(BUS, (0, H_BUS), (last, H_BUS), width=2, z=0.5)
        self._name(f"h({self.prev})", 2, H_BUS - 40, palette.H)
        self._value("h_prev", 2, H_BUS + 4, palette.H)
        self._line(palette.X, (X_IN, HEIGHT - 24), (X_IN, X_BUS), (last - 36, X_BUS), width=2, z=0.5)
        self._text_item("x_name", X_IN - 25, HEIGHT - 22, colour="#333333", bold=True)
        self._value("x", X_IN + 8, H_BUS + 6, "#333333")

    def _build_gate(self, node: GateNode) -> None:
        colour = self._colour(node)
        gx = SLOT_X[node.field]
        rect = QtCore.QRectF(gx - GATE_W / 2, TOP, GATE_W, GATE_H)
        pen = _pen(colour, 2, Qt.PenStyle.DashLine if node.status != "gate" else Qt.PenStyle.SolidLine)
        box = self.scene.addRect(rect, pen, QtGui.QBrush(QtGui.QColor("#eeeeee" if node.removed else "#ffffff")))
        box.setZValue(2)
        self.boxes[node.field] = box
        what = MEANING[node.field].replace("t−1", self.prev)
        if node.removed:
            what = f"no {node.label} gate in this family: {node.label} = 1 always"
        elif node.status == "coupled":
            what = f"coupled to i (CIFG): {node.label} = 1 − i, no parameters of its own"
        elif node.function == "id":
            what += " (no activation: the sum itself)"
        box.setToolTip(f"{node.label}, {what}")
        fill = self.scene.addRect(rect, QtGui.QPen(Qt.PenStyle.NoPen), QtGui.QBrush(_alpha(colour, 80)))
        fill.setZValue(2.5)
        self.fills[node.field] = fill
        head = f"{node.function} {node.label}" if node.status == "gate" else node.label
        self._name(head, gx, GATE_Y - 11, colour, anchor="center")
        self._text_item(f"gate_{node.field}", gx, GATE_Y + 10, "value", "#000000" if not node.removed
                        else GREY, bold=True, anchor="center")
        if node.removed:
            strike = self.scene.addLine(rect.left() + 6, rect.bottom() - 6, rect.right() - 6,
                                        rect.top() + 6, _pen(GREY, 2))
            strike.setZValue(4.5)
            self.struck[node.field] = strike
        if node.status != "gate":
            return
        left = gx - GATE_W / 2
        # (label key, edge points, label position, label anchor)
        spec = (
            (f"x_{node.field}", ((gx - 18, X_BUS), (gx - 18, BOTTOM_G)), (gx - 21, BOTTOM_G + 6), "right"),
            (f"h_{node.field}", ((gx + 18, H_BUS), (gx + 18, BOTTOM_G)), (gx + 21, X_BUS + 4), "left"),
            (f"b_{node.field}", ((left - 30, GATE_Y), (left, GATE_Y)), (left - 27, GATE_Y - 26), "center"),
        )
        for key, points, (lx, ly), anchor in spec:
            if key.startswith("b_") and not self.graph.bias:
                continue
            edge = WeightEdge(_path(*points))
            edge.setZValue(1.5)
            self.scene.addItem(edge)
            self.edges[key] = edge
            self._text_item(key, lx, ly, "weight", anchor=anchor)
        if not self.graph.bias:
            return
        dot = self._ellipse(left - 33, GATE_Y - 3, 6, 6, QtGui.QPen(Qt.PenStyle.NoPen),
                            QtGui.QColor("#555555"))
        dot.setToolTip("the bias reads a constant 1")
        dot.setZValue(1.6)

    @staticmethod
    def _colour(node: GateNode) -> str:
        return GREY if node.removed else palette.QUANTITY[node.field]

    # ------------------------------------------------------------ numbers

    def show_step(self, model, step, describe_x: str) -> None:
        """The numbers of `step` (a core.analysis.unit_step.UnitStep) on the drawing."""
        L, s = self.labels, step.states
        fmt = steps.fmt
        self.set_text(L["h"], fmt(s["h"]))
        self.set_text(L["h_prev"], fmt(step.h_prev))
        if self.graph.gru:
            self.set_text(L["h_prev_top"], fmt(step.h_prev))
            n = step.gates["n"]
            self.set_text(L["rn"], fmt(n.scale * n.recurrent))
        else:
            self.set_text(L["c_prev"], fmt(step.c_prev))
            self.set_text(L["c"], fmt(s["c"]))
            act = self.graph.output_function
            self.set_text(L["act_c"], fmt(math.tanh(s["c"]) if act == "tanh" else s["c"]))
        xs = step.x_vector
        self.set_text(L["x_name"], describe_x)
        self.set_text(L["x"], fmt(float(xs[0])) if xs is not None and xs.size == 1 else "")
        for node in self.graph.gates:
            value = s[node.field]
            self.set_text(L[f"gate_{node.field}"], f"= {node.constant}" if node.removed else fmt(value))
            self._fill(node, 1.0 if node.removed else value)
            terms = step.gates.get(node.letter)
            if terms is None:
                continue
            self._term(f"x_{node.field}", terms.input_term,
                       self._tip_input(model, step, node, terms.input_term))
            self._term(f"h_{node.field}", terms.recurrent,
                       self._tip_recurrent(model, step, node, terms.recurrent))
            if self.graph.bias:
                name = model.block("b", node.letter, step.layer, step.direction).name
                self._term(f"b_{node.field}", terms.bias, f"{name}[{step.unit}] = {terms.bias:.6g}  (bias)")
            if node.peephole:
                self._term(f"p_{node.field}", terms.extra,
                           f"peephole: p_{node.letter}[{step.unit}]·"
                           f"{node.peephole.replace('t−1', self.prev)} = {terms.extra:.6g}",
                           pen=False)

    def _term(self, key: str, value: float, tip: str, pen: bool = True) -> None:
        label = self.labels[key]
        self.set_text(label, steps.fmt(value))
        label.setBrush(QtGui.QBrush(QtGui.QColor(palette.weight_colour(value))))
        label.setToolTip(tip)
        edge = self.edges.get(key)
        if edge is not None:
            edge.setToolTip(tip)
            if pen:
                edge.setPen(_pen(palette.weight_colour(value), weight_width(value)))

    @staticmethod
    def _tip_recurrent(model, step, node: GateNode, value: float) -> str:
        j = step.unit
        extra = " + " + model.block("b_h", "n", step.layer, step.direction).name.rsplit(".", 1)[-1] \
            if node.reset and model.bias else ""
        prev = steps.previous(step.direction)
        lines = [f"R_{node.letter}[{j + 1},:]·h({prev}){extra} = {value:.6g}: the sum over the layer's "
                 f"{model.hidden} unit{'s' if model.hidden > 1 else ''}" + (", scaled by r" if node.reset else "")]
        lines += ["largest terms:"] + [f"  R[{j + 1},{k + 1}]·h_{k + 1}({prev}) = {steps.fmt(v)}"
                                       for k, v in steps.recurrent_terms(step, node.letter)]
        return "\n".join(lines)

    @staticmethod
    def _tip_input(model, step, node: GateNode, value: float) -> str:
        j = step.unit
        m = model.layer_inputs(step.layer)
        lines = [f"W_{node.letter}[{j + 1},:]·x(t) = {value:.6g}"
                 + (f": the sum over {m} inputs" if m > 1 else "")]
        if m > 1:
            lines += ["largest terms:"] + [f"  W[{j + 1},{k + 1}]·x_{k + 1}(t) = {steps.fmt(v)}"
                                           for k, v in steps.input_terms(step, node.letter)]
        return "\n".join(lines)

    def _fill(self, node: GateNode, value: float) -> None:
        """The box filled to the gate's value: from the bottom for σ in (0, 1), from the
        middle for tanh or no activation (clipped to the box)."""
        gx = SLOT_X[node.field]
        x0 = gx - GATE_W / 2
        if node.function != "σ" and node.status == "gate":
            hh = GATE_H / 2 * min(abs(value), 1.0)
            y = GATE_Y - hh if value > 0 else GATE_Y
        else:
            hh = GATE_H * min(max(value, 0.0), 1.0)
            y = BOTTOM_G - hh
        self.fills[node.field].setRect(QtCore.QRectF(x0, y, GATE_W, hh))

    # ------------------------------------------------------------ reading (tests)

    def text(self, key: str) -> str:
        return self.labels[key].text()

    def gate_status(self) -> dict[str, str]:
        """Each drawn gate box's field -> "gate", "coupled" or "absent"."""
        return {n.field: n.status for n in self.graph.gates}


class DiagramCanvas(QtWidgets.QGraphicsView):
    """The diagram's widget: the drawing scaled to fit (never below MIN_SCALE: then it
    scrolls); drag to scroll."""

    MIN_SCALE = 0.48       # below: it scrolls (the default Cell dock at 1400x900 fits: 0.49)
    MAX_SCALE = 1.5
    resized = Signal()

    def __init__(self, parent=None):
        self._scene = QtWidgets.QGraphicsScene()
        super().__init__(self._scene, parent)
        self.setObjectName("cellDiagram")
        self.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QtGui.QBrush(QtGui.QColor("#ffffff")))
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setDragMode(QtWidgets.QGraphicsView.DragMode.ScrollHandDrag)
        self.setMinimumSize(60, 60)
        self.diagram: UnitDiagram | None = None
        self._graph: tuple[UnitGraph, int] | None = None

    def show_graph(self, graph: UnitGraph, direction: int = 0) -> UnitDiagram:
        """The diagram of `graph` (a unit of `direction`), rebuilt only when the family or the
        direction changes."""
        if (graph, direction) != self._graph or self.diagram is None:
            self._scene.clear()
            self.diagram = UnitDiagram(self._scene, graph, direction)
            self._scene.setSceneRect(QtCore.QRectF(-4, C_Y - 30, W + 64, HEIGHT - C_Y + 30))
            self._graph = (graph, direction)
            self._fit()
        return self.diagram

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        rect = self._scene.sceneRect()
        if rect.isEmpty():
            return
        scale = min(self.viewport().width() / rect.width(), self.viewport().height() / rect.height())
        scale = min(max(scale, self.MIN_SCALE), self.MAX_SCALE)
        self.setTransform(QtGui.QTransform.fromScale(scale, scale))

    def sizeHint(self):
        return QtCore.QSize(W // 2, (HEIGHT - C_Y) // 2)

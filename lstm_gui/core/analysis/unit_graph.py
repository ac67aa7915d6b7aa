"""One hidden unit of a family as a drawing: which gates it has, what each reads, where it acts.

Derived from the Model's :class:`~lstm_gui.core.models.model.Family` (``model.family``), never
written out per family, so a view that draws a :class:`UnitGraph` draws every family the
Model knows:

- the LSTM families have the four slots f, i, C~, o; a slot whose gate owns parameters is a
  ``"gate"``; the coupled family's f is ``"coupled"`` (f = 1 − i, no parameters of its own);
  an ablated gate is ``"absent"`` (the constant 1).  A peephole family's i and f read
  C(t−1), its o reads C(t).  NIAF's candidate and NOAF's output have no activation (``"id"``).
- the GRU has r, z, n: r scales n's recurrent term, z blends h = (1 − z)·n + z·h(t−1).

The numbers drawn on it at one step are a :class:`~lstm_gui.core.analysis.unit_step.UnitStep`
(each gate's input term W_g[j,:]·x(t), recurrent term R_g[j,:]·h(t−1), bias, peephole term).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..models.model import GRU_GATES, LSTM_GATES, PEEPHOLES

MINUS = "\u2212"
FIELD = {"C": "c_tilde"}            # a gate letter -> its trace field (the rest are the same)
LABEL = {"C": "C~"}                 # a gate letter -> how the tutorials write it


@dataclass(frozen=True)
class GateNode:
    """One gate slot of the unit."""

    field: str          # its trace field: f, i, c_tilde, o / r, z, n
    letter: str         # the Model's gate letter: f, i, C, o / r, z, n
    label: str          # as written: f, i, C~, o, r, z, n
    function: str       # "σ", "tanh", or "id" (no activation)
    status: str         # "gate" (owns parameters), "absent" (= 1) or "coupled" (= 1 − i)
    peephole: str = ""  # the cell state its peephole reads ("C(t−1)", "C(t)"), or ""
    reset: bool = False  # GRU's n: its recurrent term is multiplied by r

    @property
    def removed(self) -> bool:
        return self.status == "absent"

    @property
    def constant(self) -> str:
        """What an ablated or coupled gate is instead: '1', '1 − i', or ''."""
        return {"absent": "1", "coupled": f"1 {MINUS} i"}.get(self.status, "")


@dataclass(frozen=True)
class UnitGraph:
    """The drawing of one unit of a family (see the module docstring)."""

    cell: str
    gru: bool
    gates: tuple[GateNode, ...]     # every slot, in the order the family computes them
    output_function: str            # LSTM: h = o·tanh(C) ("tanh") or o·C ("id"); GRU: ""
    bias: bool = True               # the gates read a bias (Model(bias=False): none)

    def gate(self, field: str) -> GateNode:
        for g in self.gates:
            if g.field == field:
                return g
        raise KeyError(f"a {self.cell} unit has no gate {field!r}")

    @property
    def fields(self) -> tuple[str, ...]:
        """The trace fields of every slot (absent ones too)."""
        return tuple(g.field for g in self.gates)

    @property
    def computed(self) -> tuple[str, ...]:
        """The gates the unit computes (with parameters, or coupled), not the constants."""
        return tuple(g.field for g in self.gates if not g.removed)

    def states(self) -> tuple[str, ...]:
        """The quantities besides the gates, as trace fields: C and h, or h alone (GRU)."""
        return ("h",) if self.gru else ("c", "h")


def unit_graph(model) -> UnitGraph:
    """The drawing of one unit of `model`'s family (any width or depth: one unit is drawn)."""
    fam = model.family
    if fam.is_gru:
        gates = tuple(GateNode(g, g, g, "tanh" if g == "n" else "σ", "gate", reset=g == "n")
                      for g in GRU_GATES)
        return UnitGraph(model.cell, True, gates, "", model.bias)
    nodes = []
    for g in LSTM_GATES:
        if g in fam.gates:
            status = "gate"
        elif fam.coupled and g == "f":
            status = "coupled"
        else:
            status = "absent"
        function = ("id" if fam.linear_input else "tanh") if g == "C" else "σ"
        peep = ""
        if fam.peephole and g in PEEPHOLES and status == "gate":
            peep = "C(t)" if g == "o" else f"C(t{MINUS}1)"
        nodes.append(GateNode(FIELD.get(g, g), g, LABEL.get(g, g), function, status, peep))
    return UnitGraph(model.cell, False, tuple(nodes), "id" if fam.linear_output else "tanh",
                     model.bias)

"""The numbers of one unit at one time step, and the SPEC's formulas with them plugged in.

No Qt here: the cell view draws these strings, the tests parse them back.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ...core.models import Model

MINUS = "\u2212"
GATES = ("f", "i", "c_tilde", "o")
GATE_LABEL = {"f": "f", "i": "i", "c_tilde": "C~", "o": "o"}
GATE_FUNCTION = {"f": "σ", "i": "σ", "c_tilde": "tanh", "o": "σ"}
# Index of W_*h in the 12 parameters (SPEC order); W_*x follows it, then b_*.
UNIT = Model()          # SPEC's unit: the Model says where each gate's parameters sit
GATE_FIRST_PARAM = {field: UNIT.block("R", letter).offset
                    for field, letter in (("f", "f"), ("i", "i"), ("c_tilde", "C"), ("o", "o"))}
PARAM_SUFFIX = {"f": "f", "i": "i", "c_tilde": "C", "o": "o"}


def fmt(v: float) -> str:
    """Three significant digits, a true minus sign: 0.16, −11.9, 2.36e−05."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    return f"{v:.3g}".replace("-", MINUS)


def short(v: float) -> str:
    """At most five characters, for a label beside an edge: 2.36, −0.08, −11.4, 123."""
    a = abs(v)
    text = f"{v:.2f}" if a < 9.995 else f"{v:.1f}" if a < 99.95 else f"{v:.0f}"
    return text.replace("-", MINUS)


def factor(v: float) -> str:
    """A number as a factor of a product: negative ones in parentheses."""
    return f"({fmt(v)})" if v < 0 else fmt(v)


class CellValues(NamedTuple):
    """Every quantity of unit `unit` at step t (floats), and its 12 parameters."""

    unit: int
    t: int
    x: float          # what the unit read at t (trace.x_in: delayed under lstmlib timing)
    h_prev: float     # h(t-1), 0 at t = 0
    c_prev: float     # C(t-1), 0 at t = 0
    f: float
    i: float
    c_tilde: float
    c: float
    o: float
    h: float
    params: tuple     # 12 floats, SPEC order

    @property
    def tanh_c(self) -> float:
        return math.tanh(self.c)

    def gate_input(self, gate: str) -> tuple[float, float, float]:
        """(W_*x, W_*h, b_*) of a gate."""
        k = GATE_FIRST_PARAM[gate]
        return self.params[k + 1], self.params[k], self.params[k + 2]


def cell_values(trace, params: np.ndarray, unit: int, t: int) -> CellValues:
    """Read unit `unit` at step t from a snapshot's trace ((units, n) arrays) and params
    ((units, 12)).  t is clamped to the sequence."""
    n = trace.x_in.shape[-1]
    t = min(max(int(t), 0), n - 1)

    def row(a):   # (n,) for one unit, (units, n) for a chain
        return a.reshape(-1, n)[unit]

    h_units, c = row(trace.h_units), row(trace.c)
    return CellValues(
        unit=unit, t=t, x=float(row(trace.x_in)[t]),
        h_prev=float(h_units[t - 1]) if t else 0.0, c_prev=float(c[t - 1]) if t else 0.0,
        f=float(row(trace.f)[t]), i=float(row(trace.i)[t]), c_tilde=float(row(trace.c_tilde)[t]),
        c=float(c[t]), o=float(row(trace.o)[t]), h=float(h_units[t]),
        params=tuple(float(p) for p in np.asarray(params).reshape(-1, UNIT.size)[unit]))


KEYS = ("f", "i", "c_tilde", "c", "o", "h")    # in the order they are computed


def symbolic(key: str) -> str:
    """The SPEC's formula for a quantity: 'f = σ(W_fx·x + W_fh·h(t−1) + b_f)'."""
    if key == "c":
        return f"C = f·C(t{MINUS}1) + i·C~"
    if key == "h":
        return "h = o·tanh(C)"
    s = PARAM_SUFFIX[key]
    return f"{GATE_LABEL[key]} = {GATE_FUNCTION[key]}(W_{s}x·x + W_{s}h·h(t{MINUS}1) + b_{s})"


def gate_formula(v: CellValues, gate: str) -> str:
    """'f = σ(0.91·0.12 + (−11.9)·0.33 + 2.36) = 0.16': W_fx·x + W_fh·h(t−1) + b_f."""
    wx, wh, b = v.gate_input(gate)
    numeric = f"{factor(wx)}·{factor(v.x)} + {factor(wh)}·{factor(v.h_prev)} + {factor(b)}"
    return f"{GATE_LABEL[gate]} = {GATE_FUNCTION[gate]}({numeric}) = {fmt(getattr(v, gate))}"


def cell_formula(v: CellValues) -> str:
    """'C = 0.16·(−0.52) + 0.88·0.43 = 0.29': f·C(t−1) + i·C~."""
    return (f"C = {factor(v.f)}·{factor(v.c_prev)} + {factor(v.i)}·{factor(v.c_tilde)}"
            f" = {fmt(v.c)}")


def output_formula(v: CellValues) -> str:
    """'h = 0.71·tanh(0.29) = 0.20': o·tanh(C)."""
    return f"h = {factor(v.o)}·tanh({fmt(v.c)}) = {fmt(v.h)}"


def formulas(v: CellValues) -> dict[str, str]:
    """The six formulas with the numbers of v plugged in, keyed as KEYS."""
    out = {g: gate_formula(v, g) for g in ("f", "i", "c_tilde", "o")}
    out["c"] = cell_formula(v)
    out["h"] = output_formula(v)
    return {k: out[k] for k in KEYS}

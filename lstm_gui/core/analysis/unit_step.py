"""One hidden unit of any model at one time step: every term of its equations, as numbers.

For unit j of layer k (direction d) at step t, each gate g's pre-activation is split into
the terms a learner reads: the input term W_g[j, :] . x(t), the recurrent term
R_g[j, :] . h(t-1) (a sum over the layer's H units: :func:`recurrent_terms` lists the
largest), the bias b_g[j], and the family's extras (a peephole p_g[j] * C, GRU's r * (...)).
:func:`formulas` writes them as lines with the numbers plugged in, in the order they are
computed; the cell view draws those lines and the tests parse them back.

Values come from the model's forward trace (``Model.trace``), so the formulas always agree
with what the model computed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MINUS = "\u2212"


def fmt(v: float) -> str:
    """Three significant digits, a true minus sign."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    return f"{v:.3g}".replace("-", MINUS)


def factor(v: float) -> str:
    return f"({fmt(v)})" if v < 0 else fmt(v)


@dataclass(frozen=True)
class GateTerms:
    """The pre-activation of gate `gate` of one unit: its terms and the result."""

    gate: str             # the model's letter: "f", "i", "C", "o", "r", "z", "n"
    input_term: float     # W_g[j, :] . x(t)
    recurrent: float      # R_g[j, :] . h(t-1)  (GRU's n: R_n[j, :] . h(t-1) + b_nh[j])
    bias: float           # b_g[j] (0 without bias)
    extra: float          # peephole p_g[j] * C, or 0
    scale: float          # GRU's n: r (multiplies the recurrent term), else 1
    value: float          # the gate's value, from the trace


@dataclass(frozen=True)
class UnitStep:
    """Everything of unit j of a layer at step t; states are the trace's values."""

    layer: int
    direction: int
    unit: int
    t: int
    gru: bool
    gates: dict           # letter -> GateTerms (only the gates with parameters)
    states: dict          # trace field -> value at t ("f", "i", "c_tilde", "c", "o", "h"; "r", ...)
    h_prev: float         # this unit's own h(t-1)
    c_prev: float         # this unit's own C(t-1) (LSTM family), else 0
    h_prev_vector: np.ndarray     # the layer's h(t-1), (H,)
    recurrent_weights: dict       # letter -> R_g[j, :], (H,)
    x_vector: np.ndarray | None = None    # what the layer reads at t, (m_k,)
    input_weights: dict | None = None     # letter -> W_g[j, :], (m_k,)


def layer_input(model, trace, layer: int, delay: int, sequence: int = 0) -> np.ndarray:
    """x of a layer over time, (n, m_k): layer 0 reads trace.x_in (already delayed); layer
    k > 0 reads layer k-1's h of every direction (delayed under lstmlib timing)."""
    if layer == 0:
        return np.asarray(trace.x_in)[:, sequence, :]
    h = np.asarray(trace.states["h"])[layer - 1, :, :, sequence, :]   # (dirs, n, H)
    x = np.concatenate(list(h), axis=1)                                  # (n, H * dirs)
    if delay:
        x = np.vstack([np.zeros((1, x.shape[1])), x[:-1]])
    return x


def unit_step(model, theta, trace, layer: int, unit: int, t: int, direction: int = 0,
              delay: int = 0, sequence: int = 0) -> UnitStep:
    """The terms of unit `unit` of `layer` at step t (the reverse direction's t is the
    sequence's own time step; its h(t-1) is then h(t+1))."""
    theta = model.check(theta)
    cell = model.cells(theta)[layer][direction]
    states = {name: np.asarray(a)[layer, direction, :, sequence, :] for name, a in trace.states.items()}
    n = states["h"].shape[0]
    if not 0 <= t < n:
        raise ValueError(f"t must be from 0 to {n - 1}, got {t}")
    x = layer_input(model, trace, layer, delay, sequence)[t]
    prev = t - 1 if direction == 0 else t + 1
    H = model.hidden
    h_prev_vec = states["h"][prev] if 0 <= prev < n else np.zeros(H)
    j = unit
    fam = model.family
    gates = {}
    now = {name: float(a[t, j]) for name, a in states.items()}
    if fam.is_gru:
        for g in model.gates:
            rec = float(cell["R"][g][j] @ h_prev_vec)
            b = float(cell["b"][g][j]) if g in cell["b"] else 0.0
            scale = 1.0
            if g == "n":
                rec += float(cell["b_h"]["n"][j]) if "n" in cell["b_h"] else 0.0
                scale = now["r"]
            gates[g] = GateTerms(g, float(cell["W"][g][j] @ x), rec, b, 0.0, scale, now[g])
        c_prev = 0.0
    else:
        c_prev = float(states["c"][prev, j]) if 0 <= prev < n else 0.0
        field = {"C": "c_tilde"}
        for g in model.gates:
            extra = 0.0
            if g in cell["p"]:
                extra = float(cell["p"][g][j]) * (now["c"] if g == "o" else c_prev)
            b = float(cell["b"][g][j]) if g in cell["b"] else 0.0
            gates[g] = GateTerms(g, float(cell["W"][g][j] @ x), float(cell["R"][g][j] @ h_prev_vec),
                                 b, extra, 1.0, now[field.get(g, g)])
    return UnitStep(layer, direction, j, t, fam.is_gru, gates, now, float(h_prev_vec[j]), c_prev,
                    h_prev_vec, {g: np.asarray(cell["R"][g][j]) for g in model.gates},
                    np.asarray(x, dtype=float), {g: np.asarray(cell["W"][g][j]) for g in model.gates})


def recurrent_terms(step: UnitStep, gate: str, top: int = 5) -> list[tuple[int, float]]:
    """The largest terms R_g[j, l] * h_l(t-1) of a gate's recurrent input: (l, term), by |term|."""
    terms = step.recurrent_weights[gate] * step.h_prev_vector
    order = np.argsort(-np.abs(terms), kind="stable")[:top]
    return [(int(k), float(terms[k])) for k in order]


def input_terms(step: UnitStep, gate: str, top: int = 5) -> list[tuple[int, float]]:
    """The largest terms W_g[j, l] * x_l(t) of a gate's input: (l, term), by |term|."""
    if step.x_vector is None or step.input_weights is None:
        return []
    terms = step.input_weights[gate] * step.x_vector
    order = np.argsort(-np.abs(terms), kind="stable")[:top]
    return [(int(k), float(terms[k])) for k in order]


def _label(g: str) -> str:
    return "C~" if g == "C" else g


def previous(direction: int) -> str:
    """The step a unit's recurrent state comes from: "t−1", or "t+1" in the reverse
    direction of a bidirectional layer (it runs from the sequence's end to its start)."""
    return "t+1" if direction else "t−1"


def formulas(model, step: UnitStep) -> dict[str, str]:
    """One line per computed quantity, numbers plugged in, keyed by the trace's field.

    A gate: ``f = σ(Wx + Rh + b [+ p·C]) = value`` with Wx = W_f[j,:]·x(t) and
    Rh = R_f[j,:]·h(t−1) as numbers; GRU's n: ``n = tanh(Wx + b + r·(Rh + b_nh))``.
    Then the family's constant or coupled gates, the cell state and h.
    """
    fam = model.family
    out = {}
    for g, terms in step.gates.items():
        act = "σ" if g not in ("C", "n") else ("" if fam.linear_input and g == "C" else "tanh")
        parts = [fmt(terms.input_term), factor(terms.recurrent) if g != "n" else None]
        inner = " + ".join(p for p in parts if p is not None)
        if g == "n":
            inner += f" + {factor(terms.bias)} + {factor(terms.scale)}·{factor(terms.recurrent)}"
        else:
            inner += f" + {factor(terms.bias)}"
            if fam.peephole and g != "C":
                inner += f" + {factor(terms.extra)}"
        field = "c_tilde" if g == "C" else g
        out[field] = f"{_label(g)} = {act}({inner}) = {fmt(terms.value)}"
    s = step.states
    if step.gru:
        out["h"] = (f"h = (1 − {factor(s['z'])})·{factor(s['n'])} + {factor(s['z'])}·"
                    f"{factor(step.h_prev)} = {fmt(s['h'])}")
        return out
    if fam.coupled:
        out["f"] = f"f = 1 − i = 1 − {fmt(s['i'])} = {fmt(s['f'])}"
    for g in ("f", "i", "o"):
        if g not in out:
            out[g] = f"{g} = 1 (no {g} gate)"
    out["c"] = (f"C = f·C({previous(step.direction)}) + i·C~ = {factor(s['f'])}·{factor(step.c_prev)} + "
                f"{factor(s['i'])}·{factor(s['c_tilde'])} = {fmt(s['c'])}")
    act = factor(s["c"]) if fam.linear_output else f"tanh({fmt(s['c'])})"
    out["h"] = f"h = o·{'C' if fam.linear_output else 'tanh(C)'} = {factor(s['o'])}·{act} = {fmt(s['h'])}"
    order = ("f", "i", "c_tilde", "c", "o", "h")
    return {k: out[k] for k in order if k in out}


def check_gate(terms: GateTerms, gate: str, linear_input: bool = False) -> float:
    """The gate's value recomputed from its terms (tests: equals the trace's value)."""
    z = terms.input_term + terms.bias + terms.extra + terms.scale * terms.recurrent
    if gate in ("C", "n"):
        return z if linear_input and gate == "C" else math.tanh(z)
    return 1.0 / (1.0 + math.exp(-z))

"""The LSTM family, readable numpy reference: one direction of one layer over a batch.

Every variant of docs/models.md is the vanilla cell with switches (a :class:`model.Family`):

    f = sigmoid(z_f)   z_f = W_f x + R_f h(t-1) + b_f [+ p_f * C(t-1)]   (1 in NFG, 1 - i in CIFG)
    i = sigmoid(z_i)   z_i = W_i x + R_i h(t-1) + b_i [+ p_i * C(t-1)]   (1 in NIG)
    c_tilde = tanh(z_C)                                                   (z_C itself in NIAF)
    c = f * c_prev + i * c_tilde
    o = sigmoid(z_o)   z_o = W_o x + R_o h(t-1) + b_o [+ p_o * C(t)]     (1 in NOG)
    h = o * tanh(c)                                                       (o * c in NOAF)

Shapes: x (n, B, m); every per-step array (n, B, H).  The parameters come as the views of
``Model.cells(theta)[k][d]``: W[g] (H, m), R[g] (H, H), b[g] (H,), p[g] (H,).
Written like min-char-rnn: a forward loop keeping every step, a backward loop over
reversed(range(n)) carrying dh_next and dc_next.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:     # for the annotations only: model.py imports this module (no cycle)
    from .model import Family


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), written with tanh so that no z overflows."""
    return 0.5 + 0.5 * np.tanh(0.5 * z)


@dataclass
class Steps:
    """Every step of a forward pass; each array (n, B, H) except x (n, B, m)."""

    x: np.ndarray
    f: np.ndarray
    i: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    o: np.ndarray
    h: np.ndarray


def _z(cell: dict, g: str, x_t: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
    """Pre-activation of gate g without peephole: W_g x + R_g h(t-1) + b_g, (B, H)."""
    z = x_t @ cell["W"][g].T + h_prev @ cell["R"][g].T
    return z + cell["b"][g] if g in cell["b"] else z


def forward(fam: Family, cell: dict, x: np.ndarray) -> Steps:
    """Run the cell over x (n, B, m) from h = c = 0; returns every step."""
    n, B, _ = x.shape
    H = next(iter(cell["R"].values())).shape[0]
    s = Steps(x, *(np.empty((n, B, H)) for _ in range(6)))
    p = cell["p"]
    h_prev = c_prev = np.zeros((B, H))
    ones = np.ones((B, H))
    for t in range(n):
        z = {g: _z(cell, g, x[t], h_prev) for g in fam.gates}
        if fam.peephole:
            z["i"] = z["i"] + p["i"] * c_prev
            z["f"] = z["f"] + p["f"] * c_prev
        i = sigmoid(z["i"]) if "i" in z else ones
        f = 1.0 - i if fam.coupled else (sigmoid(z["f"]) if "f" in z else ones)
        c_tilde = z["C"] if fam.linear_input else np.tanh(z["C"])
        c = f * c_prev + i * c_tilde
        if fam.peephole:
            z["o"] = z["o"] + p["o"] * c
        o = sigmoid(z["o"]) if "o" in z else ones
        h = o * (c if fam.linear_output else np.tanh(c))
        s.f[t], s.i[t], s.c_tilde[t], s.c[t], s.o[t], s.h[t] = f, i, c_tilde, c, o, h
        h_prev, c_prev = h, c
    return s


def backward(fam: Family, cell: dict, s: Steps, dh: np.ndarray, grad: dict) -> np.ndarray:
    """Backpropagation through time.

    dh: dE/dh(t) from outside the cell (the readout or the next layer), (n, B, H).
    grad: the cell's views of the gradient vector (same layout as ``cell``); added to.
    Returns dE/dx (n, B, m).
    """
    n, B, H = dh.shape
    dx = np.zeros_like(s.x)
    dh_next = np.zeros((B, H))  # dE/dh(t) through h(t)'s use at step t+1
    dc_next = np.zeros((B, H))  # dE/dc(t) through c(t)'s use at step t+1
    p = cell["p"]
    for t in reversed(range(n)):
        h_prev = s.h[t - 1] if t else np.zeros((B, H))
        c_prev = s.c[t - 1] if t else np.zeros((B, H))
        f, i, c_tilde, c, o = s.f[t], s.i[t], s.c_tilde[t], s.c[t], s.o[t]
        a = c if fam.linear_output else np.tanh(c)
        dh_t = dh[t] + dh_next
        dz = {}
        # h = o * a
        if "o" in fam.gates:
            dz["o"] = dh_t * a * o * (1.0 - o)
        dc = dc_next + dh_t * o * (1.0 if fam.linear_output else 1.0 - a * a)
        if fam.peephole:                      # z_o read p_o * c(t)
            dc = dc + dz["o"] * p["o"]
        # c = f * c_prev + i * c_tilde
        df, di, dc_tilde = dc * c_prev, dc * c_tilde, dc * i
        if fam.coupled:                       # f = 1 - i
            di = di - df
        if "i" in fam.gates:
            dz["i"] = di * i * (1.0 - i)
        if "f" in fam.gates:
            dz["f"] = df * f * (1.0 - f)
        dz["C"] = dc_tilde if fam.linear_input else dc_tilde * (1.0 - c_tilde * c_tilde)
        dc_next = dc * f
        if fam.peephole:                      # z_i, z_f read p * c(t-1)
            dc_next = dc_next + dz["i"] * p["i"] + dz["f"] * p["f"]
            grad["p"]["i"] += (dz["i"] * c_prev).sum(0)
            grad["p"]["f"] += (dz["f"] * c_prev).sum(0)
            grad["p"]["o"] += (dz["o"] * c).sum(0)
        dh_next = np.zeros((B, H))
        for g in fam.gates:
            grad["W"][g] += dz[g].T @ s.x[t]
            grad["R"][g] += dz[g].T @ h_prev
            if g in grad["b"]:
                grad["b"][g] += dz[g].sum(0)
            dx[t] += dz[g] @ cell["W"][g]
            dh_next += dz[g] @ cell["R"][g]
    return dx

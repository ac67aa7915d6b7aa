"""The GRU, readable numpy reference (PyTorch's convention): one direction of one layer.

    r = sigmoid(W_r x + b_r + R_r h(t-1))
    z = sigmoid(W_z x + b_z + R_z h(t-1))
    n = tanh(W_n x + b_nx + r * (R_n h(t-1) + b_nh))
    h = (1 - z) * n + z * h(t-1)

b_r and b_z are PyTorch's b_ir + b_hr and b_iz + b_hz folded; b_nh cannot be folded (r
multiplies it).  Shapes: x (n, B, m); every per-step array (n, B, H).  The parameters are the
views of ``Model.cells(theta)[k][d]``: W[g] (H, m), R[g] (H, H), b[g] (H,), b_h["n"] (H,).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reference_lstm import sigmoid


@dataclass
class Steps:
    """Every step of a forward pass; each array (n, B, H) except x (n, B, m).

    ``hn`` is R_n h(t-1) + b_nh, the part of n's pre-activation that r scales.
    """

    x: np.ndarray
    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    hn: np.ndarray
    h: np.ndarray


def forward(cell: dict, x: np.ndarray) -> Steps:
    """Run the GRU over x (n, B, m) from h = 0; returns every step."""
    steps, B, _ = x.shape
    W, R, b, b_h = cell["W"], cell["R"], cell["b"], cell["b_h"]
    H = R["r"].shape[0]
    s = Steps(x, *(np.empty((steps, B, H)) for _ in range(5)))
    h_prev = np.zeros((B, H))
    for t in range(steps):
        r = sigmoid(x[t] @ W["r"].T + h_prev @ R["r"].T + b.get("r", 0.0))
        z = sigmoid(x[t] @ W["z"].T + h_prev @ R["z"].T + b.get("z", 0.0))
        hn = h_prev @ R["n"].T + b_h.get("n", 0.0)
        n = np.tanh(x[t] @ W["n"].T + b.get("n", 0.0) + r * hn)
        h = (1.0 - z) * n + z * h_prev
        s.r[t], s.z[t], s.n[t], s.hn[t], s.h[t] = r, z, n, hn, h
        h_prev = h
    return s


def backward(cell: dict, s: Steps, dh: np.ndarray, grad: dict) -> np.ndarray:
    """Backpropagation through time.

    dh: dE/dh(t) from outside the cell, (n, B, H).  grad: the cell's views of the gradient
    vector; added to.  Returns dE/dx (n, B, m).
    """
    steps, B, H = dh.shape
    W, R = cell["W"], cell["R"]
    dx = np.zeros_like(s.x)
    dh_next = np.zeros((B, H))
    for t in reversed(range(steps)):
        h_prev = s.h[t - 1] if t else np.zeros((B, H))
        r, z, n, hn = s.r[t], s.z[t], s.n[t], s.hn[t]
        dh_t = dh[t] + dh_next
        # h = (1 - z) * n + z * h_prev
        dn = dh_t * (1.0 - z)
        dz_z = dh_t * (h_prev - n) * z * (1.0 - z)
        dz_n = dn * (1.0 - n * n)             # dE/d(pre-activation of n)
        dz_r = dz_n * hn * r * (1.0 - r)
        dhn = dz_n * r                        # dE/d(R_n h(t-1) + b_nh)
        for g, dzg in (("r", dz_r), ("z", dz_z), ("n", dz_n)):
            grad["W"][g] += dzg.T @ s.x[t]
            if g in grad["b"]:
                grad["b"][g] += dzg.sum(0)
            dx[t] += dzg @ W[g]
        grad["R"]["r"] += dz_r.T @ h_prev
        grad["R"]["z"] += dz_z.T @ h_prev
        grad["R"]["n"] += dhn.T @ h_prev
        if "n" in grad["b_h"]:
            grad["b_h"]["n"] += dhn.sum(0)
        dh_next = dh_t * z + dz_r @ R["r"] + dz_z @ R["z"] + dhn @ R["n"]
    return dx

"""One model (K = 1): forward pass and exact gradient of one unit, recurrences on Python floats.

At n = 100 a numpy call costs about as much as ten float operations, so the two
recurrences (forward: C and h; backward: dE/dh and dE/dC) run as Python loops over floats,
and everything that is not a recurrence is done in few numpy calls on whole sequences.
Gate-major layout here: ``gates`` is (4, n) with rows f, i, C~, o.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import tanh

import numpy as np

# sigmoid(z) = 0.5 + 0.5 * tanh(z / 2): the weights of f, i and o are halved once.
_PRE = np.array([[0.5], [0.5], [1.0], [0.5]])
_OFFSET = np.array([[0.5], [0.5], [0.0], [0.5]])


@dataclass
class Layer:
    """One unit's forward pass over one sequence."""

    x_in: np.ndarray     # (n,)
    gates: np.ndarray    # (4, n): f, i, C~, o
    c: np.ndarray        # (n,)
    h: np.ndarray        # (n,)
    c_prev: np.ndarray   # (n,): C(t-1), C(-1) = 0
    h_prev: np.ndarray   # (n,): h(t-1), h(-1) = 0


def layer_forward(p: np.ndarray, x_in: np.ndarray) -> Layer:
    """Run one unit, p (12,), over x_in (n,)."""
    w = p.reshape(4, 3) * _PRE          # per gate (W_h, W_x, b), scaled for the tanh form
    pre = np.multiply.outer(x_in, w[:, 1])  # (n, 4): input part of every pre-activation
    pre += w[:, 2]
    wf, wi, wg, wo = w[:, 0].tolist()
    out = [0.0, 0.0]                    # C(-1), h(-1), then C(t), h(t) for every t
    keep = out.append
    th = tanh                           # a local name: the loop calls it five times a step
    h = c = 0.0
    # A memoryview yields the floats one by one, without building lists first.
    step = iter(memoryview(pre.reshape(-1)))
    for zf, zi, zg, zo in zip(step, step, step, step):
        # f = (1 + tanh)/2 and i = (1 + tanh)/2, with the halves taken out together.
        c = 0.5 * ((1.0 + th(zf + wf * h)) * c + (1.0 + th(zi + wi * h)) * th(zg + wg * h))
        h = 0.5 * (1.0 + th(zo + wo * h)) * th(c)
        keep(c)
        keep(h)
    ch = np.fromiter(out, np.float64, len(out)).reshape(-1, 2)
    h_prev = ch[:-1, 1]
    # The gates again, vectorised: cheaper than keeping four more floats per step.
    gates = w[:, 0:1] * h_prev
    gates += pre.T
    np.tanh(gates, out=gates)
    gates *= _PRE
    gates += _OFFSET
    return Layer(x_in, gates, ch[1:, 0], ch[1:, 1], ch[:-1, 0], h_prev)


def layer_backward(p: np.ndarray, layer: Layer, e: np.ndarray, need_dx: bool = True):
    """Exact gradient of one unit by backpropagation through time.

    e is dE/dh(t) from outside the unit (the loss, or the unit after it), (n,).
    Returns dE/dp (12,) and dE/dx_in (n,) (None unless need_dx).
    """
    gates = layer.gates
    n = gates.shape[1]
    tc = np.tanh(layer.c)
    # local[j] turns dC (for f, i, C~) or dh (for o) into dE/dz_j, z_j the pre-activation:
    #   f: C(t-1) f(1-f)   i: C~ i(1-i)   C~: i(1-C~^2)   o: tanh(C) o(1-o)
    local = 1.0 - gates
    local *= gates
    local[0] *= layer.c_prev
    local[1] *= gates[2]
    np.multiply(gates[1], 1.0 - gates[2] * gates[2], out=local[2])
    local[3] *= tc

    # dh(t) = e(t) + alpha(t+1) dh(t+1) + beta(t+1) dC(t+1);  dC(t) = b_c(t) dh(t) + f(t+1) dC(t+1)
    # Row t of `coef` holds e(t), b_c(t), alpha(t+1), beta(t+1), f(t+1); its rows are stored
    # last step first, so that the loop reads the memory straight through.
    rev = np.zeros((n, 5))
    coef = rev[::-1]
    np.multiply(gates[3], 1.0 - tc * tc, out=coef[:, 1])
    wh = p[0::3]                                    # W_fh, W_ih, W_Ch, W_oh
    np.multiply(local[3, 1:], wh[3], out=coef[:-1, 2])
    coef[:-1, 3] = wh[:3] @ local[:3, 1:]
    coef[:-1, 4] = gates[0, 1:]
    coef[:, 0] = e
    out: list[float] = []
    keep = out.append
    dh = dc = 0.0
    step = iter(memoryview(rev.reshape(-1)))  # type: ignore[arg-type]  # numpy's stubs lack Buffer
    for et, bc, al, be, fn in zip(step, step, step, step, step):
        dh = et + al * dh + be * dc
        dc = bc * dh + fn * dc
        keep(dh)
        keep(dc)
    d = np.fromiter(out, np.float64, len(out)).reshape(-1, 2)[::-1]

    dz = local                                      # now dE/dz
    dz[:3] *= d[:, 1]
    dz[3] *= d[:, 0]
    # One product gives all 12: rows f, i, C~, o; columns (h(t-1), x(t), 1).
    inputs = np.ones((n, 3))
    inputs[:, 0] = layer.h_prev
    inputs[:, 1] = layer.x_in
    grad = (dz @ inputs).reshape(12)
    dx_in = p[1::3] @ dz if need_dx else None      # W_fx, W_ix, W_Cx, W_ox
    return grad, dx_in

"""K models at once: forward pass and exact gradient of one unit per model, vectorised over K.

Time-major layout: sequences are (n, K), gates (n, 4, K) with rows f, i, C~, o.  The time
loops cannot be vectorised, so each step is a fixed handful of numpy calls on (4, K) or (K,)
rows, written in place into preallocated arrays; everything else is done on whole arrays.
At K = 256 a step's cost is the number of calls and the elements they touch, so both are
kept to a minimum (see the benchmark, `python -m lstm_gui.bench`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._single import _OFFSET, _PRE

# Steps between two should_continue() questions in layer_forward: at 200 000 points one pass
# of 33 models took several seconds, and a window closing waited for it (issue 26).  A block
# is a few milliseconds; the question costs nothing next to it.
STEPS_PER_CHECK = 2048


class Cancelled(Exception):
    """A long pass given up because its caller asked (should_continue() said False)."""


@dataclass
class Layer:
    """One unit per model, its forward pass over a batch of sequences."""

    x_in: np.ndarray   # (n, K)
    gates: np.ndarray  # (n, 4, K): f, i, C~, o
    c: np.ndarray      # (n, K)
    tc: np.ndarray     # (n, K): tanh(C), kept for the backward pass
    h: np.ndarray      # (n, K)


def layer_forward(p: np.ndarray, x_in: np.ndarray, should_continue=None) -> Layer:
    """Run one unit per model: p is (K, 12), x_in is (n, K).  should_continue() is asked
    every STEPS_PER_CHECK steps; False raises :class:`Cancelled`."""
    n, k = x_in.shape
    # (3, 4, K): W_h, W_x, b per gate, scaled for the tanh form.  Contiguous: numpy's inner
    # loops are several times slower on strided or broadcast (stride 0) operands.
    w = np.ascontiguousarray((p.reshape(k, 4, 3) * _PRE[None]).transpose(2, 1, 0))
    gates = _input_part(w, x_in)
    c_all = np.empty((n, k))
    tc_all = np.empty((n, k))
    h_all = np.empty((n, k))
    scale = np.ascontiguousarray(np.broadcast_to(_PRE, (4, k)))
    offset = np.ascontiguousarray(np.broadcast_to(_OFFSET, (4, k)))
    wh = w[0]
    rec = np.empty((4, k))
    ig = np.empty(k)
    c = h = np.zeros(k)
    block = n if should_continue is None else STEPS_PER_CHECK
    for start in range(0, n, max(block, 1)):
        if should_continue is not None and not should_continue():
            raise Cancelled
        c, h = _steps(gates[start:start + block], c_all[start:start + block],
                      tc_all[start:start + block], h_all[start:start + block], c, h,
                      wh, rec, ig, scale, offset)
    return Layer(x_in, gates, c_all, tc_all, h_all)


def _steps(gates, c_all, tc_all, h_all, c, h, wh, rec, ig, scale, offset):
    """The time loop of layer_forward over one block of steps, from state (c, h): (c, h)."""
    multiply, add, tanh = np.multiply, np.add, np.tanh   # local names: no global lookups
    for z, c_t, tc_t, h_t in zip(gates, c_all, tc_all, h_all):
        multiply(wh, h, out=rec)
        add(z, rec, out=z)
        tanh(z, out=z)
        multiply(z, scale, out=z)
        add(z, offset, out=z)
        f, i, g, o = z
        multiply(f, c, out=c_t)
        multiply(i, g, out=ig)
        add(c_t, ig, out=c_t)
        tanh(c_t, out=tc_t)
        multiply(tc_t, o, out=h_t)
        c, h = c_t, h_t
    return c, h


def shared(x_in: np.ndarray) -> bool:
    """True if every model reads the same sequence (a broadcast view, stride 0 over K)."""
    return x_in.ndim == 2 and x_in.shape[1] > 1 and x_in.strides[1] == 0


def _input_part(w: np.ndarray, x_in: np.ndarray) -> np.ndarray:
    """W_x x(t) + b for every step, gate and model: (n, 4, K), written over by the loop."""
    n, k = x_in.shape
    if shared(x_in):
        # One sequence for all: a single BLAS product (x(t), 1) @ (W_x; b), 3x faster.
        x1 = np.ones((n, 2))
        x1[:, 0] = x_in[:, 0]
        return (x1 @ w[1:3].reshape(2, 4 * k)).reshape(n, 4, k)
    gates = x_in[:, None, :] * w[1]
    gates += w[2]
    return gates


def layer_backward(p: np.ndarray, layer: Layer, e: np.ndarray, need_dx: bool = True):
    """Exact gradient of one unit per model by backpropagation through time.

    e is dE/dh(t) from outside the unit (the loss, or the unit after it), (n, K).
    Returns dE/dp (K, 12) and dE/dx_in (n, K) (None unless need_dx).
    """
    c, tc, h = layer.c, layer.tc, layer.h
    n, k = c.shape
    # Gate-major (4, n, K) from here: each gate's (n, K) block is contiguous, and numpy runs
    # a contiguous block in one inner loop, about three times faster than a strided view.
    gates = np.ascontiguousarray(layer.gates.transpose(1, 0, 2))
    f, i, g, o = gates
    # local[j] turns dC (for f, i, C~) or dh (for o) into dE/dz_j, z_j the pre-activation:
    #   f: C(t-1) f(1-f)   i: C~ i(1-i)   C~: i(1-C~^2)   o: tanh(C) o(1-o)
    local = np.subtract(1.0, gates)
    local *= gates
    local[0, 1:] *= c[:-1]
    local[0, 0] = 0.0
    local[1] *= g
    np.multiply(g, g, out=local[2])
    np.subtract(1.0, local[2], out=local[2])
    local[2] *= i
    local[3] *= tc
    b_c = np.multiply(tc, tc)                   # dC(t) += b_c(t) dh(t)
    np.subtract(1.0, b_c, out=b_c)
    b_c *= o

    # What h(t) passes back from step t+1, as a 2x2 linear recurrence in (dh, dC):
    #   dh(t) = e(t) + alpha(t+1) dh(t+1) + beta(t+1) dC(t+1)
    #   dC(t) = b_c(t) dh(t) + f(t+1) dC(t+1)
    wh = np.ascontiguousarray(p[:, 0::3].T)      # (4, K): W_fh, W_ih, W_Ch, W_oh
    alpha = local[3] * wh[3]
    beta = np.einsum("gtk,gk->tk", local[:3], wh[:3])
    dh_all = np.empty((n, k))
    dc_all = np.empty((n, k))
    multiply, add = np.multiply, np.add
    tmp = np.empty(k)
    dh, dc = dh_all[-1], dc_all[-1]
    dh[:] = e[-1]
    multiply(b_c[-1], dh, out=dc)
    # Step t reads rows t+1 of alpha, beta and f, rows t of e and b_c: zip makes the views.
    for dh_t, dc_t, al, be, fn, et, bc in zip(
            dh_all[-2::-1], dc_all[-2::-1], alpha[:0:-1], beta[:0:-1], f[:0:-1], e[-2::-1],
            b_c[-2::-1]):
        multiply(al, dh, out=dh_t)
        multiply(be, dc, out=tmp)
        add(dh_t, tmp, out=dh_t)
        add(dh_t, et, out=dh_t)
        multiply(fn, dc, out=dc_t)
        multiply(bc, dh_t, out=tmp)
        add(dc_t, tmp, out=dc_t)
        dh, dc = dh_t, dc_t

    dz = local                                  # now dE/dz
    dz[:3] *= dc_all
    dz[3] *= dh_all
    grad = np.empty((k, 12))
    grad[:, 0::3] = np.einsum("gtk,tk->kg", dz[:, 1:], h[:-1])   # h(-1) = 0 adds nothing
    if shared(layer.x_in):
        grad[:, 1::3] = (layer.x_in[:, 0] @ dz).T               # BLAS, as for the biases
    else:
        grad[:, 1::3] = np.einsum("gtk,tk->kg", dz, layer.x_in)
    grad[:, 2::3] = (np.ones(n) @ dz).T
    # dE/dx_in is needed only to pass the error on to the unit before this one.
    dx_in = np.einsum("gtk,kg->tk", dz, p[:, 1::3]) if need_dx else None
    return grad, dx_in

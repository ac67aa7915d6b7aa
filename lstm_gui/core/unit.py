"""The single-input, single-output LSTM unit of SPEC.md: forward pass and exact gradient.

Parameters come in three shapes, and every result mirrors the shape it was given:

* ``(12,)``          one unit
* ``(units, 12)``    a chain: unit u+1 reads the output sequence of unit u
* ``(K, units, 12)`` a population of K independent chains, computed at once

Internally everything is time-major, ``(n, K)`` per unit, with the four gates stacked in the
order f, i, C~, o.  A single model runs its recurrences on Python floats, which is several
times faster than numpy on length-1 arrays; populations run them on numpy arrays over K.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import tanh

import numpy as np

from ._memory import keep_freed_memory

PARAM_NAMES = (
    "W_fh", "W_fx", "b_f",
    "W_ih", "W_ix", "b_i",
    "W_Ch", "W_Cx", "b_C",
    "W_oh", "W_ox", "b_o",
)
N_PARAMS = len(PARAM_NAMES)

# Column indices, per gate in the order f, i, C~, o, of the 12-vector.
_WH = np.array([0, 3, 6, 9])
_WX = np.array([1, 4, 7, 10])
_B = np.array([2, 5, 8, 11])

# sigmoid(z) = 0.5 + 0.5 * tanh(z / 2): one tanh for all four gates, and no overflow in exp.
_PRE = np.array([0.5, 0.5, 1.0, 0.5])
_POST_OFFSET = np.array([0.5, 0.5, 0.0, 0.5])


@dataclass(frozen=True)
class Trace:
    """Every sequence of a forward pass.

    ``h`` is the model's output, shaped like x (``(K, n)`` for a population).  The gate
    arrays have shape ``params.shape[:-1] + (n,)``: ``(n,)`` for one unit, ``(units, n)``
    for a chain, ``(K, units, n)`` for a population.  ``x_in`` is what each unit read.
    """

    h: np.ndarray
    f: np.ndarray
    i: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    o: np.ndarray
    h_units: np.ndarray
    x_in: np.ndarray


@dataclass
class _Layer:
    """One unit's cached forward pass over a batch, time-major."""

    x_in: np.ndarray   # (n, K)
    gates: np.ndarray  # (n, 4, K): f, i, C~, o
    c: np.ndarray      # (n, K)
    h: np.ndarray      # (n, K)


# ---------------------------------------------------------------- validation

def _as_models(params) -> np.ndarray:
    """Return params as a float (K, units, 12) array, or raise ValueError."""
    p = np.asarray(params, dtype=float)
    if p.ndim not in (1, 2, 3) or p.shape[-1] != N_PARAMS or 0 in p.shape:
        raise ValueError(
            f"params must have shape (12,), (units, 12) or (K, units, 12), got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("params contain NaN or infinite values")
    return p.reshape((1,) * (3 - p.ndim) + p.shape)


def _as_batch(seq, name: str, k: int, population: bool) -> np.ndarray:
    """Return a sequence as a time-major (n, K) array, or raise ValueError."""
    s = np.asarray(seq, dtype=float)
    if s.ndim == 2 and population and s.shape[0] == k:
        s = s.T
    elif s.ndim == 1:
        s = s[:, None]
    else:
        want = f"(n,) or ({k}, n)" if population else "(n,)"
        raise ValueError(f"{name} must have shape {want}, got {s.shape}")
    if s.shape[0] < 1:
        raise ValueError(f"{name} must have length at least 1, got 0")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinite values")
    # Contiguous, not a broadcast view: numpy's inner loops are much slower on stride 0.
    return np.ascontiguousarray(np.broadcast_to(s, (s.shape[0], k)))


def _check_delay(delay: int) -> int:
    if delay not in (0, 1):
        raise ValueError(f"delay must be 0 or 1, got {delay!r}")
    return delay


def _delayed(x: np.ndarray, delay: int) -> np.ndarray:
    """x shifted down by `delay` steps along time, zeros in front: lstmlib's timing."""
    if delay == 0:
        return x
    out = np.zeros_like(x)
    out[delay:] = x[:-delay]
    return out


# ---------------------------------------------------------------- one unit, forward

_PRE_COL = _PRE[:, None]
_OFFSET_COL = _POST_OFFSET[:, None]


def _layer_forward(p: np.ndarray, x_in: np.ndarray) -> _Layer:
    """Run one unit per model: p is (K, 12), x_in is (n, K)."""
    # The 12-vector is (W_h, W_x, b) per gate: a (K, 4, 3) view, scaled for the tanh trick.
    by_gate = p.reshape(-1, 4, 3) * _PRE_COL
    if x_in.shape[1] == 1:
        wh = by_gate[0, :, 0:1]                                              # (4, 1)
        pre = (np.multiply.outer(x_in[:, 0], by_gate[0, :, 1]) + by_gate[0, :, 2])[:, :, None]
    else:
        # (3, 4, K), contiguous: strided operands make numpy's loops several times slower.
        w = np.ascontiguousarray(by_gate.transpose(2, 1, 0))
        wh = w[0]                                                            # (4, K)
        pre = x_in[:, None, :] * w[1]
        pre += w[2]                                                          # (n, 4, K)
    if x_in.shape[1] == 1:
        c, h = _recur_forward_scalar(wh[:, 0], pre[:, :, 0])
        h_prev = np.zeros_like(h)
        h_prev[1:] = h[:-1]
        gates = np.tanh(pre + wh * h_prev[:, None, :])
        gates *= _PRE_COL
        gates += _OFFSET_COL
    else:
        gates, c, h = _recur_forward_batch(wh, pre)
    return _Layer(x_in=x_in, gates=gates, c=c, h=h)


def _recur_forward_scalar(wh: np.ndarray, pre: np.ndarray):
    # The gates are recomputed afterwards in one vectorised pass; the loop keeps C and h.
    wf, wi, wg, wo = wh.tolist()
    af, ai, ag, ao = pre.T.tolist()
    out = []
    keep = out.append
    th = tanh  # a local name: the loop calls it five times a step
    h = c = 0.0
    for zf, zi, zg, zo in zip(af, ai, ag, ao):
        # f = (1 + tanh)/2 and i = (1 + tanh)/2, with the halves taken out together.
        c = 0.5 * ((1.0 + th(zf + wf * h)) * c + (1.0 + th(zi + wi * h)) * th(zg + wg * h))
        h = 0.5 * (1.0 + th(zo + wo * h)) * th(c)
        keep(c)
        keep(h)
    a = np.array(out).reshape(-1, 2)
    return a[:, 0:1], a[:, 1:2]


def _recur_forward_batch(wh: np.ndarray, pre: np.ndarray):
    # Every result is written in place into its row of the output arrays: at K = 256 the
    # cost of a step is the number of numpy calls, not the arithmetic.  Operands are
    # contiguous (a broadcast (4, 1) column costs numpy a buffered copy on every call) and
    # the ufuncs are local names (each global lookup is two dictionary probes).
    n, _, k = pre.shape
    gates = np.empty((n, 4, k))
    c_all = np.empty((n, k))
    h_all = np.empty((n, k))
    scale = np.ascontiguousarray(np.broadcast_to(_PRE_COL, (4, k)))
    offset = np.ascontiguousarray(np.broadcast_to(_OFFSET_COL, (4, k)))
    multiply, add, tanh = np.multiply, np.add, np.tanh
    h = c = np.zeros(k)
    ig = np.empty(k)
    for t in range(n):
        z = gates[t]
        multiply(wh, h, out=z)
        add(z, pre[t], out=z)
        tanh(z, out=z)
        multiply(z, scale, out=z)
        add(z, offset, out=z)
        c_t, h = c_all[t], h_all[t]
        multiply(z[0], c, out=c_t)          # f * C(t-1)
        multiply(z[1], z[2], out=ig)        # + i * C~
        add(c_t, ig, out=c_t)
        tanh(c_t, out=h)
        multiply(h, z[3], out=h)
        c = c_t
    return gates, c_all, h_all


# ---------------------------------------------------------------- one unit, backward

def _layer_backward(p: np.ndarray, layer: _Layer, e: np.ndarray, need_dx: bool = True):
    """Exact gradient of one unit by backpropagation through time.

    e is dE/dh(t) from outside the unit (the loss, or the unit after it), (n, K).
    Returns dE/dp (K, 12) and dE/dx_in (n, K).
    """
    gates, c, h = layer.gates, layer.c, layer.h
    n, k = c.shape
    tc = np.tanh(c)
    # local[:, j] turns dc (for f, i, C~) or dh (for o) into dE/dz_j, z_j the pre-activation:
    #   f: C(t-1) f(1-f)   i: C~ i(1-i)   C~: i(1-C~^2)   o: tanh(C) o(1-o)
    local = np.subtract(1.0, gates)
    local *= gates
    local[1:, 0] *= c[:-1]
    local[0, 0] = 0.0
    local[:, 1] *= gates[:, 2]
    np.multiply(gates[:, 1], 1.0 - gates[:, 2] ** 2, out=local[:, 2])
    local[:, 3] *= tc
    b_c = gates[:, 3] * (1.0 - tc * tc)               # dc(t) += b_c(t) dh(t)

    # What h(t) passes back from step t+1, as a 2x2 linear recurrence in (dh, dc):
    #   dh(t) = e(t) + alpha(t+1) dh(t+1) + beta(t+1) dc(t+1)
    #   dc(t) = b_c(t) dh(t) + f(t+1) dc(t+1)
    wh = p[:, _WH]                                     # (K, 4)
    ahead = np.zeros((n, 3, k))
    np.multiply(wh[:, 3], local[1:, 3], out=ahead[:-1, 0])
    ahead[:-1, 1] = np.einsum("tgk,kg->tk", local[1:, :3], wh[:, :3])
    ahead[:-1, 2] = gates[1:, 0]
    if k == 1:
        dh, dc = _recur_backward_scalar(
            np.column_stack([e[:, 0], ahead[:, :, 0], b_c[:, 0]]))
    else:
        dh, dc = _recur_backward_batch(e, ahead[:, 0], ahead[:, 1], b_c, ahead[:, 2])

    dz = local                                          # (n, 4, K), now dE/dz
    dz[:, :3] *= dc[:, None, :]
    dz[:, 3] *= dh
    if k == 1:
        # One product gives all 12: rows f, i, C~, o; columns (h(t-1), x(t), 1).
        inputs = np.ones((n, 3))
        inputs[0, 0] = 0.0
        inputs[1:, 0] = h[:-1, 0]
        inputs[:, 1] = layer.x_in[:, 0]
        grad = (dz[:, :, 0].T @ inputs).reshape(1, N_PARAMS)
    else:
        grad = np.empty((k, N_PARAMS))
        grad[:, _WH] = np.einsum("tgk,tk->kg", dz[1:], h[:-1])   # h(0) = 0 adds nothing
        grad[:, _WX] = np.einsum("tgk,tk->kg", dz, layer.x_in)
        grad[:, _B] = dz.sum(axis=0).T
    # dE/dx_in is needed only to pass the error on to the unit before this one.
    dx_in = np.einsum("tgk,kg->tk", dz, p[:, _WX]) if need_dx else None
    return grad, dx_in


def _recur_backward_scalar(rows: np.ndarray):
    # rows: (n, 5) of e, alpha, beta, f(t+1), b_c; one conversion to Python floats.
    out = []
    keep = out.append
    dh = dc = 0.0
    for et, al, be, fn, bc in rows[::-1].tolist():
        dh = et + al * dh + be * dc
        dc = bc * dh + fn * dc
        keep(dh)
        keep(dc)
    a = np.array(out).reshape(-1, 2)[::-1]
    return a[:, 0:1], a[:, 1:2]


def _recur_backward_batch(e, alpha, beta, b_c, f_next):
    n, k = e.shape
    dh_all = np.empty((n, k))
    dc_all = np.empty((n, k))
    multiply, add = np.multiply, np.add
    dh = dc = np.zeros(k)
    tmp = np.empty(k)
    for t in range(n - 1, -1, -1):
        dh_t, dc_t = dh_all[t], dc_all[t]
        multiply(alpha[t], dh, out=dh_t)
        multiply(beta[t], dc, out=tmp)
        add(dh_t, tmp, out=dh_t)
        add(dh_t, e[t], out=dh_t)
        multiply(f_next[t], dc, out=dc_t)
        multiply(b_c[t], dh_t, out=tmp)
        add(dc_t, tmp, out=dc_t)
        dh, dc = dh_t, dc_t
    return dh_all, dc_all


# ---------------------------------------------------------------- models

def _chain_forward(p: np.ndarray, x: np.ndarray, delay: int) -> list[_Layer]:
    layers = []
    seq = x
    for u in range(p.shape[1]):
        layer = _layer_forward(p[:, u, :], _delayed(seq, delay))
        layers.append(layer)
        seq = layer.h
    return layers


def _prepare(params, x, delay):
    shape = np.shape(params)
    p = _as_models(params)
    population = len(shape) == 3
    xb = _as_batch(x, "x", p.shape[0], population)
    return shape, p, population, xb, _check_delay(delay)


def forward(params, x, delay: int = 0) -> Trace:
    """Run the unit (chain, population) over x with h(0) = C(0) = 0.

    params: (12,), (units, 12) or (K, units, 12).  x: (n,), or for a population (n,)
    shared by all models or (K, n).  delay=1 feeds each unit its input delayed by one step,
    which is what the C library lstmlib computes.  Returns a :class:`Trace`.
    """
    shape, p, population, xb, delay = _prepare(params, x, delay)
    layers = _chain_forward(p, xb, delay)
    lead = shape[:-1]

    def stacked(get) -> np.ndarray:
        # (units, n, K) -> (K, units, n) -> the leading shape of params
        a = np.stack([get(layer) for layer in layers]).transpose(2, 0, 1)
        return np.ascontiguousarray(a.reshape(lead + a.shape[-1:]))

    h = layers[-1].h.T
    return Trace(
        h=np.ascontiguousarray(h if population else h[0]),
        f=stacked(lambda l: l.gates[:, 0]),
        i=stacked(lambda l: l.gates[:, 1]),
        c_tilde=stacked(lambda l: l.gates[:, 2]),
        c=stacked(lambda l: l.c),
        o=stacked(lambda l: l.gates[:, 3]),
        h_units=stacked(lambda l: l.h),
        x_in=stacked(lambda l: l.x_in),
    )


def mse_and_grad(params, x, target, delay: int = 0):
    """Mean squared error of the output against target, and its exact gradient.

    E = (1/n) sum_t (h(t) - target(t))^2, differentiated by backpropagation through time
    through every unit of a chain.  Returns ``(mse, grad)``: a float and an array shaped
    like params, or for a population (K, units, 12) a (K,) array and a (K, units, 12) array.
    """
    shape, p, population, xb, delay = _prepare(params, x, delay)
    if p.shape[0] > 1:
        keep_freed_memory()
    tb = _as_batch(target, "target", p.shape[0], population)
    if tb.shape[0] != xb.shape[0]:
        raise ValueError(
            f"x and target must have the same length, got {xb.shape[0]} and {tb.shape[0]}")
    mse, grad = loss_and_grad(p, xb, tb, delay)
    if population:
        return mse, grad
    return float(mse[0]), grad.reshape(shape)


def loss_and_grad(p: np.ndarray, xb: np.ndarray, tb: np.ndarray, delay: int):
    """The unchecked work of :func:`mse_and_grad`, for callers that validated once.

    p: (K, units, 12); xb, tb: time-major (n, K).  Returns mse (K,) and grad (K, units, 12).
    """
    layers = _chain_forward(p, xb, delay)
    n = xb.shape[0]
    err = layers[-1].h - tb
    mse = np.einsum("tk,tk->k", err, err) / n
    e = (2.0 / n) * err
    grad = np.empty_like(p)
    for u in range(p.shape[1] - 1, -1, -1):
        grad[:, u, :], dx_in = _layer_backward(p[:, u, :], layers[u], e, need_dx=u > 0)
        if u:
            e = np.zeros_like(dx_in)
            e[: n - delay] = dx_in[delay:]
    return mse, grad


def mse(params, x, target, delay: int = 0):
    """The MSE alone (float, or (K,) for a population); see :func:`mse_and_grad`."""
    h = forward(params, x, delay).h
    t = np.asarray(target, dtype=float)
    if t.shape[-1] != h.shape[-1]:
        raise ValueError(
            f"x and target must have the same length, got {h.shape[-1]} and {t.shape[-1]}")
    if not np.all(np.isfinite(t)):
        raise ValueError("target contains NaN or infinite values")
    m = np.mean((h - t) ** 2, axis=-1)
    return float(m) if np.ndim(m) == 0 else m

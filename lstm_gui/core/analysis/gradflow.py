"""Gradient flow through time: which step's use of the parameters each error term learns from.

The parameters theta are shared by every time step.  Give each step s its own copy theta_s;
then ``G[t, s] = dE_t / d theta_s`` with ``E_t = (h(t) - target(t))**2 / n``, and
``sum over t and s of G[t, s]`` is the gradient of the MSE that :func:`unit.mse_and_grad`
returns.  ``G[t, s]`` is zero for s > t (step s cannot change an earlier output), and its
size as the lag ``t - s`` grows is the vanishing (or not) gradient an LSTM exists to tame.

One backward pass per error term E_t costs O(n) each, O(n^2) for all; they are run together,
one numpy row per origin t, so the time loop runs once (n numpy steps on rows of length <= n).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import limits
from ..models import Model, _single, unit

_UNIT_SIZE = Model().size     # numbers per unit: 4 gates x (W_h, W_x, b)

# A memory horizon counts the lags that bring this share of the gradient's magnitude.
HORIZON_SHARE = 0.9


def nbytes(n: int, n_params: int) -> int:
    """Memory G takes for sequence length n and n_params parameters (n * n * n_params floats);
    the backward pass needs about as much again.  n = 1000 with a chain of 16: 1.5 GB."""
    return 8 * n * n * n_params


@dataclass(frozen=True)
class GradientFlow:
    """The itemised gradient of one model and what is derived from it.

    G: (n, n) + params.shape, ``G[t, s] = dE_t / d(theta used at step s)``.
    dE_dh, dE_dc: params.shape[:-1] + (n,), the total derivative of E by h(t) and C(t) of
        each unit (backpropagation through time's adjoints).
    """

    G: np.ndarray
    dE_dh: np.ndarray
    dE_dc: np.ndarray

    @property
    def lag_profile(self) -> np.ndarray:
        """(n,) + params.shape: signed contribution of lag k = t - s, per parameter."""
        return by_lag(self.G)

    @property
    def horizon(self) -> int:
        return memory_horizon(self.G)


def analyse(params, x, target, delay: int = 0) -> GradientFlow:
    """Itemised gradient of the MSE of params (12,) or (units, 12) on x, target (n,).

    Returns a :class:`GradientFlow`; ``delay`` as in :func:`unit.forward`.
    """
    shape = np.shape(params)
    p = unit._as_models(params)[0]            # (units, 12), checked
    if len(shape) == 3:
        raise ValueError("gradient flow takes one model: params (12,) or (units, 12)")
    xs, ts, delay = unit.one_sequence(x, target, delay)
    n = xs.size
    # G and the backward pass's copy, checked against the one budget before allocating.
    limits.check_work_bytes(2 * nbytes(n, p.size), f"the itemised gradient over {n:,} steps")
    layers = unit._chain(_single.layer_forward, p, xs, delay)
    # Row t of `e` is the error term E_t's dE_t/dh(s) from outside the unit, over s.
    # Stored (s, t): time-major, so each step of the loop reads and writes contiguous rows.
    e = np.zeros((n, n))
    np.fill_diagonal(e, (2.0 / n) * (layers[-1].h - ts))
    units = p.shape[0]
    G = np.empty((n, n, units, _UNIT_SIZE))
    by_gate = G.reshape(n, n, units, 4, 3)
    dE_dh = np.empty((units, n))
    dE_dc = np.empty((units, n))
    for u in range(units - 1, -1, -1):
        dh, dc, dx_in = _itemised_backward(p[u], layers[u], e, by_gate[:, :, u], need_dx=u > 0)
        dE_dh[u] = dh.sum(axis=1)
        dE_dc[u] = dc.sum(axis=1)
        if u:
            e = unit._pass_back(dx_in, delay)
    if len(shape) == 1:
        return GradientFlow(G[:, :, 0, :], dE_dh[0], dE_dc[0])
    return GradientFlow(G, dE_dh, dE_dc)


def contributions(params, x, target, delay: int = 0) -> np.ndarray:
    """G of shape (n, n) + params.shape with ``G[t, s] = dE_t / d(theta as used at step s)``.

    params (12,) or (units, 12); x, target (n,).  Zero for s > t; ``G.sum((0, 1))`` is the
    gradient of :func:`unit.mse_and_grad`.
    """
    return analyse(params, x, target, delay).G


def _itemised_backward(p: np.ndarray, layer: _single.Layer, e: np.ndarray, out: np.ndarray,
                       need_dx: bool):
    """Backpropagation through time of one unit for every error term at once.

    p (12,); e (n_s, n_t): dE_t/dh(s) arriving from outside the unit, column t for origin t.
    Writes the per-step gradients dE_t/dtheta_s into out (n_t, n_s, 4, 3) and returns
    dE_t/dh(s) and dE_t/dC(s) (n_s, n_t), and dE_t/dx_in(s) (n_s, n_t) (None unless need_dx).
    The recurrences are those of
    ``_single.layer_backward``, with a row over origins in place of each float.
    """
    gates = layer.gates
    n = gates.shape[1]
    f, i, g, o = gates
    tc = np.tanh(layer.c)
    # local[j] turns dC (for f, i, C~) or dh (for o) into dE/dz_j, z_j the pre-activation.
    local = gates * (1.0 - gates)
    local[0] *= layer.c_prev
    local[1] *= g
    local[2] = i * (1.0 - g * g)
    local[3] *= tc
    b_c = o * (1.0 - tc * tc)                       # dC(s) += b_c(s) dh(s)
    wh = p[0::3]                                    # W_fh, W_ih, W_Ch, W_oh
    alpha = local[3] * wh[3]                        # dh(s-1) += alpha(s) dh(s) + beta(s) dC(s)
    beta = wh[:3] @ local[:3]
    dh = np.zeros((n, n))
    dc = np.zeros((n, n))
    # Origins t < s are exactly zero at step s (causality), so step s touches columns s: only;
    # that halves the work and keeps those zeros exact.
    dh[n - 1, n - 1:] = e[n - 1, n - 1:]
    dc[n - 1, n - 1:] = b_c[n - 1] * dh[n - 1, n - 1:]
    for s in range(n - 2, -1, -1):
        row_h = dh[s, s:]
        np.multiply(dh[s + 1, s:], alpha[s + 1], out=row_h)
        row_h += beta[s + 1] * dc[s + 1, s:]
        row_h += e[s, s:]
        row_c = dc[s, s:]
        np.multiply(dc[s + 1, s:], f[s + 1], out=row_c)
        row_c += b_c[s] * row_h
    # dE_t/dz_j(s), (4, n_s, n_t); then each gate's three parameters by its step inputs.
    dz = np.empty((4, n, n))
    np.multiply(local[:3, :, None], dc, out=dz[:3])
    np.multiply(local[3, :, None], dh, out=dz[3])
    inputs = np.stack([layer.h_prev, layer.x_in, np.ones(n)], axis=1)    # (n_s, 3)
    # One broadcast product straight into G's (t, s) layout: einsum and a transposed copy
    # took 3x as long at n = 500.
    np.multiply(dz.transpose(2, 1, 0)[..., None], inputs[None, :, None, :], out=out)
    dx_in = np.einsum("g,gst->st", p[1::3], dz) if need_dx else None   # W_fx, W_ix, W_Cx, W_ox
    return dh, dc, dx_in


def by_lag(G: np.ndarray) -> np.ndarray:
    """Signed contributions by lag: ``L[k] = sum_t G[t, t - k]``, shape (n,) + G.shape[2:].

    ``L.sum(0)`` is the whole gradient.
    """
    n = G.shape[0]
    out = np.empty((n,) + G.shape[2:])
    for k in range(n):
        out[k] = np.diagonal(G, offset=-k, axis1=0, axis2=1).sum(axis=-1)
    return out


def lag_magnitude(G: np.ndarray) -> np.ndarray:
    """(n,): ``sum_t sum_p |G[t, t - k, p]|``, the gradient's magnitude arriving from lag k.

    Absolute values per entry, so that contributions of opposite sign do not hide each other.
    """
    n = G.shape[0]
    absolute = np.abs(G).reshape(n, n, -1).sum(axis=2)
    return np.array([np.trace(absolute, offset=-k) for k in range(n)])


def memory_horizon(G: np.ndarray, share: float = HORIZON_SHARE) -> int:
    """The smallest lag k such that lags 0..k bring `share` of the gradient's magnitude.

    0 means the unit learns only from each step's own use of its parameters.
    """
    return horizon_of(lag_magnitude(G), share)


def horizon_of(magnitude: np.ndarray, share: float = HORIZON_SHARE) -> int:
    """The memory horizon from a lag magnitude profile (n,); see :func:`memory_horizon`."""
    total = float(magnitude.sum())
    if total == 0.0:
        return 0
    return int(np.searchsorted(np.cumsum(magnitude), share * total))

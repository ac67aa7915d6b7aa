"""The C library's training rule: the update direction of lstmlib's ``lstmlib_fit_unit``.

The C library (az13js-org/C-LSTM, ``src/lstmlib.c``) runs its forward pass with the input
delayed by one step ("lstmlib timing", ``delay=1``) and then carries the sensitivities
dh(t)/dp and dC(t)/dp of the 12 parameters forward in time.  That recurrence is not the
derivative of its own forward pass (SPEC.md, "The C library's training rule"):

* for t > 1 it recomputes the gates' slopes from ``x(t)`` and ``h(t-1)``, where the forward
  pass read ``x(t-1)``; the stored f, i, C~, o, C, h of the forward pass are used where the
  code reads them, and the direct input term of each W_gx is ``x(t)``;
* for t = 1 it sets dC(1)/dp to zero and dh(1)/dp to zero for the forget gate and the
  recurrent weights, and takes the slopes of i, C~, o from ``W_gx * x(1) + b_g``.

Two implementations:

* :func:`grad_loops` is a direct port of the C loops to Python floats, operation for
  operation, so that it reproduces the compiled C library bit for bit (checked against
  ``tests/fixtures/lstmlib_reference.json``).  It is slow (about 60 float operations per
  step and parameter) and exists as the reference.
* :func:`mse_and_grad` computes the same sum with one backward (adjoint) pass: the recurrence
  is linear in the 24 sensitivities with per-step coefficients shared by all 12 parameters,
  so the 12 forward recurrences collapse into one backward recurrence of two scalars.  It
  agrees with :func:`grad_loops` to about 1e-15 relative and takes one model (12,) or a
  population (K, 12).
"""
from __future__ import annotations

import math

import numpy as np

from . import _population, _single


def _sigmoid(s: float) -> float:
    return 1.0 / (1.0 + math.exp(-1.0 * s))


def grad_loops(params, x, target) -> tuple[float, np.ndarray]:
    """The C library's forward pass and update direction, ported loop for loop.

    params: (12,) in SPEC order; x, target: (n,).  Returns (mse, direction (12,)): the MSE of
    the forward pass at params (lstmlib timing), and the sum lstmlib_fit_unit subtracts,
    times lr, from the parameters.  Every expression keeps the C code's operation order.
    """
    W_fh, W_fx, b_f, W_ih, W_ix, b_i, W_Ch, W_Cx, b_C, W_oh, W_ox, b_o = (
        float(v) for v in np.asarray(params, dtype=float).reshape(12))
    x = [float(v) for v in np.asarray(x, dtype=float)]
    hat_h = [float(v) for v in np.asarray(target, dtype=float)]
    n = len(x)
    sig, tanh = _sigmoid, math.tanh
    f, i_, g, C, o, h = ([0.0] * n for _ in range(6))
    # lstmlib_run_unit: step t reads x(t-1); step 1 the biases alone.
    for t in range(n):
        if t == 0:
            f[t] = sig(b_f)
            i_[t] = sig(b_i)
            g[t] = tanh(b_C)
            C[t] = i_[t] * g[t]
            o[t] = sig(b_o)
        else:
            f[t] = sig(W_fh * h[t - 1] + W_fx * x[t - 1] + b_f)
            i_[t] = sig(W_ih * h[t - 1] + W_ix * x[t - 1] + b_i)
            g[t] = tanh(W_Ch * h[t - 1] + W_Cx * x[t - 1] + b_C)
            C[t] = f[t] * C[t - 1] + i_[t] * g[t]
            o[t] = sig(W_oh * h[t - 1] + W_ox * x[t - 1] + b_o)
        h[t] = o[t] * tanh(C[t])
    # lstmlib_fit_unit.  Parameter k of the 12 belongs to gate k // 3 (f, i, C~, o) and has
    # the direct term (h(t-1), x(t), 1)[k % 3].  The C code writes the 12 parts out; here
    # one loop keeps its association: slope * (W * last + direct) for the parameter's own
    # gate, (slope * W) * last for the three others.
    dh_last = [0.0] * 12
    dC_last = [0.0] * 12
    dE = [0.0] * 12
    for t in range(n):
        dh = [0.0] * 12
        dC = [0.0] * 12
        if t == 0:
            temp1 = tanh(C[t])
            temp2 = 1.0 / (1.0 + math.exp(-(W_ix * x[t] + b_i)))
            dh[5] = o[t] * (1.0 - temp1 * temp1) * g[t] * (1.0 - temp2) * temp2
            dh[4] = dh[5] * x[t]
            temp2 = tanh(W_Cx * x[t] + b_C)
            dh[8] = o[t] * (1.0 - temp1 * temp1) * i_[t] * (1.0 - temp2 * temp2)
            dh[7] = dh[8] * x[t]
            temp2 = 1.0 / (1.0 + math.exp(-(W_ox * x[t] + b_o)))
            dh[11] = temp1 * (1.0 - temp2) * temp2
            dh[10] = dh[11] * x[t]
            # dC stays 0.0 at t = 0: the C code never assigns it there.
        else:
            hp = h[t - 1]
            sf = 1.0 / (1.0 + math.exp(-(W_fh * hp + W_fx * x[t] + b_f)))
            si = 1.0 / (1.0 + math.exp(-(W_ih * hp + W_ix * x[t] + b_i)))
            sc = tanh(W_Ch * hp + W_Cx * x[t] + b_C)
            so = 1.0 / (1.0 + math.exp(-(W_oh * hp + W_ox * x[t] + b_o)))
            slopes = (sf * (1.0 - sf), si * (1.0 - si), 1.0 - sc * sc, so * (1.0 - so))
            weights = (W_fh, W_ih, W_Ch, W_oh)
            tC = tanh(C[t])
            direct = (hp, x[t], 1.0)
            for k in range(12):
                own, d = divmod(k, 3)
                last = dh_last[k]
                temp_f, temp_i, temp_c, temp_o = (
                    slopes[q] * (weights[q] * last + direct[d]) if q == own
                    else slopes[q] * weights[q] * last
                    for q in range(4))
                dC[k] = temp_f * C[t - 1] + f[t] * dC_last[k] + temp_i * g[t] + i_[t] * temp_c
                dh[k] = temp_o * tC + o[t] * (1.0 - tC * tC) * dC[k]
        for k in range(12):
            dE[k] = dE[k] + 2.0 / n * (h[t] - hat_h[t]) * dh[k]
        dh_last, dC_last = dh, dC
    s = 0.0
    for t in range(n - 1, -1, -1):   # lstmlib_get_mse sums from the end
        e = h[t] - hat_h[t]
        s += e * e
    return s / n, np.array(dE)


# ---------------------------------------------------------------- adjoint form
#
# Write s(t) = (dh(t)/dp, dC(t)/dp).  For t > 1 the C code's recurrence is, with the slopes
# a_g of the gates recomputed from x(t), k = o (1 - tanh(C)^2), D = a_o W_oh tanh(C) and
# A = a_f W_fh C(t-1) + a_i W_ih C~ + i a_c W_Ch (all per step, shared by the 12 parameters):
#
#     dC(t) = A dh(t-1) + f dC(t-1) + u_C(t)        u_C = a_f C(t-1) d_f + a_i C~ d_i + i a_c d_C
#     dh(t) = D dh(t-1) + k dC(t)   + u_o(t)        u_o = a_o tanh(C) d_o
#
# where d_g is the parameter's direct term in gate g (h(t-1), x(t) or 1, zero in the other
# gates).  At t = 1, dC(1) = 0 and dh(1) = k u_C + u_o with h(0) = C(0) = 0, the same u.
# The update sums e(t) dh(t), e = 2/n (h - target); its adjoint (lam_h, lam_C) runs backward:
#
#     g(t) = k(t) lam_h(t) + lam_C(t)
#     lam_h(t-1) = e(t-1) + D(t) lam_h(t) + A(t) g(t),   lam_C(t-1) = f(t) g(t)
#
# and the update is sum_t g(t) u_C(t) + lam_h(t) u_o(t), with g(1) = k(1) lam_h(1) because
# dC(1) is held at zero.

# sigmoid(z) = (1 + tanh(z/2)) / 2, so one tanh over the four gates gives every slope:
# sigmoid' = (1 - tanh(z/2)^2) / 4 and tanh' = 1 - tanh(z)^2.  Rows f, i, C~, o.
_HALF = np.array([0.5, 0.5, 1.0, 0.5])
_QUARTER = np.array([0.25, 0.25, 1.0, 0.25])


def _adjoint(p, x, target, f, i, g, o, c, h):
    """The C library's update direction from a forward pass with lstmlib timing.

    p: (12,) or (K, 12); every sequence (n,), or time-major (n, K) for a population.
    Returns the direction shaped like p.  About 30 numpy calls on whole sequences and one
    loop over time (Python floats for one model, rows over K for a population).
    """
    pop = h.ndim == 2
    w = np.moveaxis(p.reshape(p.shape[:-1] + (4, 3)), -2, 0)      # (4, [K,] 3)
    extra = (slice(None), None) if not pop else (slice(None), None, slice(None))
    wh, wx, wb = (w[..., j][extra] for j in range(3))             # (4, 1[, K])
    col = (slice(None), None) if not pop else (slice(None), None, None)
    h_prev = np.zeros_like(h)
    h_prev[1:] = h[:-1]
    c_prev = np.zeros_like(c)
    c_prev[1:] = c[:-1]
    # The gates recomputed from x(t) and h(t-1), as the C code does: (4, n[, K]).
    z = wh * h_prev
    z += wx * x
    z += wb
    z *= _HALF[col]
    np.tanh(z, out=z)
    z *= z
    slope = 1.0 - z
    slope *= _QUARTER[col]                                       # a_f, a_i, a_c, a_o
    tc = np.tanh(c)
    k = o * (1.0 - tc * tc)
    aw = slope * wh
    D = aw[3] * tc
    A = aw[0] * c_prev + aw[1] * g + aw[2] * i
    n = h.shape[0]
    e = (2.0 / n) * (h - target)
    if pop:
        lam_h, gC = (np.array(a) for a in _backward(e, D, A, k, f))
    else:
        # One model: the recurrence on Python floats (a numpy call per step costs more).
        lam_h, gC = (np.array(a) for a in _backward(e.tolist(), D.tolist(), A.tolist(),
                                                     k.tolist(), f.tolist()))
    # Per gate, what multiplies its direct terms (h(t-1), x(t), 1) in the sum.
    coef = np.stack([c_prev, g, i, tc])
    coef *= slope
    coef[:3] *= gC
    coef[3] *= lam_h
    if pop:
        out = np.stack([np.einsum("gtk,tk->kg", coef, h_prev), np.einsum("gtk,tk->kg", coef, x),
                        coef.sum(axis=1).T], axis=-1)             # (K, 4, 3)
    else:
        out = np.stack([coef @ h_prev, coef @ x, coef.sum(axis=1)], axis=-1)   # (4, 3)
    return out.reshape(p.shape)


def _backward(e, D, A, k, f):
    """lam_h(t) and g(t) = k lam_h + lam_C for t = n..1 (see above), in time order, with
    g(1) = k(1) lam_h(1).  Works on lists of floats or on rows of arrays."""
    lam_h = e[-1]
    lam_c = 0.0 * lam_h
    out_h, out_g = [lam_h], []
    keep_h, keep_g = out_h.append, out_g.append
    # zip over reversed slices: indexing five lists per step cost a third of the loop.
    for e_t, d, a, k_t, f_t in zip(reversed(e[:-1]), reversed(D[1:]), reversed(A[1:]),
                                   reversed(k[1:]), reversed(f[1:])):
        g_t = k_t * lam_h + lam_c
        keep_g(g_t)
        lam_h = e_t + d * lam_h + a * g_t
        lam_c = f_t * g_t
        keep_h(lam_h)
    keep_g(k[0] * lam_h)
    out_h.reverse()
    out_g.reverse()
    return out_h, out_g


def mse_and_grad(params, x, target):
    """MSE (lstmlib timing) and the C library's update direction, by one adjoint pass.

    params: (12,) for one model or (K, 12) for a population; x, target: (n,) shared, or
    (K, n) per model.  Returns (mse, direction): a float and (12,), or (K,) and (K, 12).
    The direction agrees with :func:`grad_loops` to about 1e-15 relative.
    """
    p = np.asarray(params, dtype=float)
    if p.ndim == 1:
        x = np.asarray(x, dtype=float)
        t = np.asarray(target, dtype=float)
        layer = _single.layer_forward(p, _delayed(x))
        f, i, g, o = layer.gates
        err = layer.h - t
        return float(err.dot(err)) / x.shape[0], _adjoint(p, x, t, f, i, g, o, layer.c, layer.h)
    kk = p.shape[0]
    xb = _time_major(x, kk)
    tb = _time_major(target, kk)
    layer = _population.layer_forward(p, np.ascontiguousarray(_delayed(xb)))
    f, i, g, o = np.moveaxis(layer.gates, 1, 0)
    err = layer.h - tb
    mse = np.einsum("tk,tk->k", err, err) / xb.shape[0]
    return mse, _adjoint(p, xb, tb, f, i, g, o, layer.c, layer.h)


def _time_major(seq, k: int) -> np.ndarray:
    s = np.asarray(seq, dtype=float)
    if s.ndim == 1:
        return np.ascontiguousarray(np.broadcast_to(s[:, None], (s.shape[0], k)))
    return np.ascontiguousarray(s.T)


def _delayed(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    out[1:] = x[:-1]
    return out

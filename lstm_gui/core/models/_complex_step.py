"""The exact gradient in any numpy dtype, so that it can be differentiated by complex step.

For an analytic f, ``Im f(p + i*h*v) / h = f'(p) v`` with an error of order h**2 and no
subtraction, so with h = 1e-30 the result is exact to rounding.  Applied to the gradient,
one complex evaluation per direction v gives a Hessian column: forward-over-reverse
differentiation without writing the tangent code by hand.  The fast kernels (``_single``,
``_population``) compute in float64 in place, so this is a plain, dtype-generic
restatement of the same backpropagation through time, vectorised over K models.
Everything here is analytic (no abs, no comparisons), as complex step requires.
"""
from __future__ import annotations

import numpy as np

from ._population import Cancelled

# Steps between two should_continue() questions: a step of 12 complex probes takes ~0.2 ms
# here, so a stop waits ~0.1 s (the Hessian of 200 000 points ran for minutes uncancellable).
STEPS_PER_CHECK = 512


def _sigmoid(z):
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def loss_and_grad(p: np.ndarray, x: np.ndarray, target: np.ndarray, delay: int,
                  should_continue=None):
    """p (K, units, 12) of any float or complex dtype; x, target (n,) real.

    Returns mse (K,) and its gradient (K, units, 12), in p's dtype.  should_continue() is
    asked every STEPS_PER_CHECK steps of each pass; False raises :class:`Cancelled`.
    """
    k, units, _ = p.shape
    n = x.shape[0]
    seq = np.broadcast_to(x.astype(p.dtype)[:, None], (n, k))
    saved = []
    for u in range(units):
        x_in = np.zeros_like(seq)
        x_in[delay:] = seq[:n - delay]
        layer = _forward(p[:, u], x_in, should_continue)
        saved.append(layer)
        seq = layer["h"]
    err = seq - target[:, None]
    mse = (err * err).sum(axis=0) / n
    e = (2.0 / n) * err
    grad = np.empty_like(p)
    for u in range(units - 1, -1, -1):
        grad[:, u], dx_in = _backward(p[:, u], saved[u], e, should_continue)
        e = np.zeros_like(dx_in)
        e[:n - delay] = dx_in[delay:]
    return mse, grad


def _check(s, should_continue) -> None:
    if s % STEPS_PER_CHECK == 0 and should_continue is not None and not should_continue():
        raise Cancelled


def _forward(p, x_in, should_continue=None):
    """One unit per model, p (K, 12), x_in (n, K): every sequence, time-major (n, K)."""
    n, k = x_in.shape
    w = p.reshape(k, 4, 3)
    names = ("f", "i", "g", "o", "c", "h", "c_prev", "h_prev")
    out = {name: np.empty((n, k), dtype=p.dtype) for name in names}
    h = np.zeros(k, dtype=p.dtype)
    c = np.zeros(k, dtype=p.dtype)
    for s in range(n):
        _check(s, should_continue)
        z = w[:, :, 0] * h[:, None] + w[:, :, 1] * x_in[s][:, None] + w[:, :, 2]   # (K, 4)
        f, i, o = _sigmoid(z[:, 0]), _sigmoid(z[:, 1]), _sigmoid(z[:, 3])
        g = np.tanh(z[:, 2])
        out["c_prev"][s], out["h_prev"][s] = c, h
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip(names[:6], (f, i, g, o, c, h)):
            out[name][s] = value
    out["x_in"] = x_in
    return out


def _backward(p, a, e, should_continue=None):
    """Gradient (K, 12) and dE/dx_in (n, K) of one unit per model, e = dE/dh(t) (n, K)."""
    n, k = e.shape
    w = p.reshape(k, 4, 3)
    tc = np.tanh(a["c"])
    dh_next = np.zeros(k, dtype=p.dtype)
    dc_next = np.zeros(k, dtype=p.dtype)
    f_next = np.zeros(k, dtype=p.dtype)
    dz = np.empty((n, k, 4), dtype=p.dtype)
    for s in range(n - 1, -1, -1):
        _check(s, should_continue)
        dh = e[s] + dh_next
        dc = dh * a["o"][s] * (1 - tc[s] ** 2) + dc_next * f_next
        f, i, g, o = a["f"][s], a["i"][s], a["g"][s], a["o"][s]
        dz[s, :, 0] = dc * a["c_prev"][s] * f * (1 - f)
        dz[s, :, 1] = dc * g * i * (1 - i)
        dz[s, :, 2] = dc * i * (1 - g * g)
        dz[s, :, 3] = dh * tc[s] * o * (1 - o)
        dh_next = (dz[s] * w[:, :, 0]).sum(axis=1)
        dc_next = dc
        f_next = f
    inputs = np.stack([a["h_prev"], a["x_in"], np.ones_like(a["x_in"])], axis=-1)  # (n, K, 3)
    grad = np.einsum("skg,skj->kgj", dz, inputs).reshape(k, 12)
    dx_in = np.einsum("skg,kg->sk", dz, w[:, :, 1])
    return grad, dx_in

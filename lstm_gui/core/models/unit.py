"""The single-input, single-output LSTM unit of docs/unit.md: forward pass and exact gradient.

Parameters come in three shapes, and every result mirrors the shape it was given:

* ``(12,)``          one unit
* ``(units, 12)``    a chain: unit u+1 reads the output sequence of unit u
* ``(K, units, 12)`` a population of K independent chains, computed at once

One model runs its recurrences on Python floats (``_single``), which is several times
faster than numpy on length-1 arrays; a population runs them on numpy rows over K
(``_population``).  This module validates, chains units and assembles the results.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._memory import keep_freed_memory
from . import _population, _single
from .model import N_PARAMS, PARAM_NAMES  # noqa: F401 (the unit's names, from its description)

# One model's forward pass takes the compiled kernel from this many steps on: the Python-float
# recurrence costs ~2-7 us a step here, so a snapshot of a 1 000 000-point run (its trace and
# its 3 000 000-step continuation) took 7-15 s on the window's thread, at every pause and at
# close.  Below it the Python recurrence stays (the same numbers to rounding, 1e-12).
COMPILED_FROM = 20_000


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
    if s.shape[1] == k:
        return np.ascontiguousarray(s)
    # One sequence for every model stays a broadcast view: the population code sees the
    # stride 0 and uses matrix products where the sequence is an operand.
    return np.broadcast_to(s, (s.shape[0], k))


def _check_delay(delay: int) -> int:
    if delay not in (0, 1):
        raise ValueError(f"delay must be 0 or 1, got {delay!r}")
    return delay


def one_sequence(x, target, delay: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """(x (n,), target (n,), delay), checked: the one sequence an analysis of one model or of
    a population of planes reads (gradient flow, the landscape, the Hessian)."""
    xs = _as_batch(x, "x", 1, False)[:, 0]
    ts = _as_batch(target, "target", 1, False)[:, 0]
    if xs.shape != ts.shape:
        raise ValueError(f"x and target must have the same length, got {xs.size} and {ts.size}")
    return xs, ts, _check_delay(delay)


def _delayed(x: np.ndarray, delay: int) -> np.ndarray:
    """x shifted down by `delay` steps along time, zeros in front: lstmlib's timing."""
    if delay == 0:
        return x
    if _population.shared(x):
        return np.broadcast_to(_delayed(x[:, :1], delay), x.shape)
    out = np.zeros_like(x)
    out[delay:] = x[:-delay]
    return out


# ---------------------------------------------------------------- models

def _chain(layer_forward, units, x: np.ndarray, delay: int) -> list:
    """Forward passes of the units in order, each reading the output of the one before."""
    layers = []
    seq = x
    for p in units:
        layers.append(layer_forward(p, _delayed(seq, delay)))
        seq = layers[-1].h
    return layers


def _pass_back(dx_in: np.ndarray, delay: int) -> np.ndarray:
    """dE/dx_in of a unit as dE/dh of the unit before it (undoing the delay)."""
    if delay == 0:
        return dx_in
    e = np.zeros_like(dx_in)
    e[:-delay] = dx_in[delay:]
    return e


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
    lead = shape[:-1]
    if p.shape[0] == 1:
        # One model: (units, n) per sequence; the gates are (units, 4, n).
        layers = _chain(_one_forward(xb.shape[0]), p[0], xb[:, 0], delay)
        seqs = {name: np.stack([getattr(layer, name) for layer in layers])
                for name in ("x_in", "gates", "c", "h")}
        h = seqs["h"][-1][None]
    else:
        # (units, n, K) -> (K, units, n); the gates (units, n, 4, K) -> (K, units, 4, n).
        layers = _chain(_population.layer_forward, p.transpose(1, 0, 2), xb, delay)
        seqs = {name: np.stack([getattr(layer, name) for layer in layers]).transpose(2, 0, 1)
                for name in ("x_in", "c", "h")}
        seqs["gates"] = np.stack([layer.gates for layer in layers]).transpose(3, 0, 2, 1)
        h = seqs["h"][:, -1, :]

    def shaped(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a.reshape(lead + a.shape[-1:]))

    gates = seqs["gates"]
    return Trace(
        h=np.ascontiguousarray(h if population else h[0]),
        f=shaped(gates[..., 0, :]),
        i=shaped(gates[..., 1, :]),
        c_tilde=shaped(gates[..., 2, :]),
        c=shaped(seqs["c"]),
        o=shaped(gates[..., 3, :]),
        h_units=shaped(seqs["h"]),
        x_in=shaped(seqs["x_in"]),
    )


def _one_forward(n: int):
    """The forward pass of one unit over n steps: the compiled kernel's for a long sequence
    when it is on, else the Python recurrence (:data:`COMPILED_FROM`)."""
    if n >= COMPILED_FROM:
        from . import compiled
        if compiled.active() == "compiled":
            return _compiled_layer_forward
    return _single.layer_forward


def _compiled_layer_forward(p: np.ndarray, x_in: np.ndarray) -> _single.Layer:
    """_single.layer_forward on the compiled kernel (without the GIL): p (12,), x_in (n,)."""
    from . import compiled
    n = x_in.shape[0]
    x = np.ascontiguousarray(x_in, dtype=float)
    gates = np.empty((4, n))
    c, tc, h = np.empty(n), np.empty(n), np.empty(n)
    compiled.kernels().layer_forward(np.ascontiguousarray(p, dtype=float), x, gates[0], gates[1],
                                     gates[2], c, gates[3], tc, h)
    c_prev = np.empty(n)
    h_prev = np.empty(n)
    c_prev[0] = h_prev[0] = 0.0
    c_prev[1:], h_prev[1:] = c[:-1], h[:-1]
    return _single.Layer(x_in, gates, c, h, c_prev, h_prev)


def output(params, x, delay: int = 0) -> np.ndarray:
    """h (n,) of one model (12,) or (units, 12) over x (n,): :func:`forward`'s output alone,
    without gathering its gates into a Trace (at 3 000 000 steps that took 0.9 s)."""
    shape, p, population, xb, delay = _prepare(params, x, delay)
    if population:
        raise ValueError("output takes one model: params (12,) or (units, 12)")
    return _chain(_one_forward(xb.shape[0]), p[0], xb[:, 0], delay)[-1].h


def check(params, x, target, delay: int = 0) -> None:
    """What :func:`mse_and_grad` checks of one model and its sequence (shapes, finite numbers,
    the delay), without its passes: ValueError in one line."""
    _as_models(params)
    one_sequence(x, target, delay)


def mse_and_grad(params, x, target, delay: int = 0):
    """Mean squared error of the output against target, and its exact gradient.

    E = (1/n) sum_t (h(t) - target(t))^2, differentiated by backpropagation through time
    through every unit of a chain.  Returns ``(mse, grad)``: a float and an array shaped
    like params, or for a population (K, units, 12) a (K,) array and a (K, units, 12) array.
    """
    shape, p, population, xb, delay = _prepare(params, x, delay)
    tb = _as_batch(target, "target", p.shape[0], population)
    if tb.shape[0] != xb.shape[0]:
        raise ValueError(
            f"x and target must have the same length, got {xb.shape[0]} and {tb.shape[0]}")
    if not population:
        mse, grad = model_loss_and_grad(p[0], xb[:, 0], tb[:, 0], delay)
        return mse, grad.reshape(shape)
    if p.shape[0] > 1:
        keep_freed_memory()
    return loss_and_grad(p, xb, tb, delay)


def loss_and_grad(p: np.ndarray, xb: np.ndarray, tb: np.ndarray, delay: int):
    """The unchecked work of :func:`mse_and_grad` for a population, for callers that
    validated once.  p: (K, units, 12); xb, tb: time-major (n, K).

    Returns mse (K,) and grad (K, units, 12).
    """
    if p.shape[0] == 1:
        mse, grad = model_loss_and_grad(p[0], xb[:, 0], tb[:, 0], delay)
        return np.array([mse]), grad[None]
    layers = _chain(_population.layer_forward, p.transpose(1, 0, 2), xb, delay)
    n = xb.shape[0]
    err = layers[-1].h - tb
    mse = np.einsum("tk,tk->k", err, err) / n
    e = err
    e *= 2.0 / n
    grad = np.empty_like(p)
    for u in range(p.shape[1] - 1, -1, -1):
        grad[:, u, :], dx_in = _population.layer_backward(p[:, u, :], layers[u], e, need_dx=u > 0)
        if u:
            e = _pass_back(dx_in, delay)
    return mse, grad


def model_loss_and_grad(p: np.ndarray, x: np.ndarray, t: np.ndarray, delay: int):
    """:func:`loss_and_grad` for one model, unchecked: p (units, 12), x and t (n,).

    Returns the MSE (a float) and the gradient (units, 12).  A training run calls this
    every epoch, so it skips the wrapping into a population of one.
    """
    layers = _chain(_single.layer_forward, p, x, delay)
    n = x.shape[0]
    err = layers[-1].h - t
    mse = float(err.dot(err)) / n
    e = err
    e *= 2.0 / n
    grad = np.empty_like(p)
    for u in range(p.shape[0] - 1, -1, -1):
        grad[u], dx_in = _single.layer_backward(p[u], layers[u], e, need_dx=u > 0)
        if u:
            e = _pass_back(dx_in, delay)
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

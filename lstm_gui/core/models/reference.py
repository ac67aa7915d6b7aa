"""The readable numpy reference of a whole :class:`Model`: layers, directions, readout, loss.

The cells are in reference_lstm (the LSTM family) and reference_gru.  This module stacks them:

    X_0 = x (n, B, m)
    layer k: each direction d runs its cell over X_k (reverse: over X_k reversed in time),
             H_k = [h_forward, h_reverse]                        (n, B, H * dirs)
             X_{k+1} = H_k * mask_k        dropout, training only: mask 0 or 1/(1-p)
    y = H_last @ w_y + b_y                  (n, B); without readout y = h (H = 1)
    E = mean over all outputs of (y - target)^2          sequence-to-sequence, target (n, B)
    E = mean over b of (y[n-1, b] - target[b])^2          sequence-to-one, target (B,)

delay=1 feeds each layer X_k delayed by one step, [0, X_k(1), ..., X_k(n-1)]: lstmlib's
timing (SPEC.md).  A single sequence is a batch of one: x (n,) or (n, m), target (n,) or ().
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import reference_gru, reference_lstm

if TYPE_CHECKING:     # for the annotations only: model.py imports this module (no cycle)
    from .model import Model


@dataclass(frozen=True)
class Trace:
    """Every per-step array of a forward pass.

    y: outputs (n, B).  states: name -> (layers, dirs, n, B, H), the names of
    :func:`state_names` (LSTM family: f, i, c_tilde, c, o, h; GRU: r, z, n, h), at the
    sequence's own time steps (the reverse direction is flipped back).
    x_in: what layer 0 read after the delay, (n, B, m).
    """

    y: np.ndarray
    states: dict[str, np.ndarray]
    x_in: np.ndarray


def state_names(model: Model) -> tuple[str, ...]:
    """The per-step arrays a trace holds for this model's family."""
    return ("r", "z", "n", "h") if model.family.is_gru else ("f", "i", "c_tilde", "c", "o", "h")


# ---------------------------------------------------------------- shapes

def as_batch(model: Model, x) -> tuple[np.ndarray, bool]:
    """x as (n, B, m) float64, and whether it was a batch; ValueError in one line otherwise."""
    a = np.asarray(x, dtype=np.float64)
    m = model.inputs
    if a.ndim == 1 and m == 1:
        a, batch = a[:, None, None], False
    elif a.ndim == 2 and a.shape[1] == m:
        a, batch = a[:, None, :], False
    elif a.ndim == 3 and a.shape[2] == m:
        batch = True
    else:
        one = "(n,) or " if m == 1 else ""
        raise ValueError(f"x must have shape {one}(n, {m}) or (n, B, {m}) for {m} "
                         f"input{'s' if m > 1 else ''}, got {a.shape}")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"x must hold at least one step of one sequence, got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("x contains NaN or infinite values")
    return a, batch


def as_target(target, n: int, B: int, batch: bool) -> tuple[np.ndarray, bool]:
    """target as (n, B) (sequence-to-sequence) or (B,) (sequence-to-one), and which."""
    t = np.asarray(target, dtype=np.float64)
    seq, one = ((n, B), (B,)) if batch else ((n,), ())
    if t.shape == seq:
        t, last = t.reshape(n, B), False
    elif t.shape == one:
        t, last = t.reshape(B), True
    else:
        raise ValueError(f"target must have shape {seq} (every step) or {one} (the last step), "
                         f"got {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError("target contains NaN or infinite values")
    return t, last


def _delayed(x: np.ndarray, delay: int) -> np.ndarray:
    if delay not in (0, 1):
        raise ValueError(f"delay must be 0 or 1, got {delay!r}")
    if delay == 0:
        return x
    out = np.zeros_like(x)
    out[1:] = x[:-1]
    return out


def dropout_masks(model: Model, rng: np.random.Generator | None, n: int, B: int) -> list:
    """One mask per layer boundary, (n, B, H * dirs): 0 with probability p, else 1/(1-p).

    None for each boundary when rng is None (evaluation) or p = 0.
    """
    p = model.dropout
    if rng is None or p == 0.0:
        return [None] * (model.layers - 1)
    shape = (n, B, model.hidden * model.dirs)
    return [(rng.random(shape) >= p) / (1.0 - p) for _ in range(model.layers - 1)]


# ---------------------------------------------------------------- one pass

def _cell_forward(model: Model, cell: dict, x: np.ndarray):
    if model.family.is_gru:
        return reference_gru.forward(cell, x)
    return reference_lstm.forward(model.family, cell, x)


def _cell_backward(model: Model, cell: dict, steps, dh: np.ndarray, grad: dict) -> np.ndarray:
    if model.family.is_gru:
        return reference_gru.backward(cell, steps, dh, grad)
    return reference_lstm.backward(model.family, cell, steps, dh, grad)


def _run(model: Model, theta: np.ndarray, x: np.ndarray, delay: int, masks: list):
    """Forward through every layer: y (n, B), the last layer's output (n, B, H * dirs),
    each layer's input (n, B, m_k) and each layer's and direction's steps."""
    cells = model.cells(theta)
    inputs, steps = [], []
    seq = x
    for k in range(model.layers):
        if k and masks[k - 1] is not None:
            seq = seq * masks[k - 1]
        seq = _delayed(seq, delay)
        inputs.append(seq)
        per_dir = [_cell_forward(model, cells[k][0], seq)]
        if model.bidirectional:
            per_dir.append(_cell_forward(model, cells[k][1], seq[::-1]))
        steps.append(per_dir)
        seq = np.concatenate([per_dir[0].h] + [s.h[::-1] for s in per_dir[1:]], axis=2)
    ro = model.readout_views(theta)
    y = seq @ ro[0] + ro[1][0] if ro is not None else seq[:, :, 0]
    return y, seq, inputs, steps


def forward(model: Model, theta: np.ndarray, x, delay: int = 0) -> np.ndarray:
    """Outputs y: (n,) for one sequence, (n, B) for a batch (no dropout)."""
    xb, batch = as_batch(model, x)
    y = _run(model, theta, xb, delay, [None] * (model.layers - 1))[0]
    return y if batch else y[:, 0]


def trace(model: Model, theta: np.ndarray, x, delay: int = 0) -> Trace:
    """Every per-step array of the forward pass (no dropout); see :class:`Trace`."""
    xb, _ = as_batch(model, x)
    y, _, inputs, steps = _run(model, theta, xb, delay, [None] * (model.layers - 1))
    states = {}
    for name in state_names(model):
        states[name] = np.stack([
            np.stack([getattr(s, name) if d == 0 else getattr(s, name)[::-1]
                      for d, s in enumerate(per_dir)]) for per_dir in steps])
    return Trace(y, states, inputs[0])


def _loss(y: np.ndarray, tb: np.ndarray, last: bool) -> tuple[float, np.ndarray]:
    """E and dE/dy (n, B) for outputs y (n, B)."""
    dy = np.zeros_like(y)
    if last:
        err = y[-1] - tb
        dy[-1] = 2.0 / err.size * err
    else:
        err = y - tb
        dy[:] = 2.0 / err.size * err
    return float(np.mean(err * err)), dy


def loss(model: Model, theta: np.ndarray, x, target, delay: int = 0,
         rng: np.random.Generator | None = None) -> float:
    """The MSE alone (a forward pass); see :meth:`Model.loss_and_grad`."""
    xb, batch = as_batch(model, x)
    n, B, _ = xb.shape
    tb, last = as_target(target, n, B, batch)
    y = _run(model, theta, xb, delay, dropout_masks(model, rng, n, B))[0]
    return _loss(y, tb, last)[0]


def loss_and_grad(model: Model, theta: np.ndarray, x, target, delay: int = 0,
                  rng: np.random.Generator | None = None) -> tuple[float, np.ndarray]:
    """MSE and its exact gradient (size,); see :meth:`Model.loss_and_grad`."""
    xb, batch = as_batch(model, x)
    n, B, _ = xb.shape
    tb, last = as_target(target, n, B, batch)
    masks = dropout_masks(model, rng, n, B)
    y, top, _, steps = _run(model, theta, xb, delay, masks)
    loss, dy = _loss(y, tb, last)

    grad = np.zeros(model.size)
    ro, gro = model.readout_views(theta), model.readout_views(grad)
    if ro is not None and gro is not None:       # y = top @ w_y + b_y
        gro[0][...] = np.einsum("tb,tbj->j", dy, top)
        gro[1][...] = dy.sum()
        dtop = dy[:, :, None] * ro[0]
    else:                                         # y = h
        dtop = dy[:, :, None]

    cells, gcells = model.cells(theta), model.cells(grad)
    H = model.hidden
    for k in reversed(range(model.layers)):
        dx = _cell_backward(model, cells[k][0], steps[k][0], dtop[:, :, :H], gcells[k][0])
        if model.bidirectional:
            dx_rev = _cell_backward(model, cells[k][1], steps[k][1], dtop[::-1, :, H:],
                                    gcells[k][1])
            dx = dx + dx_rev[::-1]
        if k == 0:
            break
        if delay:                                 # undo the delay: X(t) was read at t+1
            dx = np.concatenate([dx[1:], np.zeros_like(dx[:1])])
        dtop = dx if masks[k - 1] is None else dx * masks[k - 1]
    return loss, grad

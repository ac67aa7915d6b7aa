"""The loss landscape around a model: the MSE over a plane of parameters, and its curvature.

A plane is the current parameters plus ``alpha * d1 + beta * d2``; every point of a grid is
one model, and the grid is evaluated as populations (the population forward pass of
:mod:`unit`, params of shape (K, units, 12), in chunks of CHUNK models), so a 64 x 64 grid
costs four vectorised forward passes rather than 4 096 loops.  The directions
to choose from are in :mod:`lstm_gui.core.directions`.

Any other :class:`Model` (a layer of H units, stacked layers, GRU, the variants): its flat
theta (size,) and :func:`model_grid`, one forward pass of the compiled kernel per point
(:func:`model_loss_function`), and :func:`model_hessian`.
"""
from __future__ import annotations

import numpy as np

from .. import limits
from ..models import Model, _complex_step, _population, compiled, unit

_UNIT_SIZE = Model().size     # numbers per unit of the chains this module maps

# Models per population call.  A 64 x 64 grid at n = 100 (medians of 7): 31 ms in chunks of
# 256, 11 ms in 512, 9 ms in 1 024, 46 ms in 4 096: a chunk's per-step rows (4, K) must stay
# in the cache, and its call overhead must be shared by enough models.
CHUNK = 1024
# Complex step: Im f(p + ih) / h has no cancellation, so h can be tiny; the error is O(h^2).
_COMPLEX_STEP = 1e-30


def plane_points(params, d1, d2, alphas, betas) -> np.ndarray:
    """params + alphas[i] d1 + betas[j] d2 for every (i, j): (len(alphas), len(betas)) + shape."""
    p, a, b = _same_shape(params, d1, d2)
    alphas = np.asarray(alphas, dtype=float)
    betas = np.asarray(betas, dtype=float)
    ext = (slice(None),) + (None,) * p.ndim
    return (p + alphas[ext][:, None] * a + betas[ext][None, :] * b)


def grid(params, x, target, d1, d2, span: float, size: int, delay: int = 0, should_continue=None):
    """The MSE over a square of the plane through params spanned by d1, d2.

    params, d1, d2: (12,) or (units, 12); x, target (n,).  Returns ``(alphas, betas, mse)``,
    ``alphas = betas = linspace(-span, span, size)`` and ``mse[i, j]`` (size, size) the MSE at
    ``params + alphas[i] * d1 + betas[j] * d2``.
    """
    if not (np.isfinite(span) and span > 0):
        raise ValueError(f"span must be a positive number, got {span!r}")
    if int(size) != size or size < 2:
        raise ValueError(f"size must be a whole number of at least 2, got {size!r}")
    size = int(size)
    alphas = np.linspace(-span, span, size)
    betas = alphas.copy()
    points = plane_points(params, d1, d2, alphas, betas)
    models = points.reshape(size * size, -1, _UNIT_SIZE)
    return alphas, betas, population_mse(models, x, target, delay, should_continue).reshape(size, size)


# A long map given up because its caller asked (a window closing): between chunks, and on
# the numpy path every few thousand steps inside one (models/_population).
Cancelled = _population.Cancelled
# Model-steps (models x units x points) per chunk: a compiled chunk of 33 models x 200 000
# points (all the memory budget allowed) ran for seconds without a stop; 2e6 is ~0.1-0.2 s.
STEPS_PER_CHUNK = 2_000_000


def population_mse(models: np.ndarray, x, target, delay: int = 0, should_continue=None) -> np.ndarray:
    """MSE of K models (K, units, 12) on one sequence, in populations of at most CHUNK: (K,).

    Models with non-finite parameters (a far plane of a huge direction) get NaN.
    """
    xs, ts, delay = unit.one_sequence(x, target, delay)
    out = np.empty(models.shape[0])
    finite = np.isfinite(models).all(axis=(1, 2))
    out[~finite] = np.nan
    index = np.flatnonzero(finite)
    def chunk_mse(m, x, t, d):
        return _chunk_mse(m, x, t, d, should_continue)
    budget = limits.MAX_WORK_BYTES
    if compiled.active() == "compiled":
        # The compiled population kernel runs without the GIL: a map computed while the window
        # trains no longer takes the GIL from the training thread (it slowed training to
        # 0.70-0.73 of its speed with the landscape shown).  It computes the gradient too; the
        # MSE is the same to the last bits a test can tell (1e-12).
        from ..models.compiled.calls import model_loss_and_grad, population_loss_and_grad
        work = limits.population_work_bytes(models.shape[1], xs.size)
        if 2 * work <= budget:
            def chunk_mse(m, x, t, d):
                return population_loss_and_grad(m, x, t, d)[0]
            budget -= work
        else:
            # Its work array (2 KiB per unit and step, whatever the models) would take most of
            # the budget or more (2 GiB at 1 000 000 points): one model at a time, on the
            # kernel's own pass (80 bytes per unit and step), also without the GIL.
            def chunk_mse(m, x, t, d):
                return np.array([model_loss_and_grad(mi, x, t, d)[0] for mi in m])
    # Fewer models at once on a long sequence: the one memory budget (core/limits) holds.
    chunk = limits.population_chunk(models.shape[1], xs.size, CHUNK, budget)
    # And few enough that one chunk is short: a stop is answered between chunks.
    chunk = max(1, min(chunk, STEPS_PER_CHUNK // max(models.shape[1] * xs.size, 1)))
    for start in range(0, index.size, chunk):
        # Checked between chunks, each bounded by the memory budget: a close during a map of
        # 100 000-1 000 000 points waited 20-207 s for the whole grid.
        if should_continue is not None and not should_continue():
            raise Cancelled
        part = index[start:start + chunk]
        out[part] = chunk_mse(models[part], xs, ts, delay)
    return out


def _chunk_mse(models: np.ndarray, x: np.ndarray, target: np.ndarray, delay: int,
               should_continue=None) -> np.ndarray:
    """The population forward pass alone: unit.mse would also reshape every gate sequence
    into a Trace (transposed copies of (n, 4, K)), which took most of the time."""
    if models.shape[0] == 1 and should_continue is None:
        return np.array([unit.mse(models[0], x, target, delay)])
    xb = np.broadcast_to(x[:, None], (x.size, models.shape[0]))   # shared: BLAS input part

    def forward(p, x_in):
        return _population.layer_forward(p, x_in, should_continue)
    layers = unit._chain(forward, models.transpose(1, 0, 2), xb, delay)
    err = layers[-1].h - target[:, None]
    return np.einsum("tk,tk->k", err, err) / x.size


def hessian(params, x, target, delay: int = 0, should_continue=None) -> np.ndarray:
    """The exact Hessian of the MSE, (P, P) with P = params.size, in the flat order of params.

    Column j is the complex-step derivative of the exact gradient along parameter j
    (forward-over-reverse: exact to rounding, no step-size trade-off), all P columns as one
    complex population.  Symmetrised: the two halves agree to rounding (about 1e-15 relative).
    ``should_continue`` is asked every few hundred steps (:class:`Cancelled`).
    """
    shape = np.shape(params)
    p = unit._as_models(params)
    if len(shape) == 3:
        raise ValueError("the Hessian takes one model: params (12,) or (units, 12)")
    xs, ts, delay = unit.one_sequence(x, target, delay)
    units = p.shape[1]
    limits.check_work_bytes(limits.hessian_bytes(p[0].size, units, xs.size),
                            f"the Hessian of {units} unit{'s' if units > 1 else ''} on {xs.size:,} points")
    size = p[0].size
    probes = np.repeat(p.astype(complex), size, axis=0)           # (P, units, 12)
    probes.reshape(size, size)[np.diag_indices(size)] += 1j * _COMPLEX_STEP
    _, grads = _complex_step.loss_and_grad(probes, xs, ts, delay, should_continue)
    h = grads.imag.reshape(size, size) / _COMPLEX_STEP            # row j: d grad / d p_j
    return 0.5 * (h + h.T)


def curvature(h: np.ndarray, lr: float) -> tuple[float, float]:
    """(largest Hessian eigenvalue, 2 / lr): plain gradient descent with step lr diverges
    along a direction whose curvature exceeds 2 / lr."""
    return float(np.linalg.eigvalsh(h)[-1]), 2.0 / lr


# ---------------------------------------------------------------- any Model

# Models per cancellation check: one point is one forward pass (0.1-1 ms for an H = 16 model
# over 100 steps), so a close waits at most a few milliseconds.
MODEL_CHUNK = 8
# Central differences of the exact gradient for a Model's Hessian: the step balances the
# O(h^2) truncation against rounding (eps |g| / h): about 1e-10 relative here.
_HESSIAN_STEP = 1e-5


def model_loss_function(model: Model, data, delay: int = 0):
    """theta (size,) -> the MSE of model on data (a :class:`model_data.Data`), no dropout.

    The compiled kernel's forward pass when it computes this model (no lstmlib delay): the
    same numbers as the run's own ``current_mse`` (``model_training.mse``); else the numpy
    reference.  The buffers are allocated once, here, within the memory budget.
    """
    xs, ts, last = data.x, data.target, data.seq_to_one
    n, B, _ = xs.shape
    limits.check_work_bytes(
        limits.model_training_bytes(model.hidden, model.layers, model.dirs, n, B, B, model.inputs),
        f"a forward pass of this model over {B:,} sequence{'s' if B > 1 else ''} of {n:,} steps")
    plain = model if model.dropout == 0.0 else _without_dropout(model)
    if delay == 0 and compiled.active() == "compiled":
        from ..models.compiled import layer_kernels as lk
        from ..models.compiled.fast_model import FastModel
        args = FastModel(plain).layout.args(False)
        x = np.ascontiguousarray(xs)
        y = np.zeros((n, B))

        def loss(theta) -> float:
            # The kernel reads theta as is: a non-finite point gets NaN, not an error.
            lk.predict(np.ascontiguousarray(theta, dtype=float), *args, x, y)
            err = (y[-1] - ts) if last else (y - ts)
            return float(np.mean(err * err))
        return loss

    def reference_loss(theta) -> float:
        return plain.loss(theta, xs, ts, delay=delay)
    return reference_loss


def _without_dropout(model: Model) -> Model:
    from dataclasses import replace
    return replace(model, dropout=0.0)


def model_grid(model: Model, theta, data, d1, d2, span: float, size: int, delay: int = 0,
               should_continue=None):
    """The MSE of a Model over a square of the plane through theta (size,) spanned by d1, d2.

    Returns ``(alphas, betas, mse)`` as :func:`grid`.  One forward pass per point, each point's
    parameters made when it is evaluated (a 128 x 128 grid of 2 497 parameters would be
    330 MB at once); ``should_continue`` is asked every MODEL_CHUNK points (:class:`Cancelled`).
    """
    if not (np.isfinite(span) and span > 0):
        raise ValueError(f"span must be a positive number, got {span!r}")
    if int(size) != size or size < 2:
        raise ValueError(f"size must be a whole number of at least 2, got {size!r}")
    size = int(size)
    p, a, b = (model.check(v) for v in (theta, d1, d2))
    loss = model_loss_function(model, data, delay)
    alphas = np.linspace(-span, span, size)
    betas = alphas.copy()
    out = np.empty((size, size))
    done = 0
    # Asked at every point once a point is long (over 10 000 sequence steps: 40 ms and more
    # for an H = 16 model), so a stop waits for one forward pass at most.
    every = MODEL_CHUNK if data.steps * data.sequences <= 10_000 else 1
    with np.errstate(all="ignore"):
        for i, alpha in enumerate(alphas):
            row = p + alpha * a
            for j, beta in enumerate(betas):
                if done % every == 0 and should_continue is not None and not should_continue():
                    raise Cancelled
                point = row + beta * b
                out[i, j] = loss(point) if np.isfinite(point).all() else np.nan
                done += 1
    return alphas, betas, out


def model_hessian(model: Model, theta, data, delay: int = 0, should_continue=None) -> np.ndarray:
    """The Hessian (size, size) of a Model's MSE: central differences of its exact gradient.

    Column j is ``(g(theta + h e_j) - g(theta - h e_j)) / 2h`` with h = 1e-5 (scaled by
    |theta_j| above 1), the gradient the compiled kernel's (or the reference's) exact one:
    about 1e-10 relative (the unit's complex step needs a dtype-generic pass that the general
    reference is not).  Symmetrised.  2 x size gradients: the caller limits the size;
    ``should_continue`` is asked before each column (:class:`Cancelled`).
    """
    p = model.check(theta)
    xs, ts = data.x, data.target
    n, B, _ = xs.shape
    limits.check_work_bytes(
        limits.model_training_bytes(model.hidden, model.layers, model.dirs, n, B, B, model.inputs),
        f"the Hessian of this model over {B:,} sequence{'s' if B > 1 else ''} of {n:,} steps")
    plain = model if model.dropout == 0.0 else _without_dropout(model)
    if delay == 0 and compiled.active() == "compiled":
        from ..models.compiled.fast_model import FastModel
        fast = FastModel(plain)

        def grad(t):
            return fast.loss_and_grad(t, xs, ts)[1]
    else:
        def grad(t):
            return plain.loss_and_grad(t, xs, ts, delay=delay)[1]
    h = np.empty((p.size, p.size))
    for j in range(p.size):
        if should_continue is not None and not should_continue():
            raise Cancelled
        step = _HESSIAN_STEP * max(1.0, abs(p[j]))
        up, down = p.copy(), p.copy()
        up[j] += step
        down[j] -= step
        h[j] = (grad(up) - grad(down)) / (2.0 * step)
    return 0.5 * (h + h.T)


def project(points, origin, d1, d2) -> np.ndarray:
    """Plane coordinates (alpha, beta) of points (..., units, 12) or (..., 12), or of a
    Model's (..., size): (..., 2).

    The least-squares fit of ``points - origin`` by ``alpha d1 + beta d2``; exact for points
    in the plane (the origin maps to (0, 0)), the orthogonal projection otherwise.
    """
    o, a, b = _matching(origin, d1, d2)
    pts = np.asarray(points, dtype=float)
    flat = pts.reshape(-1, o.size) - o.reshape(-1)
    basis = np.stack([a.reshape(-1), b.reshape(-1)], axis=1)       # (P, 2)
    coords, *_ = np.linalg.lstsq(basis, flat.T, rcond=None)
    return coords.T.reshape(pts.shape[:pts.ndim - o.ndim] + (2,))


def off_plane(points, origin, d1, d2) -> np.ndarray:
    """How far each point lies off the plane origin + alpha d1 + beta d2: the Euclidean
    length of what :func:`project` leaves out, in parameter units; shape (...,)."""
    o, a, b = _matching(origin, d1, d2)
    pts = np.asarray(points, dtype=float)
    flat = pts.reshape(-1, o.size) - o.reshape(-1)
    basis = np.stack([a.reshape(-1), b.reshape(-1)], axis=1)
    coords, *_ = np.linalg.lstsq(basis, flat.T, rcond=None)
    rest = flat - (basis @ coords).T
    return np.linalg.norm(rest, axis=1).reshape(pts.shape[:pts.ndim - o.ndim])


def _same_shape(params, d1, d2):
    p = np.asarray(params, dtype=float)
    a = np.asarray(d1, dtype=float)
    b = np.asarray(d2, dtype=float)
    if not (p.shape == a.shape == b.shape) or p.shape[-1:] != (_UNIT_SIZE,) or p.ndim > 2:
        raise ValueError(f"params and directions must share shape (12,) or (units, 12), "
                         f"got {p.shape}, {a.shape}, {b.shape}")
    return p, a, b


def _matching(origin, d1, d2):
    """origin, d1, d2 as float arrays of one shape (any: a unit's, a chain's or a Model's)."""
    o = np.asarray(origin, dtype=float)
    a = np.asarray(d1, dtype=float)
    b = np.asarray(d2, dtype=float)
    if not (o.shape == a.shape == b.shape) or o.ndim > 2:
        raise ValueError(f"the origin and directions must share one shape, got {o.shape}, "
                         f"{a.shape}, {b.shape}")
    return o, a, b

"""The pairs of directions (d1, d2) a loss-landscape plane can be spanned by.

Every function returns two arrays shaped like the parameters, (12,) or (units, 12).

* ``params``  two named parameters: the plane is an exact slice of the loss, the other
  parameters held where they are.
* ``pca``     the top two principal directions of the training path so far.
* ``line``    start -> current, and a random direction orthogonal to it of the same length.
* ``random``  two random directions, filter-normalised (Li et al. 2018, "Visualizing the loss
  landscape of neural nets"): each gate's three parameters (W_h, W_x, b) of each unit are
  scaled to the norm of that gate's parameters, so the plot does not depend on scale.
* ``hessian`` the eigenvectors of the two largest Hessian eigenvalues: the most curved plane.

Any other :class:`Model` (theta of shape (size,)): :func:`make_for_model`, the same kinds;
a "filter" of the random directions is one gate's row for one hidden unit (R_g[j, :],
W_g[j, :], b_g[j], and GRU's b_nh[j] or a peephole p_g[j] with it), the readout one more,
read from the Model's blocks (:func:`filters`); names are ``Model.names()``.
"""
from __future__ import annotations

import numpy as np

from ..models import Model
from . import landscape

KINDS = ("params", "pca", "line", "random", "hessian")
_UNIT = Model()                 # the unit whose parameters (or chain of) a plane spans
UNIT_NAMES = tuple(_UNIT.names())
# The forget gate's input weight and bias: the plane the lessons start from.
DEFAULT_NAMES = (_UNIT.block("W", "f").name, _UNIT.block("b", "f").name)


def parse_name(name: str, units: int) -> tuple[int, int]:
    """'W_fx' (first unit) or 'W_fx@2' (unit 2, counted from 1) -> (unit index, parameter index)."""
    base, _, where = name.strip().partition("@")
    if base not in UNIT_NAMES:
        raise ValueError(f"unknown parameter {base!r}; choose one of {', '.join(UNIT_NAMES)}")
    u = 1
    if where:
        try:
            u = int(where)
        except ValueError:
            raise ValueError(f"unit in {name!r} must be a number from 1 to {units}") from None
    if not 1 <= u <= units:
        raise ValueError(f"unit in {name!r} must be a number from 1 to {units}")
    return u - 1, UNIT_NAMES.index(base)


def named(params, names=DEFAULT_NAMES):
    """Unit vectors along two named parameters (see :func:`parse_name`)."""
    p = np.asarray(params, dtype=float)
    if len(names) != 2:
        raise ValueError(f"give two parameter names, got {len(names)}")
    units = 1 if p.ndim == 1 else p.shape[0]
    picked = [parse_name(n, units) for n in names]
    if picked[0] == picked[1]:
        raise ValueError("the two parameters must differ")
    out = []
    for u, k in picked:
        d = np.zeros((units, _UNIT.size))
        d[u, k] = 1.0
        out.append(d.reshape(p.shape))
    return out[0], out[1]


def pca(path):
    """Top two principal directions (unit length) of a path of parameters (E, ...) over epochs.

    Raises ValueError when the path spans fewer than two dimensions (too early in a run).
    """
    path = np.asarray(path, dtype=float)
    flat = path.reshape(path.shape[0], -1)
    flat = flat[np.isfinite(flat).all(axis=1)]
    if flat.shape[0] < 3:
        raise ValueError("the training path has fewer than 3 points; train a little first")
    centred = flat - flat.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    if sv.size < 2 or sv[1] <= 1e-12 * max(sv[0], 1e-300):
        raise ValueError("the training path is a line or a point; no second direction")
    # Sign: the first direction points along the path's progress (start -> end).
    d = vt[:2].copy()
    d[d @ (flat[-1] - flat[0]) < 0] *= -1.0
    return d[0].reshape(path.shape[1:]), d[1].reshape(path.shape[1:])


def line(start, current, rng: np.random.Generator):
    """current - start, and a random direction orthogonal to it with the same length."""
    a = np.asarray(current, dtype=float) - np.asarray(start, dtype=float)
    norm = np.linalg.norm(a)
    if norm == 0.0:
        raise ValueError("the model has not moved from its start yet")
    b = rng.standard_normal(a.shape)
    b -= (b.ravel() @ a.ravel()) / norm**2 * a
    b *= norm / np.linalg.norm(b)
    return a, b


def random_filter_normalised(params, rng: np.random.Generator):
    """Two Gaussian directions, each gate's (W_h, W_x, b) scaled to that gate's norm in params."""
    p = np.asarray(params, dtype=float)
    gates = p.reshape(-1, 4, 3)
    scale = np.linalg.norm(gates, axis=2, keepdims=True)
    out = []
    for _ in range(2):
        d = rng.standard_normal(gates.shape)
        d *= scale / np.linalg.norm(d, axis=2, keepdims=True)
        out.append(d.reshape(p.shape))
    return out[0], out[1]


# The exact Hessian costs P columns of a complex-step gradient: measured here (2 shared cores,
# load average 10, n = 100) 0.47 s for 48 parameters, 1.15 s for 96, 3.75 s for 192.
# Above this many parameters the plane is refused in one line rather than freeze for seconds.
HESSIAN_MAX_PARAMS = 96


def hessian_top(params, x, target, delay: int = 0, should_continue=None):
    """Eigenvectors (unit length) of the two largest eigenvalues of the exact Hessian."""
    p = np.asarray(params, dtype=float)
    if p.size > HESSIAN_MAX_PARAMS:
        raise ValueError(f"the Hessian of {p.size} parameters would take more than a second "
                         f"(limit {HESSIAN_MAX_PARAMS}); choose another plane")
    _, vecs = np.linalg.eigh(landscape.hessian(p, x, target, delay, should_continue))
    return vecs[:, -1].reshape(p.shape), vecs[:, -2].reshape(p.shape)


# ---------------------------------------------------------------- any Model

def filters(model: Model) -> np.ndarray:
    """(size,) int: the filter each number of theta belongs to (Li et al.'s normalisation
    unit): (layer, direction, gate, hidden unit j) for R_g[j, :], W_g[j, :], b_g[j], GRU's
    b_nh[j] and the peephole p_g[j]; the readout (w_y, b_y) is one filter."""
    ids = np.empty(model.size, dtype=np.int64)
    rows: dict = {}
    for b in model.blocks():
        if b.layer is None:                                  # the readout
            ids[b.slice] = rows.setdefault(("readout",), len(rows))
            continue
        per_row = b.size // model.hidden
        for j in range(model.hidden):
            key = (b.layer, b.direction, b.gate, j)
            ids[b.offset + j * per_row:b.offset + (j + 1) * per_row] = rows.setdefault(key, len(rows))
    return ids


def filter_norms(model: Model, values) -> np.ndarray:
    """The Euclidean norm of values (size,) over each filter of :func:`filters`."""
    ids = filters(model)
    return np.sqrt(np.bincount(ids, weights=np.asarray(values, dtype=float) ** 2))


def random_filter_normalised_model(model: Model, theta, rng: np.random.Generator):
    """Two Gaussian directions (size,), each filter scaled to the norm of theta's filter."""
    p = model.check(theta)
    ids = filters(model)
    scale = np.sqrt(np.bincount(ids, weights=p * p))
    out = []
    for _ in range(2):
        d = rng.standard_normal(p.size)
        norm = np.sqrt(np.bincount(ids, weights=d * d))
        d *= (scale / np.where(norm > 0, norm, 1.0))[ids]
        out.append(d)
    return out[0], out[1]


def default_names(model: Model) -> tuple[str, str]:
    """Two parameters a plane of named parameters starts from: the first hidden unit's input
    weight and bias of the forget gate (the update gate z of a GRU, else the first gate)."""
    gate = next((g for g in ("f", "z") if g in model.gates), model.gates[0])
    first = model.block("W", gate).names()[0]
    kinds = [b for b in model.blocks() if b.gate == gate and b.layer == 0 and b.direction == 0
             and b.kind in ("b", "R")]
    second = next(b for b in sorted(kinds, key=lambda b: b.kind != "b")).names()[0]
    return first, second


def named_model(model: Model, theta, names):
    """Unit vectors (size,) along two parameters named as ``Model.names()`` lists them."""
    model.check(theta)
    if len(names) != 2:
        raise ValueError(f"give two parameter names, got {len(names)}")
    index = {n: k for k, n in enumerate(model.names())}
    picked = []
    for name in names:
        key = str(name).strip()
        if key not in index:
            examples = ", ".join(default_names(model))
            raise ValueError(f"unknown parameter {key[:40]!r} for this {model.cell} model; names "
                             f"look like {examples} (lstm-gui show lists them)")
        picked.append(index[key])
    if picked[0] == picked[1]:
        raise ValueError("the two parameters must differ")
    out = []
    for k in picked:
        d = np.zeros(model.size)
        d[k] = 1.0
        out.append(d)
    return out[0], out[1]


def hessian_top_model(model: Model, theta, data, delay: int = 0, should_continue=None):
    """Eigenvectors (size,) of the two largest eigenvalues of a Model's Hessian; refused in
    one line above HESSIAN_MAX_PARAMS, as the unit's."""
    if model.size > HESSIAN_MAX_PARAMS:
        raise ValueError(f"the Hessian of {model.size} parameters would take more than a second "
                         f"(limit {HESSIAN_MAX_PARAMS}); choose another plane")
    _, vecs = np.linalg.eigh(landscape.model_hessian(model, theta, data, delay, should_continue))
    return vecs[:, -1].copy(), vecs[:, -2].copy()


def make_for_model(kind: str, model: Model, theta, *, data=None, delay: int = 0, path=None,
                   names=None, rng: np.random.Generator | None = None, should_continue=None):
    """The directions (size,) of one kind for a Model; data (:class:`model_data.Data`) is
    needed for 'hessian', path (E, size) for 'pca' and 'line'."""
    p = model.check(theta)
    if kind == "params":
        return named_model(model, p, names or default_names(model))
    if kind == "hessian":
        if data is None:
            raise ValueError("the Hessian needs the training data")
        return hessian_top_model(model, p, data, delay, should_continue)
    if kind == "random":
        return random_filter_normalised_model(model, p, _need(rng))
    if kind in ("pca", "line"):
        return make(kind, p, path=path, rng=rng)
    raise ValueError(f"unknown directions {kind!r}; choose one of {', '.join(KINDS)}")


def make(kind: str, params, *, x=None, target=None, delay: int = 0, path=None,
         names=DEFAULT_NAMES, rng: np.random.Generator | None = None, should_continue=None):
    """The directions of one kind (see KINDS); path (E, ...) is the training path, its first
    row the start.  `rng` is needed for 'line' and 'random' (TypeError without it)."""
    if kind == "params":
        return named(params, names)
    if kind == "pca":
        return pca(path if path is not None else np.empty((0,) + np.shape(params)))
    if kind == "line":
        if path is None or len(path) == 0:
            raise ValueError("the training path is empty; train a little first")
        return line(path[0], params, _need(rng))
    if kind == "random":
        return random_filter_normalised(params, _need(rng))
    if kind == "hessian":
        return hessian_top(params, x, target, delay, should_continue)
    raise ValueError(f"unknown directions {kind!r}; choose one of {', '.join(KINDS)}")


def _need(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("these directions are random: pass a numpy.random.Generator")
    return rng


def suggest_span(coords=None, minimum: float = 0.5) -> float:
    """A span that shows the projected path (N, 2) with a margin, at least `minimum`."""
    if coords is None or len(coords) == 0:
        return 1.0
    c = np.asarray(coords, dtype=float)
    c = c[np.isfinite(c).all(axis=1)]
    reach = float(np.abs(c).max()) if c.size else 0.0
    return max(minimum, 1.25 * reach)

"""A loss-landscape map ready to draw: the grid, its directions and the projected path.

Shared by the command line (`lstm-gui landscape`) and the landscape view, so both show the
same plane for the same model, directions and seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import directions, landscape, model_data


@dataclass(frozen=True)
class LandscapeMap:
    """The MSE over a plane through ``origin`` (units, 12) spanned by d1, d2.

    alphas, betas (size,); mse (size, size) with mse[i, j] at origin + alphas[i] d1 + betas[j] d2;
    path (N, 2): the training path's plane coordinates, its last row the origin (0, 0).
    """

    kind: str
    origin: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    alphas: np.ndarray
    betas: np.ndarray
    mse: np.ndarray
    path: np.ndarray
    span: float
    names: tuple = ()          # the two parameters, for kind 'params'
    model: object = None       # the models.Model of a flat origin (size,); None: the unit
    note: str = ""             # what the map was computed on, when not every sequence

    @property
    def labels(self) -> tuple[str, str]:
        if self.kind == "params":
            first, second = self.names
            return f"{first} (change)", f"{second} (change)"
        return AXIS_LABELS.get(self.kind, ("alpha", "beta"))


# Plain words first, the term a textbook uses in brackets (issue 24: students met "principal
# direction 1" with no explanation).
AXIS_LABELS = {
    "pca": ("main direction of the path (principal 1)", "2nd direction (principal 2)"),
    "line": ("from the start to now", "across, at random (orthogonal)"),
    "random": ("random direction 1, scaled to the parameters (filter-normalised)",
               "random direction 2 (scaled)"),
    "hessian": ("most curved direction (top Hessian eigenvector)", "2nd most curved (eigenvector)"),
}


def directions_for(kind: str, params, x, target, delay: int, path, names, rng, should_continue=None):
    """d1, d2 for `kind` (see directions.KINDS), falling back to 'random' when the path is
    too short for 'pca' or 'line'.  Returns (kind actually used, d1, d2)."""
    try:
        return (kind,) + directions.make(kind, params, x=x, target=target, delay=delay,
                                         path=path, names=names, rng=rng,
                                         should_continue=should_continue)
    except ValueError:
        if kind not in ("pca", "line"):
            raise
        return ("random",) + directions.make("random", params, rng=rng)


def compute(params, x, target, *, delay: int = 0, kind: str = "pca", path=None,
            names=directions.DEFAULT_NAMES, size: int = 64, span: float | None = None,
            rng: np.random.Generator | None = None, planes=None, should_continue=None) -> LandscapeMap:
    """The map around params (units, 12) on x, target (n,).

    path (E, units, 12): the training path so far (history), oldest first; the current
    params are appended as its end.  span None picks one that shows the path.  `planes`
    (kind, d1, d2) reuses directions chosen before, so a map recomputed during training
    stays in the same plane.
    """
    p = np.asarray(params, dtype=float)
    full = p[None] if path is None or len(path) == 0 else np.concatenate(
        [np.asarray(path, dtype=float).reshape((-1,) + p.shape), p[None]])
    if planes is None:
        planes = directions_for(kind, p, x, target, delay, full, names,
                                rng if rng is not None else np.random.default_rng(0), should_continue)
    kind, d1, d2 = planes
    coords = landscape.project(full, p, d1, d2)
    if span is None:
        span = directions.suggest_span(coords) if kind in ("pca", "line", "params") else 1.0
    alphas, betas, mse = landscape.grid(p, x, target, d1, d2, span, size, delay, should_continue)
    return LandscapeMap(kind, p, d1, d2, alphas, betas, mse, coords, float(span),
                        tuple(names) if kind == "params" else ())


# Sequence steps a map may touch in all (points x sequences x steps).  Measured at load average
# 13 on 2 cores: a 49 x 49 map of an H = 16 GRU over one sequence of 100 steps (240 000) took
# 1.2-1.4 s; on the running-sum task (1 000 sequences of 10 steps) 41 sequences (10^6) took
# 3.8 s and 83 (2 x 10^6) 7.7 s; all 1 000 would take minutes.
MAP_STEP_BUDGET = 1_000_000


def compute_model(model, theta, x, target, *, delay: int = 0, kind: str = "pca", path=None,
                  names=None, size: int = 64, span: float | None = None,
                  rng: np.random.Generator | None = None, planes=None, should_continue=None,
                  budget: float = MAP_STEP_BUDGET) -> LandscapeMap:
    """The map around a Model's theta (size,) on a run's data x, target (a snapshot's).

    path (E, size): the training path so far, oldest first (may be empty: a model of more than
    the history's parameters keeps none); the current theta is appended.  On a task of many
    sequences the grid uses evenly spaced sequences within `budget` sequence steps
    (``note`` says so); the Hessian directions use the same sample.
    """
    p = model.check(theta)
    data = model_data.time_major(x, target)
    points = int(size) * int(size) if int(size) == size else 1
    data = model_data.within(data, points, budget)
    full = p[None] if path is None or len(path) == 0 else np.concatenate(
        [np.asarray(path, dtype=float).reshape(-1, p.size), p[None]])
    names = tuple(names) if names else directions.default_names(model)
    if planes is None:
        rng = rng if rng is not None else np.random.default_rng(0)
        try:
            planes = (kind,) + directions.make_for_model(kind, model, p, data=data, delay=delay,
                                                         path=full, names=names, rng=rng,
                                                         should_continue=should_continue)
        except ValueError:
            if kind not in ("pca", "line"):
                raise
            planes = ("random",) + directions.make_for_model("random", model, p, rng=rng)
    kind, d1, d2 = planes
    coords = landscape.project(full, p, d1, d2)
    if span is None:
        span = directions.suggest_span(coords) if kind in ("pca", "line", "params") else 1.0
    alphas, betas, mse = landscape.model_grid(model, p, data, d1, d2, span, size, delay,
                                              should_continue)
    return LandscapeMap(kind, p, d1, d2, alphas, betas, mse, coords, float(span),
                        names if kind == "params" else (), model, data.describe())

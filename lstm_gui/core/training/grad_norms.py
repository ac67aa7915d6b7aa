"""The gradient's size per layer (and per hidden unit) over a run's epochs, as the run records it.

The gradient view's ``gradientNorms`` drew these from the frames it happened to analyse (two
or three points in 15 s of a GRU, joined by straight lines).  Now :class:`TrainingRun` records
them as it records a model's gate norms (``records.Thinned``): a row per recorded epoch, the
norms of the gradient of the training loss over the whole training set at that epoch's
parameters (no dropout), taken from the core's blocks:

- a Model: per layer and direction (``Model.blocks`` with that layer and direction: W, R, b
  and the extras; the readout belongs to none), and per hidden unit j of it (row j of each of
  those blocks), ``layers`` (G,) then ``units`` (G * H,);
- the 12-parameter unit and its chains: per unit (layer) the norm of its 12 derivatives, and
  every |dE/dp| (units * 12,), ``layers`` then ``params``.

Where the training already computed that gradient (the unit's exact gradient, epoch by epoch
on the numpy path) the run records its norms for free; elsewhere (a model's mini-batches, the
compiled chunks) it computes them, paced by :class:`Paced` so that recording takes a bounded
share of the training time; over a compiled chunk, at epochs spread through it (from the
parameters the chunk hands over per epoch), not only at its end (a chain of three units
trained 3 000 epochs in a few chunks: 8 rows).  The epoch a run stopped at is computed when first asked for (a
snapshot), never by a run nobody looks at.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

# Computing a gradient to record takes at most this share of the time between two rows.
# Measured (whole TrainingRun runs recorded vs not, 7 paired rounds, medians, load 1.3-2.5):
# the sum task H = 64 1.002x (1 row), torch-sin-cos to its stop 1.018-1.025x (12 rows), an
# H = 16 2-layer GRU 3 000 epochs 1.019-1.022x (45 rows), a chain of 3 units 20 000 epochs
# 1.001x (230 rows).
SHARE = 0.05


class GradNormsView(NamedTuple):
    """Recorded: epochs (N,), layers (N, G) per layer (and direction), units (N, G * H) per
    hidden unit of a Model (None for the unit), params (N, units, 12) |dE/dp| of the unit
    (None for a Model)."""

    epochs: np.ndarray
    layers: np.ndarray
    units: np.ndarray | None
    params: np.ndarray | None


class Layout:
    """Where each flat parameter's squared derivative goes: ``rows`` (size,) the row of a
    (group, unit) pair (group * H + j), -1 for the readout.  ``groups`` G and ``hidden`` H."""

    def __init__(self, model=None, units: int = 1, unit_size: int = 0):
        self.model = model
        if model is None:
            self.groups, self.hidden, self.unit_size = units, 1, unit_size
            self.rows = np.repeat(np.arange(units), unit_size)
            self.width = units + units * unit_size
            return
        self.groups, self.hidden = model.layers * model.dirs, model.hidden
        rows = np.full(model.size, -1, dtype=np.int64)
        for b in model.blocks():
            if b.layer is not None and b.direction is not None:
                group = b.layer * model.dirs + b.direction
                per_row = b.size // b.shape[0]        # every gate block has H rows
                rows[b.slice] = group * model.hidden + np.repeat(np.arange(b.shape[0]), per_row)
        self.rows = rows
        self.width = self.groups + self.groups * self.hidden

    def row(self, grad) -> np.ndarray:
        """The recorded row of a gradient (size,) or (units, 12)."""
        g = np.asarray(grad, dtype=float).ravel()
        if self.model is None:
            return np.concatenate([np.sqrt(np.bincount(self.rows, g * g, self.groups)), np.abs(g)])
        keep = self.rows >= 0
        units = np.sqrt(np.bincount(self.rows[keep], g[keep] ** 2, self.groups * self.hidden))
        layers = np.sqrt(np.sum(units.reshape(self.groups, self.hidden) ** 2, axis=1))
        return np.concatenate([layers, units])

    def view(self, epochs: np.ndarray, rows: np.ndarray) -> GradNormsView:
        layers = rows[:, :self.groups]
        rest = rows[:, self.groups:]
        if self.model is None:
            return GradNormsView(epochs, layers, None,
                                 rest.reshape(len(epochs), self.groups, self.unit_size))
        return GradNormsView(epochs, layers, rest, None)


class Paced:
    """Whether a costly row may be computed now: when the time since the last one is at least
    its cost / ``share``.  Before any row was computed, its cost is unknown: a gradient over
    the training set costs about an epoch's passes, so the first is due after 1 / share
    epochs (a run of a few long epochs computes none on the way: the sum task's 10 epochs of
    H = 64 paid 19 % for 2 rows of 40-60 ms; and the time since the run was made is no
    measure: a run made, then trained a minute later, would wait 20 minutes)."""

    def __init__(self, share: float = SHARE, epoch: int = 0):
        self.share = share
        self.cost: float | None = None
        self._start = epoch
        self._last = time.perf_counter()

    def due(self, epoch: int) -> bool:
        if self.cost is None:
            return epoch - self._start >= 1 / self.share
        return time.perf_counter() - self._last >= self.cost / self.share

    def rows(self, epoch: int, most: int) -> int:
        """How many rows may be computed now, at most `most`: the time since the last row
        over the cost of one, times ``share`` (rows spread over a compiled chunk's epochs)."""
        if self.cost is None:
            return 1 if self.due(epoch) else 0
        spare = (time.perf_counter() - self._last) * self.share
        return int(min(most, spare / self.cost if self.cost > 0 else most))

    def took(self, seconds: float, rows: int = 1) -> None:
        if rows > 0:
            self.cost = seconds / rows
            self._last = time.perf_counter()

"""Train/test over epochs: how the model does on what it was not trained on, as it trains.

Two errors, recorded every ``every`` epochs at the parameters after that epoch:

* ``unseen_mse``: the MSE on the task's continuation past the training length (the part of
  ``task.extended(factor)`` never trained on), as in the PyTorch example that trains on one
  half of a wave and tests on the other.  NaN for a CSV task, which has no continuation.
* ``clean_mse``: for a run with noise, the MSE of the output on the *clean* input against
  the *clean* target: how well the model learned the task behind the noise.  With noise on
  the target, the training MSE cannot fall below the noise's variance, but this one can; it
  rises again when the model starts fitting the noise.  NaN without noise.

A record costs one forward pass over factor training lengths; measured
at n = 100, factor 3, one unit: 1.54 epochs' work (quartiles 1.50-1.58, 15 paired rounds), so
one record every 50 epochs costs about 3 % of training speed (``python -m lstm_gui.bench``
measures it again).  Memory is bounded:
when the store fills, every other record is dropped and the interval doubles.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import unit
from .tasks import CSV_TASK

MIN_EVERY = 50       # epochs between records, at least
CAPACITY = 1000      # records kept, at most


class EvalView(NamedTuple):
    """Recorded so far: epochs (N,), unseen_mse (N,), clean_mse (N,) (NaN where not applicable)."""

    epochs: np.ndarray
    unseen_mse: np.ndarray
    clean_mse: np.ndarray


def interval(budget: int) -> int:
    """Epochs between records for an epoch budget (0 = none): 1 % of it, at least MIN_EVERY."""
    return max(MIN_EVERY, budget // 100)


class EvalHistory:
    """Fill with :meth:`record` every :attr:`every` epochs; read with :meth:`view`."""

    def __init__(self, config, clean_x: np.ndarray, clean_target: np.ndarray, factor: int = 3,
                 every: int | None = None, capacity: int = CAPACITY):
        self.config = config
        self.every = interval(config.epochs) if every is None else max(1, int(every))
        self.n = len(clean_x)
        # One forward pass over the clean input and its continuation serves both errors.
        self._x, self._target = clean_x, clean_target
        if config.task.key != CSV_TASK:
            self._x, self._target = config.task.extended(factor).sequences()   # (factor n,)
        self._rows = np.empty((capacity, 3))
        self._count = 0

    def due(self, epoch: int) -> bool:
        return epoch % self.every == 0

    def record(self, epoch: int, params: np.ndarray) -> None:
        """Evaluate params (units, 12) at this epoch."""
        if self._count == len(self._rows):
            self._halve()
            if not self.due(epoch):
                return
        unseen = clean = float("nan")
        if self.config.noise.active or len(self._x) > self.n:
            h = unit.forward(params, self._x, self.config.delay).h
            err = (h - self._target) ** 2
            if len(self._x) > self.n:
                unseen = float(np.mean(err[self.n:]))
            if self.config.noise.active:
                clean = float(np.mean(err[: self.n]))
        self._rows[self._count] = (epoch, unseen, clean)
        self._count += 1

    def _halve(self) -> None:
        kept = self._rows[1: self._count: 2].copy()
        self._count = len(kept)
        self._rows[: self._count] = kept
        self.every *= 2

    def __len__(self) -> int:
        return self._count

    def view(self) -> EvalView:
        """Copies of what was recorded."""
        rows = self._rows[: self._count]
        return EvalView(rows[:, 0].astype(np.int64), rows[:, 1].copy(), rows[:, 2].copy())

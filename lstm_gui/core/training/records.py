"""The bounded store of train/test records both kinds of run keep (see ``evaluation`` for what
a record measures and what it costs).  Memory is bounded: when the store fills, every other
record is dropped and the interval doubles.  Its own module so that the unit's evaluation and a
dataset run's (``model_training.SetEval``) share it without importing each other.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

MIN_EVERY = 150      # epochs between records, at least (measured cost: see evaluation.py)
CAPACITY = 1000      # records kept, at most


class EvalView(NamedTuple):
    """Recorded so far: epochs (N,), unseen_mse (N,), clean_mse (N,) (NaN where not applicable)."""

    epochs: np.ndarray
    unseen_mse: np.ndarray
    clean_mse: np.ndarray



def interval(budget: int) -> int:
    """Epochs between records for an epoch budget (0 = none): 1 % of it, at least MIN_EVERY."""
    return max(MIN_EVERY, budget // 100)



class EvalRecords:
    """The bounded store of (epoch, unseen_mse, clean_mse) rows both kinds of run keep: a row
    every :attr:`every` epochs; when the store is full, every other row is dropped and the
    interval doubles.  Subclasses compute the row (``record``); :meth:`view` reads it."""

    def __init__(self, every: int, capacity: int = CAPACITY):
        self.every = max(1, int(every))
        self._rows = np.empty((capacity, 3))
        self._count = 0

    def due(self, epoch: int) -> bool:
        return epoch % self.every == 0

    def _make_room(self, epoch: int) -> bool:
        """Before a record at `epoch`: halve a full store; False if the epoch is then not due."""
        if self._count == len(self._rows):
            self._halve()
            return self.due(epoch)
        return True

    def _append(self, epoch: int, unseen: float, clean: float) -> None:
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


class Thinned:
    """Rows of numbers taken over a run's epochs in bounded memory: a row is taken when at
    least :attr:`every` epochs have passed since the last one; when the store fills, every
    other row goes and ``every`` doubles, so the rows stay spread over the whole run.

    Used for what a model's run records beside its history (the gates' norms: the history of
    a model above ``HISTORY_PARAMS`` numbers keeps no parameters), and for the gradient's
    norms of any run (grad_norms.py).  Offers come at epoch ends
    on the numpy path and at chunk ends on the compiled one, so the epochs taken depend on the
    chunking; each row is exact at its epoch."""

    def __init__(self, width: int, capacity: int = CAPACITY):
        self.every = 1
        self._epochs = np.empty(capacity, dtype=np.int64)
        self._rows = np.empty((capacity, width))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def offer(self, epoch: int, row) -> bool:
        """Take ``row()`` (called only if taken) at `epoch` if it is due; True if taken.  An
        epoch at or before the last one taken (a rewound run) first drops the later rows."""
        n = self._count
        while n and self._epochs[n - 1] >= epoch:
            n -= 1
        self._count = n
        if n and epoch - self._epochs[n - 1] < self.every:
            return False
        if n == len(self._rows):
            kept = slice(0, n, 2)        # the first row stays: the curve starts at the start
            m = len(range(n)[kept])
            self._epochs[:m] = self._epochs[kept].copy()
            self._rows[:m] = self._rows[kept].copy()
            self._count = n = m
            self.every *= 2
        self._epochs[n] = epoch
        self._rows[n] = row()
        self._count = n + 1
        return True

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies: epochs (N,), rows (N, width)."""
        return self._epochs[: self._count].copy(), self._rows[: self._count].copy()

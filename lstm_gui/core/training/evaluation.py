"""Train/test over epochs: how the model does on what it was not trained on, as it trains.

Two errors, recorded every ``every`` epochs at the parameters after that epoch:

* ``unseen_mse``: the MSE on the task's continuation past the training length (the part of
  ``task.extended(factor)`` never trained on), as in the PyTorch example that trains on one
  half of a wave and tests on the other.  NaN for a CSV task, which has no continuation.
* ``clean_mse``: for a run with noise, the MSE of the output on the *clean* input against
  the *clean* target: how well the model learned the task behind the noise.  With noise on
  the target, the training MSE cannot fall below the noise's variance, but this one can; it
  rises again when the model starts fitting the noise.  NaN without noise.

A record costs one forward pass over factor training lengths, on the path training takes
(numpy or the compiled kernel): at n = 100, factor 3, one unit, 1.6 epochs' work on the numpy
path and 3.8 on the compiled one, whose epochs are so short that the pass counts (medians of
41 paired rounds, ``python -m lstm_gui.bench``).  Training with a record every 100 epochs
kept 95.4 % of the compiled path's speed (quartiles 94.5-95.7, 21 paired rounds of 3 000
epochs), every 150 epochs 96.6 % (96.5-97.2): the interval is at least 150.  Memory is bounded:
when the store fills, every other record is dropped and the interval doubles.
"""
from __future__ import annotations

import numpy as np

from ..models import UNIT, compiled, unit
from . import model_training
from .records import CAPACITY, MIN_EVERY, EvalRecords, EvalView, interval
from .tasks import CSV_TASK

__all__ = ["CAPACITY", "MIN_EVERY", "EvalHistory", "EvalRecords", "EvalView", "interval"]


def _output(params: np.ndarray, x: np.ndarray, delay: int) -> np.ndarray:
    """h (n,) of a chain params (units, 12) over x (n,), on the path training takes: a
    record costs a few epochs of whichever path trains, not of the slower numpy one."""
    if compiled.active() != "compiled":
        return unit.forward(params, x, delay).h
    from ..models.compiled import _kernels as K
    x = np.ascontiguousarray(x, dtype=float)
    work = np.empty((8, len(x)))   # x_in, f, i, c_tilde, c, o, tanh(c), h
    K._delay_into(work[0], x, delay)
    for u, p in enumerate(np.ascontiguousarray(params, dtype=float).reshape(-1, UNIT.size)):
        if u:
            K._delay_into(work[0], work[7].copy(), delay)
        K.layer_forward(p, work[0], *work[1:])
    return work[7].copy()



class EvalHistory(EvalRecords):
    """Fill with :meth:`record` every :attr:`every` epochs; read with :meth:`view`."""

    def __init__(self, config, clean_x: np.ndarray, clean_target: np.ndarray, factor: int = 3,
                 every: int | None = None, capacity: int = CAPACITY, model=None):
        """model: a models.Model for a run of any other model than the unit (None: the unit)."""
        super().__init__(interval(config.epochs) if every is None else every, capacity)
        self.config = config
        self.model = model
        self.n = len(clean_x)
        # One forward pass over the clean input and its continuation serves both errors.
        self._x, self._target = clean_x, clean_target
        if config.task.key != CSV_TASK:
            self._x, self._target = config.task.extended(factor).sequences()   # (factor n,)

    def record(self, epoch: int, params: np.ndarray) -> None:
        """Evaluate params (units, 12) at this epoch."""
        if not self._make_room(epoch):
            return
        unseen = clean = float("nan")
        if self.config.noise.active or len(self._x) > self.n:
            h = (_output(params, self._x, self.config.delay) if self.model is None
                 else model_training.forward(self.model, params, self._x, self.config.delay))
            err = (h - self._target) ** 2
            if len(self._x) > self.n:
                unseen = float(np.mean(err[self.n:]))
            if self.config.noise.active:
                clean = float(np.mean(err[: self.n]))
        self._append(epoch, unseen, clean)

    def record_rows(self, first: int, rows: np.ndarray) -> None:
        """Record the due epochs among first, first + 1, ... given the parameters after each
        (rows (epochs, units * 12)): the compiled path trains a chunk of epochs at once."""
        epochs = first + np.arange(len(rows))
        for k in np.flatnonzero(epochs % self.every == 0).tolist():
            if self.due(first + k):     # the interval may have doubled on the way
                self.record(first + k, rows[k].reshape(-1, UNIT.size) if self.model is None else rows[k])

"""Train and test side by side, as the Signal view draws a task of many sequences.

The PyTorch tutorial's figure draws the whole signal, the model's answer over the training
half and then over the held-out half, with a dashed vertical line between them.  Here:

* a dataset cut from one signal (``Dataset.interleaved``, torch-sin-cos): the training part
  and the test part each joined back in time order, one after the other
  (:func:`split_signal`, ``joined=True``: the axis is the signal's own steps, 0..199);
* held-out sequences (a CSV with a sequence id): the first training sequence, then the first
  test sequence (``joined=False``: steps 0..n-1 are the training sequence's own);
* sequence-to-one (sum-of-sequence): no signal to join, one prediction per sequence;
  :func:`split_predictions` gives the training and the test sequences' separately.

``boundary`` is where the dashed line goes: half a step after the last training step.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..training.datasets import Dataset
from ..training.model_training import forward, time_major

LIMIT = 2000     # sequences read per part, at most (what one frame can afford)


class SplitSignal(NamedTuple):
    """x, target, y (T,): the training part's steps, then the test part's; y the model's
    output.  ``split`` is the index of the first test step; ``boundary`` = split - 0.5."""

    x: np.ndarray
    target: np.ndarray
    y: np.ndarray
    split: int
    joined: bool
    label: str

    @property
    def boundary(self) -> float:
        return self.split - 0.5


def _outputs(model, theta: np.ndarray, x: np.ndarray, delay: int) -> np.ndarray:
    """The model's output over sequences x (N, n, m): (N, n)."""
    with np.errstate(all="ignore"):
        return np.asarray(forward(model, theta, time_major(x), delay)).T


def split_signal(model, theta: np.ndarray, data: Dataset, delay: int = 0) -> SplitSignal | None:
    """The training part then the test part of a sequence-to-sequence dataset with a test
    part (None otherwise: sequence-to-one, or nothing held out)."""
    if data.seq_to_one or data.n_test == 0:
        return None
    if data.interleaved:
        train = (data.x_train[..., 0], data.y_train, _outputs(model, theta, data.x_train, delay))
        test = (data.x_test[..., 0], data.y_test, _outputs(model, theta, data.x_test, delay))
        x, target, y = (np.concatenate([data.joined(a), data.joined(b)])
                        for a, b in zip(train, test))
        return SplitSignal(x, target, y, split=data.joined(data.y_train).size, joined=True,
                           label="train | test")
    x = np.concatenate([data.x_train[:1], data.x_test[:1]])              # (2, n, m)
    y = _outputs(model, theta, x, delay)
    target = np.concatenate([data.y_train[:1], data.y_test[:1]])
    return SplitSignal(x[..., 0].reshape(-1), target.reshape(-1), y.reshape(-1),
                       split=data.steps, joined=False,
                       label="training sequence 1 | test sequence 1")


def split_predictions(model, theta: np.ndarray, data: Dataset, delay: int = 0):
    """Sequence-to-one: ((targets, predictions) of the training sequences, the same of the
    test sequences), each (N,) and (M,), at most LIMIT per part (the first)."""
    def part(x, t):
        x, t = x[:LIMIT], t[:LIMIT]
        if not len(x):
            return np.empty(0), np.empty(0)
        return np.asarray(t, dtype=float), _outputs(model, theta, x, delay)[:, -1]
    return part(data.x_train, data.y_train), part(data.x_test, data.y_test)

"""Datasets of many sequences: a training part, a test part, and mini-batches.

A waveform task (``tasks.py``) is one sequence, trained whole every epoch, and tested on its
continuation.  A :class:`Dataset` is a set of sequences of equal length n with m inputs each:

    x_train (N, n, m)   y_train (N, n) sequence-to-sequence, or (N,) sequence-to-one
    x_test  (M, n, m)   y_test  (M, n) or (M,)                  (M may be 0)

Sequence-to-one means the loss reads the model's output at the last step only (the Keras
tutorial's ``LSTM(64)`` + ``Dense(1)``).  An epoch is one pass over the training set in
mini-batches of ``batch`` sequences, in an order shuffled afresh each epoch by a generator
that belongs to the run (its state is saved with the run, so a resumed run draws the same
orders): :func:`epoch_batches`.  The last batch of an epoch may be smaller, as PyTorch's
``DataLoader`` and Keras's ``fit`` do.

The presets are the source tutorials' experiments exactly as ``shared/MODELS.md`` states
them (:data:`SET_PRESETS`); their data are computed in float64 (the tutorials use float32).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and test sequences (see the module docstring for the shapes)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    seq_to_one: bool = False
    # One signal cut into sequences the PyTorch way (``reshape(-1, N).T`` of each part, so
    # sequence b holds points b, b + N, ...): :meth:`joined` puts a part back in time order.
    interleaved: bool = False

    def __post_init__(self):
        for name in ("x_train", "y_train", "x_test", "y_test"):
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name), dtype=float))
        xs, ys = (self.x_train, self.x_test), (self.y_train, self.y_test)
        if any(x.ndim != 3 for x in xs) or self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError("a dataset's inputs must have shape (sequences, steps, inputs), "
                             "the same steps and inputs for training and test")
        if len(self.x_train) < 1 or self.x_train.shape[1] < 1 or self.x_train.shape[2] < 1:
            raise ValueError("a dataset needs at least one training sequence of one step")
        for x, y in zip(xs, ys):
            want = (len(x),) if self.seq_to_one else x.shape[:2]
            if y.shape != want:
                raise ValueError(f"targets must have shape {want}, got {y.shape}")
        if not all(np.isfinite(a).all() for a in (*xs, *ys)):
            raise ValueError("a dataset's numbers must be finite")

    def joined(self, per_sequence: np.ndarray) -> np.ndarray:
        """Values per step of a part's sequences (N, n) back as the one signal they were cut
        from, (N * n,) in time order: the inverse of the cut for an interleaved dataset, the
        sequences one after another otherwise."""
        a = np.asarray(per_sequence, dtype=float)
        return (a.T if self.interleaved else a).reshape(-1)

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        return len(self.x_test)

    @property
    def steps(self) -> int:
        return self.x_train.shape[1]

    @property
    def inputs(self) -> int:
        return self.x_train.shape[2]


def epoch_batches(rng: np.random.Generator, n: int, batch: int) -> list[np.ndarray]:
    """The mini-batches of one epoch: a permutation of range(n) drawn from rng, cut into
    consecutive pieces of `batch` (the last may be shorter).  Advances rng by one draw."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    order = rng.permutation(n)
    return [order[k:k + batch] for k in range(0, n, batch)]


# ---------------------------------------------------------------- the tutorials' presets

def torch_sin_cos(seed: int = 0) -> Dataset:
    """The PyTorch tutorial: t = linspace(0, 12 pi, 200), x = sin t, target = cos t; the first
    100 points train, the last 100 test.  Each half is ``reshape(-1, 5, 1)`` in PyTorch's
    (seq, batch, feature) layout, 20 steps x 5: sequence b holds points b, b + 5, b + 10, ...
    of its half.  (The test half is reshaped the same way, so train and test MSE are means
    over the same kind of sequence.)  ``seed`` is unused: the data are fixed."""
    t = np.linspace(0, 12 * np.pi, 200)  # not a parameter count
    x, y = np.sin(t), np.cos(t)

    def cut(a):   # (100,) -> (5 sequences, 20 steps): the reshape(-1, 5) read column-wise
        return a.reshape(-1, 5).T

    return Dataset(cut(x[:100])[..., None], cut(y[:100]), cut(x[100:])[..., None], cut(y[100:]),
                   interleaved=True)


SUM_TRAIN, SUM_TEST, SUM_STEPS = 1000, 200, 10


def sum_of_sequence(seed: int = 0) -> Dataset:
    """The Keras/MATLAB tutorial: sequences of 10 numbers N(0, 1), the target each sequence's
    sum (sequence-to-one).  The 1 000 training sequences of the tutorial, then 200 more drawn
    after them from the same generator as the held-out test set (the tutorial gives none).
    ``seed`` is the task's data seed."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    x = rng.standard_normal((SUM_TRAIN + SUM_TEST, SUM_STEPS))
    y = x.sum(axis=1)
    return Dataset(x[:SUM_TRAIN, :, None], y[:SUM_TRAIN], x[SUM_TRAIN:, :, None], y[SUM_TRAIN:],
                   seq_to_one=True)


@dataclass(frozen=True)
class SetPreset:
    """A task of many sequences and the defaults its source trains it with."""

    key: str
    title: str
    description: str
    source: str
    make: Callable[[int], Dataset]
    hidden: int
    lr: float
    batch: int
    epochs: int
    target_mse: float = 0.0
    optimizer: str = "adam"
    init: str = "pytorch"


SET_PRESETS = {p.key: p for p in (
    SetPreset("torch-sin-cos", "Sine to cosine (PyTorch tutorial)",
              "t = linspace(0, 12 pi, 200), x = sin t, target = cos t; first half trains "
              "(20 steps x batch 5), second half tests",
              "PyTorch LSTM deep-dive tutorial: nn.LSTM(1, 16) + Linear, Adam 1e-2, stop below 1e-4",
              torch_sin_cos, hidden=16, lr=1e-2, batch=5, epochs=10_000, target_mse=1e-4),
    SetPreset("sum-of-sequence", "Sum of a random sequence (Keras tutorial)",
              "1000 sequences of 10 N(0, 1) numbers, target = their sum (sequence-to-one); "
              "200 more sequences test",
              "Keras/MATLAB tutorial: LSTM(64) + Dense(1), Adam, MSE, batch 32, 10 epochs",
              sum_of_sequence, hidden=64, lr=1e-3, batch=32, epochs=10),
)}

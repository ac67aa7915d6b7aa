"""A run's training data as a Model's analyses read it: time-major, and sampled within a budget.

A snapshot holds one waveform, x (n,) with target (n,), or a task of many sequences,
x (N, n, m) with target (N, n) (sequence-to-sequence) or (N,) (sequence-to-one).  The
kernels and the numpy reference read x (n, B, m) with target (n, B) or (B,).

An analysis that repeats a forward pass thousands of times (a landscape of 48 x 48 models) on
1 000 sequences would take minutes (measured 0.42-0.46 s per forward pass of an H = 16 model
over 1 000 sequences of 50 steps): :func:`sample` keeps evenly spaced sequences within a work
budget, and the caller says how many it used.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Data:
    """x (n, B, m) and target (n, B) or (B,) (seq_to_one), B of the run's `total` sequences."""

    x: np.ndarray
    target: np.ndarray
    seq_to_one: bool
    total: int

    @property
    def steps(self) -> int:
        return self.x.shape[0]

    @property
    def sequences(self) -> int:
        return self.x.shape[1]

    @property
    def sampled(self) -> bool:
        return self.sequences < self.total

    def describe(self) -> str:
        """'' when every sequence is used, else one clause: 'on 20 of the 1,000 training
        sequences (evenly spaced)'."""
        if not self.sampled:
            return ""
        return (f"on {self.sequences:,} of the {self.total:,} training sequences (evenly "
                "spaced, to keep it under a few seconds)")


def time_major(x, target) -> Data:
    """A snapshot's x, target as the models read them (also one sequence of m inputs, x (n, m)
    with target (n,)); ValueError in one line otherwise."""
    xs = np.asarray(x, dtype=float)
    ts = np.asarray(target, dtype=float)
    if xs.ndim in (1, 2):                  # one sequence: x (n,) or (n, m)
        if ts.shape != xs.shape[:1]:
            raise ValueError(f"target must have shape {xs.shape[:1]} (one per step), got {ts.shape}")
        return Data(xs.reshape(xs.shape[0], 1, -1), ts[:, None], False, 1)
    if xs.ndim == 3:
        N = xs.shape[0]
        tm = np.ascontiguousarray(np.transpose(xs, (1, 0, 2)))      # (n, N, m)
        if ts.shape == (N,):
            return Data(tm, ts.copy(), True, N)
        if ts.shape == xs.shape[:2]:
            return Data(tm, np.ascontiguousarray(ts.T), False, N)
    raise ValueError(f"x of shape {xs.shape} and target of shape {ts.shape} are not a run's "
                     "training data: x (n,) with target (n,), or x (N, n, m) with target "
                     "(N, n) or (N,)")


def sample(data: Data, most: int) -> Data:
    """At most `most` (>= 1) evenly spaced sequences of data, the first and last included."""
    B = data.sequences
    most = max(1, int(most))
    if B <= most:
        return data
    idx = np.unique(np.linspace(0, B - 1, most).round().astype(int))
    target = data.target[idx] if data.seq_to_one else data.target[:, idx]
    return Data(np.ascontiguousarray(data.x[:, idx]), np.ascontiguousarray(target),
                data.seq_to_one, data.total)


def within(data: Data, repeats: int, budget: float) -> Data:
    """The sample of data such that `repeats` passes over it touch at most `budget` sequence
    steps (at least one sequence)."""
    per_sequence = max(1, repeats) * data.steps
    return sample(data, int(budget // per_sequence))

"""Free-running prediction: after the training sequence, the model reads its own output.

For a forecasting task (``next-step``: target(t) = x(t+1)) the output h(t) is the model's
guess of the next input.  Past the end of the sequence it was shown, feeding h(t-1) back as
x(t) lets it run on alone; how long it stays near the true continuation says how much of the
waveform it learned, rather than how well it copies the last value it saw.
"""
from __future__ import annotations

from math import exp, tanh
from typing import NamedTuple

import numpy as np

from ..models import Model
from ..training.tasks import Task

_UNIT_SIZE = Model().size     # numbers per unit of the chain stepped here

# The tasks whose target is the input's next value, so that the output can be fed back.
FORECAST_TASKS = ("next-step",)


class FreeRun(NamedTuple):
    """The model run on past its input.

    predicted: (steps,) the inputs it fed itself, x(n) .. x(n + steps - 1).
    truth: (steps,) the task's true continuation at those times.
    steps_within: how many steps, from the first, stay within `tolerance` of the truth.
    tolerance: the bound used.
    """

    predicted: np.ndarray
    truth: np.ndarray
    steps_within: int
    tolerance: float


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + exp(-z))


class _Chain:
    """A chain of units (units, 12) stepped one time step at a time (SPEC.md's formulas).

    Each unit keeps the sequence it produced, because with ``delay`` = 1 a unit reads the
    output of the unit before it one step late.
    """

    def __init__(self, params: np.ndarray, delay: int):
        self.p = [row.tolist() for row in np.asarray(params, dtype=float).reshape(-1, _UNIT_SIZE)]
        self.delay = delay
        self.c = [0.0] * len(self.p)
        self.h = [0.0] * len(self.p)
        self.seqs: list[list[float]] = [[] for _ in range(len(self.p) + 1)]  # input, then each unit

    def step(self, x: float) -> float:
        """Append x to the input and return the last unit's h at this step."""
        self.seqs[0].append(x)
        t = len(self.seqs[0]) - 1
        for u, (w_fh, w_fx, b_f, w_ih, w_ix, b_i, w_ch, w_cx, b_c, w_oh, w_ox, b_o) in enumerate(self.p):
            src = self.seqs[u]
            x_in = src[t - self.delay] if t >= self.delay else 0.0
            h = self.h[u]
            f = _sigmoid(w_fh * h + w_fx * x_in + b_f)
            i = _sigmoid(w_ih * h + w_ix * x_in + b_i)
            c_tilde = tanh(w_ch * h + w_cx * x_in + b_c)
            o = _sigmoid(w_oh * h + w_ox * x_in + b_o)
            self.c[u] = f * self.c[u] + i * c_tilde
            self.h[u] = o * tanh(self.c[u])
            self.seqs[u + 1].append(self.h[u])
        return self.h[-1]


def free_run(params: np.ndarray, x: np.ndarray, truth: np.ndarray, delay: int = 0,
             tolerance: float = 0.1) -> FreeRun:
    """Show the model x (n,), then let it feed its output back as its input for len(truth) steps.

    params: (12,) or (units, 12).  truth: (steps,) the real x(n), x(n+1), ...
    Returns a :class:`FreeRun`; ``predicted[k]`` is the output after the step before, the
    model's guess of x(n + k).
    """
    x = np.asarray(x, dtype=float)
    truth = np.asarray(truth, dtype=float)
    if x.ndim != 1 or x.size < 1 or truth.ndim != 1:
        raise ValueError("x must be a non-empty (n,) sequence and truth a (steps,) sequence")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance!r}")
    chain = _Chain(params, delay)
    h = 0.0
    for value in x.tolist():
        h = chain.step(value)
    predicted = np.empty(truth.size)
    for k in range(truth.size):
        predicted[k] = h
        h = chain.step(h)
    off = np.flatnonzero(~(np.abs(predicted - truth) <= tolerance))  # NaN counts as off
    within = int(off[0]) if off.size else int(truth.size)
    return FreeRun(predicted, truth, within, float(tolerance))


def free_run_task(params: np.ndarray, task: Task, delay: int = 0, factor: int = 3,
                  tolerance: float = 0.1) -> FreeRun:
    """:func:`free_run` on a forecasting task: shown the task's x, then run on for
    (factor - 1) training lengths against the task's own continuation (``task.extended``).

    Cost: one Python-float step per unit and time step, about 2 ms for n = 100, factor 3.
    """
    n = task.length
    x_long, _ = task.extended(factor).sequences()
    return free_run(params, x_long[:n], x_long[n:], delay, tolerance)


def free_run_snapshot(snap, factor: int = 3, tolerance: float = 0.1) -> FreeRun:
    """:func:`free_run_task` for a run's Snapshot (its params, task and delay)."""
    return free_run_task(snap.params, snap.config.task, snap.config.delay, factor, tolerance)

"""Training any :class:`~lstm_gui.core.models.Model` on sequences, in shuffled mini-batches.

``TrainingRun`` trains SPEC's 12-parameter unit (and its chains) on its own, bit for bit as
before; every other model (a layer of H units, a readout, GRU and the variants, several inputs,
a dataset of many sequences) goes through a :class:`ModelTrainer`:

* the data are a :class:`~.datasets.Dataset`, held time-major as the models read them:
  x (n, N, m), targets (n, N) or (N,) for sequence-to-one;
* an epoch is one pass over the N training sequences in mini-batches of ``batch``, in an
  order drawn from the run's shuffle generator (:func:`~.datasets.epoch_batches`); the
  epoch's MSE is the mean of its batches' losses, weighted by their sizes (what Keras
  reports; with one batch it is the loss before the update, as a single run's);
* gradients come from the compiled kernel when it is on and can compute this model
  (``LSTM_GUI_KERNEL``; no dropout, no lstmlib timing), else from the model's numpy
  reference: :func:`loss_function` is that one switch.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .datasets import Dataset, epoch_batches
from .records import EvalRecords, interval

LossFn = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def loss_function(model, seq_to_one: bool, delay: int, dropout_rng) -> LossFn:
    """(theta, x (n, B, m), target) -> (MSE, gradient (size,)), on the fastest path that
    computes exactly this model: the compiled kernel (branch `kernels`) or numpy."""
    if delay == 0 and model.dropout == 0.0:
        from ..models import compiled
        if compiled.active() == "compiled":
            try:
                from ..models.compiled.fast_model import FastModel
            except ImportError:      # the general kernel is not in this build
                pass
            else:
                return FastModel(model).loss_and_grad   # sequence-to-one by the target's shape

    def numpy_path(theta, x, target):
        return model.loss_and_grad(theta, x, target, delay=delay, rng=dropout_rng)
    return numpy_path


def forward(model, theta: np.ndarray, x, delay: int = 0, precision: str = "float64") -> np.ndarray:
    """Model.forward on the compiled kernel when it computes this model (no delay): an
    H = 16, 2-layer GRU over 300 steps took 97 ms in the reference's Python, in every
    snapshot's test MSE, holding the GIL from the window (frames of 0.4 s).  precision
    "float32": a float32 run's test pass in lstm32 (fast_model.kernels_for)."""
    if delay == 0:
        from ..models import compiled
        if compiled.active() == "compiled":
            try:
                from ..models.compiled.fast_model import FastModel, supported
            except ImportError:
                pass
            else:
                if supported(model):
                    return _fast(model, FastModel, precision).forward(theta, x)
    return model.forward(theta, x, delay)


def trace(model, theta: np.ndarray, x, delay: int = 0):
    """Model.trace on the compiled kernel when it can (no delay; a trace has no dropout, so
    a model with dropout traces as the same model without): an H = 16, 2-layer GRU over 100
    steps took 34-49 ms in the reference's Python, 1.2 ms compiled, in every snapshot."""
    if delay == 0:
        from ..models import compiled
        if compiled.active() == "compiled":
            try:
                from ..models.compiled.fast_model import FastModel
            except ImportError:
                pass
            else:
                from dataclasses import replace
                plain = model if model.dropout == 0.0 else replace(model, dropout=0.0)
                return _fast(plain, FastModel).trace(theta, x)
    return model.trace(theta, x, delay)


_FAST: dict = {}


def _fast(model, cls, precision: str = "float64"):
    """The FastModel of `model`, made once (its layout took 2 ms, at every test-set pass)."""
    fm = _FAST.get((model, precision))
    if fm is None:
        if len(_FAST) > 16:
            _FAST.clear()
        fm = _FAST[(model, precision)] = cls(model, precision)
    return fm


def time_major(x: np.ndarray) -> np.ndarray:
    """(N, n, m) sequences -> (n, N, m), contiguous."""
    return np.ascontiguousarray(np.transpose(x, (1, 0, 2)))


class ModelTrainer:
    """The data of one run, its shuffle and dropout generators, and one epoch of training.

    x (N, n, m), target (N, n) or (N,): the training sequences (a waveform task is N = 1).
    """

    def __init__(self, model, x: np.ndarray, target: np.ndarray, seq_to_one: bool, batch: int,
                 delay: int, shuffle_rng: np.random.Generator, dropout_rng: np.random.Generator):
        self.model = model
        self.seq_to_one = seq_to_one
        self.batch = max(1, min(int(batch), len(x))) if batch else len(x)
        self.delay = delay
        self.shuffle_rng = shuffle_rng
        self.dropout_rng = dropout_rng
        self.set_data(x, target)

    def set_data(self, x: np.ndarray, target: np.ndarray) -> None:
        self._x = time_major(x)                                           # (n, N, m)
        self._t = np.ascontiguousarray(target if self.seq_to_one else np.asarray(target).T)
        self._loss = loss_function(self.model, self.seq_to_one, self.delay, self.dropout_rng)

    def full_gradient(self, theta: np.ndarray) -> np.ndarray:
        """(size,) the gradient of the MSE over the whole training set at theta, without
        dropout: it draws nothing from the run's generators (resume stays bit-identical).
        What a run records the norms of (grad_norms.py)."""
        from dataclasses import replace
        plain = self.model if self.model.dropout == 0.0 else replace(self.model, dropout=0.0)
        loss = None
        if self.delay == 0:
            from ..models import compiled
            # Asked at each call: while the kernels compile (a first launch) this thread
            # takes numpy, and the compiled kernel once they are ready (loss_function's
            # choice, kept, would have stayed numpy: 100 ms a gradient of an H = 16 GRU).
            if compiled.active() == "compiled":
                try:
                    from ..models.compiled.fast_model import FastModel
                except ImportError:
                    pass
                else:
                    loss = _fast(plain, FastModel).loss_and_grad
        with np.errstate(all="ignore"):
            if loss is None:
                return plain.loss_and_grad(theta, self._x, self._t, delay=self.delay)[1]
            return loss(theta, self._x, self._t)[1]

    @property
    def sequences(self) -> int:
        return self._x.shape[1]

    def epoch(self, theta: np.ndarray, step) -> tuple[float, np.ndarray]:
        """One pass over the training set: `step(theta, grad) -> theta` after every batch
        (the optimizer, which may raise NonFiniteStep).  Returns (epoch MSE, new theta);
        the MSE is NaN if a batch's loss was not finite (theta is then the last finite one)."""
        total = 0.0
        batches = epoch_batches(self.shuffle_rng, self.sequences, self.batch)
        whole = len(batches) == 1
        for idx in batches:
            # One batch holding every sequence keeps the data's order: the same numbers in
            # the same order as the tutorial's full batch (and a sum in a fixed order).
            xb = self._x if whole else self._x[:, idx]
            tb = self._t if whole else (self._t[idx] if self.seq_to_one else self._t[:, idx])
            with np.errstate(all="ignore"):
                loss, grad = self._loss(theta, xb, tb)
            if not np.isfinite(loss):
                return float("nan"), theta
            theta = step(theta, grad)
            total += loss * len(idx)
        return total / self.sequences, theta

    def orders(self, epochs: int) -> np.ndarray:
        """(epochs, N) int64: the order of the sequences in each of the next `epochs`
        epochs, drawn from the shuffle generator as :meth:`epoch` draws them (one
        permutation an epoch); with one batch holding every sequence, the data's own order
        (as :meth:`epoch` keeps it)."""
        n = self.sequences
        rows = np.empty((epochs, n), dtype=np.int64)
        for e in range(epochs):
            order = np.concatenate(epoch_batches(self.shuffle_rng, n, self.batch))
            rows[e] = np.arange(n) if self.batch >= n else order
        return rows

    def kernel_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The training set as the compiled kernels read it: x (n, N, m), target (n, N) or
        (1, N) sequence-to-one."""
        t = self._t.reshape(1, -1) if self.seq_to_one else self._t
        return self._x, np.ascontiguousarray(t)

    def state_dict(self) -> dict:
        return {"shuffle_rng": self.shuffle_rng.bit_generator.state,
                "dropout_rng": self.dropout_rng.bit_generator.state}

    def load_state(self, state: dict) -> None:
        self.shuffle_rng.bit_generator.state = state["shuffle_rng"]
        self.dropout_rng.bit_generator.state = state["dropout_rng"]


def mse(model, theta: np.ndarray, x: np.ndarray, target: np.ndarray, seq_to_one: bool,
        delay: int = 0, precision: str = "float64") -> float:
    """MSE of the model (no dropout) on sequences x (N, n, m) against target (N, n) or (N,);
    NaN for an empty set."""
    if len(x) == 0:
        return float("nan")
    with np.errstate(all="ignore"):
        y = forward(model, theta, time_major(x), delay, precision)        # (n, N)
    err = (y[-1] - target) if seq_to_one else (y - np.asarray(target).T)
    return float(np.mean(err * err))


def held_out_mse(model, theta: np.ndarray, data: Dataset, delay: int = 0,
                 precision: str = "float64") -> float:
    """MSE on the held-out sequences (NaN if there are none)."""
    return mse(model, theta, data.x_test, data.y_test, data.seq_to_one, delay, precision)


class SetEval(EvalRecords):
    """Train and test MSE over epochs for a task of many sequences, recorded every
    ``every`` epochs in the store ``evaluation.EvalHistory`` keeps (``unseen_mse`` is the
    held-out sequences' MSE, ``clean_mse`` NaN: a dataset takes no noise)."""

    def __init__(self, config, model, data: Dataset, capacity: int = 1000):
        # A preset's epochs are few and long (10 of 32 batches): record each one.
        super().__init__(1 if config.epochs <= 1000 else interval(config.epochs), capacity)
        self.model, self.data, self.delay = model, data, config.delay
        self.precision = config.precision        # a float32 run's test pass in float32

    def record(self, epoch: int, params: np.ndarray) -> None:
        if self._make_room(epoch):
            self._append(epoch, held_out_mse(self.model, params, self.data, self.delay,
                                             self.precision), np.nan)

"""The Python side of the general models' kernels: a model description in, whole epochs out.

``FastModel(cell=, hidden=, layers=, inputs=, bias=, bidirectional=, readout=, seq2one=)``
(or ``FastModel.of(model)`` for a ``lstm_gui.core.models.Model``) knows where each block of
the flat parameter vector theta lies and hands theta to the compiled kernels of
``layer_kernels``:

- ``loss_and_grad(theta, x, target)``: the MSE over all outputs and its exact gradient, for a
  batch of sequences x (T, B, m) (or one sequence (T,) / (T, m));
- ``predict(theta, x)``: the outputs (T, B);
- ``train(theta, x, target, epochs=, batch=, ...)``: whole epochs of mini-batches (forward,
  BPTT, Adam or SGD per mini-batch) in one compiled call;
- ``train_population(thetas, ...)``: K models at once, on the same data or each its own.

Where theta's blocks lie is read from the model description (``Model.views`` when the model
module provides it); ``layout`` below is the flat order of HELPERS.md, which the model module
owns: for each layer, each direction, each gate of the family in order, the gate's R (H x H),
W (H x m_k) and b (H) (GRU's n gate also b_hn), then the peepholes p_i, p_f, p_o (H each),
then the readout w_y (D*H) and b_y.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import layer_kernels as lk

# Gate slots each family uses (the kernel's slots: LSTM f, i, C~, o; GRU r, z, n), and the
# flags of layer_kernels.spec.  A removed gate keeps its slot with zero weights.
_LSTM_SLOTS = (0, 1, 2, 3)
FAMILIES: dict[str, tuple[tuple[int, ...], dict[int, int]]] = {
    "lstm": (_LSTM_SLOTS, {}),
    "peephole": (_LSTM_SLOTS, {lk.PEEP: 1}),
    "cifg": ((1, 2, 3), {lk.CIFG: 1}),
    "nig": ((0, 2, 3), {lk.NIG: 1}),
    "nfg": ((1, 2, 3), {lk.NFG: 1}),
    "nog": ((0, 1, 2), {lk.NOG: 1}),
    "niaf": (_LSTM_SLOTS, {lk.NIAF: 1}),
    "noaf": (_LSTM_SLOTS, {lk.NOAF: 1}),
    "gru": ((0, 1, 2), {}),
}
OPTIMIZERS = {"sgd": lk.SGD, "adam": lk.ADAM}


@dataclass(frozen=True)
class Layout:
    """The kernels' description of one model: spec (NSPEC,), off (L*D, 4, 3), ext (L*D, 4),
    ro (2,), all int64, and the parameter count."""

    spec: np.ndarray
    off: np.ndarray
    ext: np.ndarray
    ro: np.ndarray
    size: int

    @property
    def args(self) -> tuple:
        return self.spec, self.off, self.ext, self.ro


def layout(cell: str = "lstm", hidden: int = 1, layers: int = 1, inputs: int = 1,
           bias: bool = True, bidirectional: bool = False, readout: bool | None = None,
           seq2one: bool = False) -> Layout:
    """The layout of HELPERS.md's flat order for this model (see the module docstring).

    readout None: a readout when hidden > 1 or bidirectional (then it is required)."""
    if cell not in FAMILIES:
        raise ValueError(f"unknown cell {cell!r}; choose one of {', '.join(FAMILIES)}")
    directions = 2 if bidirectional else 1
    if readout is None:
        readout = hidden > 1 or bidirectional
    if not readout and (hidden > 1 or bidirectional):
        raise ValueError("a model with more than one output per step needs a readout")
    slots, flags = FAMILIES[cell]
    gru = cell == "gru"
    spec = np.zeros(lk.NSPEC, dtype=np.int64)
    spec[lk.CELL] = lk.GRU if gru else lk.LSTM
    spec[[lk.LAYERS, lk.DIRS, lk.HIDDEN, lk.INPUTS]] = layers, directions, hidden, inputs
    spec[lk.GATES] = 3 if gru else 4
    for key, value in flags.items():
        spec[key] = value
    spec[lk.READOUT] = int(readout)
    spec[lk.SEQ2ONE] = int(seq2one)
    spec[lk.MMAX] = max(inputs, directions * hidden)
    off = np.full((layers * directions, 4, 3), -1, dtype=np.int64)
    ext = np.full((layers * directions, 4), -1, dtype=np.int64)
    ro = np.full(2, -1, dtype=np.int64)
    at = 0
    for layer in range(layers):
        mk = inputs if layer == 0 else directions * hidden
        for d in range(directions):
            ld = layer * directions + d
            for slot in slots:
                off[ld, slot, lk.R_] = at
                at += hidden * hidden
                off[ld, slot, lk.W_] = at
                at += hidden * mk
                if bias:
                    off[ld, slot, lk.B_] = at
                    at += hidden
                    if gru and slot == 2:
                        ext[ld, lk.B_HN] = at
                        at += hidden
            if flags.get(lk.PEEP):
                for q in (lk.P_I, lk.P_F, lk.P_O):
                    ext[ld, q] = at
                    at += hidden
    if readout:
        ro[0] = at
        at += directions * hidden
        ro[1] = at
        at += 1
    return Layout(spec, off, ext, ro, at)


def as_batch(x: np.ndarray, inputs: int) -> np.ndarray:
    """x as a time-major batch (T, B, m), C-contiguous float64: a sequence (T,) or (T, m) is
    a batch of one; (T, B) is B sequences when m = 1."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None, None]
    elif x.ndim == 2:
        # (T, m) one sequence of m inputs; with one input, (T, B) a batch of B sequences.
        x = x[:, None, :] if inputs > 1 else x[:, :, None]
    if x.ndim != 3 or x.shape[2] != inputs:
        raise ValueError(f"inputs must be (steps, batch, {inputs}), got shape {x.shape}")
    return np.ascontiguousarray(x)


def as_targets(target: np.ndarray, steps: int, batch: int, seq2one: bool) -> np.ndarray:
    """target as (T, B), or (1, B) sequence-to-one, C-contiguous float64."""
    target = np.asarray(target, dtype=np.float64)
    rows = 1 if seq2one else steps
    if target.ndim == 3 and target.shape[2] == 1:
        target = target[..., 0]
    target = target.reshape(rows, batch) if target.size == rows * batch else target
    if target.shape != (rows, batch):
        raise ValueError(f"targets must have shape ({rows}, {batch}), got {target.shape}")
    return np.ascontiguousarray(target)


class FastModel:
    """One model description, its layout, and the compiled kernels called on it."""

    def __init__(self, cell: str = "lstm", hidden: int = 1, layers: int = 1, inputs: int = 1,
                 bias: bool = True, bidirectional: bool = False, readout: bool | None = None,
                 seq2one: bool = False):
        self.layout = layout(cell, hidden, layers, inputs, bias, bidirectional, readout, seq2one)
        self.cell, self.hidden, self.layers, self.inputs = cell, hidden, layers, inputs
        self.seq2one = seq2one

    @classmethod
    def of(cls, model, seq2one: bool = False) -> FastModel:
        """The FastModel of a lstm_gui.core.models.Model (its attributes of the same names)."""
        return cls(cell=model.cell, hidden=model.hidden, layers=model.layers, inputs=model.inputs,
                   bias=model.bias, bidirectional=model.bidirectional,
                   readout=getattr(model, "readout", None), seq2one=seq2one)

    @property
    def size(self) -> int:
        return self.layout.size

    def init(self, seed: int = 0, scale: float | None = None) -> np.ndarray:
        """PyTorch's initialisation, U(-1/sqrt(H), 1/sqrt(H)) for every parameter."""
        scale = 1.0 / np.sqrt(self.hidden) if scale is None else scale
        return np.random.default_rng(seed).uniform(-scale, scale, self.size)

    def _theta(self, theta) -> np.ndarray:
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        if theta.shape != (self.size,):
            raise ValueError(f"theta must have {self.size} entries, got shape {theta.shape}")
        return theta

    def loss_and_grad(self, theta, x, target) -> tuple[float, np.ndarray]:
        """MSE over all outputs of the batch x (T, B, m) and its exact gradient (P,)."""
        theta = self._theta(theta)
        x = as_batch(x, self.inputs)
        target = as_targets(target, x.shape[0], x.shape[1], self.seq2one)
        grad = np.zeros(self.size)
        loss = lk.loss_and_grad(theta, *self.layout.args, x, target, grad)
        return float(loss), grad

    def predict(self, theta, x) -> np.ndarray:
        """Outputs (T, B) at every step (sequence-to-one: the last row is the output)."""
        x = as_batch(x, self.inputs)
        y = np.zeros((x.shape[0], x.shape[1]))
        lk.predict(self._theta(theta), *self.layout.args, x, y)
        return y

    def permutations(self, n: int, epochs: int, rng: np.random.Generator | None) -> np.ndarray:
        """(epochs, n) orders of the sequences: rng's permutations, or 0..n-1 without rng."""
        if rng is None:
            return np.tile(np.arange(n, dtype=np.int64), (epochs, 1))
        return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int64)

    def train(self, theta, x, target, epochs: int, batch: int | None = None,
              optimizer: str = "adam", lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
              eps: float = 1e-8, rng: np.random.Generator | None = None, state: dict | None = None,
              perms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
        """`epochs` epochs of mini-batch training from theta (not modified).

        x (T, N, m), target (T, N) or (1, N)/(N,) sequence-to-one; batch None: all N at
        once; the order of each epoch from perms (E, N), else rng's permutations, else
        unshuffled.  state: the optimizer's m, v, step from a previous call (continuing it
        is bit-identical to one long call).  Returns (theta, per-epoch losses, state); fewer
        losses than epochs if training diverged.
        """
        x = as_batch(x, self.inputs)
        n = x.shape[1]
        target = as_targets(target, x.shape[0], n, self.seq2one)
        theta = self._theta(theta).copy()
        state = _fresh_state(self.size) if state is None else {k: np.array(v) for k, v in state.items()}
        if perms is None:
            perms = self.permutations(n, epochs, rng)
        perms = np.ascontiguousarray(perms, dtype=np.int64)
        losses = np.zeros(epochs)
        done = lk.train_epochs(theta, *self.layout.args, x, target, perms,
                               int(batch or n), OPTIMIZERS[optimizer], float(lr),
                               float(betas[0]), float(betas[1]), float(eps),
                               state["m"], state["v"], state["step"], losses)
        return theta, losses[:done], state

    def train_population(self, thetas, x, target, epochs: int, batch: int | None = None,
                         optimizer: str = "adam", lr: float = 1e-3,
                         betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                         perms: np.ndarray | None = None, state: dict | None = None):
        """K models thetas (K, P) in one call.  x (T, N, m) shared or (K, T, N, m) per model,
        target likewise; perms (E, N) shared or (K, E, N) per model (None: unshuffled).
        Returns (thetas, losses (K, E), epochs done (K,), state)."""
        thetas = np.array(thetas, dtype=np.float64, order="C")
        k = thetas.shape[0]
        x = np.asarray(x, dtype=np.float64)
        xs = np.ascontiguousarray(x[None] if x.ndim == 3 else x)
        n = xs.shape[2]
        rows = 1 if self.seq2one else xs.shape[1]
        t = np.asarray(target, dtype=np.float64)
        ts = np.ascontiguousarray(t.reshape(xs.shape[0], rows, n))
        if perms is None:
            perms = np.tile(np.arange(n, dtype=np.int64), (epochs, 1))
        perms = np.asarray(perms, dtype=np.int64)
        perms = np.ascontiguousarray(perms[None] if perms.ndim == 2 else perms)
        state = ({"m": np.zeros((k, self.size)), "v": np.zeros((k, self.size)),
                  "step": np.zeros((k, 1), dtype=np.int64)} if state is None
                 else {key: np.array(v) for key, v in state.items()})
        losses = np.zeros((k, epochs))
        done = np.zeros(k, dtype=np.int64)
        lk.train_population(thetas, *self.layout.args, xs, ts, perms, int(batch or n),
                            OPTIMIZERS[optimizer], float(lr), float(betas[0]), float(betas[1]),
                            float(eps), state["m"], state["v"], state["step"], losses, done)
        return thetas, losses, done, state


def _fresh_state(size: int) -> dict:
    return {"m": np.zeros(size), "v": np.zeros(size), "step": np.zeros(1, dtype=np.int64)}

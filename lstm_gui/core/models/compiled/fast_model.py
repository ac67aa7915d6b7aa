"""The Python side of the general models' kernels: a :class:`Model` in, whole epochs out.

``FastModel(model)`` reads where each block of the flat parameter vector theta lies from
``model.blocks()`` (the model module owns the layout) and hands theta to the compiled
kernels of ``layer_kernels``:

- ``loss_and_grad(theta, x, target)``: the MSE over all outputs and its exact gradient, the
  arguments and shapes of ``Model.loss_and_grad`` (one sequence or a batch x (n, B, m);
  target (n, B) sequence-to-sequence or (B,) sequence-to-one);
- ``forward(theta, x)``: the outputs, as ``Model.forward``;
- ``train(theta, x, target, epochs=, batch=, ...)``: whole epochs of mini-batches (forward,
  BPTT, Adam or SGD per mini-batch) in one compiled call, the GIL released;
- ``train_population(thetas, ...)``: K models in one call, on the same data or each its own.

``FastModel(model, "float32")`` computes ``loss_and_grad``, ``forward`` and ``train`` of the
vanilla LSTM in float32 (``lstm32``, compiled on first use; :func:`kernels_for` is the one
switch, also for a run's chunks); other models stay float64.

Without numba the same calls run the kernels' loops as plain Python (correct, slow): use
the numpy reference (``Model.loss_and_grad``) there.  Dropout and lstmlib's delay are not
compiled: ``supported(model)`` says whether a model is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import reference
from ..model import GRU_GATES, LSTM_GATES, PEEPHOLES, Model
from . import layer_kernels as lk

try:
    from ._blas import one_thread
except ImportError:      # numba missing: the kernels run as plain Python, no BLAS
    def one_thread() -> None:
        pass

OPTIMIZERS = {"sgd": lk.SGD, "adam": lk.ADAM}
# Which column of layer_kernels' ext each block kind / peephole goes to.
_EXT = {("p", g): q for q, g in enumerate(PEEPHOLES)}     # P_I, P_F, P_O in that order
_KIND = {"W": lk.W_, "R": lk.R_, "b": lk.B_}


@dataclass(frozen=True)
class Layout:
    """The kernels' description of one model: spec (NSPEC,), off (L*D, 4, 3), ext (L*D, 4),
    ro (2,), all int64 (see layer_kernels), and the parameter count."""

    spec: np.ndarray
    off: np.ndarray
    ext: np.ndarray
    ro: np.ndarray
    size: int

    def args(self, seq2one: bool) -> tuple:
        spec = self.spec.copy()
        spec[lk.SEQ2ONE] = int(seq2one)
        return spec, self.off, self.ext, self.ro


def supported(model: Model) -> bool:
    """True if the kernels compute this model exactly (everything but dropout)."""
    return model.dropout == 0.0


def float32_supported(model: Model) -> bool:
    """True if the opt-in float32 kernels (lstm32) compute this model: the vanilla LSTM
    (no peepholes, coupling or ablation), without dropout."""
    return supported(model) and model.family.name == "lstm"


def kernels_for(model: Model, precision: str = "float64"):
    """The kernel module that trains `model` at `precision`: lstm32 (imported, and its
    kernels compiled, only here: on the first float32 run) for "float32" and a model it
    computes, else layer_kernels."""
    if precision == "float32" and float32_supported(model):
        from . import lstm32
        return lstm32
    return lk


def layout(model: Model) -> Layout:
    """The kernels' layout of model's theta, read from model.blocks()."""
    fam = model.family
    order = GRU_GATES if fam.is_gru else LSTM_GATES
    slot = {g: order.index(g) for g in order}
    D, H = model.dirs, model.hidden
    spec = np.zeros(lk.NSPEC, dtype=np.int64)
    spec[lk.CELL] = lk.GRU if fam.is_gru else lk.LSTM
    spec[[lk.LAYERS, lk.DIRS, lk.HIDDEN, lk.INPUTS]] = model.layers, D, H, model.inputs
    spec[lk.GATES] = len(order)
    if not fam.is_gru:
        absent = set(range(len(order))) - {slot[g] for g in model.gates}
        spec[lk.PEEP] = int(fam.peephole)
        spec[lk.CIFG] = int(fam.coupled)
        spec[lk.NFG] = int(0 in absent and not fam.coupled)
        spec[lk.NIG] = int(1 in absent)
        spec[lk.NOG] = int(3 in absent)
        spec[lk.NIAF] = int(fam.linear_input)
        spec[lk.NOAF] = int(fam.linear_output)
    spec[lk.READOUT] = int(bool(model.readout))
    spec[lk.MMAX] = max(model.inputs, D * H)
    off = np.full((model.layers * D, 4, 3), -1, dtype=np.int64)
    ext = np.full((model.layers * D, 4), -1, dtype=np.int64)
    ro = np.full(2, -1, dtype=np.int64)
    for b in model.blocks():
        if b.kind == "w_y":
            ro[0] = b.offset
        elif b.kind == "b_y":
            ro[1] = b.offset
        else:
            assert b.layer is not None and b.direction is not None and b.gate is not None
            ld = b.layer * D + b.direction
            if b.kind == "p":
                ext[ld, _EXT[("p", b.gate)]] = b.offset
            elif b.kind == "b_h":
                ext[ld, lk.B_HN] = b.offset
            else:
                off[ld, slot[b.gate], _KIND[b.kind]] = b.offset
    return Layout(spec, off, ext, ro, model.size)


def _batch(model: Model, x, target) -> tuple[np.ndarray, np.ndarray, bool]:
    """x (n, B, m) and target as the kernels take it, (n, B) or (1, B) sequence-to-one,
    checked as the reference checks them (same one-line errors)."""
    xb, batch = reference.as_batch(model, x)
    n, B, _ = xb.shape
    tb, last = reference.as_target(target, n, B, batch)
    tk = tb.reshape(1, B) if last else tb
    return np.ascontiguousarray(xb), np.ascontiguousarray(tk), last


class FastModel:
    """One model description, its layout, and the compiled kernels called on it."""

    def __init__(self, model: Model, precision: str = "float64"):
        if not supported(model):
            raise ValueError("the compiled kernels do not compute dropout; use the numpy reference")
        self.model = model
        self.layout = layout(model)
        # float32: loss_and_grad, forward and train in lstm32 (the vanilla LSTM; others,
        # and trace, stay float64)
        self.precision = precision

    @property
    def kernels(self):
        # Looked up, not stored: a module cannot be deep-copied, and a run holding this object
        # is (the window's undo keeps a deep copy of the run).
        return kernels_for(self.model, self.precision)

    @property
    def size(self) -> int:
        return self.layout.size

    def loss_and_grad(self, theta, x, target) -> tuple[float, np.ndarray]:
        """As Model.loss_and_grad (no dropout, no delay): the MSE and its gradient (size,)."""
        one_thread()
        theta = np.ascontiguousarray(self.model.check(theta))
        xb, tk, last = _batch(self.model, x, target)
        grad = np.zeros(self.size)
        loss = self.kernels.loss_and_grad(theta, *self.layout.args(last), xb, tk, grad)
        return float(loss), grad

    def forward(self, theta, x) -> np.ndarray:
        """As Model.forward: outputs (n,) for one sequence, (n, B) for a batch."""
        one_thread()
        theta = np.ascontiguousarray(self.model.check(theta))
        xb, batch = reference.as_batch(self.model, x)
        y = np.zeros(xb.shape[:2])
        self.kernels.predict(theta, *self.layout.args(False), np.ascontiguousarray(xb), y)
        return y if batch else y[:, 0]

    def trace(self, theta, x) -> reference.Trace:
        """As Model.trace (no delay): every per-step array of the forward pass, in the
        reference's layout (states (layers, dirs, n, B, H) at the sequence's own steps)."""
        theta = np.ascontiguousarray(self.model.check(theta))
        xb, _ = reference.as_batch(self.model, x)
        xb = np.ascontiguousarray(xb)
        hs, act, cs, y = lk.trace_forward(theta, *self.layout.args(False), xb)
        m = self.model
        L, D, H = m.layers, m.dirs, m.hidden
        T, B = xb.shape[:2]
        per_dir = (L, D, T, B, H)
        gates = act.reshape(L, D, T, B, -1, H)
        states = {}
        for slot, name in enumerate(("r", "z", "n") if m.family.is_gru
                                    else ("f", "i", "c_tilde", "o")):
            states[name] = np.ascontiguousarray(gates[:, :, :, :, slot])
        if not m.family.is_gru:
            states["c"] = cs.reshape(per_dir)
        states["h"] = np.ascontiguousarray(hs.reshape(L, T, B, D, H).transpose(0, 3, 1, 2, 4))
        order = reference.state_names(m)
        return reference.Trace(y, {k: states[k] for k in order}, xb)

    @staticmethod
    def permutations(n: int, epochs: int, rng: np.random.Generator | None) -> np.ndarray:
        """(epochs, n) orders of the sequences: rng's permutations, or 0..n-1 without rng."""
        if rng is None:
            return np.tile(np.arange(n, dtype=np.int64), (epochs, 1))
        return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int64)

    def train(self, theta, x, target, epochs: int, batch: int | None = None,
              optimizer: str = "adam", lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
              eps: float = 1e-8, rng: np.random.Generator | None = None, state: dict | None = None,
              perms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
        """`epochs` epochs of mini-batch training from theta (not modified).

        x (n, N, m), target (n, N) or (N,) sequence-to-one; batch None: all N at once; the
        order of each epoch from perms (E, N), else rng's permutations, else unshuffled.
        state: the optimizer's m, v, step from a previous call (continuing it is
        bit-identical to one long call).  Returns (theta, per-epoch losses, state); fewer
        losses than epochs if training diverged (theta then is the last finite one).
        """
        one_thread()
        xb, tk, last = _batch(self.model, x, target)
        n = xb.shape[1]
        theta = np.array(self.model.check(theta), dtype=np.float64)
        state = _fresh_state(self.size) if state is None else {k: np.array(v) for k, v in state.items()}
        if perms is None:
            perms = self.permutations(n, epochs, rng)
        perms = np.ascontiguousarray(perms, dtype=np.int64)
        losses = np.zeros(epochs)
        if self.kernels is not lk:
            return self._train32(theta, xb, tk, last, perms, int(batch or n), optimizer, lr,
                                 betas, eps, state, losses)
        done = lk.train_epochs(theta, *self.layout.args(last), xb, tk, perms,
                               int(batch or n), OPTIMIZERS[optimizer], float(lr),
                               float(betas[0]), float(betas[1]), float(eps),
                               state["m"], state["v"], state["step"], losses)
        return theta, losses[:done], state

    def _train32(self, theta, xb, tk, last, perms, batch, optimizer, lr, betas, eps, state,
                 losses):
        """train() in float32: lstm32.train_run without stop rules, clipping or frozen
        entries (its update is layer_kernels._run_update, Adam's bias correction by ** where
        train_epochs uses math.pow: the same up to an ulp)."""
        kind = OPTIMIZERS[optimizer]
        counters = np.array([0, 0, state["step"][0]], dtype=np.int64)
        floats = np.array([np.nan, np.inf])
        frozen = np.zeros(self.size, dtype=np.bool_)
        done, _ = self.kernels.train_run(theta, *self.layout.args(last), xb, tk, perms, batch,
                                         kind, float(lr), 0.0, float(betas[0]), float(betas[1]),
                                         float(eps), 0.0, frozen, state["m"], state["v"],
                                         counters, floats, 0, 0.0, 0, losses,
                                         np.empty((0, self.size)))
        state["step"][0] = counters[2]
        return theta, losses[:done], state

    def train_population(self, thetas, x, target, epochs: int, batch: int | None = None,
                         optimizer: str = "adam", lr: float = 1e-3,
                         betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                         perms: np.ndarray | None = None, state: dict | None = None):
        """K models thetas (K, P) in one call (one model after another inside the kernel).

        x (n, N, m) shared or (K, n, N, m) per model; target (n, N) / (N,) shared or with a
        leading K; perms (E, N) shared or (K, E, N) per model (None: unshuffled).
        Returns (thetas, losses (K, E), epochs done (K,), state).
        """
        one_thread()
        thetas = np.array(thetas, dtype=np.float64, order="C")
        k = thetas.shape[0]
        xa = np.asarray(x, dtype=np.float64)
        per_model = xa.ndim == 4
        xs_list, ts_list, last = [], [], False
        for km in range(k if per_model else 1):
            xb, tk, last = _batch(self.model, xa[km] if per_model else xa,
                                  np.asarray(target)[km] if per_model else target)
            xs_list.append(xb)
            ts_list.append(tk)
        xs, ts = np.ascontiguousarray(np.stack(xs_list)), np.ascontiguousarray(np.stack(ts_list))
        n = xs.shape[2]
        if perms is None:
            perms = np.tile(np.arange(n, dtype=np.int64), (epochs, 1))
        perms = np.asarray(perms, dtype=np.int64)
        perms = np.ascontiguousarray(perms[None] if perms.ndim == 2 else perms)
        state = ({"m": np.zeros((k, self.size)), "v": np.zeros((k, self.size)),
                  "step": np.zeros((k, 1), dtype=np.int64)} if state is None
                 else {key: np.array(v) for key, v in state.items()})
        losses = np.zeros((k, epochs))
        done = np.zeros(k, dtype=np.int64)
        lk.train_population(thetas, *self.layout.args(last), xs, ts, perms, int(batch or n),
                            OPTIMIZERS[optimizer], float(lr), float(betas[0]), float(betas[1]),
                            float(eps), state["m"], state["v"], state["step"], losses, done)
        return thetas, losses, done, state


def _fresh_state(size: int) -> dict:
    return {"m": np.zeros(size), "v": np.zeros(size), "step": np.zeros(1, dtype=np.int64)}

"""A training run: model, optimizer, task, noise and seed, advanced epoch by epoch.

The window, the command line and the tests all drive this one object.  It is plain code:
whoever calls :meth:`TrainingRun.train` decides how many epochs to take at once, and reads
:meth:`TrainingRun.snapshot` for an immutable copy of what to show.
"""
from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from .. import limits
from ..limits import check_model_size, check_training_size
from ..models import UNIT, Model, compiled, lstmlib_rule, unit
from . import compiled_run, model_training
from .datasets import SET_PRESETS, Dataset
from .evaluation import EvalHistory, EvalView
from .grad_norms import GradNormsView, Layout, Paced
from .history import History
from .noise import Noise
from .optim import DEFAULT_LR, NonFiniteStep, check_lr, init_params, make_optimizer, optimizer_from_state
from .records import CAPACITY, Thinned
from .stop import BUDGET, DIVERGED, PLATEAU, STOP_REASONS, TARGET  # noqa: F401 (re-exported: where callers find them)
from .tasks import CSV_TASK, PRESETS, Task, preset

INITS = ("uniform", "pytorch")
MAX_HIDDEN = 1024
# A model's history keeps its parameters per epoch only up to this many (what the longest chain
# of the unit holds, so the history's memory and a file's size stay within today's bounds); a
# larger model's history keeps the MSE alone.
HISTORY_PARAMS = Model(layers=limits.MAX_UNITS).size
# The unit's gradient norms at epoch 0 are recorded when the run is made up to this many
# unit-steps (units x length): 3 units x 100 steps take well under a millisecond.
GRAD_AT_START_STEPS = 20_000


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run.  Changing task, noise, the model, seed or the initial
    range needs a reset; optimizer, learning rate, clipping and the stop criteria do not.

    The model: ``cell`` (a family of ``models.CELLS``), ``hidden`` units per layer, ``units``
    stacked layers, ``bias``, ``bidirectional``, ``dropout`` between layers, ``readout``
    (None: when needed), ``init`` ("uniform" in [init_low, init_high], or "pytorch") and
    ``forget_bias`` (every b_f set to it after init; None leaves it).  The defaults are
    SPEC's 12-parameter unit, trained exactly as before this model description existed.
    ``batch``: sequences per mini-batch on a task of many sequences (0: the task's default).
    """

    task: Task = field(default_factory=lambda: preset("sin-cos"))
    noise: Noise = field(default_factory=Noise)
    units: int = 1
    optimizer: str = "adam"
    lr: float = 0.05
    clip: float | None = None
    seed: int = 0
    init_low: float = -1.0
    init_high: float = 1.0
    delay: int = 0
    epochs: int = 5000          # budget; 0 means none
    target_mse: float = 0.0     # 0 means none
    plateau: int = 0            # epochs without 1e-4 relative improvement; 0 means none
    frozen: tuple = ()          # flat indices into params.ravel() kept fixed by training
    gradient: str = "exact"     # or "lstmlib": the C library's update rule (lstmlib_rule.py)
    cell: str = "lstm"
    hidden: int = 1
    bias: bool = True
    bidirectional: bool = False
    dropout: float = 0.0
    readout: bool | None = None
    init: str = "uniform"
    forget_bias: float | None = None
    batch: int = 0
    precision: str = "float64"  # or "float32": the compiled vanilla LSTM's opt-in (lstm32.py)

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        # The one table of limits that files and the command line hold (limits.SETTINGS): a
        # run the window could make but never save and reopen is refused here, once, for
        # every caller (the panel, the command line, the file reader).
        for name in ("units", "lr", "seed", "init_low", "init_high", "delay", "epochs",
                     "target_mse", "plateau", "hidden", "dropout", "batch") + tuple(
                         name for name in ("clip", "forget_bias") if getattr(self, name) is not None):
            limits.check_setting(name, getattr(self, name))
        if not isinstance(self.hidden, (int, np.integer)) or not 1 <= self.hidden <= MAX_HIDDEN:
            raise ValueError(f"hidden must be a whole number from 1 to {MAX_HIDDEN}, got {self.hidden!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if self.forget_bias is not None and not np.isfinite(self.forget_bias):
            raise ValueError(f"forget-gate bias must be a finite number, got {self.forget_bias!r}")
        if not isinstance(self.batch, (int, np.integer)) or self.batch < 0:
            raise ValueError(f"batch must be a whole number >= 0, got {self.batch!r}")
        if self.task.is_set and self.noise.active:
            raise ValueError("noise applies to one sequence; a task of many sequences takes none")
        if not self.is_unit:
            model = self.model()    # ValueError in one line for a model that cannot be
            if self.forget_bias is not None and ("f" not in model.gates or not self.bias):
                model.init(0, forget_bias=self.forget_bias)     # its one-line refusal
        make_optimizer(self.optimizer, self.lr, self.clip)
        if not self.init_low < self.init_high:
            raise ValueError(f"initial range needs min < max, got [{self.init_low:g}, {self.init_high:g}]")
        # The limits files and the command line hold (limits.py): a run the window could make
        # but never save and reopen is refused here, once, for every caller.
        if self.is_unit:
            check_training_size(self.units, self.task.length)
        else:
            check_model_size(self.hidden, self.units, 2 if self.bidirectional else 1,
                             self.task.length, self.batch_size, self.sequences, self.task.inputs,
                             self.model().size)
        frozen = tuple(sorted({int(k) for k in self.frozen}))
        size = math.prod(self.param_shape)
        if any(not 0 <= k < size for k in frozen):
            raise ValueError(f"frozen parameters must be indices below {size}, got {self.frozen!r}")
        object.__setattr__(self, "frozen", frozen)
        check_gradient(self.gradient, self.units, self.delay)
        if self.gradient == "lstmlib" and not self.is_unit:
            raise ValueError("the lstmlib rule is the C library's: it trains its one unit only")

    @property
    def is_unit(self) -> bool:
        """SPEC's unit or a chain of it, on one sequence: trained by the unit's own kernels
        (numpy or compiled), bit for bit as before the model description existed."""
        return (self.cell == "lstm" and self.hidden == 1 and self.bias and not self.bidirectional
                and self.dropout == 0.0 and not self.readout and self.init == "uniform"
                and self.forget_bias is None and not self.task.is_set)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The run's parameter array: (units, size of the unit) for the unit and its chains,
        (size,) for any other model."""
        return (self.units, UNIT.size) if self.is_unit else (self.model().size,)

    def model(self) -> Model:
        """The :class:`~lstm_gui.core.models.Model` this config trains."""
        readout = self.readout
        if readout is None and (self.hidden > 1 or self.bidirectional or self.task.is_set):
            readout = True
        return Model(cell=self.cell, hidden=self.hidden, layers=self.units,
                     inputs=self.task.inputs, readout=readout, bias=self.bias,
                     bidirectional=self.bidirectional, dropout=self.dropout)

    @property
    def sequences(self) -> int:
        """Training sequences: 1 for a waveform task."""
        if not self.task.is_set:
            return 1
        if self.task.key in SET_PRESETS:
            return len(SET_PRESETS[self.task.key].make(self.task.seed).x_train)
        return self.task.n_sequences - self.task.test

    @property
    def batch_size(self) -> int:
        """Sequences per mini-batch: ``batch``, else the preset's, else all of them."""
        if self.batch:
            return min(self.batch, self.sequences)
        preset_ = SET_PRESETS.get(self.task.key)
        return min(preset_.batch, self.sequences) if preset_ else self.sequences

    def with_field(self, name: str, value) -> RunConfig:
        """This config with one setting changed (ValueError if the result is not valid).

        ``name`` is a field, or "task.<field>" / "noise.<field>".  Choosing a task preset
        ("task.key") takes its default length, cycles, amplitude and epoch budget; choosing an
        optimizer takes its default learning rate.
        """
        part, _, sub = name.partition(".")
        if part == "task" and sub == "key":
            if value == CSV_TASK:
                raise ValueError("load a CSV file to use a CSV task")
            if value in SET_PRESETS:
                return for_set_preset(self, value)
            p = PRESETS[value]
            return replace(self, task=preset(value), epochs=p.epochs)
        if part in ("task", "noise") and sub:
            return replace(self, **{part: replace(getattr(self, part), **{sub: value})})
        if name == "optimizer":
            return replace(self, optimizer=value, lr=DEFAULT_LR[value])
        if name == "gradient" and value == "lstmlib":
            # The C library's rule belongs to its forward pass, which reads x(t-1).
            return replace(self, gradient=value, delay=1)
        if name not in self.__dataclass_fields__:
            raise ValueError(f"unknown setting {name!r}")
        if name in ("units", "hidden", "cell", "bias", "bidirectional", "readout"):
            # Frozen parameters of a model that changed are dropped, not an error.
            changed = replace(self, **{name: value}, frozen=())
            size = changed.model().size
            same = changed.model() == self.model()
            return replace(changed, frozen=tuple(k for k in self.frozen if k < size and
                                                 (same or name == "units")))
        return replace(self, **{name: value})

    def needs_reset(self, other: RunConfig) -> bool:
        keys = ("task", "noise", "units", "seed", "init_low", "init_high", "delay", "cell",
                "hidden", "bias", "bidirectional", "dropout", "readout", "init", "forget_bias",
                "batch")
        return any(getattr(self, k) != getattr(other, k) for k in keys)

    def to_dict(self) -> dict:
        return {"task": self.task.to_dict(), "noise": self.noise.to_dict(),
                "units": self.units, "optimizer": self.optimizer, "lr": self.lr,
                "clip": self.clip, "seed": self.seed, "init_low": self.init_low,
                "init_high": self.init_high, "delay": self.delay, "epochs": self.epochs,
                "target_mse": self.target_mse, "plateau": self.plateau,
                "frozen": list(self.frozen), "gradient": self.gradient,
                "cell": self.cell, "hidden": self.hidden, "bias": self.bias,
                "bidirectional": self.bidirectional, "dropout": self.dropout,
                "readout": self.readout, "init": self.init, "forget_bias": self.forget_bias,
                "batch": self.batch}

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        clip = d.get("clip")
        return cls(task=Task.from_dict(d["task"]), noise=Noise.from_dict(d["noise"]),
                   units=int(d["units"]), optimizer=str(d["optimizer"]), lr=float(d["lr"]),
                   clip=None if clip is None else float(clip), seed=int(d["seed"]),
                   init_low=float(d["init_low"]), init_high=float(d["init_high"]),
                   delay=int(d["delay"]), epochs=int(d["epochs"]),
                   target_mse=float(d["target_mse"]), plateau=int(d["plateau"]),
                   frozen=tuple(int(k) for k in d.get("frozen", ())),
                   gradient=str(d.get("gradient", "exact")), cell=str(d.get("cell", "lstm")),
                   hidden=int(d.get("hidden", 1)), bias=bool(d.get("bias", True)),
                   bidirectional=bool(d.get("bidirectional", False)),
                   dropout=float(d.get("dropout", 0.0)),
                   readout=None if d.get("readout") is None else bool(d["readout"]),
                   init=str(d.get("init", "uniform")),
                   forget_bias=None if d.get("forget_bias") is None else float(d["forget_bias"]),
                   batch=int(d.get("batch", 0)))


def for_set_preset(config: RunConfig, key: str, **task) -> RunConfig:
    """`config` on the task of many sequences `key`, with the model and training its source
    uses (hidden size, optimizer, learning rate, batch, epochs, stop rule, init)."""
    p = SET_PRESETS[key]
    return replace(config, task=preset(key, **task), noise=replace(config.noise, mode="none"),
                   hidden=p.hidden, optimizer=p.optimizer, lr=p.lr, batch=p.batch,
                   epochs=p.epochs, target_mse=p.target_mse, init=p.init, frozen=(),
                   gradient="exact", delay=0)


GRADIENTS = ("exact", "lstmlib")
# Not saved in files (parameters stay float64): how the compiled kernels compute, as the
# kernel switch; float32 applies to the vanilla LSTM on the compiled path (others: float64).
PRECISIONS = ("float64", "float32")


def check_gradient(gradient: str, units: int, delay: int) -> str:
    """Raise ValueError unless `gradient` names a rule that applies to this model."""
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {', '.join(GRADIENTS)}, got {gradient!r}")
    # The C library trains one unit, and its rule is written for its own timing: it has no
    # meaning for a chain or for the undelayed input.
    if gradient == "lstmlib" and (units != 1 or delay != 1):
        raise ValueError("the lstmlib rule is the C library's: it needs one unit and lstmlib "
                         f"timing (units 1, delay 1), got units {units}, delay {delay}")
    return gradient


# Revisions are unique across every run of the process, so a snapshot of a replaced run is
# as recognisably old as one of an earlier state of the same run.
_REVISIONS = itertools.count(1)
MAX_EPOCHS = 2**62   # an epoch counter beyond this could overflow int64 arithmetic downstream


class Event(NamedTuple):
    """A change made mid-run (a setting, a hand edit), drawn as a marker on the MSE plot."""

    epoch: int
    text: str


class HistoryView(NamedTuple):
    """The history thinned for display: epochs (N,), mse (N,), params (N, units, 12)."""

    epochs: np.ndarray
    mse: np.ndarray
    params: np.ndarray


class Ahead(NamedTuple):
    """The sequences of a run's next epochs, drawn for a compiled chunk
    (:meth:`TrainingRun.draw_ahead`).

    epochs: how many.  xs, targets: (epochs, n), or (1, n) when the noise is drawn once
    (every epoch trains on the same).  noise_state: the noise Generator's state before the
    draws, and x, target the sequences before them (None: drawn once, nothing to give back).
    started: time.perf_counter() when the draws began (the chunk's pace counts them).
    orders (epochs, N) int64: a model's mini-batch order of the N training sequences in each
    epoch, drawn from its shuffle Generator, whose state before is shuffle_state (None: a unit).
    """

    epochs: int
    xs: np.ndarray
    targets: np.ndarray
    noise_state: Mapping[str, Any] | None
    x: np.ndarray
    target: np.ndarray
    started: float
    orders: np.ndarray | None = None
    shuffle_state: Mapping[str, Any] | None = None


class Span(NamedTuple):
    """The model run past its training length (see TrainingRun.generalisation)."""

    x: np.ndarray
    target: np.ndarray
    h: np.ndarray
    n_train: int
    unseen_mse: float


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of what the window shows; arrays are copies nobody else holds.

    ``revision`` is the run's revision when it was taken: a snapshot whose revision is older
    than one already shown is stale and is dropped by whoever reads it.
    """

    revision: int
    epoch: int
    mse: float                # training MSE (the loss before the last update)
    params: np.ndarray        # (units, 12) for the unit; (size,) for any other model
    x: np.ndarray             # the input the unit saw (noisy if noise is on the input)
    target: np.ndarray        # the target it was trained on
    clean_target: np.ndarray
    trace: unit.Trace         # forward pass at the current params, on x
    history: HistoryView      # thinned for display
    events: tuple             # (Event, ...): settings changed mid-run
    stop_reason: str | None
    config: RunConfig
    elapsed: float = 0.0      # seconds spent training since epoch 0
    span: Span | None = None  # generalisation(), when asked for
    evaluation: EvalView | None = None  # train/test over epochs (core/evaluation.py)
    replay: int | None = None  # the stored epoch shown instead of the live model, if any
    test_mse: float = float("nan")  # held-out sequences, or the held-out continuation
    model: object = None       # the models.Model trained (None: the 12-parameter unit)
    # A model's gate norms over the epochs (TrainingRun.gate_norms_view), whatever the epoch shown
    gate_norms: tuple[np.ndarray, np.ndarray] | None = None
    # The gradient's norms per layer (and unit) over the epochs (TrainingRun.grad_norms_view)
    grad_norms: GradNormsView | None = None


def _as_lists(obj):
    """obj with arrays as nested lists, as a JSON file would give them."""
    if isinstance(obj, dict):
        return {k: _as_lists(v) for k, v in obj.items()}
    return obj.tolist() if isinstance(obj, np.ndarray) else obj


def _rngs(seed: int, streams: int = 2):
    """Independent streams from one seed: initial parameters, noise (and for a model run,
    the mini-batch shuffle and dropout).  SeedSequence's children do not depend on how many
    are spawned, so the first two are what they always were."""
    return tuple(np.random.default_rng(ss) for ss in np.random.SeedSequence(seed).spawn(streams))


class TrainingRun:
    """One model being trained.  Same config and seed: bit-identical parameters, however the
    epochs are split between calls."""

    config: RunConfig
    clean_x: np.ndarray       # (length,)
    clean_target: np.ndarray  # (length,)

    def __init__(self, config: RunConfig | None = None, history_recent: int = 10_000,
                 initial_params: np.ndarray | None = None, member: bool = False):
        """member: one seed of an ensemble (variants.SeedRuns): a model's history keeps the
        MSE alone and no gradient norms are recorded (nobody draws them; 256 members each
        keeping a GRU's parameters per epoch, or 1 000 rows of a wide layer's unit norms,
        would take GBs)."""
        self._history_recent = history_recent
        self._member = member
        # Parameters that did not come from the seed (a C library file): reset returns to them.
        self._fixed_initial = None if initial_params is None else np.array(initial_params, dtype=float)
        self.reset(config or RunConfig(), reseed=None)

    # ------------------------------------------------------------ state

    def reset(self, config: RunConfig | None = None, reseed: int | None = None) -> None:
        """Back to epoch 0: same initial parameters for the same seed; `reseed` picks a new one."""
        config = config or self.config
        if reseed is not None:
            config = replace(config, seed=reseed)
            self._fixed_initial = None
        self.config = config
        self.model = None if config.is_unit else config.model()
        shape = config.param_shape
        if self._fixed_initial is not None and self._fixed_initial.shape != shape:
            self._fixed_initial = None
        if self.model is None:
            init_rng, self._noise_rng = _rngs(config.seed)
            self.initial_params = init_params(init_rng, config.units, config.init_low,
                                              config.init_high)
        else:
            init_rng, self._noise_rng, shuffle_rng, dropout_rng = _rngs(config.seed, 4)
            self.initial_params = self.model.init(init_rng, config.init, config.init_low,
                                                  config.init_high, config.forget_bias)
        if self._fixed_initial is not None:
            self.initial_params = self._fixed_initial.copy()
        self.params = self.initial_params.copy()
        self.optimizer = make_optimizer(config.optimizer, config.lr, config.clip)
        self.data = config.task.dataset() if config.task.is_set else None
        if self.data is not None:
            self.clean_x, self.clean_target = self.data.x_train, self.data.y_train
        else:
            self.clean_x, self.clean_target = config.task.sequences()
        self.trainer: model_training.ModelTrainer | None = None
        if self.model is not None:
            train_x, train_target = self._training_set(self.clean_x, self.clean_target)
            self.trainer = model_training.ModelTrainer(
                self.model, train_x, train_target,
                seq_to_one=self.data is not None and self.data.seq_to_one,
                batch=config.batch_size, delay=config.delay, shuffle_rng=shuffle_rng,
                dropout_rng=dropout_rng)
        self._draw_noise()
        self.epoch = 0
        self.mse = float("nan")
        self.best_mse = float("inf")
        self._best_epoch = 0
        self.history = self._new_history()
        self._new_gate_norms()
        self._new_grad_norms()
        self.evaluation: EvalHistory | model_training.SetEval | None
        if self.data is not None:
            self.evaluation = model_training.SetEval(config, self.model, self.data)
        else:
            self.evaluation = EvalHistory(config, self.clean_x, self.clean_target,
                                          model=self.model)
        self.events: list[Event] = []
        self.stop_reason: str | None = None
        self.elapsed = 0.0
        self._last_event_time = -math.inf
        self.revision = next(_REVISIONS)

    def _new_gate_norms(self) -> None:
        """A model's gate norms over the epochs, from this epoch on (see :meth:`gate_norms_view`)."""
        self.gate_norms: Thinned | None = None
        if self.model is not None:
            self.gate_norms = Thinned(self.model.layers * self.model.dirs * len(self.model.gates))
            self._record_gate_norms()

    def _record_gate_norms(self) -> None:
        if self.gate_norms is not None:
            model, params = self.model, self.params
            assert model is not None
            self.gate_norms.offer(self.epoch, lambda: model.gate_norms(params).ravel())

    def gate_norms_view(self) -> tuple[np.ndarray, np.ndarray] | None:
        """A model's gate norms as recorded over the epochs: (epochs (N,), norms (N, layers *
        dirs, gates)), the last row at the current parameters; None for the unit (its
        history keeps every parameter).  Rows come at least every :attr:`Thinned.every`
        epochs (every epoch early on, thinned as the run grows), so the Parameters view's
        curves do not depend on which frames the window happened to draw."""
        if self.gate_norms is None or self.model is None:
            return None
        epochs, rows = self.gate_norms.view()
        now = self.model.gate_norms(self.params)
        if len(epochs) and epochs[-1] == self.epoch:
            epochs, rows = epochs[:-1], rows[:-1]
        return (np.append(epochs, self.epoch),
                np.concatenate([rows.reshape((-1,) + now.shape), now[None]]))

    def _new_grad_norms(self) -> None:
        """The gradient's norms per layer and unit over the epochs, from this epoch on (see
        :meth:`grad_norms_view`)."""
        shape = self.config.param_shape
        self._grad_layout = (Layout(self.model) if self.model is not None
                             else Layout(units=shape[0], unit_size=shape[-1]))
        self.grad_norms = Thinned(self._grad_layout.width, capacity=1 if self._member else CAPACITY)
        self._grad_pace = Paced(epoch=self.epoch)
        self._grad_pending: int | None = None   # the epoch stopped at, its row not yet computed
        if self.model is None and self.config.units * len(self.x) <= GRAD_AT_START_STEPS:
            # The unit's epoch 0 (well under a millisecond at n = 100); a model's first row,
            # or a long sequence's, comes with the training (making a run of 10^6 points
            # took 1 s more with it; a run must not wait for, or compile, a model's kernel).
            self._record_grad_norms(last=True)

    def _record_grad_norms(self, grad: np.ndarray | None = None, last: bool = False) -> None:
        """Offer the row of this epoch: from `grad` when the training computed the gradient
        at these parameters (free), else computed when the pace allows (grad_norms.SHARE),
        or `last`: the epoch the run stopped at, whatever the pace (its curves end where
        the run does; :meth:`grad_norms_view` computes it when first asked)."""
        layout, epoch = self._grad_layout, self.epoch
        if self._member:
            return
        if grad is not None:
            self.grad_norms.offer(epoch, lambda: layout.row(grad))
            return
        if last:
            recorded = self.grad_norms.view()[0]
            if len(recorded) and recorded[-1] == epoch:
                return
        elif not self._grad_pace.due(epoch):
            return
        params = self.params

        def row() -> np.ndarray:
            start = time.perf_counter()
            out = layout.row(self._full_gradient(params))
            self._grad_pace.took(time.perf_counter() - start)
            return out
        self.grad_norms.offer(epoch, row)

    def _record_grad_rows(self, first: int, param_rows: np.ndarray) -> None:
        """The gradient's rows of a compiled chunk's epochs first, first + 1, ...: as many as
        the pace allows, spread evenly over them (its last epoch first), from the parameters
        the chunk kept per epoch.  Noise drawn afresh every epoch, or a model whose history
        keeps no parameters: the chunk's end alone."""
        if self._member:
            return
        shape = self.config.param_shape
        n = len(param_rows)
        whole = param_rows.ndim == 2 and param_rows.shape[1] == math.prod(shape)
        if n <= 1 or not whole or (self.config.noise.resample and self.config.noise.active):
            self._record_grad_norms()
            return
        count = self._grad_pace.rows(self.epoch, most=min(n, 64))
        if count <= 0:
            return
        picks = np.unique(np.linspace(n - 1, 0, count).round().astype(np.int64))
        layout, start, taken = self._grad_layout, time.perf_counter(), 0
        for j in picks:                         # ascending: the store takes epochs in order
            params = param_rows[j].reshape(shape)

            def row(params=params) -> np.ndarray:
                nonlocal taken
                taken += 1
                return layout.row(self._full_gradient(params))
            self.grad_norms.offer(first + int(j), row)
        self._grad_pace.took(time.perf_counter() - start, taken)

    def _full_gradient(self, params: np.ndarray) -> np.ndarray:
        """The exact gradient of the training MSE at params, over the whole training set."""
        if self.trainer is not None:
            return self.trainer.full_gradient(params)
        with np.errstate(all="ignore"):
            if compiled.active() == "compiled":
                # The population kernel for one model: no Python-float passes over a long
                # sequence (the numpy gradient of 10^6 points took about a second).
                return compiled_run.population_loss_and_grad(params[None], self.x, self.target,
                                                             self.config.delay)[1][0]
            return unit.model_loss_and_grad(params, self.x, self.target, self.config.delay)[1]

    def grad_norms_view(self) -> GradNormsView:
        """The gradient's norms as recorded over the epochs (grad_norms.GradNormsView): a
        row at least every :attr:`Thinned.every` epochs where the pace allows, so the
        gradient view's curves do not depend on which frames the window drew.  The epoch the
        run stopped at is computed here, once, when first asked for."""
        if self._grad_pending is not None:
            if self._grad_pending == self.epoch:
                self._record_grad_norms(last=True)
            self._grad_pending = None
        return self._grad_layout.view(*self.grad_norms.view())

    def _new_history(self) -> History:
        if self.model is None:
            return History(self.config.units, recent=self._history_recent)
        size = self.model.size
        keep = size <= HISTORY_PARAMS and not self._member
        return History(self.config.units, recent=self._history_recent,
                       row_shape=(size if keep else 0,), names=self.model.names() if keep else [])

    @staticmethod
    def _training_set(x: np.ndarray, target: np.ndarray):
        """(x (N, n, m), target) for a ModelTrainer: one waveform is N = 1, m = 1."""
        return (x, target) if x.ndim == 3 else (x[None, :, None], target[None])

    def _draw_noise(self, check: bool = True) -> None:
        if self.data is not None:        # a dataset takes no noise (RunConfig refuses it)
            self.x, self.target = self.clean_x, self.clean_target
            return
        self._use_sequences(*self.config.noise.apply(self.clean_x, self.clean_target,
                                                     self._noise_rng))
        # A fresh draw each epoch needs no check: same lengths, finite noise on checked sequences.
        if check:
            self._check_sequences()

    def _use_sequences(self, x: np.ndarray, target: np.ndarray) -> None:
        self.x, self.target = x, target
        if self.trainer is not None and self.config.noise.active:
            self.trainer.set_data(*self._training_set(self.x, self.target))

    def draw_ahead(self, epochs: int) -> Ahead:
        """The (x, target) of each of the next `epochs` epochs, for a compiled chunk
        (``compiled_run.run_chunk``).  Noise redrawn every epoch is drawn here, epoch by
        epoch, with the run's own Generator: the same stream, draw for draw, as :meth:`step`
        takes.  :meth:`apply_chunk` gives back the draws of epochs the chunk never began."""
        started = time.perf_counter()
        if self.trainer is not None:
            # A model's compiled chunk draws no noise (compiled_run.model_supported): the
            # orders of its mini-batches, as step() draws them epoch by epoch.
            state = copy.deepcopy(self.trainer.shuffle_rng.bit_generator.state)
            return Ahead(epochs, self.x[None], self.target[None], None, self.x, self.target,
                         started, self.trainer.orders(epochs), state)
        if not (self.config.noise.resample and self.config.noise.active):
            return Ahead(epochs, self.x[None], self.target[None], None, self.x, self.target,
                         started)
        state = copy.deepcopy(self._noise_rng.bit_generator.state)
        x0, t0 = self.x, self.target
        xs = np.empty((epochs, len(self.x)))
        ts = np.empty((epochs, len(self.target)))
        for j in range(epochs):
            if self.epoch + j > 0:
                self._draw_noise(check=False)
            xs[j], ts[j] = self.x, self.target
        return Ahead(epochs, xs, ts, state, x0, t0, started)

    @property
    def best_epoch(self) -> int:
        """The epoch of the best MSE so far (the plateau criterion counts from it)."""
        return self._best_epoch

    def _check_sequences(self) -> None:
        # Validated here, once: every epoch then calls the core's unchecked entry point.
        if self.model is None:
            # The checks alone: a whole forward and backward pass here took 9-20 s at
            # 1 000 000 points, on the window's thread when the length was set.
            unit.check(self.params, self.x, self.target, self.config.delay)
        elif not (np.isfinite(self.x).all() and np.isfinite(self.target).all()):
            raise ValueError("the sequences contain NaN or infinite values")

    def configure(self, config: RunConfig) -> bool:
        """Apply new settings.  Returns True if that reset the run (see RunConfig)."""
        if config.needs_reset(self.config):
            self.reset(config)
            return True
        old = self.config
        if config.gradient != old.gradient:
            self.add_event(f"gradient {config.gradient}")
        if (config.optimizer, config.clip) != (old.optimizer, old.clip):
            self.optimizer = make_optimizer(config.optimizer, config.lr, config.clip)
            self.add_event(f"optimizer {config.optimizer}")
        elif config.lr != old.lr:
            self.optimizer.set_lr(config.lr)
            self.add_event(f"lr {config.lr:g}")
        self.config = config
        if self.stop_reason in (BUDGET, TARGET, PLATEAU):
            self.stop_reason = None
        self.revision = next(_REVISIONS)
        return False

    def touch(self) -> None:
        """A new revision without a change: the run was swapped back in (an undo), and what
        shows it must redraw."""
        self.revision = next(_REVISIONS)

    def add_event(self, text: str) -> None:
        """Record a mid-run change.  Edits of the same setting with no epoch trained between
        them (a slider drag while paused), or within a second of each other (a drag while
        training), make one event: the last value replaces the previous one's text, since
        only it took effect."""
        key = text.split(" ", 1)[0]
        now = time.monotonic()
        last = self.events[-1] if self.events else None
        if (last is not None and last.text.split(" ", 1)[0] == key
                and (last.epoch == self.epoch or now - self._last_event_time < 1.0)):
            self.events[-1] = Event(self.epoch, text)
        else:
            self.events.append(Event(self.epoch, text))
        self._last_event_time = now
        self.revision = next(_REVISIONS)

    def set_params(self, params: np.ndarray, text: str = "edited parameters") -> None:
        """Replace the current parameters by hand (an edit, a click on the landscape).

        The optimizer's state is kept: training continues from here.  Non-finite values are
        refused.
        """
        params = np.array(params, dtype=float).reshape(self.params.shape)
        changed = params != self.params
        # A typed value lies within +-MAX_PARAM (limits.EDITED_PARAM); values training carried
        # further and left as they were stay (a file holds any finite parameter).
        for v in params[changed]:
            limits.EDITED_PARAM.check(float(v))
        self.params = params
        self.stop_reason = None if self.stop_reason == DIVERGED else self.stop_reason
        self.mse = self.current_mse()
        self.add_event(text)

    def set_lr(self, lr: float) -> None:
        self.configure(replace(self.config, lr=check_lr(lr)))

    # ------------------------------------------------------------ training

    def step(self) -> bool:
        """One epoch: loss and gradient (exact, or the C library's rule), then the update.
        False if it diverged."""
        cfg = self.config
        if cfg.noise.resample and cfg.noise.active and self.epoch > 0:
            self._draw_noise(check=False)
        if self.trainer is not None:
            return self._model_step()
        if cfg.gradient == "lstmlib":
            mse, grad = lstmlib_rule.mse_and_grad(self.params[0], self.x, self.target)
            grad = grad[None]
        else:
            mse, grad = unit.model_loss_and_grad(self.params, self.x, self.target, cfg.delay)
        if not math.isfinite(mse):
            self.stop_reason = DIVERGED
            return False
        if cfg.gradient == "exact":
            # The gradient at this epoch's parameters, computed anyway: its norms are free.
            self._record_grad_norms(grad)
        if cfg.frozen:
            grad.ravel()[list(cfg.frozen)] = 0.0
        try:
            new = self.optimizer.step(self.params, grad)
        except NonFiniteStep:
            self.stop_reason = DIVERGED
            return False
        if cfg.frozen:
            # Zeroing the gradient is not enough: momentum and Adam move a parameter on.
            new.ravel()[list(cfg.frozen)] = self.params.ravel()[list(cfg.frozen)]
        self.params = new
        self._finish_epoch(mse)
        return True

    def _model_step(self) -> bool:
        """One epoch of a model other than the unit: every mini-batch of the training set."""
        frozen = list(self.config.frozen)

        def update(theta, grad):
            if frozen:
                grad[frozen] = 0.0
            new = self.optimizer.step(theta, grad)
            if frozen:
                new[frozen] = theta[frozen]
            return new

        assert self.trainer is not None
        try:
            mse, new = self.trainer.epoch(self.params, update)
        except NonFiniteStep:
            self.stop_reason = DIVERGED
            return False
        if not math.isfinite(mse):
            self.params = new          # the batches before the failing one were finite
            self.stop_reason = DIVERGED
            return False
        self.params = new
        self._finish_epoch(mse)
        return True

    def _finish_epoch(self, mse: float) -> None:
        self.epoch += 1
        self.revision = next(_REVISIONS)
        self.mse = mse
        self.history.append(self.epoch, mse, self.params if self.history.row_shape != (0,)
                            else self.params[:0])
        if self.evaluation is not None and self.evaluation.due(self.epoch):
            self.evaluation.record(self.epoch, self.params)
        self._record_gate_norms()
        if self.model is not None or self.config.gradient != "exact":
            self._record_grad_norms()    # the unit's exact step records its own (free)
        if mse < self.best_mse * (1 - 1e-4):
            self.best_mse, self._best_epoch = mse, self.epoch

    def should_stop(self) -> str | None:
        """The reason to stop now, or None."""
        cfg = self.config
        if self.stop_reason == DIVERGED:
            return DIVERGED
        if cfg.epochs and self.epoch >= cfg.epochs:
            return BUDGET
        if cfg.target_mse and self.mse <= cfg.target_mse:
            return TARGET
        if cfg.plateau and self.epoch - self._best_epoch >= cfg.plateau:
            return PLATEAU
        return None

    def train(self, epochs: int, should_continue=lambda: True) -> str | None:
        """Advance up to `epochs` epochs, stopping early on a stop criterion (returned) or
        when should_continue() says False (None returned)."""
        start = time.perf_counter()
        try:
            return self._train(epochs, should_continue)
        finally:
            self.elapsed += time.perf_counter() - start

    def _train(self, epochs: int, should_continue) -> str | None:
        # The unit's numba kernel, or a model's fused one (every mini-batch, the optimizer and
        # the stop rules in compiled code), when on and able, takes the epochs in chunks:
        # compiled_run reads this run and returns what a chunk trained, apply_chunk takes it
        # over.  Else epoch by epoch.
        run_chunk = compiled_run.trainer_for(self)
        done = 0
        while True:
            reason = self.should_stop()
            if reason:
                self.stop_reason = reason
                if reason != DIVERGED:
                    self._grad_pending = self.epoch      # computed when a snapshot asks
                return reason
            if done >= epochs or not should_continue():
                return None
            if run_chunk is None:
                if not self.step():
                    return self.stop_reason         # diverged
                done += 1
            else:
                size = (compiled_run.chunk_epochs(self, epochs - done) if self.model is None
                        else compiled_run.model_chunk_epochs(self, epochs - done))
                ahead = self.draw_ahead(size)
                done += self.apply_chunk(run_chunk(self, ahead))
                if self.stop_reason == DIVERGED:
                    return DIVERGED

    def apply_chunk(self, chunk: compiled_run.Chunk) -> int:
        """Take over the epochs a compiled chunk trained (``compiled_run.Chunk``, computed from
        this run without changing it): parameters, counters, the optimizer's moments, the
        history and evaluation rows, the noise Generator moved on by the epochs the chunk
        began, and a divergence.  Returns the epochs done.

        The chunk records the train/test evaluation of its due epochs here: cutting chunks at
        every due epoch instead cost 9-17 % of training speed (paired medians)."""
        ahead = chunk.ahead
        if ahead.shuffle_state is not None and chunk.begun < ahead.epochs:
            # Likewise the mini-batch orders of epochs never begun (a diverging epoch drew its own).
            assert self.trainer is not None
            self.trainer.shuffle_rng.bit_generator.state = ahead.shuffle_state
            self.trainer.orders(chunk.begun)
        if self.model is not None and (chunk.done or chunk.reason == DIVERGED):
            # A model's step() keeps the parameters and moments of a diverging epoch too.
            self.params = chunk.params
            self.optimizer.load_moments(chunk.m, chunk.v, chunk.t)
        if ahead.noise_state is not None and chunk.begun < ahead.epochs:
            # The epochs begun took a draw each (a diverging one too, as in step()); the
            # draws of epochs never begun go back, so the Generator stands where step()
            # leaves it.
            self._noise_rng.bit_generator.state = ahead.noise_state
            self._use_sequences(ahead.x, ahead.target)
            for j in range(chunk.begun):
                if self.epoch + j > 0:
                    self._draw_noise(check=False)
        if chunk.done:
            first = self.epoch + 1
            self.params = chunk.params
            self.epoch, self._best_epoch = chunk.epoch, chunk.best_epoch
            self.mse, self.best_mse = chunk.mse, chunk.best_mse
            self.optimizer.load_moments(chunk.m, chunk.v, chunk.t)
            self.history.extend(np.arange(first, first + chunk.done), chunk.mse_rows,
                                chunk.param_rows)
            if self.model is None and isinstance(self.evaluation, EvalHistory):
                self.evaluation.record_rows(first, chunk.param_rows)
            elif self.evaluation is not None and self.evaluation.due(self.epoch):
                # A model's chunks end at each epoch its evaluation records.
                self.evaluation.record(self.epoch, self.params)
            self._record_gate_norms()
            self._record_grad_rows(first, chunk.param_rows)
            self.revision = next(_REVISIONS)
        if chunk.reason == DIVERGED:
            self.stop_reason = DIVERGED
        return chunk.done

    # ------------------------------------------------------------ saving

    def state_dict(self, with_history: bool = True) -> dict:
        """Everything needed to continue bit-identically (JSON-friendly)."""
        d = {
            "epoch": self.epoch,
            "mse": None if not np.isfinite(self.mse) else self.mse,
            "best_mse": None if not np.isfinite(self.best_mse) else self.best_mse,
            "best_epoch": self._best_epoch,
            "initial_params": self.initial_params.tolist(),
            "fixed_initial": self._fixed_initial is not None,
            "optimizer": self.optimizer.state_dict(),
            "noise_rng": self._noise_rng.bit_generator.state,
            "x": self.x.tolist() if self.data is None else [],
            "target": self.target.tolist() if self.data is None else [],
            "events": [list(e) for e in self.events],
            "stop_reason": self.stop_reason,
        }
        if self.trainer is not None:
            d["batches"] = self.trainer.state_dict()
        if with_history:
            d["history"] = self.history.to_dict()
        return d

    @classmethod
    def restore(cls, config: RunConfig, params: np.ndarray, state: dict) -> TrainingRun:
        """Rebuild a run saved with :meth:`state_dict` at `params`.

        Values the optimizer cannot use (betas outside [0, 1), NaN or null moments, an epoch
        beyond 2**62) raise ValueError naming the field; modelfile checks the rest of a file.
        """
        from .. import limits
        from ..files import modelcheck
        modelcheck.integer(state.get("epoch"), "state.epoch", 0, limits.MAX_EPOCH)
        shape = config.param_shape
        modelcheck.check_optimizer(_as_lists(state.get("optimizer")), shape)
        initial = np.array(state["initial_params"], dtype=float).reshape(shape)
        run = cls(config, initial_params=initial if state.get("fixed_initial") else None)
        run.initial_params = initial
        run.params = np.array(params, dtype=float).reshape(shape)
        run.epoch = int(state["epoch"])
        run._new_gate_norms()               # the file keeps no norms: they start here
        run._new_grad_norms()
        run.mse = float("nan") if state.get("mse") is None else float(state["mse"])
        run.best_mse = float("inf") if state.get("best_mse") is None else float(state["best_mse"])
        run._best_epoch = int(state.get("best_epoch", 0))
        if run.epoch < 0:
            raise ValueError(f"epoch must be >= 0, got {run.epoch}")
        run.optimizer = optimizer_from_state(state["optimizer"])
        for name in ("velocity", "m", "v"):
            moment = getattr(run.optimizer, name, None)
            if moment is not None and moment.shape != run.params.shape:
                raise ValueError(f"optimizer state {name!r} has shape {moment.shape}, "
                                 f"expected {run.params.shape}")
        run._noise_rng.bit_generator.state = state["noise_rng"]
        if run.trainer is not None:
            if "batches" not in state:
                raise ValueError("state.batches (the mini-batch generators) is missing")
            run.trainer.load_state(state["batches"])
        if run.data is None:
            x = np.array(state["x"], dtype=float)
            target = np.array(state["target"], dtype=float)
            if x.shape != run.clean_x.shape or target.shape != run.clean_target.shape:
                raise ValueError("the saved sequences do not match the task's length")
            run.x, run.target = x, target
            if run.trainer is not None:
                run.trainer.set_data(*run._training_set(x, target))
            run._check_sequences()
        run.events = [Event(int(e), str(t)) for e, t in state.get("events", [])]
        run.stop_reason = state.get("stop_reason")
        if state.get("history"):
            run.history = History.from_dict(state["history"], config.units,
                                            run.history.row_shape, run.history.names)
        return run

    # ------------------------------------------------------------ reading

    def current_mse(self) -> float:
        """Training MSE at the current parameters (the history holds the loss before each
        update)."""
        return self._mse_at(self.params)

    def _mse_at(self, params: np.ndarray) -> float:
        if self.model is None:
            return unit.mse(params, self.x, self.target, self.config.delay)
        x, target = self._training_set(self.x, self.target)
        return model_training.mse(self.model, params, x, target,
                                  self.data is not None and self.data.seq_to_one, self.config.delay)

    def test_mse(self, params: np.ndarray | None = None) -> float:
        """MSE on what training never saw: the held-out sequences of a task of many, or the
        continuation of a waveform past its training length (NaN for a CSV sequence)."""
        params = self.params if params is None else params
        if self.data is not None:
            return model_training.held_out_mse(self.model, params, self.data, self.config.delay)
        if self.config.task.key == CSV_TASK:
            return float("nan")
        return self.generalisation(3, params).unseen_mse

    def stored_epochs(self) -> np.ndarray:
        """The epochs whose parameters the history holds (every one of the last 10 000,
        thinned before), for replay."""
        return self.history.arrays()[0]

    def snapshot(self, history_points: int = 3000, span: int = 0,
                 replay: int | None = None) -> Snapshot:
        """A copy of the current state; `span` > 1 adds :meth:`generalisation` over that factor.

        ``replay``: show the model as it was after that stored epoch instead (the nearest
        stored one): its parameters from the history, its outputs and gates recomputed, the MSE
        it had.  The history and events stay the whole run's.

        The same as ``snapshot_job(...).compute()``: a caller that holds a lock around the run
        takes the job under it and computes outside (see :class:`SnapshotJob`).
        """
        return self.snapshot_job(history_points, span, replay).compute()

    def snapshot_job(self, history_points: int = 3000, span: int = 0,
                     replay: int | None = None) -> SnapshotJob:
        """Copies of what a snapshot shows, taken now (cheap: no forward pass); its
        :meth:`SnapshotJob.compute` runs the passes (trace, test MSE, span) on those copies,
        and may run while the run trains on (the training thread traced under the run's lock,
        62 ms a snapshot of an H = 16, 2-layer GRU, while the window waited for the lock)."""
        params, epoch = self.params, self.epoch
        # None: the job computes the model's MSE at these parameters.  At epoch 0 nothing has
        # measured it yet (NaN, printed "nan"); it is where the MSE curve starts from.
        mse: float | None = self.mse if math.isfinite(self.mse) else None
        if replay is not None and len(self.history):
            epochs, _losses, stored = self.history.arrays()
            k = int(np.clip(np.searchsorted(epochs, replay), 0, len(epochs) - 1))
            if k > 0 and abs(epochs[k - 1] - replay) <= abs(epochs[k] - replay):
                k -= 1
            params, epoch = stored[k], int(epochs[k])
            # The history's MSE is the loss before that epoch's update; shown is the model's
            # own (computed by the job).
            mse = None
            replay = epoch
        else:
            replay = None
        x = self.x.copy()
        target = self.target.copy()
        return SnapshotJob(
            revision=self.revision, epoch=epoch, mse=mse, params=np.array(params, dtype=float),
            replay=replay, x=x, target=target, clean_target=self.clean_target.copy(),
            history=HistoryView(*self.history.view(history_points)), events=tuple(self.events),
            stop_reason=self.stop_reason, config=self.config, elapsed=self.elapsed,
            model=self.model, data=self.data, span=span,
            evaluation=None if self.evaluation is None else self.evaluation.view(),
            gate_norms=self.gate_norms_view(), grad_norms=self.grad_norms_view())

    def generalisation(self, factor: int = 3, params: np.ndarray | None = None):
        """Run the current model over `factor` times the training length of the clean task.

        Returns (x, target, h, n_train, unseen_mse): the MSE on the part never trained on.
        """
        return _generalise(self.config, self.model, self.params if params is None else params,
                           factor)


def _generalise(config: RunConfig, model, params: np.ndarray, factor: int) -> Span:
    """TrainingRun.generalisation of `model` (None: the unit) at params."""
    task = config.task.extended(factor)
    x, target = task.sequences()
    if model is None:
        h = unit.output(params, x, config.delay)
    else:
        h = model_training.forward(model, params, x, config.delay)
    n = config.task.length
    unseen = float(np.mean((h[n:] - target[n:]) ** 2))
    return Span(x, target, h, n, unseen)


@dataclass(frozen=True)
class SnapshotJob:
    """What a snapshot shows, copied from the run under its lock; :meth:`compute` adds the
    forward passes (trace, test MSE, span) outside it.  Everything here is a copy or
    immutable (config, model, dataset), so the run may train on meanwhile."""

    revision: int
    epoch: int
    mse: float | None         # None: computed by the job (a replayed epoch's, epoch 0's)
    params: np.ndarray
    replay: int | None
    x: np.ndarray
    target: np.ndarray
    clean_target: np.ndarray
    history: HistoryView
    events: tuple
    stop_reason: str | None
    config: RunConfig
    elapsed: float
    model: object
    data: Dataset | None      # the run's Dataset (never changed), or None
    span: int
    evaluation: EvalView | None
    gate_norms: tuple[np.ndarray, np.ndarray] | None = None
    grad_norms: GradNormsView | None = None

    def _training_set(self):
        return TrainingRun._training_set(self.x, self.target)

    def compute(self) -> Snapshot:
        """The Snapshot: the trace on the first training sequence (the compiled kernel when
        it computes the model), the span and the test MSE."""
        cfg, model, params = self.config, self.model, self.params
        if model is None:
            trace = unit.forward(params, self.x, cfg.delay)
        else:   # the first training sequence's every step (models.reference.Trace)
            x0 = self._training_set()[0][:1]
            trace = model_training.trace(model, params, model_training.time_major(x0), cfg.delay)
        span_result = None
        if self.span > 1 and cfg.task.key != CSV_TASK and self.data is None:
            span_result = _generalise(cfg, model, params, self.span)
        if span_result is not None and self.span == 3:
            test = span_result.unseen_mse
        elif self.data is not None:
            test = model_training.held_out_mse(model, params, self.data, cfg.delay)
        elif cfg.task.key == CSV_TASK:
            test = float("nan")
        else:
            test = _generalise(cfg, model, params, 3).unseen_mse
        mse = self.mse
        if mse is None:
            if model is None:
                mse = unit.mse(params, self.x, self.target, cfg.delay)
            else:
                x, target = self._training_set()
                mse = model_training.mse(model, params, x, target,
                                         self.data is not None and self.data.seq_to_one, cfg.delay)
        return Snapshot(
            revision=self.revision, epoch=self.epoch, mse=mse, params=params, replay=self.replay,
            x=self.x, target=self.target, clean_target=self.clean_target, trace=trace,
            history=self.history, events=self.events, stop_reason=self.stop_reason, config=cfg,
            elapsed=self.elapsed, span=span_result, test_mse=test, model=model,
            evaluation=self.evaluation, gate_norms=self.gate_norms, grad_norms=self.grad_norms)

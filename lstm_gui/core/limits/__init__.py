"""The limits every run, file and command is checked against before anything is allocated.

Stated here once, as one table (:data:`SETTINGS`): the window's panel, the command line,
the model file reader and the writer all check a run's settings through it, so whatever can
be trained can be saved and opened again.  The README's *Limits* section quotes them.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

MAX_UNITS = 16
MAX_LENGTH = 1_000_000           # points in a sequence (a preset's n, a CSV task's rows)
# Training's peak memory, measured with tracemalloc over one epoch: 124-286 bytes per unit and
# point (1 unit x 10^5 points: 29 MB; 4 x 10^5: 50 MB; 1 x 10^6: 259 MB).  300 is the bound used.
BYTES_PER_UNIT_POINT = 300
MAX_TRAIN_BYTES = 1 << 30        # refuse a run whose sequences would need more than 1 GiB
# One budget for everything a single request allocates (training, an analysis, an ensemble,
# a sweep): estimated before allocating, refused with one line above this.
MAX_WORK_BYTES = 1 << 30
MAX_HISTORY_ROWS = 20_000        # History's two stores of 10 000 rows each
MAX_EVENTS = 10_000
MAX_EVENT_TEXT = 200             # characters
# |parameter| a person may type or draw initial values from: sigmoid and tanh saturate long
# before.  Training itself may carry a parameter further; every finite value it reaches is
# saved and read back (a 1e6 parameter trained 20 epochs was once unreadable).
MAX_PARAM = 1e6
MAX_EPOCH = 2**62
MAX_SEED = 2**63                 # seeds lie in [0, 2**63)
MAX_WAVE = 1e9                   # cycles, amplitude and noise amplitude at most this
MIN_WAVE = 1e-9                  # cycles and amplitude at least this (5e-324 overflowed n / cycles)
MAX_CSV_BYTES = 64 * 2**20       # a CSV task file
MAX_CSV_FIELD = 128 * 1024       # characters in one CSV field
MAX_SHOWN = 40                   # characters of a bad value quoted back in a message
MAX_PARAMETERS = 200_000         # numbers in a model's parameter vector (files hold 4 copies)
MAX_HIDDEN = 1024                # H, units per layer
# The parameter limit bounds H long before MAX_HIDDEN does: a 1-layer LSTM with its readout has
# 4H^2 + 9H + 1 parameters, at most 200 000 up to H = 222 (tests/core/limits checks this
# number against models.Model; :func:`max_hidden` computes it for any model).
HIDDEN_LSTM_MAX = 222
HIDDEN_NOTE = f"at most {MAX_PARAMETERS:,} parameters: H <= {HIDDEN_LSTM_MAX} for a 1-layer LSTM"
# The hidden size's range as the panel's tooltip, --help and the refusals say it.
HIDDEN_RANGE = f"1 to {MAX_HIDDEN}, {HIDDEN_NOTE}"


def shown(value) -> str:
    """A value as quoted in a message: repr, cut to MAX_SHOWN characters (a 100 KB string or
    a 5000-digit number is never echoed whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a {len(str(abs(value))) if abs(value) < 10**4000 else 'many'}-digit number"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value) if not isinstance(value, float) else _num(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


def power_text(v) -> str:
    """A limit that is a power of two (or one less), as a person reads it: "2^62", "2^63 - 1";
    other numbers with thousands separators."""
    v = int(v)
    if v >= 1 << 20 and not v & (v - 1):
        return f"2^{v.bit_length() - 1}"
    if v >= 1 << 20 and not (v + 1) & v:
        return f"2^{v.bit_length()} - 1"
    return f"{v:,}"


def _num(v: float) -> str:
    # repr, not %g: 1000000.0000001 must not read as "1e+06" beside a limit of 1e+06.
    if v == 0:
        return "0"
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Bound:
    """The accepted range of one setting: whole numbers or finite floats in [lo, hi] (ends
    open on request)."""

    label: str
    lo: float
    hi: float
    integer: bool = False
    lo_open: bool = False
    hi_open: bool = False
    note: str = ""          # what else bounds it, said after the range

    def describe(self) -> str:
        """What a valid value is, as a message says it: "must lie in (0, 1)"."""
        if self.integer:
            note = f" ({self.note})" if self.note else ""
            return f"must be a whole number from {self.lo} to {self.hi}{note}"
        if self.lo == 0 and self.hi == math.inf:
            return "must be a number above 0" if self.lo_open else "must be a number >= 0"
        left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
        return f"must lie in {left}{self.lo:g}, {self.hi:g}{right}"

    def check(self, value, label: str | None = None):
        """value as int or float if it lies in range, else ValueError in one line naming
        `label` (default: the table's name for the setting)."""
        label = self.label if label is None else label
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{label} must be a number, got {shown(value)}".strip())
        if self.integer:
            if not isinstance(value, numbers.Integral):
                raise ValueError(f"{label} {self.describe()}, got {shown(value)}".strip())
            v = int(value)
            if not self.lo <= v <= self.hi:
                raise ValueError(f"{label} {self.describe()}, got {shown(v)}".strip())
            return v
        try:
            f = float(value)
        except (OverflowError, TypeError, ValueError):
            raise ValueError(f"{label} {self.describe()}, got {shown(value)}".strip()) from None
        if (not math.isfinite(f) or f < self.lo or f > self.hi or (self.lo_open and f == self.lo)
                or (self.hi_open and f == self.hi)):
            raise ValueError(f"{label} {self.describe()}, got {_num(f)}".strip())
        return f + 0.0   # -0.0 is 0


# Every numeric setting of a run, by its RunConfig name ("task.x" / "noise.x" for the task's
# and the noise's).  Chosen per field so that the trainer refuses at the edit what a file could
# not hold: cycles and amplitudes up to 1e9 (1e10 trained and could not be reopened), an
# initial range within +-MAX_PARAM, stop criteria up to 2**62 (2**63 overflowed the kernel).
SETTINGS: dict[str, Bound] = {
    "task.length": Bound("length", 1, MAX_LENGTH, integer=True),
    "task.cycles": Bound("cycles", MIN_WAVE, MAX_WAVE),
    "task.amplitude": Bound("amplitude", MIN_WAVE, MAX_WAVE),
    "task.seed": Bound("task seed", 0, MAX_SEED - 1, integer=True),
    "task.lag": Bound("lag", 0, MAX_LENGTH - 1, integer=True),
    "noise.amplitude": Bound("noise amplitude", 0, MAX_WAVE),
    "units": Bound("units", 1, MAX_UNITS, integer=True),
    "lr": Bound("learning rate", 0, 1, lo_open=True, hi_open=True),
    "clip": Bound("gradient clipping norm", 0, math.inf, lo_open=True),
    "seed": Bound("seed", 0, MAX_SEED - 1, integer=True),
    "init_low": Bound("initial min", -MAX_PARAM, MAX_PARAM),
    "init_high": Bound("initial max", -MAX_PARAM, MAX_PARAM),
    "delay": Bound("delay", 0, 1, integer=True),
    "epochs": Bound("epoch budget", 0, MAX_EPOCH, integer=True),
    "target_mse": Bound("target MSE", 0, math.inf),
    "plateau": Bound("plateau", 0, MAX_EPOCH, integer=True),
    # The general models (hidden size, batches): the same table, their sizes checked by
    # check_model_size against the training budget.
    "hidden": Bound("hidden", 1, MAX_HIDDEN, integer=True, note=HIDDEN_NOTE),
    "dropout": Bound("dropout", 0, 1, hi_open=True),
    "batch": Bound("batch", 0, MAX_LENGTH, integer=True),
    "forget_bias": Bound("forget-gate bias", -MAX_PARAM, MAX_PARAM),
}
# A parameter typed by hand (the table, a click on the landscape) or drawn at initialisation.
EDITED_PARAM = Bound("a parameter", -MAX_PARAM, MAX_PARAM)


def check_setting(name: str, value, label: str | None = None):
    """SETTINGS[name].check(value, label)."""
    return SETTINGS[name].check(value, label)


def training_bytes(units: int, length: int) -> int:
    """Estimated peak memory of training `units` units on sequences of `length` points."""
    return units * length * BYTES_PER_UNIT_POINT


# Peak bytes per member, unit and point of an ensemble's epoch (the population kernel's
# time-major states and gradients), measured with tracemalloc, 16 seeds x 10^5 points, two
# epochs: 118 (compiled kernel) and 170 (numpy).  180 is the bound used.
ENSEMBLE_BYTES_PER_MEMBER_POINT = 180


# The compiled population kernel's work array (models/compiled/_kernels.population_work): 16
# rows of a block of 16 models per unit and step, 2 KiB, allocated whole whatever the number
# of models.  Uncounted, a landscape of a 1 000 000-point model peaked at 2.0 GiB.
POPULATION_WORK_BYTES_PER_UNIT_STEP = 2048


def population_work_bytes(units: int, length: int) -> int:
    """The compiled population kernel's work for `units` units over `length` steps."""
    return POPULATION_WORK_BYTES_PER_UNIT_STEP * max(units, 1) * (length + 1)


def ensemble_bytes(members: int, units: int, length: int) -> int:
    """Estimated peak memory of training an ensemble (or a sweep's setting): the members'
    states and the population kernel's work array (which a few members on a long sequence
    are dominated by)."""
    return (members * units * length * ENSEMBLE_BYTES_PER_MEMBER_POINT + 2 * 8 * length
            + population_work_bytes(units, length))


# Peak bytes per model, unit and point of a population pass (a landscape grid's chunk),
# measured with tracemalloc at 20 000 points: 53-91 (compiled, 64 and 29 models; the kernel's
# blocks make small chunks dearer), 58-64 numpy.  160 leaves room for two chunks' overlap.
POPULATION_BYTES_PER_MODEL_POINT = 160
# The exact Hessian's complex-step population: P = 12 x units probes of the whole sequence,
# measured 192-320 bytes per probe, unit and point (1 and 4 units, 5 000-20 000 points).
HESSIAN_BYTES_PER_PROBE_POINT = 320


def population_chunk(units: int, length: int, most: int, budget: int | None = None) -> int:
    """How many models a population pass may take at once within `budget` (default
    MAX_WORK_BYTES; at least one, at most `most`): a landscape of a 1 000 000-point model once
    peaked at 17.9 GiB."""
    per_model = POPULATION_BYTES_PER_MODEL_POINT * max(units, 1) * max(length, 1)
    budget = MAX_WORK_BYTES if budget is None else budget
    return int(max(1, min(most, budget // per_model)))


def hessian_bytes(probes: int, units: int, length: int) -> int:
    """Work of a Hessian by complex steps: one probe model per parameter, each `units` units
    over `length` points."""
    return HESSIAN_BYTES_PER_PROBE_POINT * probes * units * length


def check_work_bytes(need: int, what: str) -> None:
    """ValueError (one line) if `what` would need more than MAX_WORK_BYTES."""
    if need > MAX_WORK_BYTES:
        raise ValueError(f"{what} would need about {need / 2**30:.1f} GiB of memory; the limit is "
                         f"{MAX_WORK_BYTES / 2**30:.0f} GiB")


def check_training_size(units: int, length: int) -> None:
    """ValueError (one line) if a run of this size exceeds the limits above."""
    if length > MAX_LENGTH:
        raise ValueError(f"a sequence length of {length:,} exceeds the limit of {MAX_LENGTH:,} points")
    if units > MAX_UNITS:
        raise ValueError(f"{units} units exceed the limit of {MAX_UNITS}")
    need = training_bytes(units, length)
    if need > MAX_TRAIN_BYTES:
        raise ValueError(f"{units} units x {length:,} points would need about {need / 2**30:.1f} GiB "
                         f"to train; the limit is {MAX_TRAIN_BYTES / 2**30:.0f} GiB "
                         f"(units x length at most {MAX_TRAIN_BYTES // BYTES_PER_UNIT_POINT:,})")


# A model of H units per layer on batches of sequences (models/).  The numpy reference keeps
# per step and sequence of a batch, per layer and direction, its six state arrays and as many
# temporaries of H numbers; training also holds the data time-major (x, target) and one
# forward pass over the whole training or test set for their MSE.  16 float64 per unit is the
# bound used (6 kept + the backward pass's temporaries).
FLOATS_PER_UNIT_STEP = 16


class TooManyParameters(ValueError):
    """A model over MAX_PARAMETERS; ``size`` is its parameter count (whoever knows the model
    can say its largest H: :func:`max_hidden`)."""

    def __init__(self, size: int):
        super().__init__(f"this model has {size:,} parameters; the limit is {MAX_PARAMETERS:,} "
                         f"(H <= {HIDDEN_LSTM_MAX} for a 1-layer LSTM)")
        self.size = size


def max_hidden(size_at: Callable[[int], int], most: int = MAX_HIDDEN) -> int:
    """The largest H in [1, most] whose model keeps within MAX_PARAMETERS, given
    size_at(H) -> the model's parameter count (growing with H); 0 if not even H = 1."""
    lo, hi = 0, most
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size_at(mid) <= MAX_PARAMETERS:
            lo = mid
        else:
            hi = mid - 1
    return lo


def model_training_bytes(hidden: int, layers: int, dirs: int, steps: int, batch: int,
                         sequences: int, inputs: int) -> int:
    """Estimated peak memory of training a model of `layers` x `dirs` x `hidden` units on
    `sequences` sequences of `steps` steps with `inputs` numbers a step, in batches of
    `batch` (evaluation runs over all sequences at once)."""
    states = 8 * FLOATS_PER_UNIT_STEP * hidden * layers * dirs * steps * max(batch, sequences)
    data = 8 * 3 * sequences * steps * (inputs + 1)
    return states + data


def check_model_size(hidden: int, layers: int, dirs: int, steps: int, batch: int,
                     sequences: int, inputs: int, size: int) -> None:
    """ValueError (one line) if training this model would exceed the limits, checked before
    anything is allocated."""
    if steps > MAX_LENGTH:
        raise ValueError(f"a sequence length of {steps:,} exceeds the limit of {MAX_LENGTH:,} points")
    if layers > MAX_UNITS:
        raise ValueError(f"{layers} layers exceed the limit of {MAX_UNITS}")
    if size > MAX_PARAMETERS:
        raise TooManyParameters(size)
    need = model_training_bytes(hidden, layers, dirs, steps, batch, sequences, inputs)
    if need > MAX_TRAIN_BYTES:
        raise ValueError(f"H = {hidden} x {layers} layer(s) x {dirs} direction(s) over {sequences:,} "
                         f"sequences of {steps:,} steps would need about {need / 2**30:.1f} GiB to "
                         f"train; the limit is {MAX_TRAIN_BYTES / 2**30:.0f} GiB")


# safetensors files (PyTorch weights): a 2-layer bidirectional LSTM of 256 units in float64 is
# about 25 MB; a header lists names, shapes and offsets, a few hundred bytes a tensor.
MAX_SAFETENSORS_BYTES = 64 * 2**20
MAX_SAFETENSORS_HEADER = 1 * 2**20

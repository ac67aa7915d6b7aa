"""The waveform tasks: named pairs of sequences (input x, target).

Presets reproduce the C library's experiments (docs/unit.md).  Like the C code, the phase is
``w_i = 2 * 3.14 / n * cycles * i`` with 3.14, not pi, so that its runs can be compared
point for point.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import limits
from ..limits.fileio import FileAccessError, read_regular
from .datasets import SET_PRESETS, Dataset

LSTMLIB_PI = 3.14


def _square(w):
    return np.where(np.sin(w) > 0, 1.0, -1.0)


def _sawtooth(w):
    # Rises from -1 to 1 over each cycle.
    frac = (w / (2 * LSTMLIB_PI)) % 1.0
    return 2.0 * frac - 1.0


def _triangle(w):
    return 2.0 * np.abs(_sawtooth(w + LSTMLIB_PI / 2)) - 1.0


@dataclass(frozen=True)
class Preset:
    """A built-in task and its defaults."""

    key: str
    title: str
    description: str
    length: int = 100
    cycles: float = 5.0
    amplitude: float = 0.5
    epochs: int = 5000


PRESETS = {p.key: p for p in (
    Preset("sin-cos", "Sine to cosine", "x = A sin(w), target = A cos(w)"),
    Preset("square-cos", "Square to cosine", "x = +A if sin(w) > 0 else -A, target = A cos(w)"),
    Preset("sin-square", "Sine to square", "x = A sin(w), target = +A if sin(w) > 0 else -A"),
    Preset("trajectories", "Parameter trajectories", "x = A sin(w), target = A cos(w), A = 1 "
           "(the C library's 2000-epoch parameter run)", amplitude=1.0, epochs=2000),
    Preset("freq-double", "Frequency doubled, shifted", "x = A sin(w), target = A sin(2w + n/50)"),
    Preset("random", "Random target", "x = 0, target uniform in [-A, A] from the seed",
           epochs=1000),
    Preset("sawtooth-cos", "Sawtooth to cosine", "x = A sawtooth(w), target = A cos(w)"),
    Preset("triangle-cos", "Triangle to cosine", "x = A triangle(w), target = A cos(w)"),
    Preset("delay-k", "Delay by k steps", "x = A square(w), target = x delayed by k steps "
           "(k = lag, default 5): the answer is in the input k steps back"),
    Preset("running-sum", "Running sum", "x uniform in [-A, A] from the seed, target the running "
           "sum of x scaled to [-0.8, 0.8] over the training length", cycles=1.0, epochs=3000),
    Preset("next-step", "Next step", "x = A (sin(w) + sin(2w) / 2) / 1.5, target = x one step "
           "later: forecasting", cycles=3.0, epochs=3000),
)}
DEFAULT_LAG = 5
CSV_TASK = "csv"


@dataclass(frozen=True)
class Task:
    """A task and its settings: key of a preset (or 'csv'), length n, cycles, amplitude A.

    For the random task, ``seed`` draws the target; for a task of many sequences
    (``datasets.SET_PRESETS``) it draws the data.  A CSV task carries its sequences:
    ``data`` is x (rows x inputs, row-major) then the target (rows); with ``n_sequences`` > 1
    the rows are that many sequences of equal length, the last ``test`` of them held out.
    ``lag`` is the k of the delay-k task (ignored by the others).
    """

    key: str = "sin-cos"
    length: int = 100
    cycles: float = 5.0
    amplitude: float = 0.5
    seed: int = 0
    source: str = ""
    data: tuple = field(default=(), repr=False, compare=True)
    lag: int = DEFAULT_LAG
    inputs: int = 1          # a CSV task's input columns (m)
    n_sequences: int = 1     # a CSV task's sequences (a sequence id column)
    test: int = 0            # of which the last `test` are held out
    # How many training lengths this task spans (extended() sets it; never saved): the C
    # library's frequency-doubled target is shifted by n/50 of the *training* length n, and a
    # continuation must keep that shift to continue the same waveform.
    extension: int = 1

    def __post_init__(self):
        if self.key != CSV_TASK and self.key not in PRESETS and self.key not in SET_PRESETS:
            raise ValueError(f"unknown task {self.key!r}; choose one of "
                             f"{', '.join([*PRESETS, *SET_PRESETS])}")
        if self.extension == 1 and self.key in PRESETS:
            # The one table of limits (limits.SETTINGS): what trains can be saved and reopened.
            # A continuation (extended()) spans several training lengths and is never saved.
            for name in ("length", "cycles", "amplitude", "seed"):
                limits.check_setting(f"task.{name}", getattr(self, name))
        elif not isinstance(self.length, (int, np.integer)) or self.length < 1:
            raise ValueError(f"length must be a whole number of at least 1, got {self.length!r}")
        if self.key == "delay-k" and not (isinstance(self.lag, (int, np.integer))
                                          and 0 <= self.lag < self.length):
            raise ValueError(f"lag must be a whole number from 0 to length - 1, got {self.lag!r}")

    @property
    def title(self) -> str:
        if self.key == CSV_TASK:
            return f"CSV {Path(self.source).name}"
        return (SET_PRESETS if self.is_set else PRESETS)[self.key].title

    @property
    def is_set(self) -> bool:
        """A task of many sequences (or several inputs): train with :meth:`dataset`."""
        return self.key in SET_PRESETS or (self.key == CSV_TASK
                                           and (self.n_sequences > 1 or self.inputs > 1))

    def dataset(self) -> Dataset:
        """The task as training and test sequences (a waveform task: one training sequence)."""
        if self.key in SET_PRESETS:
            return SET_PRESETS[self.key].make(self.seed)
        if self.key == CSV_TASK:
            rows = len(self.data) // (self.inputs + 1)
            values = np.array(self.data, dtype=float)
            x = values[: rows * self.inputs].reshape(self.n_sequences, -1, self.inputs)
            t = values[rows * self.inputs:].reshape(self.n_sequences, -1)
            k = self.n_sequences - self.test
            return Dataset(x[:k], t[:k], x[k:], t[k:])
        x, t = self.sequences()
        return Dataset(x[None, :, None], t[None], np.zeros((0, len(x), 1)), np.zeros((0, len(x))))

    def sequences(self) -> tuple[np.ndarray, np.ndarray]:
        """The clean (x, target), each of shape (length,)."""
        if self.is_set:
            raise ValueError(f"the task {self.title} is a set of sequences, not one sequence")
        if self.key == CSV_TASK:
            x, target = np.array(self.data, dtype=float).reshape(2, -1)
            return x, target
        if self.key == "delay-k":
            return _delay_sequences(self.length, self.cycles, self.amplitude, self.lag)
        return _preset_sequences(self.key, self.length, self.cycles, self.amplitude, self.seed,
                                 self.extension)

    def extended(self, factor: int) -> Task:
        """The same waveform over `factor` times the length (cycles scaled alike)."""
        if self.key == CSV_TASK or self.is_set:
            raise ValueError(f"the task {self.title} has no continuation beyond its data")
        return replace(self, length=self.length * factor, cycles=self.cycles * factor,
                       extension=self.extension * factor)

    def to_dict(self) -> dict:
        d = {"key": self.key, "length": self.length, "cycles": self.cycles,
             "amplitude": self.amplitude, "seed": self.seed}
        if self.key == CSV_TASK:
            rows = len(self.data) // (self.inputs + 1)
            d.update(source=self.source, x=list(self.data[: rows * self.inputs]),
                     target=list(self.data[rows * self.inputs:]))
            if self.is_set:
                d.update(inputs=self.inputs, sequences=self.n_sequences, test=self.test)
        if self.key == "delay-k":
            d["lag"] = self.lag
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Task:
        if d.get("key") == CSV_TASK:
            m = int(d.get("inputs", 1))
            return from_arrays(np.reshape(d["x"], (-1, m)) if m > 1 else d["x"], d["target"],
                               d.get("source", ""), int(d.get("sequences", 1)),
                               int(d.get("test", 0)))
        return cls(key=d["key"], length=int(d["length"]), cycles=float(d["cycles"]),
                   amplitude=float(d["amplitude"]), seed=int(d.get("seed", 0)),
                   lag=int(d.get("lag", DEFAULT_LAG)))


def preset(key: str, **settings) -> Task:
    """A preset task with its defaults, any of them overridden by `settings`."""
    if key in SET_PRESETS:
        seed = int(settings.get("seed", 0))
        return Task(key=key, length=SET_PRESETS[key].make(seed).steps, seed=seed)
    if key not in PRESETS:
        raise ValueError(f"unknown task {key!r}; choose one of {', '.join(PRESETS)}")
    p = PRESETS[key]
    base = dict(length=p.length, cycles=p.cycles, amplitude=p.amplitude)
    return Task(key=key, **{**base, **settings})


def _preset_sequences(key, n, cycles, a, seed, extension=1):
    i = np.arange(n)
    w = 2 * LSTMLIB_PI / n * cycles * i
    if key in ("sin-cos", "trajectories"):
        return a * np.sin(w), a * np.cos(w)
    if key == "square-cos":
        return a * _square(w), a * np.cos(w)
    if key == "sin-square":
        return a * np.sin(w), a * _square(w)
    if key == "freq-double":
        return a * np.sin(w), a * np.sin(2 * w + n / extension / 50)
    if key == "random":
        return np.zeros(n), np.random.default_rng(seed).uniform(-a, a, n)
    if key == "sawtooth-cos":
        return a * _sawtooth(w), a * np.cos(w)
    if key == "triangle-cos":
        return a * _triangle(w), a * np.cos(w)
    if key == "running-sum":
        return _running_sum(n, cycles, a, seed)
    if key == "next-step":
        # One point more than n: the last target is the waveform's next value.
        w1 = 2 * LSTMLIB_PI / n * cycles * np.arange(n + 1)
        x = a * (np.sin(w1) + 0.5 * np.sin(2 * w1)) / 1.5
        return x[:-1], x[1:]
    raise AssertionError(key)


def _delay_sequences(n, cycles, a, lag):
    # A square wave, not a sine: a delayed sine is a phase shift the unit can compute from the
    # present input, while a delayed edge must be remembered for k steps.  Measured (Adam,
    # lr 0.05, 5000 epochs, two seeds): MSE 0.031 and 0.083 of 0.24 in the target, memory
    # horizon 2 -> 16 and 33 steps as the unit learns.
    x = a * _square(2 * LSTMLIB_PI / n * cycles * np.arange(n))
    return x, np.concatenate([np.zeros(lag), x[:n - lag]])


RUNNING_SUM_BOUND = 0.8


def _running_sum(n, cycles, a, seed):
    # For this task `cycles` counts training lengths (1 when training; extended() scales it),
    # so a continuation draws the same first values and keeps the training part's scale.
    base = max(1, round(min(n, n / cycles)))   # n / 5e-324 is inf: never past n anyway
    x = np.random.default_rng(seed).uniform(-a, a, n)
    total = np.cumsum(x)
    peak = np.max(np.abs(total[:base]))
    return x, total * (RUNNING_SUM_BOUND / peak if peak > 0 else 1.0)


def from_arrays(x, target, source: str = "", sequences: int = 1, test: int = 0) -> Task:
    """A CSV task from x (rows,) or (rows, m) and target (rows,); with `sequences` > 1 the
    rows are that many sequences of equal length, the last `test` of them held out."""
    x = np.asarray(x, dtype=float)
    target = np.asarray(target, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or target.shape != (len(x),) or x.size < 1:
        raise ValueError("a CSV task needs input and target columns of equal, non-zero length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(target))):
        raise ValueError("a CSV task's numbers must be finite")
    if not (1 <= sequences <= len(x) and len(x) % sequences == 0):
        raise ValueError(f"the {len(x)} rows do not make {sequences} sequences of equal length")
    if not 0 <= test < sequences:
        raise ValueError(f"test sequences must be from 0 to {sequences - 1}, got {test}")
    return Task(key=CSV_TASK, length=len(x) // sequences, source=str(source),
                data=tuple(x.ravel().tolist() + target.tolist()), inputs=x.shape[1],
                n_sequences=sequences, test=test)


class TaskFileError(ValueError):
    """A CSV file that is not two numeric columns; the message is one line."""


ID_COLUMNS = ("id", "seq", "sequence")   # a header naming one of these marks the sequence id


def load_csv(path) -> Task:
    """Read a task from a CSV file: input column(s), then the target in the last column.

    Two columns are one sequence, as the C library's tasks.  More columns are m inputs (every
    row must have as many).  A header row naming a column ``id``, ``seq`` or ``sequence``
    makes that column a sequence id: consecutive rows with the same id are one sequence, all
    of equal length, and the last fifth of the sequences (at least one) are held out as the
    test set.  A first row that is not numeric is taken as a header; a UTF-8 byte-order mark
    is not part of it.  Regular files only, at most MAX_CSV_BYTES, fields of at most
    MAX_CSV_FIELD characters, MAX_LENGTH rows and 2 * MAX_LENGTH numbers.  Raises
    TaskFileError naming the path as given and the first problem found.
    """
    try:
        data = read_regular(path, limits.MAX_CSV_BYTES, "CSV file")
    except FileAccessError as exc:
        raise TaskFileError(str(exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TaskFileError(f"{path}: is not UTF-8 text; save it as UTF-8 CSV") from None
    rows: list[list[float]] = []
    width = 0
    id_col: int | None = None
    reader = csv.reader(io.StringIO(text))
    lineno = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            lineno += 1
            if any(len(cell) > limits.MAX_CSV_FIELD for cell in row):
                raise TaskFileError(f"{path}: row {lineno} has a field over "
                                    f"{limits.MAX_CSV_FIELD // 1024} KB; is it a CSV of numeric columns?")
            cells = [c.strip() for c in row]
            try:
                values = [float(c) for c in cells]
            except ValueError:
                if lineno == 1:   # a header
                    names = [c.lower() for c in cells]
                    id_col = next((k for k, c in enumerate(names) if c in ID_COLUMNS), None)
                    width = len(cells)
                    continue
                shown = " ".join(",".join(cells).split())[:60]  # one line, whatever the cells hold
                raise TaskFileError(f"{path}: row {lineno} is not numeric: {shown}") from None
            if not width:
                width = max(2, len(values))
            if len(values) != width or width < 2 + (id_col is not None):
                want = f"{width} ({'id, ' if id_col is not None else ''}input(s), target)"
                raise TaskFileError(f"{path}: row {lineno} has {len(values)} columns; expected "
                                    f"{want if width > 2 else '2 (input, target)'}")
            if not all(np.isfinite(values)):
                raise TaskFileError(f"{path}: row {lineno} contains NaN or infinity")
            if len(rows) == limits.MAX_LENGTH or (len(rows) + 1) * width > 2 * limits.MAX_LENGTH:
                raise TaskFileError(f"{path}: more than {limits.MAX_LENGTH:,} rows or "
                                    f"{2 * limits.MAX_LENGTH:,} numbers; a task holds at most that")
            rows.append(values)
    except csv.Error as exc:
        # The csv module stops at its own limit of 128 KB a field, before the check above.
        if "field larger than field limit" in str(exc):
            raise TaskFileError(f"{path}: row {lineno + 1} has a field over {limits.MAX_CSV_FIELD // 1024} "
                                "KB; is it a CSV of numeric columns?") from None
        raise TaskFileError(f"{path}: row {lineno + 1} is not valid CSV ({exc})") from None
    if lineno == 0:
        raise TaskFileError(f"{path}: the file is empty")
    if not rows:
        raise TaskFileError(f"{path}: no numeric rows after the header")
    table = np.array(rows)
    sequences = test = 1
    if id_col is not None:
        ids = table[:, id_col]
        table = np.delete(table, id_col, axis=1)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        if len(np.unique(ids)) != len(starts):
            raise TaskFileError(f"{path}: a sequence id appears in two places; keep each "
                                "sequence's rows together")
        lengths = np.diff(np.r_[starts, len(ids)])
        if np.any(lengths != lengths[0]):
            raise TaskFileError(f"{path}: sequences have {lengths.min()} to {lengths.max()} rows; "
                                "they must all be the same length")
        sequences = len(starts)
        test = max(1, sequences // 5) if sequences > 1 else 0
    else:
        test = 0
    return from_arrays(table[:, :-1] if table.shape[1] > 2 else table[:, 0], table[:, -1],
                       source=str(path), sequences=sequences, test=test)

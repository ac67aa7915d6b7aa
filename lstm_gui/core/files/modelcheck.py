"""Strict checks of a model file's fields, before any of them reaches the run.

json gives numbers, strings, None, booleans, lists and dicts.  Every numeric field is checked
here for its type (a number, not ``"nan"``, not null, not a boolean), finiteness, range and,
for arrays, shape, before anything is allocated from it.  Each failure is a ValueError whose
one-line text names the field, e.g. ``state.optimizer.beta1 must lie in [0, 1), got 1.5``.
"""
from __future__ import annotations

import base64
import math

import numpy as np

from .. import limits
from ..models import CELLS, UNIT
from ..training.datasets import SET_PRESETS
from ..training.noise import NOISE_KINDS, NOISE_MODES
from ..training.optim import OPTIMIZERS
from ..training.tasks import CSV_TASK, PRESETS


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def number(v, field: str, lo: float = -math.inf, hi: float = math.inf, *, lo_open=False,
           hi_open=False) -> float:
    """v as a finite float in [lo, hi] (open ends on request), else ValueError naming field."""
    if not _is_number(v):
        raise ValueError(f"{field} must be a number, got {_shown(v)}")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError(f"{field} is too large") from None
    if not math.isfinite(f):
        raise ValueError(f"{field} must be finite, got {_shown(v)}")
    if f < lo or f > hi or (lo_open and f == lo) or (hi_open and f == hi):
        left, right = "(" if lo_open else "[", ")" if hi_open else "]"
        raise ValueError(f"{field} must lie in {left}{lo:g}, {hi:g}{right}, got {limits._num(f)}")
    return f


def integer(v, field: str, lo: int = 0, hi: int = limits.MAX_EPOCH) -> int:
    """v as an int in [lo, hi] (a float like 3.0 is not accepted: files store ints)."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{field} must be a whole number, got {_shown(v)}")
    if not lo <= v <= hi:
        raise ValueError(f"{field} must be a whole number from {lo} to {hi}, got {_shown(v)}")
    return v


def setting(v, name: str, field: str = "config"):
    """A run setting checked against the one table the trainer uses (limits.SETTINGS), so a
    file holds exactly what can be trained; the message names the field as the file has it."""
    return limits.check_setting(name, v, f"{field}.{name}")


def optional(v, check, field: str, *args, **kwargs):
    return None if v is None else check(v, field, *args, **kwargs)


_shown = limits.shown


def obj(d, field: str) -> dict:
    if not isinstance(d, dict):
        raise ValueError(f"{field} must be an object, got {_shown(d)}")
    return d


def choice(v, field: str, options) -> str:
    if not isinstance(v, str) or v not in options:
        raise ValueError(f"{field} must be one of {', '.join(map(str, options))}, got {_shown(v)}")
    return v


def numbers(v, field: str, shape: tuple[int, ...], bound: float = math.inf) -> np.ndarray:
    """A nested list of finite numbers of `shape` (|x| <= bound) as a float array."""
    flat = []

    def walk(item, dims, where):
        if not isinstance(item, list) or len(item) != dims[0]:
            raise ValueError(f"{field} must have shape {shape}")
        if len(dims) == 1:
            for k, x in enumerate(item):
                if not _is_number(x):
                    raise ValueError(f"{field}{where}[{k}] must be a number, got {_shown(x)}")
            flat.extend(item)
        else:
            for k, sub in enumerate(item):
                walk(sub, dims[1:], f"{where}[{k}]")

    walk(v, shape, "")
    try:
        arr = np.array(flat, dtype=float).reshape(shape)
    except OverflowError:
        raise ValueError(f"{field} holds a number too large") from None
    _bounded(arr, field, bound)
    return arr


def _bounded(arr: np.ndarray, field: str, bound: float) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{field} holds a value that is not finite")
    if bound < math.inf and arr.size and np.max(np.abs(arr)) > bound:
        raise ValueError(f"{field} holds {np.max(np.abs(arr)):g}; values up to {bound:g} are read")


# ---------------------------------------------------------------- packed arrays (format 2)

def pack(arr: np.ndarray, dtype: str = "<f8") -> dict:
    """An array as {"dtype", "shape", "base64"}: exact, ~10.7 bytes a float64."""
    a = np.ascontiguousarray(arr, dtype=dtype)
    return {"dtype": dtype, "shape": list(a.shape), "base64": base64.b64encode(a.tobytes()).decode("ascii")}


def unpack(d, field: str, shape: tuple[int, ...], dtype: str = "<f8",
           bound: float = math.inf) -> np.ndarray:
    """The array :func:`pack` wrote, checked for dtype, `shape` and size before decoding."""
    d = obj(d, field)
    if d.get("dtype") != dtype:
        raise ValueError(f"{field}.dtype must be {dtype!r}")
    if [*shape] != d.get("shape"):
        raise ValueError(f"{field}.shape must be {list(shape)}, got {_shown(d.get('shape'))}")
    text = d.get("base64")
    nbytes = int(np.prod(shape, dtype=np.int64)) * 8
    if not isinstance(text, str) or len(text) != 4 * ((nbytes + 2) // 3):
        raise ValueError(f"{field}.base64 must encode {nbytes} bytes")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError(f"{field}.base64 is not valid base64") from None
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype[1:], copy=True)
    if dtype == "<f8":
        _bounded(arr, field, bound)
    return arr


# ---------------------------------------------------------------- the config

def check_config(d, field: str = "config") -> dict:
    """The config's fields checked (types, ranges, sizes) before RunConfig builds anything."""
    d = obj(d, field)
    task = obj(d.get("task"), f"{field}.task")
    key = choice(task.get("key"), f"{field}.task.key", [*PRESETS, *SET_PRESETS, CSV_TASK])
    if key == CSV_TASK:
        inputs = integer(task.get("inputs", 1), f"{field}.task.inputs", 1, limits.MAX_LENGTH)
        for name, most in (("x", 2 * limits.MAX_LENGTH), ("target", limits.MAX_LENGTH)):
            seq = task.get(name)
            if not isinstance(seq, list) or not 1 <= len(seq) <= most:
                raise ValueError(f"{field}.task.{name} must be a list of 1 to {most:,} numbers")
        rows = len(task["target"])
        numbers(task["x"], f"{field}.task.x", (rows * inputs,))
        numbers(task["target"], f"{field}.task.target", (rows,))
        sequences = integer(task.get("sequences", 1), f"{field}.task.sequences", 1, rows)
        integer(task.get("test", 0), f"{field}.task.test", 0, sequences - 1)
    else:
        for name in ("length", "cycles", "amplitude"):
            setting(task.get(name), f"task.{name}", field)
        setting(task.get("seed", 0), "task.seed", field)
        if "lag" in task:
            setting(task["lag"], "task.lag", field)
    noise = obj(d.get("noise"), f"{field}.noise")
    choice(noise.get("mode"), f"{field}.noise.mode", NOISE_MODES)
    setting(noise.get("amplitude"), "noise.amplitude", field)
    choice(noise.get("kind", "uniform"), f"{field}.noise.kind", NOISE_KINDS)
    if not isinstance(noise.get("resample", False), bool):
        raise ValueError(f"{field}.noise.resample must be true or false")
    units = setting(d.get("units"), "units", field)
    choice(d.get("optimizer"), f"{field}.optimizer", OPTIMIZERS)
    for name in ("lr", "seed", "init_low", "init_high", "delay", "epochs", "target_mse", "plateau"):
        setting(d.get(name), name, field)
    if d.get("clip") is not None:
        setting(d["clip"], "clip", field)
    choice(d.get("cell", "lstm"), f"{field}.cell", CELLS)
    setting(d.get("hidden", 1), "hidden", field)
    for name in ("bias", "bidirectional"):
        if not isinstance(d.get(name, name == "bias"), bool):
            raise ValueError(f"{field}.{name} must be true or false")
    setting(d.get("dropout", 0.0), "dropout", field)
    if not isinstance(d.get("readout"), (bool, type(None))):
        raise ValueError(f"{field}.readout must be true, false or null")
    choice(d.get("init", "uniform"), f"{field}.init", ("uniform", "pytorch"))
    if d.get("forget_bias") is not None:
        setting(d["forget_bias"], "forget_bias", field)
    setting(d.get("batch", 0), "batch", field)
    if key in PRESETS and d.get("hidden", 1) == 1:
        # The unit's own bound; any other model's is RunConfig's (limits.check_model_size).
        limits.check_training_size(units, task["length"])
    return d


# ---------------------------------------------------------------- the optimizer state

def check_optimizer(d, units, field: str = "state.optimizer") -> dict:
    """The optimizer's state; `units` is a chain's unit count, or the parameters' shape."""
    shape = (units, UNIT.size) if isinstance(units, int) else tuple(units)
    d = obj(d, field)
    name = choice(d.get("name"), f"{field}.name", OPTIMIZERS)
    number(d.get("lr"), f"{field}.lr", 0, 1, lo_open=True, hi_open=True)
    optional(d.get("clip"), number, f"{field}.clip", 0, math.inf, lo_open=True)
    for key in ("beta", "beta1", "beta2"):
        if key in d:
            number(d[key], f"{field}.{key}", 0, 1, hi_open=True)
    if "eps" in d:
        number(d["eps"], f"{field}.eps", 0, 1, lo_open=True)
    if "t" in d:
        integer(d["t"], f"{field}.t", 0, limits.MAX_EPOCH)
    moments = {"sgd": (), "momentum": ("velocity",), "adam": ("m", "v")}[name]
    for key in moments:
        m = optional(d.get(key), numbers, f"{field}.{key}", shape)
        if key == "v" and m is not None and np.any(m < 0):
            raise ValueError(f"{field}.v must not be negative")
    return d


# ---------------------------------------------------------------- events

def check_events(events, field: str = "state.events") -> list[tuple[int, str]]:
    """Events as (epoch, text) with text plain str data: never a format string to anyone."""
    if not isinstance(events, list):
        raise ValueError(f"{field} must be a list")
    if len(events) > limits.MAX_EVENTS:
        raise ValueError(f"{field} has {len(events):,} entries; at most {limits.MAX_EVENTS:,} are read")
    out = []
    for k, e in enumerate(events):
        if not isinstance(e, list) or len(e) != 2:
            raise ValueError(f"{field}[{k}] must be [epoch, text]")
        epoch = integer(e[0], f"{field}[{k}] epoch", 0, limits.MAX_EPOCH)
        if not isinstance(e[1], str):
            raise ValueError(f"{field}[{k}] text must be a string")
        if len(e[1]) > limits.MAX_EVENT_TEXT:
            raise ValueError(f"{field}[{k}] text is longer than {limits.MAX_EVENT_TEXT} characters")
        out.append((epoch, str(e[1])))
    return out

"""Model files: lstm-gui's native JSON format and the C library's text format.

Loading never runs code (no pickle), reads regular files only and at most MAX_BYTES, checks
every field (modelcheck) before anything is allocated from it, and turns anything that is not
a valid model into one ModelFileError whose one-line message names the path and the field.

Format versions: 1 wrote every array as an indented JSON list (about 25 bytes a number; a
16-unit chain with a full history took 59 MB); 2 writes the long arrays (history, sequences)
as base64 of little-endian float64, exact and about 10.7 bytes a number; 3 adds the model
description (``"model"``: cell, hidden, layers, inputs, readout, bias, bidirectional, dropout,
size) and, for any model other than SPEC's unit, its flat parameter vector ``"params"``
instead of ``"units"``, and the mini-batch generators' state.  All three are read.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .. import limits
from ..limits.fileio import FileAccessError, read_regular
from ..limits.fileio import write_atomic as _write_atomic
from ..models import UNIT
from ..training.run import HISTORY_PARAMS, STOP_REASONS, RunConfig, TrainingRun
from ..training.tasks import preset
from . import modelcheck

# SPEC's unit: its parameters by name, in order ("units" entries, lstmlib files).
UNIT_NAMES = tuple(UNIT.names())

FORMAT = "lstm-gui"
VERSION = 3
LSTMLIB_SUFFIX = ".lstmlib"
JSON_SUFFIX = ".json"
SAFETENSORS_SUFFIX = ".safetensors"


def _b64_len(n_float64: int) -> int:
    return 4 * ((8 * n_float64 + 2) // 3)


# The largest file the app can write, from the limits: the history at its cap for 16 units,
# the two saved sequences and a CSV task's two columns at the longest length (as JSON lists,
# at most 25 bytes a number), the events, and 1 MB for everything else.  Format 1 files of the
# same models are larger per number but hold less; this bound reads the 59 MB ones.
# A model's parameter vector is written 4 times (params, initial, Adam's m and v) as JSON lists.
MAX_BYTES = (_b64_len(limits.MAX_HISTORY_ROWS * (2 + UNIT.size * limits.MAX_UNITS))
             + 2 * _b64_len(limits.MAX_LENGTH)
             + 2 * 25 * limits.MAX_LENGTH
             + 4 * 25 * limits.MAX_PARAMETERS
             + limits.MAX_EVENTS * (limits.MAX_EVENT_TEXT * 6 + 40)
             + 2**20)


class ModelFileError(ValueError):
    """A file that is not a valid model; str() is one line naming the path as given."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{path}: {self.reason}")


# ---------------------------------------------------------------- writing

def write_atomic(path, text: str | bytes) -> None:
    """Replace the file at path (symlinks followed, mode kept) in one rename; see fileio."""
    _write_atomic(path, text)


def _history_arrays(run: TrainingRun):
    epochs, mse, params = run.history.arrays()
    if len(epochs) > limits.MAX_HISTORY_ROWS:
        epochs, mse, params = run.history.view(limits.MAX_HISTORY_ROWS)
    return epochs, mse, params.reshape(len(epochs), int(np.prod(run.history.row_shape)))


def model_dict(model) -> dict:
    """The model description as a file stores it."""
    return {"cell": model.cell, "hidden": model.hidden, "layers": model.layers,
            "inputs": model.inputs, "readout": model.readout, "bias": model.bias,
            "bidirectional": model.bidirectional, "dropout": model.dropout, "size": model.size}


def to_json_text(run: TrainingRun, with_history: bool = True) -> str:
    """The run as format-3 JSON: small fields readable, long arrays packed."""
    state = run.state_dict(with_history=False)
    if run.data is None:
        state["x"] = modelcheck.pack(run.x)
        state["target"] = modelcheck.pack(run.target)
    else:   # a dataset is its task's (a preset's formula and seed, or a CSV's numbers)
        del state["x"], state["target"]
    if with_history:
        epochs, mse, params = _history_arrays(run)
        state["history"] = {"epoch": modelcheck.pack(epochs, "<i8"), "mse": modelcheck.pack(mse),
                            "params": modelcheck.pack(params)}
    doc: dict = {"format": FORMAT, "version": VERSION, "model": model_dict(run.config.model())}
    if run.model is None:
        doc["units"] = [dict(zip(UNIT_NAMES, row)) for row in run.params.tolist()]
    else:
        doc["params"] = run.params.tolist()
    doc.update(delay=run.config.delay, config=run.config.to_dict(), state=state)
    return json.dumps(doc, allow_nan=False, indent=1)


def to_lstmlib_text(params: np.ndarray, length: int) -> str:
    """The C library's save file: version 0, sequence length, the unit's parameters with %lf."""
    params = np.asarray(params, dtype=float)
    if params.ndim < 2 and params.size != UNIT.size:
        raise ValueError(f"the lstmlib format holds the C library's one unit ({UNIT.size} "
                         f"parameters); this model has {params.size}: save it as .json")
    if params.reshape(-1, UNIT.size).shape[0] != 1:
        raise ValueError("the lstmlib format holds a single unit; this model is a chain")
    return "\n".join(["0", str(int(length))] + [f"{v:.6f}" for v in params.ravel()]) + "\n"


def save(run: TrainingRun, path, with_history: bool = True) -> None:
    """Save by extension: '.lstmlib' the C library's format, '.safetensors' PyTorch weights
    (files/pytorch.py), anything else native JSON."""
    path = Path(path)
    if path.suffix.lower() == SAFETENSORS_SUFFIX:
        from . import pytorch
        pytorch.export_run(run, path, with_script=False)
        return
    if path.suffix.lower() == LSTMLIB_SUFFIX:
        if run.model is not None:
            raise ValueError(lstmlib_refusal(run.config))
        text = to_lstmlib_text(run.params, run.config.task.length)
    else:
        text = to_json_text(run, with_history)
    write_atomic(path, text)


def lstmlib_refusal(config: RunConfig) -> str:
    """Why a model other than the C library's unit cannot be written as an lstmlib file."""
    return (f"the lstmlib format holds the C library's one unit; this model is "
            f"{config.model().describe()}: save it as .json")


# ---------------------------------------------------------------- reading

def _reject_constant(name):
    raise ValueError(f"the file holds {name}, which is not a number a model can use")


def _whole_number(text: str) -> int:
    # Python refuses ints over 4 300 digits with a hint about sys.set_int_max_str_digits; no
    # field takes more than 20 digits (2**63), so a long one is named here in the file's terms.
    if len(text.lstrip("-")) > 40:
        raise ValueError(f"the file holds a whole number of {len(text.lstrip('-')):,} digits; "
                         "no field takes more than 20")
    return int(text)


def _finite_float(text: str) -> float:
    # 1e999 parses to inf: refused here, whatever the field.
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"the file holds {text[:30]}, which overflows to infinity")
    return v


def _params_from_units(units) -> np.ndarray:
    if not isinstance(units, list) or not units:
        raise ValueError("'units' must be a non-empty list of parameter sets")
    if len(units) > limits.MAX_UNITS:
        raise ValueError(f"'units' has {len(units)} units; at most {limits.MAX_UNITS} are supported")
    rows = []
    for k, u in enumerate(units, start=1):
        if not isinstance(u, dict):
            raise ValueError(f"unit {k} must be an object of {UNIT.size} named parameters")
        missing = [n for n in UNIT_NAMES if n not in u]
        if missing:
            raise ValueError(f"unit {k} lacks {', '.join(missing)}")
        extra = sorted(set(u) - set(UNIT_NAMES))
        if extra:
            raise ValueError(f"unit {k} has unknown parameter {extra[0][:40]!r}")
        # Any finite value: training may carry a parameter past what may be typed (MAX_PARAM),
        # and what was trained must open again.
        rows.append([modelcheck.number(u[n], f"unit {k} {n}") for n in UNIT_NAMES])
    return np.array(rows)


def _from_native(doc) -> TrainingRun:
    if not isinstance(doc, dict):
        raise ValueError("not an lstm-gui model (the JSON is not an object)")
    if doc.get("format") != FORMAT:
        raise ValueError("not an lstm-gui model (no \"format\": \"lstm-gui\")")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("'version' must be a whole number")
    if version > VERSION:
        raise ValueError(f"format version {version} is newer than this lstm-gui reads ({VERSION}); "
                         "update lstm-gui")
    if version < 1:
        raise ValueError(f"unknown format version {version}")
    config_doc = doc.get("config")
    state = doc.get("state")
    if version >= 3 and "params" in doc:
        return _model_from_native(doc, config_doc, state)
    params = _params_from_units(doc.get("units"))
    if config_doc is None:
        # A bare model: just parameters (and timing), as someone might write by hand.
        delay = modelcheck.integer(doc.get("delay", 0), "delay", 0, 1)
        config = RunConfig(units=len(params), delay=delay)
        return TrainingRun(config, initial_params=params)
    modelcheck.check_config(config_doc)
    config = RunConfig.from_dict(config_doc)
    if config.units != len(params):
        raise ValueError(f"config says {config.units} units but the file holds {len(params)}")
    if doc.get("delay", config.delay) != config.delay:
        raise ValueError("'delay' disagrees with the config")
    return TrainingRun.restore(config, params, _checked_state(state, config, version))


def _model_from_native(doc: dict, config_doc, state) -> TrainingRun:
    """A version-3 file of a model other than the unit: "model", "params", "config", "state"."""
    if config_doc is None:
        raise ValueError("a model file with 'params' needs its 'config'")
    modelcheck.check_config(config_doc)
    config = RunConfig.from_dict(config_doc)
    model = config.model()
    described = modelcheck.obj(doc.get("model"), "model")
    if described != model_dict(model):
        raise ValueError(f"'model' disagrees with the config, which describes {model.describe()}")
    params = modelcheck.numbers(doc.get("params"), "params", (model.size,))   # any finite: what training reaches
    if doc.get("delay", config.delay) != config.delay:
        raise ValueError("'delay' disagrees with the config")
    return TrainingRun.restore(config, params, _checked_state(state, config, 3))


def _checked_state(state, config: RunConfig, version: int) -> dict:
    """The state's fields checked and turned into arrays, ready for TrainingRun.restore."""
    st = modelcheck.obj(state, "state")
    n = config.task.length
    shape = config.param_shape
    out = dict(st)
    epoch = modelcheck.integer(st.get("epoch"), "state.epoch", 0, limits.MAX_EPOCH)
    modelcheck.optional(st.get("mse"), modelcheck.number, "state.mse", 0)
    modelcheck.optional(st.get("best_mse"), modelcheck.number, "state.best_mse", 0)
    modelcheck.integer(st.get("best_epoch", 0), "state.best_epoch", 0, epoch)
    out["initial_params"] = modelcheck.numbers(st.get("initial_params"), "state.initial_params",
                                               shape)
    if not isinstance(st.get("fixed_initial", False), bool):
        raise ValueError("state.fixed_initial must be true or false")
    modelcheck.check_optimizer(st.get("optimizer"), shape)
    modelcheck.obj(st.get("noise_rng"), "state.noise_rng")
    if not config.is_unit:
        batches = modelcheck.obj(st.get("batches"), "state.batches")
        for name in ("shuffle_rng", "dropout_rng"):
            modelcheck.obj(batches.get(name), f"state.batches.{name}")
    for name in ("x", "target"):
        if config.task.is_set:
            continue
        if version >= 2:
            out[name] = modelcheck.unpack(st.get(name), f"state.{name}", (n,))
        else:
            out[name] = modelcheck.numbers(st.get(name), f"state.{name}", (n,))
    out["events"] = modelcheck.check_events(st.get("events", []))
    reason = st.get("stop_reason")
    if reason is not None:
        modelcheck.choice(reason, "state.stop_reason", list(STOP_REASONS))
    hist = st.get("history")
    if hist:
        width = math.prod(shape)
        if not config.is_unit:
            size = config.model().size
            width = size if size <= HISTORY_PARAMS else 0
        out["history"] = _checked_history(hist, width, epoch, version)
    return out


def _checked_history(hist, width: int, epoch: int, version: int) -> dict:
    hist = modelcheck.obj(hist, "state.history")
    if version >= 2:
        shape = modelcheck.obj(hist.get("epoch"), "state.history.epoch").get("shape")
        if not (isinstance(shape, list) and len(shape) == 1 and isinstance(shape[0], int)
                and 0 <= shape[0] <= limits.MAX_HISTORY_ROWS):
            raise ValueError(f"state.history holds more than {limits.MAX_HISTORY_ROWS:,} rows or no "
                             "valid shape")
        rows = shape[0]
        epochs = modelcheck.unpack(hist["epoch"], "state.history.epoch", (rows,), "<i8")
        mse = modelcheck.unpack(hist.get("mse"), "state.history.mse", (rows,))
        params = modelcheck.unpack(hist.get("params"), "state.history.params", (rows, width))
    else:
        ep = hist.get("epoch")
        if not isinstance(ep, list) or len(ep) > limits.MAX_HISTORY_ROWS:
            raise ValueError(f"state.history.epoch must be a list of at most "
                             f"{limits.MAX_HISTORY_ROWS:,} epochs")
        rows = len(ep)
        for k, e in enumerate(ep):
            modelcheck.integer(e, f"state.history.epoch[{k}]", 1, limits.MAX_EPOCH)
        epochs = np.array(ep, dtype=np.int64)
        mse = modelcheck.numbers(hist.get("mse"), "state.history.mse", (rows,))
        params = modelcheck.numbers(hist.get("params"), "state.history.params", (rows, width))
    if rows and (epochs[0] < 1 or epochs[-1] > epoch or np.any(np.diff(epochs) <= 0)):
        raise ValueError("state.history.epoch must increase from 1 up to the run's epoch")
    return {"epoch": epochs.tolist(), "mse": mse, "params": params}


def _is_lstmlib(text: str) -> bool:
    lines = text.split()
    return bool(lines) and lines[0] == "0" and all(_is_number(v) for v in lines)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def parse_lstmlib(text: str) -> tuple[np.ndarray, int]:
    """(params (size of the unit,), sequence length) from the C library's save file."""
    values = text.split()
    if len(values) != 2 + UNIT.size:
        raise ValueError(f"an lstmlib file has {2 + UNIT.size} numbers (version, length, "
                         f"{UNIT.size} parameters); this one has {len(values)}")
    length = float(values[1])
    if not (math.isfinite(length) and length == int(length) and 1 <= length <= limits.MAX_LENGTH):
        raise ValueError(f"sequence length {values[1][:30]}: lstm-gui reads whole numbers from 1 to "
                         f"{limits.MAX_LENGTH:,}")
    params = np.array([float(v) for v in values[2:]])
    for name, v in zip(UNIT_NAMES, params):
        if not math.isfinite(v):
            raise ValueError(f"parameter {name} is NaN or infinite")
    return params, int(length)


def _from_lstmlib(text: str) -> TrainingRun:
    params, length = parse_lstmlib(text)
    task = preset("sin-cos", length=length)
    config = RunConfig(task=task, optimizer="sgd", lr=0.01, delay=1)
    return TrainingRun(config, initial_params=params.reshape(1, UNIT.size))


def read_text(path) -> str:
    """The text of a model file: regular files only, at most MAX_BYTES, UTF-8, no NUL."""
    try:
        data = read_regular(path, MAX_BYTES, "model file")
    except FileAccessError as exc:
        raise ModelFileError(path, exc.reason) from None
    if not data.strip():
        raise ModelFileError(path, "is empty")
    if b"\x00" in data:
        from .safetensors import SAVE_HINT, is_torch_pickle
        if is_torch_pickle(data):
            raise ModelFileError(path, f"is a PyTorch pickle, which lstm-gui never opens; {SAVE_HINT}")
        raise ModelFileError(path, "is binary, not a model file (PyTorch weights are read from "
                             ".safetensors files)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ModelFileError(path, "is not UTF-8 text; not a model file") from None


def load(path) -> TrainingRun:
    """Load a native or lstmlib model (recognised by content) as a run ready to train on."""
    return load_with_format(path)[0]


def read_lstmlib(path) -> tuple[np.ndarray, int] | None:
    """(params (size of the unit,), length) if the file at path is a C library file, else None.

    Reads without building a run: what ``show`` prints for such a file is all it holds.
    """
    if is_pytorch(path):
        return None
    text = read_text(path)
    if not _is_lstmlib(text):
        return None
    try:
        return parse_lstmlib(text)
    except ValueError as exc:
        raise ModelFileError(path, str(exc)) from None


def is_pytorch(path) -> bool:
    """A name PyTorch weights go by: .safetensors (read), .pt, .pth, .ckpt (refused)."""
    from .safetensors import TORCH_SUFFIXES
    return str(path).lower().endswith((SAFETENSORS_SUFFIX,) + TORCH_SUFFIXES)


def load_with_format(path) -> tuple[TrainingRun, str]:
    """(run, "lstm-gui", "lstmlib" or "safetensors"): :func:`load`, and the file's format.

    A .safetensors file is PyTorch weights (files/pytorch.py); a .pt or .pth file is refused
    with how to save safetensors from it (a pickle is never opened: it can run code).
    """
    from . import pytorch, safetensors
    if is_pytorch(path):
        try:
            return pytorch.load_run(path), pytorch.FORMAT
        except safetensors.SafetensorsError as exc:
            raise ModelFileError(path, exc.reason) from None
    text = read_text(path)
    try:
        if _is_lstmlib(text):
            return _from_lstmlib(text), "lstmlib"
        try:
            doc = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                             parse_int=_whole_number)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"neither an lstm-gui JSON model nor an lstmlib file "
                             f"(JSON error at line {exc.lineno}: {exc.msg})") from None
        return _from_native(doc), FORMAT
    except ModelFileError:
        raise
    except KeyError as exc:
        raise ModelFileError(path, f"is not a valid model: it lacks the field {exc}") from None
    except ValueError as exc:
        raise ModelFileError(path, str(exc)) from None
    except (TypeError, IndexError, AttributeError, OverflowError, RecursionError):
        # modelcheck names the field for everything it knows; this is the rest (e.g. a
        # random generator state numpy refuses).
        raise ModelFileError(path, "is not a valid model: a field has the wrong type or size") from None

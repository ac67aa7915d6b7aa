"""Model files: lstm-gui's native JSON format and the C library's text format.

Loading never runs code (no pickle), reads at most MAX_BYTES, and turns anything that is
not a valid model into one ModelFileError whose one-line message names the file.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .run import RunConfig, TrainingRun
from .tasks import preset
from .unit import PARAM_NAMES

FORMAT = "lstm-gui"
VERSION = 1
MAX_BYTES = 50 * 1024 * 1024
LSTMLIB_SUFFIX = ".lstmlib"


class ModelFileError(ValueError):
    """A file that is not a valid model; str() is one line naming the file."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.path.name}: {self.reason}")


# ---------------------------------------------------------------- writing

def write_atomic(path, text: str) -> None:
    """Write text to a temporary file beside path, then rename it over path.

    A crash or a full disk leaves the old file whole: the rename happens only after the
    new content is completely on disk.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def to_json_text(run: TrainingRun, with_history: bool = True) -> str:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "units": [dict(zip(PARAM_NAMES, row)) for row in run.params.tolist()],
        "delay": run.config.delay,
        "config": run.config.to_dict(),
        "state": run.state_dict(with_history),
    }
    return json.dumps(doc, allow_nan=False, indent=1)


def to_lstmlib_text(params: np.ndarray, length: int) -> str:
    """The C library's save file: version 0, sequence length, 12 parameters with %lf."""
    params = np.asarray(params, dtype=float)
    if params.reshape(-1, 12).shape[0] != 1:
        raise ValueError("the lstmlib format holds a single unit; this model is a chain")
    return "\n".join(["0", str(int(length))] + [f"{v:.6f}" for v in params.ravel()]) + "\n"


def save(run: TrainingRun, path, with_history: bool = True) -> None:
    """Save by extension: '.lstmlib' the C library's format, anything else native JSON."""
    path = Path(path)
    if path.suffix.lower() == LSTMLIB_SUFFIX:
        text = to_lstmlib_text(run.params, run.config.task.length)
    else:
        text = to_json_text(run, with_history)
    write_atomic(path, text)


# ---------------------------------------------------------------- reading

def _reject_constant(name):
    raise ValueError(f"{name} is not a valid number")


def _finite(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what} is not finite")
    return v


def _params_from_units(units) -> np.ndarray:
    if not isinstance(units, list) or not units:
        raise ValueError("'units' must be a non-empty list of parameter sets")
    if len(units) > 16:
        raise ValueError(f"'units' has {len(units)} units; at most 16 are supported")
    rows = []
    for k, u in enumerate(units, start=1):
        if not isinstance(u, dict):
            raise ValueError(f"unit {k} must be an object of 12 named parameters")
        missing = [n for n in PARAM_NAMES if n not in u]
        if missing:
            raise ValueError(f"unit {k} lacks {', '.join(missing)}")
        extra = sorted(set(u) - set(PARAM_NAMES))
        if extra:
            raise ValueError(f"unit {k} has unknown parameter {extra[0]!r}")
        rows.append([_finite(u[n], f"unit {k} {n}") for n in PARAM_NAMES])
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
        raise ValueError(f"format version {version} is newer than this lstm-gui reads ({VERSION})")
    if version < 1:
        raise ValueError(f"unknown format version {version}")
    params = _params_from_units(doc.get("units"))
    config_doc = doc.get("config")
    state = doc.get("state")
    if config_doc is None:
        # A bare model: just parameters (and timing), as someone might write by hand.
        config = RunConfig(units=len(params), delay=doc.get("delay", 0))
        return TrainingRun(config, initial_params=params)
    if not isinstance(config_doc, dict) or not isinstance(state, dict):
        raise ValueError("'config' and 'state' must be objects")
    config = RunConfig.from_dict(config_doc)
    if config.units != len(params):
        raise ValueError(f"config says {config.units} units but the file holds {len(params)}")
    if doc.get("delay", config.delay) != config.delay:
        raise ValueError("'delay' disagrees with the config")
    _check_numbers(state)
    return TrainingRun.restore(config, params, state)


def _check_numbers(obj, depth=0) -> None:
    """Reject NaN or infinity anywhere in the state (json writes them only on request)."""
    if depth > 8:
        raise ValueError("the state is nested too deeply")
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError("the state holds a non-finite number")
    if isinstance(obj, dict):
        for v in obj.values():
            _check_numbers(v, depth + 1)
    elif isinstance(obj, list):
        if obj and all(isinstance(v, float) for v in obj):
            if not all(math.isfinite(v) for v in obj):
                raise ValueError("the state holds a non-finite number")
        else:
            for v in obj:
                _check_numbers(v, depth + 1)


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
    """(params (12,), sequence length) from the C library's save file."""
    values = text.split()
    if len(values) != 14:
        raise ValueError(f"an lstmlib file has 14 numbers (version, length, 12 parameters); "
                         f"this one has {len(values)}")
    length = float(values[1])
    if not (math.isfinite(length) and length == int(length) and 1 <= length <= 10**7):
        raise ValueError(f"sequence length {values[1]} is not a whole number from 1 to 10^7")
    params = np.array([float(v) for v in values[2:]])
    if not np.all(np.isfinite(params)):
        raise ValueError("a parameter is NaN or infinite")
    return params, int(length)


def _from_lstmlib(text: str) -> TrainingRun:
    params, length = parse_lstmlib(text)
    task = preset("sin-cos", length=length)
    config = RunConfig(task=task, optimizer="sgd", lr=0.01, delay=1)
    return TrainingRun(config, initial_params=params.reshape(1, 12))


def read_text(path) -> str:
    path = Path(path)
    try:
        if path.is_dir():
            raise ModelFileError(path, "is a folder, not a model file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ModelFileError(path, f"is {size / 2**20:.0f} MB; a model file is at most "
                                       f"{MAX_BYTES // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(path, "no such file") from None
    except PermissionError:
        raise ModelFileError(path, "permission denied") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise ModelFileError(path, "is empty")
    if b"\x00" in data:
        raise ModelFileError(path, "is binary, not a model file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(path, "is not UTF-8 text; not a model file") from None


def load(path) -> TrainingRun:
    """Load a native or lstmlib model (recognised by content) as a run ready to train on."""
    return load_with_format(path)[0]


def load_with_format(path) -> tuple[TrainingRun, str]:
    """(run, "lstm-gui" or "lstmlib"): :func:`load`, and which format the file was in."""
    path = Path(path)
    text = read_text(path)
    try:
        if _is_lstmlib(text):
            return _from_lstmlib(text), "lstmlib"
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"neither an lstm-gui JSON model nor an lstmlib file "
                             f"(JSON error at line {exc.lineno}: {exc.msg})") from None
        return _from_native(doc), FORMAT
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            RecursionError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"malformed model ({exc.__class__.__name__}: {exc})"
        if isinstance(exc, KeyError):
            reason = f"malformed model: missing {exc}"
        raise ModelFileError(path, reason) from None

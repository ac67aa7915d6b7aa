"""lstm-gui models to and from PyTorch: safetensors with PyTorch's names, and a script.

Export: ``Model.state_dict(theta)`` (children ``lstm``/``gru``/the variant's and ``readout``,
float64) in a safetensors file, plus ``__metadata__`` saying which lstm-gui model it is (so
dropout and lstmlib's timing, which no tensor holds, come back too); optionally the PyTorch
script beside it (:mod:`.pytorch_script`).

Import: any safetensors state_dict holding one nn.LSTM or nn.GRU (any layers, one or two
directions) and one nn.Linear(H * dirs, 1), whatever the children are called:
``Model.from_state_dict`` decides by shapes and refuses anything else in one line.  The
metadata is only believed where tensors cannot tell (dropout, timing), and is checked.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import limits
from ..models import Model
from . import pytorch_script, safetensors
from .safetensors import SafetensorsError

META_FORMAT = "lstm-gui"
META_KEY = "lstm_gui.model"
SCRIPT_SUFFIX = ".py"


@dataclass(frozen=True)
class Imported:
    """A model read from a safetensors file: description, theta (size,), lstmlib timing."""

    model: Model
    theta: np.ndarray
    delay: int = 0
    from_lstm_gui: bool = False     # written by lstm-gui (its metadata present and consistent)


# ---------------------------------------------------------------- export

def metadata(model: Model, delay: int = 0) -> dict[str, str]:
    """The __metadata__ lstm-gui writes: its format, and the model's options as JSON."""
    desc = {"cell": model.cell, "hidden": model.hidden, "layers": model.layers,
            "inputs": model.inputs, "readout": model.readout, "bias": model.bias,
            "bidirectional": model.bidirectional, "dropout": model.dropout, "delay": int(delay)}
    return {"format": META_FORMAT, META_KEY: json.dumps(desc)}


def to_bytes(model: Model, theta, delay: int = 0) -> bytes:
    """The safetensors file of `model` at `theta` (float64, PyTorch's names)."""
    return safetensors.dumps(model.state_dict(theta), metadata(model, delay))


def write(path, model: Model, theta, delay: int = 0) -> None:
    """Save the weights to `path` (.safetensors) atomically."""
    safetensors.write(path, model.state_dict(theta), metadata(model, delay))


def script_path(weights_path) -> Path:
    """The script written beside a weights file: m.safetensors -> m.py."""
    return Path(weights_path).with_suffix(SCRIPT_SUFFIX)


def weights_path(script) -> Path:
    """The weights file written beside a script: m.py -> m.safetensors."""
    return Path(script).with_suffix(safetensors.SUFFIX)


def script(model: Model, theta, x, target, weights_name: str, delay: int = 0,
           mse: float | None = None, source: str = "", task: str = "") -> str:
    """The PyTorch script running `model` on (x, target), reading `weights_name` beside it."""
    return pytorch_script.script_text(model, theta, x, target, weights=weights_name,
                                      child=model.torch_child(), rows=model.torch_rows(),
                                      delay=delay, mse=mse, source=source, task=task)


def write_with_script(path, model: Model, theta, x, target, delay: int = 0,
                      mse: float | None = None, source: str = "", task: str = "") -> tuple[Path, Path]:
    """Write m.safetensors and m.py (either name may be given); returns both paths.

    Both are checked as save targets before either is written.
    """
    from ..limits import fileio

    weights, code = weights_path(path), script_path(path)
    fileio.save_target(weights)
    fileio.save_target(code)
    text = script(model, theta, x, target, weights.name, delay, mse, source, task)
    write(weights, model, theta, delay)
    fileio.write_atomic(code, text)
    return weights, code


# ---------------------------------------------------------------- import

def read(path) -> Imported:
    """The model in the safetensors file at `path`; SafetensorsError (one line) otherwise."""
    tensors, meta = safetensors.read(path)
    try:
        return from_tensors(tensors, meta)
    except ValueError as exc:
        raise SafetensorsError(path, str(exc)) from None


def from_tensors(tensors: dict[str, np.ndarray], meta: dict[str, str] | None = None) -> Imported:
    """(model, theta, delay) from a state_dict's arrays; ValueError in one line."""
    if not tensors:
        raise ValueError("holds no tensors; expected an nn.LSTM or nn.GRU and an nn.Linear(H, 1)")
    own = _own_description(meta or {})
    model, theta = Model.from_state_dict(tensors, dropout=own.get("dropout", 0.0) if own else 0.0)
    big = np.flatnonzero(np.abs(theta) > limits.MAX_PARAM)
    if big.size:
        raise ValueError(f"parameter {model.names()[big[0]]} is {theta[big[0]]:g}; lstm-gui reads "
                         f"parameters up to {limits.MAX_PARAM:g} in size")
    delay = 0
    mine = False
    if own:
        wanted = {k: own[k] for k in ("cell", "hidden", "layers", "inputs", "readout", "bias",
                                      "bidirectional") if k in own}
        got = {k: getattr(model, k) for k in wanted}
        if wanted == got:
            delay, mine = own.get("delay", 0), True
    return Imported(model, theta, delay, mine)


def _own_description(meta: dict[str, str]) -> dict | None:
    """lstm-gui's description from the metadata, checked; None when absent or not lstm-gui's."""
    if meta.get("format") != META_FORMAT or META_KEY not in meta:
        return None
    try:
        desc = json.loads(meta[META_KEY][:10_000])
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"its metadata {META_KEY} is not valid JSON") from None
    if not isinstance(desc, dict):
        raise ValueError(f"its metadata {META_KEY} is not a JSON object")
    dropout, delay = desc.get("dropout", 0.0), desc.get("delay", 0)
    if not (isinstance(dropout, (int, float)) and not isinstance(dropout, bool)
            and math.isfinite(dropout) and 0.0 <= dropout < 1.0):
        raise ValueError(f"its metadata gives dropout {str(dropout)[:20]}; it lies in [0, 1)")
    if delay not in (0, 1) or isinstance(delay, bool):
        raise ValueError(f"its metadata gives delay {str(delay)[:20]}; it is 0 or 1")
    return desc


# ---------------------------------------------------------------- runs

FORMAT = "safetensors"


def run_model(run) -> tuple[Model, np.ndarray]:
    """(model, theta) of a training run (SPEC's unit and its chains included)."""
    model = run.model if getattr(run, "model", None) is not None else run.config.model()
    return model, np.asarray(run.params, dtype=np.float64).ravel()


def run_data(run) -> tuple[np.ndarray, np.ndarray]:
    """The run's training data in PyTorch's layout: x (n,) or (n, B, m), target (n,), (n, B)
    or (B,) (sequence-to-one): what the run's MSE is computed on."""
    x, target = np.asarray(run.x, dtype=float), np.asarray(run.target, dtype=float)
    if x.ndim == 3:                      # (N sequences, n steps, m) -> (n, N, m)
        x = x.transpose(1, 0, 2)
        target = target.T if target.ndim == 2 else target
    return x, target


def run_from_imported(imp: Imported):
    """A TrainingRun starting from the imported parameters.

    SPEC's unit and its chains (nn.LSTM(1, 1, num_layers=L) without readout, or with the
    Linear(1, 1) of weight 1, bias 0 lstm-gui exports) open on the default task, as an lstmlib
    file does; any other model on the PyTorch tutorial's task (sine to cosine, 5 sequences of
    20 steps), with the tutorial's training settings.  A model reading more than one input a
    step is refused: no built-in task has more.
    """
    from ..training.run import RunConfig, TrainingRun, for_set_preset

    m = imp.model
    if m.inputs != 1:
        raise ValueError(f"holds {m.describe()}; lstm-gui's tasks give one input a step, so it "
                         "can open only models of nn.LSTM(1, H) or nn.GRU(1, H)")
    if m.layers > limits.MAX_UNITS:
        raise ValueError(f"holds {m.layers} layers; lstm-gui's runs hold at most {limits.MAX_UNITS}")
    if m == Model(layers=m.layers):
        config = RunConfig(units=m.layers, delay=imp.delay)
    else:
        config = replace(for_set_preset(RunConfig(), "torch-sin-cos"), cell=m.cell, hidden=m.hidden,
                         units=m.layers, bias=m.bias, bidirectional=m.bidirectional,
                         dropout=m.dropout, readout=m.readout, delay=imp.delay)
    if config.model() != m:
        raise ValueError(f"holds {m.describe()}, which lstm-gui's runs cannot hold")
    theta = imp.theta.reshape(m.layers, -1) if config.is_unit else imp.theta
    return TrainingRun(config, initial_params=theta)


def load_run(path):
    """The run a safetensors file opens as; SafetensorsError (one line) otherwise."""
    imp = read(path)
    try:
        return run_from_imported(imp)
    except ValueError as exc:
        raise SafetensorsError(path, str(exc)) from None


def export_run(run, path, with_script: bool = True, source: str = "") -> list[Path]:
    """Write the run's model as m.safetensors (and m.py running it on the run's data)."""
    model, theta = run_model(run)
    delay = run.config.delay
    if not with_script:
        write(path, model, theta, delay)
        return [Path(path)]
    x, target = run_data(run)
    shape = f"{x.shape[0]} steps" + (f" x {x.shape[1]} sequences" if x.ndim == 3 else "")
    task = f"{run.config.task.key}, its training data ({shape})"
    return list(write_with_script(path, model, theta, x, target, delay, run.current_mse(),
                                  source, task))

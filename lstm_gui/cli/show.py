"""`lstm-gui show`: print a model file, as text or JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core.models import UNIT
from .support import finite_or_none, mse_text

NAMES = ("show",)


def add_parser(sub) -> None:
    s = sub.add_parser("show", help="print a model file")
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true", help="print JSON with 'params' per unit")


def _show_doc(run, fmt: str) -> dict:
    """What `show --json` prints: the model (cell, hidden, layers, ...), its parameter names
    and values, the task and where training stands.  ``params`` is flat, as long as
    ``names``, for every model but SPEC's unit and its chains, which keep one list per
    unit (``units``, as before the model description; ``names`` is then one unit's)."""
    model = run.config.model()
    doc = {"format": fmt, "cell": model.cell, "hidden": model.hidden, "layers": model.layers,
           "inputs": model.inputs, "bias": model.bias, "bidirectional": model.bidirectional,
           "readout": model.readout, "size": model.size}
    if run.model is None:
        doc.update(units=run.config.units, params=run.params.tolist(), names=UNIT.names())
    else:
        doc.update(names=model.names(), params=run.params.tolist())
    doc.update(task=run.config.task.key, length=run.config.task.length, delay=run.config.delay,
               epoch=run.epoch, mse=run.current_mse(), test_mse=run.test_mse())
    return doc


def _describe(run, fmt: str) -> str:
    if run.model is not None:
        lines = [f"format   {fmt}", f"model    {run.model.describe()}",
                 f"task     {run.config.task.title}, {run.config.task.length} steps",
                 f"epoch    {run.epoch}", f"MSE      {run.current_mse():.6g}",
                 f"test MSE {mse_text(run.test_mse())}"]
        width = max(len(n) for n in run.model.names())
        lines += [f"  {name:<{width}} {float(value)!r:>24}"
                  for name, value in zip(run.model.names(), run.params)]
        return "\n".join(lines)
    lines = [f"format   {fmt}", f"units    {run.config.units}",
             f"task     {run.config.task.key} (length {run.config.task.length}, "
             f"timing {'lstmlib (delay 1)' if run.config.delay else 'exact'})",
             f"epoch    {run.epoch}", f"MSE      {run.current_mse():.6g}"]
    for u, row in enumerate(run.params):
        if run.config.units > 1:
            lines.append(f"unit {u + 1}")
        lines += [f"  {name:<5} {float(value)!r:>24}" for name, value in zip(UNIT.names(), row)]
    return "\n".join(lines)


LSTMLIB_NOTE = "a C library file holds 12 parameters and a sequence length, nothing more"


def _describe_lstmlib(params, length: int) -> str:
    lines = ["format   lstmlib (" + LSTMLIB_NOTE + ")", f"length   {length}"]
    lines += [f"  {name:<5} {float(value)!r:>24}" for name, value in zip(UNIT.names(), params)]
    return "\n".join(lines)


def run(args, parser) -> int:
    from ..core.files import modelfile
    from ..core.files.modelfile import ModelFileError
    try:
        lstmlib = modelfile.read_lstmlib(args.file)
        if lstmlib is None:
            run, fmt = modelfile.load_with_format(args.file)
    except ModelFileError as exc:
        print(f"lstm-gui show: {exc}", file=sys.stderr)
        return 1
    if lstmlib is not None:
        params, length = lstmlib
        if args.json:
            print(json.dumps(finite_or_none({"format": "lstmlib", "note": LSTMLIB_NOTE, "length": length,
                                             "units": 1, "names": UNIT.names(),
                                             "params": [params.tolist()]}), allow_nan=False))
        else:
            print(_describe_lstmlib(params, length))
        return 0
    if args.json:
        print(json.dumps(finite_or_none(_show_doc(run, fmt)), allow_nan=False))
    else:
        print(_describe(run, fmt))
    return 0

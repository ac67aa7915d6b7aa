"""`lstm-gui show`: print a model file, as text or JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core import PARAM_NAMES
from .support import finite_or_none

NAMES = ("show",)


def add_parser(sub) -> None:
    s = sub.add_parser("show", help="print a model file")
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true", help="print JSON with 'params' per unit")


def _describe(run, fmt: str) -> str:
    lines = [f"format   {fmt}", f"units    {run.config.units}",
             f"task     {run.config.task.key} (length {run.config.task.length}, "
             f"timing {'lstmlib (delay 1)' if run.config.delay else 'exact'})",
             f"epoch    {run.epoch}", f"MSE      {run.current_mse():.6g}"]
    for u, row in enumerate(run.params):
        if run.config.units > 1:
            lines.append(f"unit {u + 1}")
        lines += [f"  {name:<5} {float(value)!r:>24}" for name, value in zip(PARAM_NAMES, row)]
    return "\n".join(lines)


LSTMLIB_NOTE = "a C library file holds 12 parameters and a sequence length, nothing more"


def _describe_lstmlib(params, length: int) -> str:
    lines = ["format   lstmlib (" + LSTMLIB_NOTE + ")", f"length   {length}"]
    lines += [f"  {name:<5} {float(value)!r:>24}" for name, value in zip(PARAM_NAMES, params)]
    return "\n".join(lines)


def run(args, parser) -> int:
    from ..core.files import modelfile
    from ..core.files.modelfile import ModelFileError
    try:
        lstmlib = modelfile.read_lstmlib(args.file)
        if lstmlib is None:
            run, fmt = modelfile.load_with_format(args.file)
    except ModelFileError as exc:
        print(f"lstm-gui: {exc}", file=sys.stderr)
        return 1
    if lstmlib is not None:
        params, length = lstmlib
        if args.json:
            print(json.dumps(finite_or_none({"format": "lstmlib", "note": LSTMLIB_NOTE, "length": length,
                                             "units": 1, "names": list(PARAM_NAMES),
                                             "params": [params.tolist()]}), allow_nan=False))
        else:
            print(_describe_lstmlib(params, length))
        return 0
    if args.json:
        print(json.dumps(finite_or_none({
            "format": fmt, "units": run.config.units, "params": run.params.tolist(),
            "names": list(PARAM_NAMES), "task": run.config.task.key, "length": run.config.task.length,
            "delay": run.config.delay, "epoch": run.epoch, "mse": run.current_mse()}), allow_nan=False))
    else:
        print(_describe(run, fmt))
    return 0

"""`lstm-gui train --from MODEL`: start from a model file.

A native (JSON) file resumes its whole run: task, optimizer and its moments, noise, history;
``--epochs`` then counts further epochs; ``--target-mse``, ``--plateau``, ``--optimizer``,
``--lr`` and ``--clip`` apply (said on stderr, recorded as an event); the options that define
the run (task, noise, units, seed, initial range, timing) are refused: the file sets them.
A C library (lstmlib) file holds only the 12 parameters and the sequence length, a
safetensors file (PyTorch weights) the parameters, the whole model and the timing: they become
the initial parameters of a run on the task and settings the file opens with (what ``show``
and the window report: an lstmlib file the C library's sine to cosine of its length, SGD lr
0.01 and its timing; PyTorch's tutorial model the tutorial's task and training), and every
option typed on the command line overrides them (options.fill_from_config).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from .options import fill_from_config


def run_from_model(args, parser: argparse.ArgumentParser, config_from_args):
    from ..core.files import modelfile
    from ..core.files.modelfile import ModelFileError
    from ..core.training.run import TrainingRun

    try:
        loaded, fmt = modelfile.load_with_format(args.from_model)
    except ModelFileError as exc:
        parser.error(f"argument --from: {exc}")
    if fmt == "safetensors":
        return _from_pytorch(args, parser, config_from_args, loaded)
    if fmt == "lstmlib":
        if "units" in args.given and args.units != 1:
            parser.error("argument --from: an lstmlib file holds one unit; drop --units")
        fill_from_config(args, loaded.config)
        config = config_from_args(args, parser)
        return TrainingRun(config, initial_params=loaded.initial_params)
    given = {OPTION.get(dest, f"--{dest.replace('_', '-')}") for dest in args.given}
    fixed = [opt for opt in FIXED_BY_FILE if opt in given]
    if fixed:
        # The file's run is resumed as it was: an option that would change it is refused, not
        # silently ignored (--task, --units and --lr once were).
        parser.error(f"argument {fixed[0]}: a native model file sets the task, noise, units, seed, "
                     "initial range and timing of the run it resumes; drop it, or train without --from")
    from ..core import limits
    more = args.epochs
    if more and loaded.epoch + more > limits.MAX_EPOCH:
        parser.error(f"argument --epochs: the model is at epoch {loaded.epoch:,}; at most "
                     f"{limits.MAX_EPOCH - loaded.epoch:,} more epochs")
    changes: dict[str, Any] = {"epochs": loaded.epoch + more if more else 0}
    applied = []
    # The file's stop rule stays unless one is typed (a resume once dropped a tutorial's 1e-4).
    if "--target-mse" in given:
        changes["target_mse"] = args.target_mse
    if "--plateau" in given:
        changes["plateau"] = args.plateau
    if "--optimizer" in given:
        changes["optimizer"] = args.optimizer
        applied.append(f"--optimizer {args.optimizer}")
    if "--lr" in given or "--optimizer" in given:
        from ..core.training.optim import DEFAULT_LR
        changes["lr"] = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
        applied.append(f"--lr {changes['lr']:g}")
    if "--clip" in given:
        changes["clip"] = args.clip
        applied.append(f"--clip {args.clip:g}")
    try:
        loaded.configure(replace(loaded.config, **changes))
    except ValueError as exc:
        parser.error(" ".join(str(exc).split()))
    if applied:
        print(f"lstm-gui train: resuming {args.from_model} at epoch {loaded.epoch:,} with "
              f"{', '.join(applied)} (recorded as an event)", file=sys.stderr)
    return loaded


# Options that define the run a native file resumes: refused with --from such a file.
FIXED_BY_FILE = ("--task", "--length", "--cycles", "--amplitude", "--lag", "--noise", "--noise-amp",
                 "--noise-kind", "--resample-noise", "--units", "--seed", "--init-min", "--init-max",
                 "--lstmlib-timing", "--gradient", "--layers", "--cell", "--hidden", "--no-bias",
                 "--bidirectional", "--dropout", "--batch", "--init", "--forget-bias")


# The option that sets a destination, where the two differ.
OPTION = {"units": "--units", "bias": "--no-bias", "init_min": "--init-min", "init_max": "--init-max",
          "from_model": "--from", "lstmlib_timing": "--lstmlib-timing"}


def _from_pytorch(args, parser, config_from_args, loaded):
    """PyTorch weights: the model (cell, H, layers, bias, directions, readout, dropout) and the
    timing come from the file, the task and the training from what the file opens with unless
    typed.  A model option that disagrees with the file is refused."""
    from ..core.training.run import TrainingRun

    m = loaded.config.model()
    for dest, opt, held in (("units", "--layers", m.layers), ("hidden", "--hidden", m.hidden),
                            ("cell", "--cell", m.cell), ("bias", "--no-bias", m.bias),
                            ("bidirectional", "--bidirectional", m.bidirectional)):
        if dest in args.given and getattr(args, dest) != held:
            parser.error(f"argument --from: the file holds {m.describe()}; drop {opt}")
    fill_from_config(args, loaded.config)
    config = config_from_args(args, parser)
    if config.model() != m:
        config = replace(config, readout=m.readout)
    if config.model() != m:
        parser.error(f"argument --from: the file holds {m.describe()}, which the task "
                     f"{args.task} cannot train")
    return TrainingRun(config, initial_params=loaded.initial_params)

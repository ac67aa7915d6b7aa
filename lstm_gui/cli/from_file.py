"""`lstm-gui train --from MODEL`: start from a model file.

A native (JSON) file resumes its whole run: task, optimizer and its moments, noise, history;
``--epochs`` then counts further epochs; ``--target-mse``, ``--plateau``, ``--optimizer``,
``--lr`` and ``--clip`` apply (said on stderr, recorded as an event); the options that define
the run (task, noise, units, seed, initial range, timing) are refused: the file sets them.
A C library (lstmlib) file holds only the 12 parameters and the sequence length: they become
the initial parameters of a run built from the command line's options (the task's length
defaults to the file's).
A safetensors file (PyTorch weights) gives the initial parameters, the whole model and the timing
the same way as an lstmlib file; the task and the training come from the command line
(``--task torch-sin-cos`` for the PyTorch tutorial's).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace


def run_from_model(args, parser: argparse.ArgumentParser, config_from_args):
    from ..core.files import modelfile
    from ..core.files.modelfile import ModelFileError
    from ..core.training.run import TrainingRun
    from ..core.training.tasks import PRESETS

    try:
        loaded, fmt = modelfile.load_with_format(args.from_model)
    except ModelFileError as exc:
        parser.error(f"argument --from: {exc}")
    if fmt == "safetensors":
        return _from_pytorch(args, parser, config_from_args, loaded)
    if fmt == "lstmlib":
        if args.units != 1:
            parser.error("argument --from: an lstmlib file holds one unit; drop --units")
        if args.length is None and args.task in PRESETS:
            args.length = loaded.config.task.length
        config = config_from_args(args, parser)
        return TrainingRun(config, initial_params=loaded.initial_params)
    given = _given(getattr(args, "argv", []) or [])
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
    changes = {"epochs": loaded.epoch + more if more else 0, "target_mse": args.target_mse or 0.0,
               "plateau": args.plateau}
    applied = []
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
        print(f"lstm-gui: resuming {args.from_model} at epoch {loaded.epoch:,} with "
              f"{', '.join(applied)} (recorded as an event)", file=sys.stderr)
    return loaded


# Options that define the run a native file resumes: refused with --from such a file.
FIXED_BY_FILE = ("--task", "--length", "--cycles", "--amplitude", "--lag", "--noise", "--noise-amp",
                 "--noise-kind", "--resample-noise", "--units", "--seed", "--init-min", "--init-max",
                 "--lstmlib-timing", "--gradient", "--layers", "--cell", "--hidden", "--no-bias",
                 "--bidirectional", "--dropout", "--batch", "--init", "--forget-bias")


def _given(argv: list[str]) -> set[str]:
    """The long options typed on the command line (``--lr 0.1`` and ``--lr=0.1`` alike)."""
    return {a.split("=", 1)[0] for a in argv if a.startswith("--")}


def _from_pytorch(args, parser, config_from_args, loaded):
    """PyTorch weights: the model (cell, H, layers, bias, directions, readout, dropout) and the
    timing come from the file; the task and the training from the command line, as for an
    lstmlib file.  A model option that disagrees with the file is refused."""
    from ..core.training.run import TrainingRun

    m = loaded.config.model()
    for opt, given, default, held in (("--layers", args.units, 1, m.layers),
                                      ("--hidden", args.hidden, None, m.hidden),
                                      ("--cell", args.cell, "lstm", m.cell),
                                      ("--no-bias", args.bias, True, m.bias),
                                      ("--bidirectional", args.bidirectional, False, m.bidirectional)):
        if given not in (default, held):
            parser.error(f"argument --from: the file holds {m.describe()}; drop {opt}")
    args.units, args.hidden, args.cell, args.bias = m.layers, m.hidden, m.cell, m.bias
    args.bidirectional, args.dropout = m.bidirectional, args.dropout or m.dropout
    args.lstmlib_timing = args.lstmlib_timing or bool(loaded.config.delay)
    config = config_from_args(args, parser)
    if config.model() != m:
        config = replace(config, readout=m.readout)
    if config.model() != m:
        parser.error(f"argument --from: the file holds {m.describe()}, which the task "
                     f"{args.task} cannot train")
    return TrainingRun(config, initial_params=loaded.initial_params)

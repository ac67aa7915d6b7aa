"""`lstm-gui train --from MODEL`: start from a model file.

A native (JSON) file resumes its whole run: task, optimizer and its moments, noise, history;
``--epochs`` then counts further epochs, ``--target-mse`` and ``--plateau`` apply, and the
other run options are those saved in the file.  A C library (lstmlib) file holds only the
12 parameters and the sequence length: they become the initial parameters of a run built
from the command line's options (the task's length defaults to the file's).  A safetensors
file (PyTorch weights) gives the initial parameters, the layers and the timing the same way.
"""
from __future__ import annotations

import argparse
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
        # PyTorch weights: the parameters and the timing come from the file, the rest (task,
        # optimizer, epochs) from the command line.
        layers = loaded.config.units
        if args.units not in (1, layers):
            parser.error(f"argument --from: the file holds {layers} layers; drop --units")
        args.units = layers
        args.lstmlib_timing = args.lstmlib_timing or bool(loaded.config.delay)
        config = config_from_args(args, parser)
        return TrainingRun(config, initial_params=loaded.initial_params)
    if fmt == "lstmlib":
        if args.units != 1:
            parser.error("argument --from: an lstmlib file holds one unit; drop --units")
        if args.length is None and args.task in PRESETS:
            args.length = loaded.config.task.length
        config = config_from_args(args, parser)
        return TrainingRun(config, initial_params=loaded.initial_params)
    more = args.epochs
    loaded.configure(replace(loaded.config, epochs=loaded.epoch + more if more else 0,
                             target_mse=args.target_mse or 0.0, plateau=args.plateau))
    return loaded

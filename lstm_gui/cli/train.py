"""`lstm-gui train`: train headless and save the model (and its history)."""
from __future__ import annotations

import math
import sys
from pathlib import Path

from .options import add_run_options, config_from_args, save_error
from .support import (
    EXIT_INTERRUPTED,
    OutputError,
    Progress,
    StopFlag,
    mse_text,
    output_file,
    plural,
    prepare_kernels,
    sigint_stops,
)

NAMES = ("train",)
MODEL_SUFFIXES = (".json", ".lstmlib", ".safetensors")     # modelfile.save, by extension


def add_parser(sub) -> None:
    t = sub.add_parser("train", help="train headless and save the model")
    add_run_options(t)
    t.add_argument("--from", dest="from_model", type=Path, metavar="MODEL",
                   help="start from a model file: a native file resumes its run (--epochs "
                        "more epochs), an lstmlib or .safetensors file gives the initial parameters")
    t.add_argument("--out", type=output_file("model", *MODEL_SUFFIXES),
                   help="where to save the model (.json, .lstmlib or .safetensors)")
    t.add_argument("--history", type=output_file("history", ".csv"), help="write the history as CSV here")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--precision", choices=("float64", "float32"), default="float64",
                   help="float32: the compiled vanilla LSTM computes in float32 as PyTorch does "
                        "(faster; the saved parameters stay float64); default float64")


def _check_train_outputs(args, config, parser) -> None:
    """What --out can hold, checked before training (its place and extension were checked
    when the command line was read: support.output_file), so that a bad path costs nothing."""
    from ..core.files.modelfile import LSTMLIB_SUFFIX
    try:
        if args.out:
            if args.out.suffix.lower() == LSTMLIB_SUFFIX and not config.is_unit:
                from ..core.files.modelfile import lstmlib_refusal
                raise OutputError(f"{args.out}: {lstmlib_refusal(config)}")
            if args.out.suffix.lower() == LSTMLIB_SUFFIX and config.units > 1:
                raise OutputError(f"{args.out}: the lstmlib format holds a single unit and this is a "
                                  f"chain of {config.units}; save it as .json")
    except OutputError as exc:
        parser.error(f"cannot save: {exc}")


def _float32_applies(config) -> bool:
    from ..core.models import compiled
    if config.is_unit or compiled.active() != "compiled":
        return False
    from ..core.models.compiled.fast_model import float32_supported
    return float32_supported(config.model())


def run(args, parser) -> int:
    from ..core.files import modelfile
    from ..core.training.run import STOP_REASONS, TrainingRun

    if args.from_model:
        from .from_file import run_from_model
        run = run_from_model(args, parser, config_from_args)
        config = run.config
    else:
        config = config_from_args(args, parser)
        run = None
    if args.precision != config.precision:
        from dataclasses import replace
        config = replace(config, precision=args.precision)
        if run is not None:
            run.configure(config)
    if config.epochs == 0 and not args.target_mse and not args.plateau:
        parser.error("with --epochs 0 give --target-mse or --plateau, or the run never ends")
    _check_train_outputs(args, config, parser)
    try:
        # Said when it compiles, not a silent pause, and kept out of the epochs/s: a model's
        # kernels once compiled inside the first chunk ("0 epochs/s" after 90 s).
        prepare_kernels([config], quiet=args.quiet, timed="epochs/s")
    except (ValueError, RuntimeError) as exc:
        parser.error(str(exc))
    if config.precision == "float32" and not _float32_applies(config):
        print("lstm-gui: --precision float32 applies to the vanilla LSTM on the compiled kernels; "
              "this run computes in float64", file=sys.stderr)
    if run is None:
        run = TrainingRun(config)
    progress = Progress(config.epochs, args.quiet)
    reason = None
    with sigint_stops(StopFlag()) as stop:
        while reason is None and not stop:
            reason = run.train(200, should_continue=lambda: not stop)
            progress.update(run.epoch, run.mse)
        # Still under the handler, now deferring: a Ctrl+C while saving does not cut the save
        # short (a second one used to raise in the middle of writing the history).
        stop.defer = True
        progress.close()
        final = run.current_mse()
        why = "interrupted (Ctrl+C)" if reason is None else STOP_REASONS[reason]
        rate = progress.rate(run.epoch)
        test = run.test_mse()
        passes = ""
        if run.trainer is not None and run.trainer.sequences > 1:
            batches = -(-run.trainer.sequences // run.trainer.batch)
            passes = (f"; an epoch is one pass over {run.trainer.sequences} training sequences "
                      f"in {batches} batch{'es' if batches > 1 else ''} of {run.trainer.batch}")
        tested = f"test MSE {mse_text(test)}" if math.isfinite(test) else "no held-out part to test on"
        print(f"final MSE {mse_text(final)} after {plural(run.epoch, 'epoch')} ({why}{passes}), "
              f"{tested}, {rate}")
        for path, write in ((args.out, lambda p: modelfile.save(run, p)),
                            (args.history, lambda p: modelfile.write_atomic(p, run.history.to_csv()))):
            if not path:
                continue
            try:
                write(path)
            except (OSError, ValueError) as exc:
                print(f"lstm-gui train: {save_error(path, exc)}", file=sys.stderr)
                return 1
            print(f"saved {path}")
        if reason is None:
            kept = " and ".join(str(p) for p in (args.out, args.history) if p) or "nothing (no --out)"
            print(f"lstm-gui train: interrupted at epoch {run.epoch}; saved {kept}", file=sys.stderr)
            return EXIT_INTERRUPTED
        return 0 if reason != "diverged" else 1

"""`lstm-gui convert IN OUT`: a model to another format, by OUT's extension."""
from __future__ import annotations

import sys
from pathlib import Path

from .options import save_error
from .support import OutputError, check_output, output_file

NAMES = ("convert",)
SUFFIXES = (".json", ".lstmlib", ".csv", ".safetensors", ".py")


def add_parser(sub) -> None:
    c = sub.add_parser("convert", help="convert a model by OUT's extension (.json, .lstmlib, .csv, "
                       ".safetensors: PyTorch weights, .py: a PyTorch script and its weights)")
    c.add_argument("src", type=Path, metavar="IN")
    c.add_argument("dst", type=output_file("converted model", *SUFFIXES), metavar="OUT")
    c.add_argument("--force", action="store_true",
                   help="convert even when the model would behave differently (json -> lstmlib timing)")


def run(args, parser) -> int:
    from dataclasses import replace

    from ..core.files import modelfile
    from ..core.models import unit
    suffix = args.dst.suffix.lower()
    if suffix == ".py":         # the weights beside the script, checked before loading too
        from ..core.files import pytorch
        weights = pytorch.weights_path(args.dst)
        try:
            check_output(weights, (weights.suffix,), "weights file")
        except OutputError as exc:
            parser.error(f"argument OUT: {exc}")
    try:
        run, fmt = modelfile.load_with_format(args.src)
    except modelfile.ModelFileError as exc:
        print(f"lstm-gui convert: {exc}", file=sys.stderr)
        return 1
    if suffix == ".py":
        from .pytorch import convert_to_script
        return convert_to_script(run, args.src, args.dst)
    if suffix == ".lstmlib":
        if run.model is not None:
            print(f"lstm-gui convert: {args.dst}: {modelfile.lstmlib_refusal(run.config)}", file=sys.stderr)
            return 2
        if run.config.units > 1:
            print(f"lstm-gui convert: {args.dst}: the lstmlib format holds a single unit and {args.src} is a "
                  f"chain of {run.config.units}; convert to .json instead", file=sys.stderr)
            return 2
        if run.config.delay == 0:
            before = run.current_mse()
            after = unit.mse(run.params, run.x, run.target, 1)
            if not args.force:
                print(f"lstm-gui convert: {args.dst}: the C library runs a model with its own timing (input "
                      f"delayed one step), so this model's MSE would go from {before:.3g} to "
                      f"{after:.3g}; add --force to convert anyway", file=sys.stderr)
                return 2
            print(f"lstm-gui convert: warning: with the C library's timing the MSE goes from {before:.3g} "
                  f"to {after:.3g}", file=sys.stderr)
            run.config = replace(run.config, delay=1)
    try:
        if suffix == ".csv":
            modelfile.write_atomic(args.dst, run.history.to_csv())
        else:
            modelfile.save(run, args.dst)
    except (OSError, ValueError) as exc:
        print(f"lstm-gui convert: {save_error(args.dst, exc)}", file=sys.stderr)
        return 1
    print(f"wrote {args.dst}")
    return 0

"""The command line: `lstm-gui` opens the window; subcommands work headless."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import __version__
from ..core import PARAM_NAMES
from ..core.limits import check_training_size, fileio
from ..core.training.noise import NOISE_KINDS, NOISE_MODES, Noise
from ..core.training.optim import DEFAULT_LR, OPTIMIZERS
from ..core.training.run import GRADIENTS
from ..core.training.tasks import PRESETS, TaskFileError, load_csv, preset
from . import landscape as cli_landscape
from . import lessons as cli_lessons
from .support import (
    EXIT_INTERRUPTED,
    OutputError,
    Progress,
    StopFlag,
    check_output,
    finite_or_none,
    quiet_on_closed_pipe,
    sigint_stops,
)

COMMANDS = (("train", "tasks", "show", "convert", "demo", "sweep") + cli_landscape.COMMANDS
            + cli_lessons.COMMANDS)
DEFAULT_EPOCHS = 5000   # a CSV task's budget; a preset has its own (see `tasks`)


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {v}")
    return v


def _nonneg_int(text: str) -> int:
    return 0 if text == "0" else _positive_int(text)


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def _lr(text: str) -> float:
    v = _positive_float(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"learning rate must lie in (0, 1), got {text}")
    return v


def _nonneg_float(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else _positive_float(text)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _finite_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return v


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lstm-gui", description="Watch a single LSTM unit learn, live. "
        "Without a command, opens the window (optionally with MODEL).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train headless and save the model")
    add_run_options(t)
    t.add_argument("--from", dest="from_model", type=Path, metavar="MODEL",
                   help="start from a model file: a native file resumes its run (--epochs "
                        "more epochs), an lstmlib file gives the initial parameters")
    t.add_argument("--out", type=Path, help="where to save the model (.json, .lstmlib or .safetensors)")
    t.add_argument("--history", type=Path, help="write the history as CSV here")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    from .sweep import add_sweep_parser
    add_sweep_parser(sub, add_run_options)

    sub.add_parser("tasks", help="list the tasks and their settings")
    cli_lessons.register(sub)

    s = sub.add_parser("show", help="print a model file")
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true", help="print JSON with 'params' per unit")

    c = sub.add_parser("convert", help="convert a model by OUT's extension (.json, .lstmlib, .csv, "
                       ".safetensors: PyTorch weights, .py: a PyTorch script and its weights)")
    c.add_argument("src", type=Path, metavar="IN")
    c.add_argument("dst", type=Path, metavar="OUT")
    c.add_argument("--force", action="store_true",
                   help="convert even when the model would behave differently (json -> lstmlib timing)")

    d = sub.add_parser("demo", help="train the C library's experiments and save screenshots")
    d.add_argument("--out", type=Path, default=Path("screenshots"))
    d.add_argument("--only", nargs="*", help="names of demos to run (default: all)")
    d.add_argument("--epochs", type=_positive_int, help="train each demo this many epochs instead")
    cli_landscape.register(sub, _positive_int, _positive_float)
    return parser


def add_run_options(t) -> None:
    """The options that define a run, shared by train and sweep."""
    t.add_argument("--task", default="sin-cos", help=f"a preset ({', '.join(PRESETS)}) or a CSV file")
    t.add_argument("--length", type=_positive_int, help="sequence length n (preset default)")
    t.add_argument("--cycles", type=_positive_float, help="number of cycles (default 5)")
    t.add_argument("--amplitude", type=_positive_float, help="amplitude A (preset default)")
    t.add_argument("--lag", type=_nonneg_int, help="k of the delay-k task (default 5)")
    t.add_argument("--noise", choices=NOISE_MODES, default="none")
    t.add_argument("--noise-amp", type=_nonneg_float, help="noise amplitude (default 0.1)")
    t.add_argument("--noise-kind", choices=NOISE_KINDS, help="default uniform")
    t.add_argument("--resample-noise", action="store_true", help="draw new noise every epoch")
    t.add_argument("--units", type=_positive_int, default=1, help="units in the chain")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    t.add_argument("--lr", type=_lr, help="learning rate in (0, 1); default by optimizer")
    t.add_argument("--clip", type=_positive_float, help="clip the gradient norm to this")
    t.add_argument("--epochs", type=_nonneg_int, help="epoch budget (default: the task's, see tasks)")
    t.add_argument("--target-mse", type=_nonneg_float, default=0.0)
    t.add_argument("--plateau", type=_nonneg_int, default=0)
    t.add_argument("--seed", type=_nonneg_int, default=0)
    t.add_argument("--init-min", type=_finite_float, default=-1.0,
                   help="initial parameters from (default -1)")
    t.add_argument("--init-max", type=_finite_float, default=1.0, help="initial parameters up to (default 1)")
    t.add_argument("--lstmlib-timing", action="store_true", help="delay the input one step, as the C library")
    t.add_argument("--gradient", choices=GRADIENTS, default="exact",
                   help="exact, or the C library's training rule (implies --lstmlib-timing)")


def _refuse_idle_options(args, parser, is_csv: bool) -> None:
    """Options that would do nothing for the chosen task are refused, not silently ignored."""
    if is_csv:
        given = [f"--{k}" for k in ("length", "cycles", "amplitude") if getattr(args, k) is not None]
        if given:
            parser.error(f"{given[0]} does nothing with a CSV task (its file sets the sequences); drop it")
    if args.noise == "none":
        given = [opt for opt, v in (("--noise-amp", args.noise_amp), ("--noise-kind", args.noise_kind))
                 if v is not None] + (["--resample-noise"] if args.resample_noise else [])
        if given:
            parser.error(f"{given[0]} does nothing without --noise; add --noise target, input or both")


def _config_from_args(args, parser):
    from ..core.training.run import RunConfig
    try:
        is_csv = args.task not in PRESETS
        if is_csv and not (Path(args.task).suffix.lower() == ".csv" or Path(args.task).exists()):
            parser.error(f"argument --task: unknown task {args.task!r}; "
                         f"choose one of {', '.join(PRESETS)} or a CSV file")
        _refuse_idle_options(args, parser, is_csv)
        if not is_csv:
            settings = {k: v for k, v in (("length", args.length), ("cycles", args.cycles),
                                          ("amplitude", args.amplitude), ("lag", args.lag))
                        if v is not None}
            check_training_size(args.units, settings.get("length", PRESETS[args.task].length))
            task = preset(args.task, **settings)
            epochs = PRESETS[args.task].epochs if args.epochs is None else args.epochs
        else:
            task = load_csv(args.task)
            epochs = DEFAULT_EPOCHS if args.epochs is None else args.epochs
        check_training_size(args.units, task.length)
        noise = Noise(args.noise, 0.1 if args.noise_amp is None else args.noise_amp,
                      args.noise_kind or "uniform", args.resample_noise)
        return RunConfig(
            task=task, noise=noise, units=args.units, optimizer=args.optimizer,
            lr=args.lr if args.lr is not None else DEFAULT_LR[args.optimizer], clip=args.clip,
            seed=args.seed, init_low=args.init_min, init_high=args.init_max,
            delay=1 if args.lstmlib_timing or args.gradient == "lstmlib" else 0, epochs=epochs,
            target_mse=args.target_mse, plateau=args.plateau, gradient=args.gradient)
    except TaskFileError as exc:
        parser.error(f"argument --task: {exc}")
    except ValueError as exc:
        parser.error(str(exc))


def _check_train_outputs(args, config, parser) -> None:
    """--out and --history checked before training, so that a bad path costs nothing."""
    from ..core.files.modelfile import JSON_SUFFIX, LSTMLIB_SUFFIX, SAFETENSORS_SUFFIX
    try:
        if args.out:
            check_output(args.out, (JSON_SUFFIX, LSTMLIB_SUFFIX, SAFETENSORS_SUFFIX), "model")
            if args.out.suffix.lower() == LSTMLIB_SUFFIX and config.units > 1:
                raise OutputError(f"{args.out}: the lstmlib format holds a single unit and this is a "
                                  f"chain of {config.units}; save it as .json")
        if args.history:
            check_output(args.history, (".csv",), "history")
    except OutputError as exc:
        parser.error(f"cannot save: {exc}")


def cmd_train(args, parser) -> int:
    from ..core.files import modelfile
    from ..core.training.run import STOP_REASONS, TrainingRun

    if args.from_model:
        from .from_file import run_from_model
        run = run_from_model(args, parser, _config_from_args)
        config = run.config
    else:
        config = _config_from_args(args, parser)
        run = None
    if config.epochs == 0 and not args.target_mse and not args.plateau:
        parser.error("with --epochs 0 give --target-mse or --plateau, or the run never ends")
    _check_train_outputs(args, config, parser)
    from ..core.models import compiled
    from ..core.training import compiled_run
    try:
        if compiled.active() == "compiled":   # says so when it compiles, not a silent pause
            compiled_run.warm_up(lambda text: print(text, file=sys.stderr, flush=True))
    except (ValueError, RuntimeError) as exc:
        parser.error(str(exc))
    if run is None:
        run = TrainingRun(config)
    progress = Progress(config.epochs, args.quiet)
    reason = None
    with sigint_stops(StopFlag()) as stop:
        while reason is None and not stop:
            reason = run.train(200, should_continue=lambda: not stop)
            progress.update(run.epoch, run.mse)
        # Still under the handler: a Ctrl+C while saving does not cut the save short.
        progress.close()
        final = run.current_mse()
        why = "interrupted (Ctrl+C)" if reason is None else STOP_REASONS[reason]
        rate = progress.rate(run.epoch)
        print(f"final MSE {final:.6g} after {run.epoch} epochs ({why}), {rate:,.0f} epochs/s")
        for path, write in ((args.out, lambda p: modelfile.save(run, p)),
                            (args.history, lambda p: modelfile.write_atomic(p, run.history.to_csv()))):
            if not path:
                continue
            try:
                write(path)
            except (OSError, ValueError) as exc:
                print(f"lstm-gui: {_save_error(path, exc)}", file=sys.stderr)
                return 1
            print(f"saved {path}")
        if reason is None:
            kept = " and ".join(str(p) for p in (args.out, args.history) if p) or "nothing (no --out)"
            print(f"lstm-gui: interrupted at epoch {run.epoch}; saved {kept}", file=sys.stderr)
            return EXIT_INTERRUPTED
        return 0 if reason != "diverged" else 1


def _save_error(path, exc: Exception) -> str:
    """A failed save in the user's terms: the path they typed, no exception class, no
    temporary file name (an OSError from the rename names the temporary)."""
    if isinstance(exc, fileio.FileAccessError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{path}: cannot save ({(exc.strerror or 'the write failed').lower()})"
    return f"{path}: cannot save ({exc})"


def cmd_tasks() -> int:
    print(f"{'task':<14} {'length':>6} {'cycles':>6} {'ampl.':>5} {'epochs':>6}  description")
    for p in PRESETS.values():
        print(f"{p.key:<14} {p.length:>6} {p.cycles:>6g} {p.amplitude:>5g} {p.epochs:>6}  {p.description}")
    print(f"a CSV file  two numeric columns (input, target), optional header; {DEFAULT_EPOCHS} epochs")
    print(f"noise modes: {', '.join(NOISE_MODES)}; kinds: {', '.join(NOISE_KINDS)}; "
          "drawn once from the seed, or every epoch with --resample-noise")
    return 0


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


def cmd_show(args) -> int:
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


def cmd_convert(args) -> int:
    from dataclasses import replace

    from ..core.files import modelfile
    from ..core.models import unit
    suffix = args.dst.suffix.lower()
    try:
        check_output(args.dst, (".json", ".lstmlib", ".csv", ".safetensors", ".py"), "converted model")
    except OutputError as exc:
        print(f"lstm-gui: {exc}", file=sys.stderr)
        return 2
    try:
        run, fmt = modelfile.load_with_format(args.src)
    except modelfile.ModelFileError as exc:
        print(f"lstm-gui: {exc}", file=sys.stderr)
        return 1
    if suffix == ".py":
        from .pytorch import convert_to_script
        return convert_to_script(run, args.src, args.dst)
    if suffix == ".lstmlib":
        if run.config.units > 1:
            print(f"lstm-gui: {args.dst}: the lstmlib format holds a single unit and {args.src} is a "
                  f"chain of {run.config.units}; convert to .json instead", file=sys.stderr)
            return 2
        if run.config.delay == 0:
            before = run.current_mse()
            after = unit.mse(run.params, run.x, run.target, 1)
            if not args.force:
                print(f"lstm-gui: {args.dst}: the C library runs a model with its own timing (input "
                      f"delayed one step), so this model's MSE would go from {before:.3g} to "
                      f"{after:.3g}; add --force to convert anyway", file=sys.stderr)
                return 2
            print(f"lstm-gui: warning: with the C library's timing the MSE goes from {before:.3g} "
                  f"to {after:.3g}", file=sys.stderr)
            run.config = replace(run.config, delay=1)
    try:
        if suffix == ".csv":
            modelfile.write_atomic(args.dst, run.history.to_csv())
        else:
            modelfile.save(run, args.dst)
    except (OSError, ValueError) as exc:
        print(f"lstm-gui: {_save_error(args.dst, exc)}", file=sys.stderr)
        return 1
    print(f"wrote {args.dst}")
    return 0


def cmd_demo(args) -> int:
    """The demos one at a time, so that Ctrl+C stops between two of them, never inside Qt."""
    import contextlib
    import io
    import re
    import time

    from ..app.demo import DEMOS, run_demos
    names = args.only or [d.name for d in DEMOS]
    start, images = time.perf_counter(), 0
    with sigint_stops(StopFlag()) as stop:
        for done, name in enumerate(names):
            if stop:
                print(f"lstm-gui: interrupted after {done} of {len(names)} demos; their images are in "
                      f"{args.out}", file=sys.stderr)
                return EXIT_INTERRUPTED
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = run_demos(args.out, [name], args.epochs)
            for line in out.getvalue().splitlines():     # "[1/1] name: ..." as "[k/n] name: ..."
                if line.startswith("[1/1] "):
                    print(f"[{done + 1}/{len(names)}] {line[6:]}", flush=True)
                    images += int((re.search(r"(\d+) images in", line) or [0, 0])[1])
            if status:
                return status
    print(f"wrote {images} images to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv=None) -> int:
    return quiet_on_closed_pipe(lambda: _main(argv))


def _main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS + ("-h", "--help", "--version"):
        # The window, optionally opening a model file.
        if len(argv) > 1 or (argv and (argv[0].startswith("-") or not Path(argv[0]).exists())):
            parser.error(f"unknown command or file {argv[0]!r}; choose one of {', '.join(COMMANDS)}, "
                         "or give one model file to open")
        from ..app.main import run_app
        return run_app(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if args.command == "train":
        return cmd_train(args, parser)
    if args.command == "tasks":
        return cmd_tasks()
    if args.command == "show":
        return cmd_show(args)
    if args.command == "convert":
        return cmd_convert(args)
    if args.command == "sweep":
        from .sweep import cmd_sweep
        return cmd_sweep(args, parser, _config_from_args)
    if args.command == "demo":
        return cmd_demo(args)
    if args.command in cli_landscape.COMMANDS:
        return cli_landscape.main(args)
    if args.command in cli_lessons.COMMANDS:
        return cli_lessons.run(args)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())

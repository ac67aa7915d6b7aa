"""The command line: `lstm-gui` opens the window; subcommands work headless."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .core import PARAM_NAMES
from .core.noise import NOISE_KINDS, NOISE_MODES, Noise
from .core.optim import DEFAULT_LR, OPTIMIZERS
from .core.tasks import PRESETS, TaskFileError, load_csv, preset

COMMANDS = ("train", "tasks", "show", "convert", "demo")


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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train headless and save the model")
    t.add_argument("--task", default="sin-cos", help=f"a preset ({', '.join(PRESETS)}) or a CSV file")
    t.add_argument("--length", type=_positive_int, help="sequence length n (preset default)")
    t.add_argument("--cycles", type=_positive_float, help="number of cycles (default 5)")
    t.add_argument("--amplitude", type=_positive_float, help="amplitude A (preset default)")
    t.add_argument("--noise", choices=NOISE_MODES, default="none")
    t.add_argument("--noise-amp", type=_nonneg_float, default=0.1)
    t.add_argument("--noise-kind", choices=NOISE_KINDS, default="uniform")
    t.add_argument("--resample-noise", action="store_true", help="draw new noise every epoch")
    t.add_argument("--units", type=_positive_int, default=1, help="units in the chain")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    t.add_argument("--lr", type=_lr, help="learning rate in (0, 1); default by optimizer")
    t.add_argument("--clip", type=_positive_float, help="clip the gradient norm to this")
    t.add_argument("--epochs", type=_nonneg_int, default=5000)
    t.add_argument("--target-mse", type=_nonneg_float, default=0.0)
    t.add_argument("--plateau", type=_nonneg_int, default=0)
    t.add_argument("--seed", type=_nonneg_int, default=0)
    t.add_argument("--init-min", type=_finite_float, default=-1.0, help="initial parameters from (default -1)")
    t.add_argument("--init-max", type=_finite_float, default=1.0, help="initial parameters up to (default 1)")
    t.add_argument("--lstmlib-timing", action="store_true", help="delay the input one step, as the C library")
    t.add_argument("--out", type=Path, help="where to save the model (.json or .lstmlib)")
    t.add_argument("--history", type=Path, help="write the history as CSV here")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("tasks", help="list the tasks and their settings")

    s = sub.add_parser("show", help="print a model file")
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true", help="print JSON with 'params' per unit")

    c = sub.add_parser("convert", help="convert a model by OUT's extension (.json, .lstmlib, .csv)")
    c.add_argument("src", type=Path, metavar="IN")
    c.add_argument("dst", type=Path, metavar="OUT")

    d = sub.add_parser("demo", help="train the C library's experiments and save screenshots")
    d.add_argument("--out", type=Path, default=Path("screenshots"))
    d.add_argument("--only", nargs="*", help="names of demos to run (default: all)")
    d.add_argument("--epochs", type=_positive_int, help="train each demo this many epochs instead")
    return parser


def _config_from_args(args, parser):
    from .core.run import RunConfig
    try:
        if args.task in PRESETS:
            settings = {k: v for k, v in (("length", args.length), ("cycles", args.cycles),
                                          ("amplitude", args.amplitude)) if v is not None}
            task = preset(args.task, **settings)
        elif Path(args.task).suffix.lower() == ".csv" or Path(args.task).exists():
            task = load_csv(args.task)
        else:
            parser.error(f"argument --task: unknown task {args.task!r}; "
                         f"choose one of {', '.join(PRESETS)} or a CSV file")
        return RunConfig(
            task=task, noise=Noise(args.noise, args.noise_amp, args.noise_kind, args.resample_noise),
            units=args.units, optimizer=args.optimizer,
            lr=args.lr if args.lr is not None else DEFAULT_LR[args.optimizer], clip=args.clip,
            seed=args.seed, init_low=args.init_min, init_high=args.init_max,
            delay=1 if args.lstmlib_timing else 0, epochs=args.epochs,
            target_mse=args.target_mse, plateau=args.plateau)
    except TaskFileError as exc:
        parser.error(f"argument --task: {exc}")
    except ValueError as exc:
        parser.error(str(exc))


def cmd_train(args, parser) -> int:
    from .core import modelfile
    from .core.run import STOP_REASONS, TrainingRun

    config = _config_from_args(args, parser)
    if args.epochs == 0 and not args.target_mse and not args.plateau:
        parser.error("with --epochs 0 give --target-mse or --plateau, or the run never ends")
    from .core import compiled
    try:
        if compiled.active() == "compiled":   # says so when it compiles, not a silent pause
            compiled.warm_up(lambda text: print(text, file=sys.stderr, flush=True))
    except (ValueError, RuntimeError) as exc:
        parser.error(str(exc))
    run = TrainingRun(config)
    start = time.perf_counter()
    last = 0.0
    reason = None
    while reason is None:
        reason = run.train(200)
        now = time.perf_counter()
        if not args.quiet and (now - last > 0.2 or reason):
            last = now
            rate = run.epoch / max(now - start, 1e-9)
            total = config.epochs or run.epoch
            done = int(30 * run.epoch / max(total, 1))
            print(f"\r[{'#' * done}{'.' * (30 - done)}] epoch {run.epoch}/{config.epochs or '-'}"
                  f"  MSE {run.mse:.6g}  {rate:,.0f} epochs/s", end="", file=sys.stderr, flush=True)
    if not args.quiet:
        print(file=sys.stderr)
    print(f"final MSE {run.current_mse():.6g} after {run.epoch} epochs ({STOP_REASONS[reason]})")
    try:
        if args.out:
            modelfile.save(run, args.out)
            print(f"saved {args.out}")
        if args.history:
            modelfile.write_atomic(args.history, run.history.to_csv())
            print(f"saved {args.history}")
    except (OSError, ValueError) as exc:
        print(f"lstm-gui: cannot save: {exc}", file=sys.stderr)
        return 1
    return 0 if reason != "diverged" else 1


def cmd_tasks() -> int:
    print(f"{'task':<14} {'length':>6} {'cycles':>6} {'ampl.':>5} {'epochs':>6}  description")
    for p in PRESETS.values():
        print(f"{p.key:<14} {p.length:>6} {p.cycles:>6g} {p.amplitude:>5g} {p.epochs:>6}  {p.description}")
    print("a CSV file  two numeric columns (input, target), optional header")
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
        lines += [f"  {name:<5} {value: .17g}" for name, value in zip(PARAM_NAMES, row)]
    return "\n".join(lines)


def cmd_show(args) -> int:
    from .core import modelfile
    from .core.modelfile import ModelFileError
    try:
        run, fmt = modelfile.load_with_format(args.file)
    except ModelFileError as exc:
        print(f"lstm-gui: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"format": fmt, "units": run.config.units, "params": run.params.tolist(),
                          "names": list(PARAM_NAMES), "task": run.config.task.key,
                          "delay": run.config.delay, "epoch": run.epoch,
                          "mse": run.current_mse()}))
    else:
        print(_describe(run, fmt))
    return 0


def cmd_convert(args) -> int:
    from .core import modelfile
    suffix = args.dst.suffix.lower()
    if suffix not in (".json", ".lstmlib", ".csv"):
        print(f"lstm-gui: {args.dst.name}: unknown extension {suffix or '(none)'}; "
              "use .json, .lstmlib or .csv", file=sys.stderr)
        return 2
    try:
        run = modelfile.load(args.src)
        if suffix == ".csv":
            modelfile.write_atomic(args.dst, run.history.to_csv())
        else:
            modelfile.save(run, args.dst)
    except modelfile.ModelFileError as exc:
        print(f"lstm-gui: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"lstm-gui: cannot write {args.dst.name}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.dst}")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS + ("-h", "--help"):
        # The window, optionally opening a model file.
        if len(argv) > 1 or (argv and (argv[0].startswith("-") or not Path(argv[0]).exists())):
            parser.error(f"unknown command or file {argv[0]!r}; choose one of {', '.join(COMMANDS)}, "
                         "or give one model file to open")
        from .app.main import run_app
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
    if args.command == "demo":
        from .app.demo import run_demos
        return run_demos(args.out, args.only, args.epochs)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())

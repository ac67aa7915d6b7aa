"""What the sub-commands share: argument types, the run options of train and sweep, and
building a RunConfig from them."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..core import limits
from ..core.limits import check_training_size, fileio
from ..core.models import CELLS
from ..core.training.datasets import SET_PRESETS
from ..core.training.noise import NOISE_KINDS, NOISE_MODES, Noise
from ..core.training.optim import DEFAULT_LR, OPTIMIZERS
from ..core.training.run import GRADIENTS, INITS
from ..core.training.tasks import PRESETS, TaskFileError, load_csv, preset

DEFAULT_EPOCHS = 5000   # a CSV task's budget; a preset has its own (see `tasks`)


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {v}")
    return v


def nonneg_int(text: str) -> int:
    return 0 if text == "0" else positive_int(text)


def setting(name: str):
    """An argparse type for the run setting `name`, checked against the one table the window
    and the files use (core/limits.SETTINGS): the message says the range and the value."""
    bound = limits.SETTINGS[name]
    kind = "a whole number" if bound.integer else "a number"

    def parse(text: str):
        t = text.strip().replace("_", "")
        if len(t) > 40:      # a 5000-digit number or a 100 KB string: named, not echoed
            raise argparse.ArgumentTypeError(f"expected {kind}, got {len(text):,} characters")
        try:
            if bound.integer and not any(c in t for c in ".eE"):
                value: int | float = int(t, 10)
            else:
                value = float(t)
                if bound.integer and math.isfinite(value) and value.is_integer():
                    value = int(value)      # "1e6" is a whole number too
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {limits.shown(text)}") from None
        try:
            return bound.check(value, "")
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = name      # argparse names the type in some messages
    return parse


# Options that take a number: "-1e7" after one of them is its value, not an option (argparse
# only recognises "-1" and "-.5" as negative numbers, and said "expected one argument").
NUMERIC_OPTIONS = ("--length", "--cycles", "--amplitude", "--lag", "--noise-amp", "--units", "--lr",
                   "--clip", "--epochs", "--target-mse", "--plateau", "--seed", "--init-min",
                   "--init-max", "--forget-bias", "--span", "--size", "--seeds", "--success-mse")


def join_negative_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    k = 0
    while k < len(argv):
        if (argv[k] in NUMERIC_OPTIONS and k + 1 < len(argv) and argv[k + 1].startswith("-")
                and _looks_numeric(argv[k + 1])):
            out.append(f"{argv[k]}={argv[k + 1]}")
            k += 2
            continue
        out.append(argv[k])
        k += 1
    return out


def _looks_numeric(text: str) -> bool:
    try:
        float(text[:40])
    except ValueError:
        return False
    return True


def exists(path: str) -> bool:
    """Path(path).exists(), False for a name the system refuses (over 255 bytes, a NUL)."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v > 0 and v < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def lr_value(text: str) -> float:
    v = positive_float(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"learning rate must lie in (0, 1), got {text}")
    return v


def nonneg_float(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else positive_float(text)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2), and the parsed namespace
    says which options were typed: ``args.given``, a set of destinations (``"lr"``,
    ``"units"`` for --units or --layers, ``"epochs"`` for an abbreviated --epo).

    A run started from a file takes the file's settings for every option not typed
    (:func:`fill_from_config`); telling a typed default (``--task sin-cos``) from an untyped
    one needs this, and scanning argv for spellings missed aliases and abbreviations.
    """

    commands: dict[str, Parser]      # the sub-commands' parsers by name (main.build_parser)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args=None, namespace=None):
        # argparse sets an option's default only where the namespace lacks the attribute: a
        # marker there that survives the parse means the option was not typed.
        namespace = argparse.Namespace() if namespace is None else namespace
        untyped = object()
        marked = []
        for action in self._actions:
            if (action.dest == argparse.SUPPRESS or action.default == argparse.SUPPRESS
                    or hasattr(namespace, action.dest)):
                continue
            # Append and count actions build on the value they find, and read None as empty;
            # an option whose default is None is never None when typed.
            marker = None if action.default is None or isinstance(action.default, list) else untyped
            setattr(namespace, action.dest, marker)
            marked.append((action, marker))
        args, extras = super().parse_known_args(args, namespace)
        typed = set(getattr(args, "given", ()))
        for action, marker in marked:
            if getattr(args, action.dest) is marker:
                default = action.default
                if isinstance(default, str) and action.type is not None:
                    default = action.type(default)     # as argparse converts a string default
                setattr(args, action.dest, default)
            else:
                typed.add(action.dest)
        args.given = typed
        return args, extras


def finite_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return v


def add_run_options(t) -> None:
    """The options that define a run, shared by train and sweep."""
    t.add_argument("--task", default="sin-cos",
                   help=f"a preset ({', '.join([*PRESETS, *SET_PRESETS])}) or a CSV file")
    t.add_argument("--length", type=setting("task.length"), help="sequence length n (preset default)")
    t.add_argument("--cycles", type=setting("task.cycles"), help="number of cycles (default 5)")
    t.add_argument("--amplitude", type=setting("task.amplitude"), help="amplitude A (preset default)")
    t.add_argument("--lag", type=setting("task.lag"), help="k of the delay-k task (default 5)")
    t.add_argument("--noise", choices=NOISE_MODES, default="none")
    t.add_argument("--noise-amp", type=setting("noise.amplitude"), help="noise amplitude (default 0.1)")
    t.add_argument("--noise-kind", choices=NOISE_KINDS, help="default uniform")
    t.add_argument("--resample-noise", action="store_true", help="draw new noise every epoch")
    t.add_argument("--units", "--layers", dest="units", type=setting("units"), default=1,
                   help="stacked layers (for the 1-unit cell: units in the chain)")
    t.add_argument("--cell", choices=CELLS, default="lstm", help="the cell family (default lstm)")
    t.add_argument("--hidden", type=setting("hidden"),
                   help=f"hidden units per layer, H: {limits.HIDDEN_RANGE} (default 1, or the preset's)")
    t.add_argument("--no-bias", dest="bias", action="store_false", help="no gate biases")
    t.add_argument("--bidirectional", action="store_true", help="a second direction per layer")
    t.add_argument("--dropout", type=setting("dropout"), default=0.0,
                   help="dropout probability between layers, in [0, 1) (default 0)")
    t.add_argument("--batch", type=positive_int,
                   help="sequences per mini-batch (default: the preset's, or all)")
    t.add_argument("--init", choices=INITS,
                   help="initial parameters: uniform in [--init-min, --init-max] or PyTorch's "
                        "U(-1/sqrt(H), 1/sqrt(H)) (default uniform, or the preset's)")
    t.add_argument("--forget-bias", type=setting("forget_bias"),
                   help="set every forget-gate bias to this after init (Jozefowicz et al.: 1)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    t.add_argument("--lr", type=setting("lr"), help="learning rate in (0, 1); default by optimizer")
    t.add_argument("--clip", type=setting("clip"), help="clip the gradient norm to this")
    t.add_argument("--epochs", type=setting("epochs"),
                   help=f"epoch budget, 0 to {_most('epochs')} "
                        "(0: none, with --target-mse or --plateau; default: the task's, see tasks)")
    t.add_argument("--target-mse", type=setting("target_mse"), help="stop at this MSE (default none, "
                   "or the preset's)")
    t.add_argument("--plateau", type=setting("plateau"), default=0,
                   help="stop after N epochs without 1e-4 relative improvement, N from 0 (never, "
                        f"the default) to {_most('plateau')}")
    t.add_argument("--seed", type=setting("seed"), default=0,
                   help=f"seed of the initial parameters and the noise, 0 to {_most('seed')} (default 0)")
    t.add_argument("--init-min", type=setting("init_low"), default=-1.0,
                   help="initial parameters from (default -1)")
    t.add_argument("--init-max", type=setting("init_high"), default=1.0, help="initial parameters up to (default 1)")
    t.add_argument("--lstmlib-timing", action="store_true", help="delay the input one step, as the C library")
    t.add_argument("--gradient", choices=GRADIENTS, default="exact",
                   help="exact, or the C library's training rule (implies --lstmlib-timing)")


def _most(name: str) -> str:
    """The largest value of a whole-number setting, as its help says it ("2^62")."""
    return limits.power_text(limits.SETTINGS[name].hi)


def dropout_value(text: str) -> float:
    v = finite_float(text)
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"dropout must lie in [0, 1), got {text}")
    return v


def _refuse_idle_options(args, parser, is_csv: bool) -> None:
    """Options that would do nothing for the chosen task are refused, not silently ignored."""
    if args.task in SET_PRESETS:
        given = [f"--{k}" for k in ("length", "cycles", "amplitude", "lag") if getattr(args, k) is not None]
        if given or args.noise != "none":
            parser.error(f"{(given or ['--noise'])[0]} does nothing with {args.task}: its data "
                         "are the tutorial's; drop it")
    if is_csv:
        given = [f"--{k}" for k in ("length", "cycles", "amplitude") if getattr(args, k) is not None]
        if given:
            parser.error(f"{given[0]} does nothing with a CSV task (its file sets the sequences); drop it")
    if args.noise == "none":
        given = [opt for opt, v in (("--noise-amp", args.noise_amp), ("--noise-kind", args.noise_kind))
                 if v is not None] + (["--resample-noise"] if args.resample_noise else [])
        if given:
            parser.error(f"{given[0]} does nothing without --noise; add --noise target, input or both")


def config_from_args(args, parser):
    from ..core.training.run import RunConfig
    try:
        is_csv = args.task not in PRESETS and args.task not in SET_PRESETS
        if is_csv and not (Path(args.task).suffix.lower() == ".csv" or exists(args.task)):
            parser.error(f"argument --task: unknown task {limits.shown(args.task)}; "
                         f"choose one of {', '.join([*PRESETS, *SET_PRESETS])} or a CSV file")
        _refuse_idle_options(args, parser, is_csv)
        if args.task in SET_PRESETS:
            return _set_config(args)
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
        if not task.is_set and (args.hidden or 1) == 1:
            check_training_size(args.units, task.length)
        noise = Noise(args.noise, 0.1 if args.noise_amp is None else args.noise_amp,
                      args.noise_kind or "uniform", args.resample_noise)
        return RunConfig(
            task=task, noise=noise, units=args.units, optimizer=args.optimizer,
            lr=args.lr if args.lr is not None else DEFAULT_LR[args.optimizer], clip=args.clip,
            seed=args.seed, init_low=args.init_min, init_high=args.init_max,
            delay=1 if args.lstmlib_timing or args.gradient == "lstmlib" else 0, epochs=epochs,
            target_mse=args.target_mse or 0.0, plateau=args.plateau, gradient=args.gradient,
            **_model_options(args))
    except TaskFileError as exc:
        parser.error(f"argument --task: {exc}")
    except limits.TooManyParameters as exc:
        if getattr(args, "probing_hidden", False):
            raise
        parser.error(_too_many_parameters(args, parser, exc))
    except ValueError as exc:
        parser.error(str(exc))


def _too_many_parameters(args, parser, exc) -> str:
    """The refusal of a model over the parameter limit, with the largest H it may have (the
    same model with H = 1, grown until it passes the limit)."""
    from dataclasses import replace
    hidden, size = args.hidden, exc.size
    args.hidden, args.probing_hidden = 1, True
    try:
        config = config_from_args(args, parser)
    except limits.TooManyParameters:
        return str(exc)         # too many layers even at H = 1 (not reached within the limits)
    finally:
        args.hidden, args.probing_hidden = hidden, False
    model = config.model()
    readout = True if config.readout is None else config.readout
    most = limits.max_hidden(lambda h: replace(model, hidden=h, readout=readout).size)
    if hidden is None:          # a tutorial's own H
        hidden = SET_PRESETS[args.task].hidden if args.task in SET_PRESETS else 1
    typed = "argument --hidden: " if "hidden" in args.given else ""
    kind = f"{'bidirectional ' if model.bidirectional else ''}{model.cell.upper()}"
    layers = f"{model.layers} layer{'s' if model.layers > 1 else ''}"
    return (f"{typed}H = {hidden} gives this {kind} of {layers} "
            f"{size:,} parameters; the limit is {limits.MAX_PARAMETERS:,}: H <= {most} for it")


def _model_options(args) -> dict:
    """The model's RunConfig fields from --cell, --hidden, --no-bias, ... (defaults: the unit)."""
    out = dict(cell=args.cell, hidden=args.hidden or 1, bias=args.bias,
               bidirectional=args.bidirectional, dropout=args.dropout,
               forget_bias=args.forget_bias, batch=args.batch or 0)
    if args.init is not None:
        out["init"] = args.init
    return out


def _set_config(args):
    """A task of many sequences: its source's model and training, overridden by any option
    given (the optimizer's default learning rate is the preset's)."""
    from dataclasses import replace

    from ..core.training.run import RunConfig, for_set_preset
    # One layer until the options are applied: the preset's H with --layers 8 is over the
    # parameter limit even when --hidden makes the model small.
    base = for_set_preset(RunConfig(seed=args.seed, init_low=args.init_min, init_high=args.init_max),
                          args.task)
    model = _model_options(args)
    if args.hidden is None:
        model["hidden"] = base.hidden
    if args.batch is None:
        model["batch"] = base.batch
    lr = args.lr if args.lr is not None else (base.lr if args.optimizer == base.optimizer
                                              else DEFAULT_LR[args.optimizer])
    return replace(base, units=args.units, optimizer=args.optimizer, lr=lr, clip=args.clip,
                   epochs=base.epochs if args.epochs is None else args.epochs,
                   target_mse=base.target_mse if args.target_mse is None else args.target_mse,
                   plateau=args.plateau, gradient=args.gradient,
                   delay=1 if args.lstmlib_timing or args.gradient == "lstmlib" else 0, **model)


def save_error(path, exc: Exception) -> str:
    """A failed save in the user's terms: the path they typed, no exception class, no
    temporary file name (an OSError from the rename names the temporary)."""
    if isinstance(exc, fileio.FileAccessError):
        return str(exc)
    if isinstance(exc, OSError):
        reason = fileio.os_reason(exc) if exc.errno or exc.strerror else "the write failed"
        return f"{path}: cannot save ({reason})"
    return f"{path}: cannot save ({exc})"


# What belongs to the task: its data and how an epoch passes over them, its budget and stop
# rule.  Typing another --task takes these from that task, not from the file.
TASK_OPTIONS = ("length", "cycles", "amplitude", "lag", "noise", "noise_amp", "noise_kind",
                "resample_noise", "batch", "epochs", "target_mse")
# A setting that belongs to another follows it: another --task brings its own TASK_OPTIONS,
# another --optimizer its default learning rate (as resuming a native file does).
OWNER = {**{dest: "task" for dest in TASK_OPTIONS}, "lr": "optimizer"}


def fill_from_config(args, config) -> None:
    """Every run option not typed (``args.given``) takes `config`'s value: a run started
    from a file trains on the file's task, model and training unless the command line says
    otherwise.  A setting that belongs to another (:data:`OWNER`: the task's own, the
    optimizer's learning rate) follows the file only while its owner does."""
    given = set(getattr(args, "given", ()))
    task, noise = config.task, config.noise
    values = {
        "task": task.key, "units": config.units, "cell": config.cell, "hidden": config.hidden,
        "bias": config.bias, "bidirectional": config.bidirectional, "dropout": config.dropout,
        "init": config.init, "forget_bias": config.forget_bias, "optimizer": config.optimizer,
        "lr": config.lr, "clip": config.clip, "seed": config.seed, "init_min": config.init_low,
        "init_max": config.init_high, "plateau": config.plateau, "gradient": config.gradient,
        "lstmlib_timing": bool(config.delay), "batch": config.batch or None,
        "epochs": config.epochs, "target_mse": config.target_mse or None}
    if task.key in PRESETS:       # a waveform's settings; a tutorial's data are fixed
        values.update(length=task.length, cycles=task.cycles, amplitude=task.amplitude, lag=task.lag)
    if noise.active:
        values.update(noise=noise.mode, noise_amp=noise.amplitude, noise_kind=noise.kind,
                      resample_noise=noise.resample)
    for dest, value in values.items():
        if dest not in given and OWNER.get(dest) not in given:
            setattr(args, dest, value)

"""`lstm-gui sweep`: many seeds of each setting, summarised (median, spread, success rate).

    lstm-gui sweep --seeds 64 --vary lr=0.01,0.05,0.2 --optimizer sgd --epochs 2000 \\
        --target-mse 0.01 --csv results.csv --plot bands.png

Each setting is one :class:`~lstm_gui.core.ensemble.EnsembleRun` over seeds 0..K-1 (plus
--seed), so the settings are compared from the same starting points.
"""
from __future__ import annotations

import csv
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from . import support
from .options import add_run_options, config_from_args, save_error
from .support import EXIT_INTERRUPTED, StopFlag, output_file, plural, sigint_stops

SUCCESS_MSE = 0.01   # what "success" means without --target-mse (the lessons' "learned" level)
PLAIN_PROGRESS_S = 5.0

# Settings --vary can change: RunConfig fields and how to read a value.
VARIABLE = {"lr": float, "optimizer": str, "gradient": str, "clip": float, "units": int,
            "init_high": float, "target_mse": float, "cell": str, "hidden": int,
            "forget_bias": float, "batch": int, "init": str}


NAMES = ("sweep",)


def add_parser(sub) -> None:
    s = sub.add_parser("sweep", help="train many seeds per setting; median, spread, success rate")
    add_run_options(s)
    s.add_argument("--seeds", type=int, default=64, help="models per setting (default 64)")
    s.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2,...",
                   help=f"settings to compare, one of {', '.join(VARIABLE)}; repeat to cross them")
    s.add_argument("--csv", type=output_file("table", ".csv"), help="write one row per setting and seed here")
    s.add_argument("--plot", type=output_file("plot", ".png"), help="save the MSE bands of every setting as a PNG")
    s.add_argument("--quiet", action="store_true", help="no progress line")
    s.add_argument("--success-mse", type=float, default=None,
                   help=f"a seed succeeds when its MSE reaches this (default: --target-mse, or {SUCCESS_MSE})")


def parse_vary(items: list[str]) -> list[tuple[str, list]]:
    """['lr=0.01,0.05'] -> [('lr', [0.01, 0.05])]; ValueError with a one-line reason."""
    out = []
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in VARIABLE:
            raise ValueError(f"--vary {item!r}: expected NAME=V1,V2 with NAME one of {', '.join(VARIABLE)}")
        try:
            parsed = [VARIABLE[name](v.strip()) for v in values.split(",") if v.strip()]
        except ValueError:
            raise ValueError(f"--vary {item!r}: values must be {VARIABLE[name].__name__}") from None
        if not parsed:
            raise ValueError(f"--vary {item!r}: no values")
        out.append((name, parsed))
    return out


def settings(base, vary: list[tuple[str, list]]) -> list[tuple[str, Any]]:
    """(label, config) for every combination of the varied values."""
    combos = [("", base)]
    for name, values in vary:
        combos = [(f"{label} {name}={v:g}".strip() if isinstance(v, float) else f"{label} {name}={v}".strip(),
                   _changed(cfg, name, v)) for label, cfg in combos for v in values]
    return [(label or "base", cfg) for label, cfg in combos]


def _changed(cfg, name, value):
    if name == "gradient":
        # The C library's rule needs its timing (RunConfig.gradient); the exact gradient is
        # compared on the same model, so that only the training rule differs.
        return replace(cfg, gradient=value, delay=1)
    return replace(cfg, **{name: value})


def summarise(label: str, ens, success_mse: float | None = None) -> dict:
    """One line of the sweep's table."""
    final = ens.mse
    q10, median, q90 = np.nanquantile(final, [0.1, 0.5, 0.9]) if np.isfinite(final).any() else (np.nan,) * 3
    rate, epochs = ens.success(success_mse)
    return {"setting": label, "seeds": ens.size, "epochs": ens.epoch, "median": median,
            "q10": q10, "q90": q90, "success": rate,
            "median_epochs_to_target": float(np.median(epochs)) if len(epochs) else float("nan"),
            "diverged": int(ens.diverged.sum())}


def ensemble(cfg, seeds):
    """The population kernel's ensemble for the unit; for any other model, the seeds' single
    runs one after another (``variants.SeedRuns``, the same reading interface)."""
    from ..core.analysis.ensemble import EnsembleRun
    from ..core.analysis.variants import SeedRuns
    return EnsembleRun(cfg, seeds) if cfg.is_unit else SeedRuns(cfg, seeds)


def run(args, parser) -> int:
    from ..core.analysis.ensemble import MAX_MEMBERS

    if not 1 <= args.seeds <= MAX_MEMBERS:
        parser.error(f"argument --seeds: give 1 to {MAX_MEMBERS}")
    if args.epochs == 0:
        parser.error("argument --epochs: a sweep needs an epoch budget")
    try:
        vary = parse_vary(args.vary)
        base = config_from_args(args, parser)
        runs = settings(base, vary)   # every combination is validated before any training
        from ..core import limits
        for label, cfg in runs:       # and its memory (64 seeds x 10^6 points once took 3.7 GB)
            limits.check_work_bytes(limits.ensemble_bytes(args.seeds, cfg.units, cfg.task.length),
                                    f"{label}: {args.seeds} seeds x {cfg.units} units x "
                                    f"{cfg.task.length:,} points")
    except ValueError as exc:
        parser.error(str(exc))
    seeds = range(args.seed, args.seed + args.seeds)
    try:
        # Compiled (or loaded) before the first setting's clock starts: its time once
        # included a cold compile of the population kernel.
        support.prepare_kernels([cfg for _, cfg in runs], lambda cfg: ensemble(cfg, seeds),
                                quiet=args.quiet)
    except (ValueError, RuntimeError) as exc:
        parser.error(str(exc))
    success_mse = args.success_mse or base.target_mse or SUCCESS_MSE
    rows, results, tests = [], [], []
    tty = sys.stderr.isatty()
    print(f"{'setting':<28} {'median MSE':>11} {'10%':>10} {'90%':>10} "
          f"{'MSE<=' + format(success_mse, 'g'):>10} {'epochs':>7} {'test MSE':>10}")
    interrupted = None
    with sigint_stops(StopFlag()) as stop:
        for label, cfg in runs:
            if stop:
                break
            ens = ensemble(cfg, seeds)
            start = last = time.perf_counter()
            while not stop and ens.train(100):
                now = time.perf_counter()
                if args.quiet or (not tty and now - last < PLAIN_PROGRESS_S):
                    continue
                last = now
                # A bar in place on a terminal; in a log, a plain line every few seconds
                # (carriage returns ran 2.5 KB of progress into one line).
                print(f"{chr(13) if tty else ''}{label}: epoch {ens.epoch}/{cfg.epochs}",
                      end="" if tty else "\n", file=sys.stderr, flush=True)
            if stop:
                interrupted = (label, ens.epoch)
                label = f"{label} (stopped at {ens.epoch})"
            elif not args.quiet:
                print(f"{chr(13) if tty else ''}{label}: {plural(ens.epoch, 'epoch')} x "
                      f"{plural(ens.size, 'seed')} in "
                      f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
            stop.defer = stop.set   # from here on a Ctrl+C only says stop: the saves are kept whole
            s = summarise(label, ens, success_mse)
            results.append((label, ens))
            success = f"{100 * s['success']:.0f}%"
            took = "none" if np.isnan(s["median_epochs_to_target"]) else f"{s['median_epochs_to_target']:.0f}"
            test = ens.test_mse()
            med_test = float(np.nanmedian(test)) if np.isfinite(test).any() else float("nan")
            print(f"{label:<28} {s['median']:>11.4g} {s['q10']:>10.4g} {s['q90']:>10.4g} {success:>10} {took:>7}"
                  f" {med_test:>10.4g}")
            tests.append(test)
            for k, seed in enumerate(ens.seeds):
                rows.append({"setting": label, "seed": seed, "final_mse": ens.mse[k],
                             "reached_target_at": int(ens.stopped_at[k]) or "",
                             "diverged": int(ens.diverged[k]), "test_mse": test[k]})
        stop.defer = True
        if len(results) > 1 and not stop and any(name in MODEL_SETTINGS for name, _ in vary):
            print()
            print(variant_table(results, tests, [cfg for _, cfg in runs], success_mse))
        path = None
        try:
            if args.csv and rows:
                path = args.csv
                _write_csv(args.csv, rows)
                print(f"saved {args.csv}")
            if args.plot and results:
                from ..app.ensemble_plot import save_bands_png
                path = args.plot
                save_bands_png(args.plot, [(label, ens.bands()) for label, ens in results],
                               title=f"{base.task.title}: MSE of {args.seeds} seeds, median and 10-90 %")
                print(f"saved {args.plot}")
        except (OSError, ValueError) as exc:
            print(f"lstm-gui sweep: {save_error(path, exc)}", file=sys.stderr)
            return 1
    if stop:
        kept = " and ".join(str(p) for p in (args.csv, args.plot) if p and results) or "the table above"
        where = f" in {interrupted[0]} at epoch {interrupted[1]:,}" if interrupted else ""
        finished = len(results) - (interrupted is not None)
        print(f"lstm-gui sweep: interrupted (Ctrl+C){where}; {finished} of {len(runs)} settings finished; "
              f"kept {kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


# Varying one of these compares models: the sweep then adds Greff et al.'s table.
MODEL_SETTINGS = ("cell", "hidden", "units", "forget_bias", "init")


def variant_table(results, tests, configs, success_mse: float | None = None) -> str:
    """Greff et al.'s comparison: every setting against the baseline, the vanilla LSTM when one
    setting is it (else the first)."""
    from ..core.analysis.variants import format_table, greff_table
    base = next((k for k, c in enumerate(configs) if c.cell == "lstm"), 0)
    data = [(label, ens.mse, test, ens.success(success_mse)[0]) for (label, ens), test in zip(results, tests)]
    return format_table(greff_table(data, baseline=base), results[base][0])


def _write_csv(path: Path, rows: list[dict]) -> None:
    import io

    from ..core.files.modelfile import write_atomic
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, buf.getvalue())


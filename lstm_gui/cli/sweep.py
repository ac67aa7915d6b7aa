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

from .options import add_run_options, config_from_args

# Settings --vary can change: RunConfig fields and how to read a value.
VARIABLE = {"lr": float, "optimizer": str, "gradient": str, "clip": float, "units": int,
            "init_high": float, "target_mse": float}


NAMES = ("sweep",)


def add_parser(sub) -> None:
    s = sub.add_parser("sweep", help="train many seeds per setting; median, spread, success rate")
    add_run_options(s)
    s.add_argument("--seeds", type=int, default=64, help="models per setting (default 64)")
    s.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2,...",
                   help=f"settings to compare, one of {', '.join(VARIABLE)}; repeat to cross them")
    s.add_argument("--csv", type=Path, help="write one row per setting and seed here")
    s.add_argument("--plot", type=Path, help="save the MSE bands of every setting as a PNG")
    s.add_argument("--quiet", action="store_true", help="no progress line")


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


def summarise(label: str, ens) -> dict:
    """One line of the sweep's table."""
    final = ens.mse
    q10, median, q90 = np.nanquantile(final, [0.1, 0.5, 0.9]) if np.isfinite(final).any() else (np.nan,) * 3
    rate, epochs = ens.success()
    return {"setting": label, "seeds": ens.size, "epochs": ens.epoch, "median": median,
            "q10": q10, "q90": q90, "success": rate,
            "median_epochs_to_target": float(np.median(epochs)) if len(epochs) else float("nan"),
            "diverged": int(ens.diverged.sum())}


def run(args, parser) -> int:
    from ..core.analysis.ensemble import MAX_MEMBERS, EnsembleRun

    if not 1 <= args.seeds <= MAX_MEMBERS:
        parser.error(f"argument --seeds: give 1 to {MAX_MEMBERS}")
    if args.epochs == 0:
        parser.error("argument --epochs: a sweep needs an epoch budget")
    try:
        vary = parse_vary(args.vary)
        base = config_from_args(args, parser)
        runs = settings(base, vary)   # every combination is validated before any training
    except ValueError as exc:
        parser.error(str(exc))
    seeds = range(args.seed, args.seed + args.seeds)
    rows, results = [], []
    print(f"{'setting':<28} {'median MSE':>11} {'10%':>10} {'90%':>10} {'success':>8} {'epochs':>7}")
    for label, cfg in runs:
        ens = EnsembleRun(cfg, seeds)
        start = time.perf_counter()
        while ens.train(100):
            if not args.quiet:
                print(f"\r{label}: epoch {ens.epoch}/{cfg.epochs}", end="", file=sys.stderr, flush=True)
        if not args.quiet:
            print(f"\r{label}: {ens.epoch} epochs x {ens.size} seeds in "
                  f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
        s = summarise(label, ens)
        results.append((label, ens))
        success = "-" if np.isnan(s["success"]) else f"{100 * s['success']:.0f}%"
        took = "-" if np.isnan(s["median_epochs_to_target"]) else f"{s['median_epochs_to_target']:.0f}"
        print(f"{label:<28} {s['median']:>11.4g} {s['q10']:>10.4g} {s['q90']:>10.4g} {success:>8} {took:>7}")
        for k, seed in enumerate(ens.seeds):
            rows.append({"setting": label, "seed": seed, "final_mse": ens.mse[k],
                         "reached_target_at": int(ens.stopped_at[k]) or "",
                         "diverged": int(ens.diverged[k])})
    try:
        if args.csv:
            _write_csv(args.csv, rows)
            print(f"saved {args.csv}")
        if args.plot:
            from ..app.ensemble_plot import save_bands_png
            save_bands_png(args.plot, [(label, ens.bands()) for label, ens in results],
                           title=f"{base.task.title}: MSE of {args.seeds} seeds, median and 10-90 %")
            print(f"saved {args.plot}")
    except (OSError, ValueError) as exc:
        print(f"lstm-gui: cannot save: {exc}", file=sys.stderr)
        return 1
    return 0


def _write_csv(path: Path, rows: list[dict]) -> None:
    import io

    from ..core.files.modelfile import write_atomic
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, buf.getvalue())


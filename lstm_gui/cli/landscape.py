"""`lstm-gui landscape` and `lstm-gui gradflow`: the analysis commands, headless."""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
from pathlib import Path

import numpy as np

from .options import positive_float, positive_int
from .support import output_file

NAMES = ("landscape", "gradflow")
MAX_GRADFLOW_BYTES = 1e9    # G is n * n * 12 * units floats: n = 1000 with 16 units is 1.5 GB


def _directions(text: str):
    """'pca', 'line', 'random', 'hessian' or 'params:W_fx,b_f' -> (kind, names)."""
    from ..core.analysis.directions import KINDS
    kind, _, rest = text.partition(":")
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown directions {text!r}; choose pca, line, random, hessian or params:NAME,NAME")
    if kind != "params":
        if rest:
            raise argparse.ArgumentTypeError(f"only params takes names, got {text!r}")
        return kind, ()
    # A model's names hold commas inside brackets (u2.W_zh[1,2]): split on the others only.
    names = tuple(n.strip() for n in re.split(r",(?![^\[]*\])", rest)) if rest else ()
    if rest and len(names) != 2:
        a, b = _example_names()
        raise argparse.ArgumentTypeError(f"params needs two names, e.g. params:{a},{b}; got {text!r}")
    return kind, names


def _example_names() -> tuple[str, str]:
    """The unit's two parameters a plane of named parameters starts from (W_fx, b_f)."""
    from ..core.models import UNIT
    first, second = UNIT.names()[1:3]
    return first, second


def add_parser(sub) -> None:
    first, second = _example_names()
    a = sub.add_parser("landscape", help="draw the MSE over a plane through a model as PNG/CSV")
    a.add_argument("model", type=Path, metavar="MODEL")
    a.add_argument("--out", type=output_file("PNG map", ".png"), help="PNG of the map (.png)")
    a.add_argument("--csv", type=output_file("grid", ".csv"), help="the grid as CSV: alpha, beta, mse")
    a.add_argument("--directions", type=_directions, default=("pca", ()),
                   help="pca (default; random if the model has no history), line, random, "
                        f"hessian, or params:{first},{second} (add @2 for unit 2; a model's own "
                        f"names, e.g. params:{first}[0,0],u2.{second}[3])")
    a.add_argument("--size", type=positive_int, default=64, help="grid points per side (default 64)")
    a.add_argument("--span", type=positive_float, help="half-width of the square (default: shows the path)")
    a.add_argument("--seed", type=int, default=0, help="seed of random directions (default 0)")
    g = sub.add_parser("gradflow", help="the gradient's contributions by time step and lag as CSV")
    g.add_argument("model", type=Path, metavar="MODEL")
    g.add_argument("--csv", type=output_file("lag profile", ".csv"), required=True,
                   help="lag profile: lag, one column per parameter, total magnitude")
    g.add_argument("--matrix", type=output_file("matrix", ".csv"),
                   help="|G| summed over parameters, (t, s) as CSV")


def _write(path: Path, text: str) -> None:
    """write_atomic, an error naming the path as typed (not the temporary renamed into it)."""
    from ..core.files.modelfile import write_atomic
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def run(args, parser) -> int:
    from ..core.files import modelfile
    # Every output was checked when the command line was read (support.output_file: a map to
    # a missing folder once printed "wrote" and exited 0).
    try:
        run = modelfile.load(args.model)
    except modelfile.ModelFileError as exc:
        print(f"lstm-gui {args.command}: {exc}", file=sys.stderr)
        return 1
    try:
        return _landscape(run, args) if args.command == "landscape" else _gradflow(run, args)
    except OSError as exc:
        # The path as typed (_write), never the temporary file the save renames into place.
        from .options import save_error
        print(f"lstm-gui {args.command}: {save_error(exc.filename or 'the output', exc)}", file=sys.stderr)
        return 1


def _landscape(run, args) -> int:
    from ..core.analysis import plane
    if args.size < 2 or args.size > 512:
        print(f"lstm-gui {args.command}: --size must be from 2 to 512", file=sys.stderr)
        return 2
    if not (args.out or args.csv):
        print(f"lstm-gui {args.command}: give --out map.png and/or --csv grid.csv", file=sys.stderr)
        return 2
    if args.out is not None and args.out.suffix.lower() != ".png":
        # Checked before the map is computed: the map is written by a PNG exporter only.
        print(f"lstm-gui {args.command}: {args.out}: the map is written as PNG; name it ….png", file=sys.stderr)
        return 2
    kind, names = args.directions
    path = run.history.view(3000)[2]
    try:
        if run.model is not None:
            # Any other model: its flat parameters, its own names; a history that keeps no
            # parameters (more than 192) leaves PCA and the line without a path.
            m = plane.compute_model(run.model, run.params, run.x, run.target,
                                    delay=run.config.delay, kind=kind,
                                    path=path.reshape(len(path), -1) if path.size else None,
                                    names=names or None, size=args.size, span=args.span,
                                    rng=np.random.default_rng(args.seed))
        else:
            m = plane.compute(run.params, run.x, run.target, delay=run.config.delay, kind=kind,
                              path=path, names=names or plane.directions.DEFAULT_NAMES,
                              size=args.size, span=args.span, rng=np.random.default_rng(args.seed))
    except ValueError as exc:
        print(f"lstm-gui {args.command}: {exc}", file=sys.stderr)
        return 2
    if m.kind != kind:
        print(f"note: {kind} needs a training history; used {m.kind} directions", file=sys.stderr)
    if m.note:
        print(f"note: the map is computed {m.note}", file=sys.stderr)
    if args.csv:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["alpha", "beta", "mse"])
        for i, a in enumerate(m.alphas):
            for j, b in enumerate(m.betas):
                w.writerow([repr(float(a)), repr(float(b)), repr(float(m.mse[i, j]))])
        _write(args.csv, out.getvalue())
        print(f"wrote {args.csv}")
    if args.out:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ..app.landscape_plot import export_map
        title = (f"{run.config.task.key}, epoch {run.epoch}, MSE {run.current_mse():.3g} "
                 f"({m.kind} directions)")
        export_map(m, str(args.out), title=title)
        print(f"wrote {args.out}")
    return 0


def _gradflow_model(run, args) -> int:
    """Any other model: the lag profile per gate (magnitudes, summed over layers and
    directions), the readout's, the gates' total; the matrix sum_p |G[t, s, p]|."""
    from ..core.analysis import gradflow_model
    try:
        flow = gradflow_model.analyse(run.model, run.params, run.x, run.target, run.config.delay)
    except ValueError as exc:
        print(f"lstm-gui {args.command}: {exc}", file=sys.stderr)
        return 1
    gates = list(flow.per_gate)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["lag"] + [f"gate {g}" for g in gates] + ["readout", "magnitude"])
    magnitude = flow.magnitude
    for k in range(magnitude.size):
        w.writerow([k] + [repr(float(flow.per_gate[g][k])) for g in gates]
                   + [repr(float(flow.readout[k])), repr(float(magnitude[k]))])
    _write(args.csv, out.getvalue())
    print(f"memory horizon {flow.horizon} steps ({int(gradflow_model.gradflow.HORIZON_SHARE * 100)} % "
          "of the gates' gradient magnitude)")
    print(f"wrote {args.csv}")
    if args.matrix:
        out = io.StringIO()
        np.savetxt(out, flow.abs_map, delimiter=",",
                   header="rows t (error term), columns s (step); sum over parameters of |G[t, s]|")
        _write(args.matrix, out.getvalue())
        print(f"wrote {args.matrix}")
    return 0


def _gradflow(run, args) -> int:
    from ..core.analysis import gradflow
    from ..core.models import UNIT
    if run.model is not None:
        return _gradflow_model(run, args)
    need = gradflow.nbytes(len(run.x), run.params.size)
    if need > MAX_GRADFLOW_BYTES:
        print(f"lstm-gui {args.command}: the itemised gradient of this model would take {need / 1e9:.1f} GB "
              f"(limit {MAX_GRADFLOW_BYTES / 1e9:.0f} GB)", file=sys.stderr)
        return 1
    flow = gradflow.analyse(run.params, run.x, run.target, run.config.delay)
    units = run.params.shape[0]
    n = flow.G.shape[0]
    G = flow.G.reshape((n, n, units, UNIT.size))
    profile = gradflow.by_lag(G).reshape(n, -1)
    magnitude = gradflow.lag_magnitude(G)
    names = [name if units == 1 else f"{name}@{u + 1}" for u in range(units) for name in UNIT.names()]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["lag"] + names + ["magnitude"])
    for k in range(n):
        w.writerow([k] + [repr(float(v)) for v in profile[k]] + [repr(float(magnitude[k]))])
    _write(args.csv, out.getvalue())
    print(f"memory horizon {gradflow.horizon_of(magnitude)} steps "
          f"({int(gradflow.HORIZON_SHARE * 100)} % of the gradient's magnitude)")
    print(f"wrote {args.csv}")
    if args.matrix:
        total = np.abs(G).sum(axis=(2, 3))
        out = io.StringIO()
        np.savetxt(out, total, delimiter=",", header="rows t (error term), columns s (step)")
        _write(args.matrix, out.getvalue())
        print(f"wrote {args.matrix}")
    return 0

"""`lstm-gui demo`: train the C library's experiments and the tutorials' models, and save the
window as PNGs."""
from __future__ import annotations

import sys

from .options import positive_int
from .support import EXIT_INTERRUPTED, StopFlag, output_folder, plural, sigint_stops

NAMES = ("demo",)


def add_parser(sub) -> None:
    d = sub.add_parser("demo", help="train the C library's experiments and the tutorials' models, and save screenshots")
    d.add_argument("--out", type=output_folder("images"), default="screenshots",
                   help="the folder for the images (made if missing; default screenshots)")
    d.add_argument("--only", nargs="*", help="names of demos to run (default: all)")
    d.add_argument("--epochs", type=positive_int, help="train each demo this many epochs instead")


def run(args, parser) -> int:
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
                print(f"lstm-gui demo: interrupted after {done} of {len(names)} demos; their images are in "
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
    print(f"wrote {plural(images, 'image')} to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0

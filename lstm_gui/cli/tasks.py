"""`lstm-gui tasks`: the tasks and their settings."""
from __future__ import annotations

from ..core.training.noise import NOISE_KINDS, NOISE_MODES
from ..core.training.tasks import PRESETS
from .options import DEFAULT_EPOCHS

NAMES = ("tasks",)


def add_parser(sub) -> None:
    sub.add_parser("tasks", help="list the tasks and their settings")


def run(args, parser) -> int:
    print(f"{'task':<14} {'length':>6} {'cycles':>6} {'ampl.':>5} {'epochs':>6}  description")
    for p in PRESETS.values():
        print(f"{p.key:<14} {p.length:>6} {p.cycles:>6g} {p.amplitude:>5g} {p.epochs:>6}  {p.description}")
    print(f"a CSV file  two numeric columns (input, target), optional header; {DEFAULT_EPOCHS} epochs")
    print(f"noise modes: {', '.join(NOISE_MODES)}; kinds: {', '.join(NOISE_KINDS)}; "
          "drawn once from the seed, or every epoch with --resample-noise")
    return 0

"""`lstm-gui tasks`: the tasks and their settings."""
from __future__ import annotations

from ..core.training.datasets import SET_PRESETS
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
    print("\ntasks of many sequences (the source tutorials' experiments; --hidden, --batch, --lr, "
          "--epochs override their defaults):")
    for s in SET_PRESETS.values():
        stop = f", stop below {s.target_mse:g}" if s.target_mse else ""
        print(f"{s.key:<16} H {s.hidden}, {s.optimizer} lr {s.lr:g}, batch {s.batch}, "
              f"{s.epochs} epochs{stop}, init {s.init}\n{'':<17}{s.description}\n"
              f"{'':<17}source: {s.source}")
    print(f"\na CSV file  input column(s), then the target, optional header; {DEFAULT_EPOCHS} epochs; "
          "a header column named id, seq or sequence\n            makes many sequences "
          "(the last fifth held out as the test set)")
    print(f"noise modes: {', '.join(NOISE_MODES)}; kinds: {', '.join(NOISE_KINDS)}; "
          "drawn once from the seed, or every epoch with --resample-noise")
    return 0

"""Model files: size and load time of format 2 against format 1, measured in the same run.

`python -m lstm_gui.bench --files`.  The model is the largest the app keeps: a 16-unit chain
whose history is at its 20 000-row cap (filled without training 20 000 epochs).  The reference
is format 1 (every array an indented JSON list), written and read in the same process.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from ..core import limits
from ..core.files import modelfile
from ..core.models import UNIT
from ..core.training.run import RunConfig, TrainingRun
from ..core.training.tasks import preset
from .timing import versus


def _largest_run() -> TrainingRun:
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=100), units=limits.MAX_UNITS, epochs=0))
    rows = np.random.default_rng(0).uniform(-3, 3, (limits.MAX_HISTORY_ROWS, limits.MAX_UNITS, UNIT.size))
    for e, p in enumerate(rows, start=1):
        run.history.append(e, float(e), p)
    run.epoch = len(rows)
    return run


def _format_1_text(run: TrainingRun) -> str:
    doc = {"format": "lstm-gui", "version": 1,
           "units": [dict(zip(UNIT.names(), row)) for row in run.params.tolist()],
           "delay": run.config.delay, "config": run.config.to_dict(), "state": run.state_dict(True)}
    return json.dumps(doc, allow_nan=False, indent=1)


def bench_files(quick: bool = False) -> None:
    run = _largest_run()
    with tempfile.TemporaryDirectory(prefix="lstm-gui-bench-") as folder:
        v1, v2 = Path(folder) / "v1.json", Path(folder) / "v2.json"
        v1.write_text(_format_1_text(run))
        modelfile.save(run, v2)
        mb1, mb2 = v1.stat().st_size / 2**20, v2.stat().st_size / 2**20
        print(f"model file, 16 units, history at its {limits.MAX_HISTORY_ROWS:,}-row cap: "
              f"format 1 {mb1:.1f} MB, format 2 {mb2:.1f} MB ({mb1 / mb2:.2f}x smaller); "
              f"load limit {modelfile.MAX_BYTES / 2**20:.0f} MB")
        v = versus(lambda: modelfile.load(v2), lambda: modelfile.load(v1), 3 if quick else 9, 1, 1)
        print(f"load: format 2 {v.best:.2f} s, format 1 {v.best_ref:.2f} s (best); format 2 is "
              f"{v.ratio:.2f}x faster (median of paired rounds, quartiles {v.low:.2f}-{v.high:.2f})")
        v = versus(lambda: modelfile.save(run, v2), lambda: v1.write_text(_format_1_text(run)),
                    3 if quick else 9, 1, 1)
        print(f"save: format 2 {v.best:.2f} s, format 1 {v.best_ref:.2f} s (best); format 2 is "
              f"{v.ratio:.2f}x faster (quartiles {v.low:.2f}-{v.high:.2f})")


if __name__ == "__main__":
    bench_files()

"""The warm-up compiles every kernel a model's run calls (issue 26): it warmed only the unit's,
so the first run of a model compiled layer_kernels' fused kernel in the training thread, under
the run's lock, for tens of seconds to minutes, and the window showed nothing meanwhile."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# In a fresh process (the dispatchers start empty; the kernels load from this tree's cache):
# warm up, then do what the window does with a model (train chunks, record the test MSE,
# take a snapshot, the landscape's and gradient view's passes) and list every compiled
# dispatcher that gained a signature afterwards: each is a compile (or cache load) the
# warm-up left for later, on another thread.
SCRIPT = r"""
import json
from lstm_gui.core.models.compiled import _kernels, layer_kernels
from lstm_gui.core.models.compiled.fast_model import FastModel
from lstm_gui.core.training import compiled_run
from lstm_gui.core.training.run import RunConfig, TrainingRun

def signatures():
    return {f"{m.__name__}.{name}": len(getattr(m, name).signatures)
            for m in (_kernels, layer_kernels) for name in dir(m)
            if hasattr(getattr(m, name), "signatures")}

from lstm_gui.core.training import warm_up
warm_up.warm_up_all()
before = signatures()
for cfg in (RunConfig(hidden=3, epochs=40), RunConfig(cell="gru", hidden=2, units=2, epochs=40)):
    run = TrainingRun(cfg)
    assert compiled_run.trainer_for(run) is compiled_run.model_chunk
    run.train(40)
    run.snapshot_job().compute()
    FastModel(run.model).loss_and_grad(run.params, run.x, run.target)
after = signatures()
print(json.dumps(sorted(k for k in after if after[k] != before.get(k))))
"""


def test_after_the_warm_up_a_models_run_compiles_nothing():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("LSTM_GUI_KERNEL", None)
    res = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    left = json.loads(res.stdout.strip().splitlines()[-1])
    assert left == [], f"compiled after the warm-up: {left}"

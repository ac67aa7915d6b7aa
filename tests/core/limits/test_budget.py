"""One memory budget (core/limits.MAX_WORK_BYTES), estimated before allocating, for every
analysis and ensemble, not only training (issue 26, item 10).  Peak memory measured with
tracemalloc at the largest size the limits allow stays under the budget."""
import tracemalloc

import numpy as np
import pytest

from lstm_gui.core import limits
from lstm_gui.core.analysis import gradflow, landscape
from lstm_gui.core.analysis.ensemble import EnsembleRun
from lstm_gui.core.training.run import RunConfig
from lstm_gui.core.training.tasks import preset


def test_an_ensemble_over_the_budget_is_refused_before_allocating():
    config = RunConfig(task=preset("sin-cos", length=limits.MAX_LENGTH))
    tracemalloc.start()
    with pytest.raises(ValueError, match="an ensemble of 64 seeds x 1 units x 1,000,000 points would need"):
        EnsembleRun(config, range(64))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6


def test_the_hessian_and_the_itemised_gradient_of_a_long_model_are_refused_before_allocating():
    n = 300_000
    x = np.sin(np.arange(n) * 0.01)
    params = np.full((1, 12), 0.1)
    tracemalloc.start()
    with pytest.raises(ValueError, match="the Hessian of 1 unit on 300,000 points would need"):
        landscape.hessian(params, x, x)
    with pytest.raises(ValueError, match="the itemised gradient over 300,000 steps would need"):
        gradflow.analyse(params, x, x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6


def test_a_landscape_grid_of_a_long_model_stays_within_the_budget(monkeypatch):
    # A smaller budget and sequence, the same mechanism: the grid's chunk shrinks to fit.
    monkeypatch.setattr(limits, "MAX_WORK_BYTES", 40 * 2**20)
    n = 20_000
    x = np.sin(np.arange(n) * 0.01)
    params = np.full((1, 12), 0.1)
    d1, d2 = np.eye(12)[:2].reshape(2, 1, 12)
    tracemalloc.start()
    _, _, mse = landscape.grid(params, x, x, d1, d2, 1.0, 16)     # 256 models: ~270 MB at once
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.isfinite(mse).all()
    assert peak < 2 * limits.MAX_WORK_BYTES, f"peak {peak / 2**20:.0f} MiB"

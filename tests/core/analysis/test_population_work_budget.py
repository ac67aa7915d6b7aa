"""The compiled population kernel's work array is counted in the memory budget (issue 26): it
holds 16 rows of a block of 16 models per unit and step (2 KiB) whatever the number of models,
so a landscape of a 1 000 000-point model peaked at 2.0 GiB (tracemalloc) against the 1 GiB
budget once that kernel came in, and a one-seed ensemble of 10^6 points would take 2 GiB."""
import tracemalloc

import numpy as np
import pytest

from lstm_gui.core import limits
from lstm_gui.core.analysis import landscape
from lstm_gui.core.models import Model, compiled


def test_the_limits_know_the_kernels_work_per_unit_and_step():
    from lstm_gui.core.models.compiled import _kernels
    assert limits.POPULATION_WORK_BYTES_PER_UNIT_STEP == 8 * _kernels.STEP


def test_a_long_map_stays_within_the_budget(monkeypatch):
    compiled.use("compiled")
    try:
        monkeypatch.setattr(limits, "MAX_WORK_BYTES", 128 * 2**20)
        n = 100_000          # the population kernel's work alone: 195 MiB
        x = np.sin(np.arange(n) * 0.01)
        models = np.random.default_rng(0).uniform(-1, 1, (3, 1, Model().size))
        want = np.array([landscape.population_mse(m[None], x, x)[0] for m in models])
        tracemalloc.start()
        got = landscape.population_mse(models, x, x)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        compiled.use(None)
    assert peak < 128 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_an_ensemble_counts_the_kernels_work():
    need = limits.ensemble_bytes(1, 1, limits.MAX_LENGTH)
    assert need >= limits.POPULATION_WORK_BYTES_PER_UNIT_STEP * limits.MAX_LENGTH
    with pytest.raises(ValueError, match="GiB"):
        limits.check_work_bytes(need, "an ensemble of 1 seed")

"""A unit on the longest sequence the limits allow: making its run and drawing it take well under
a second (issue 26).  The window with every dock open at 1 000 000 points spent 15-20 s setting
the length (the run checked its sequences with a whole forward and backward pass in Python) and
as long in every redraw at a pause and at close (the snapshot's passes: 1 000 000 and 3 000 000
steps on Python floats), on the window's thread."""
import time

import numpy as np
import pytest

from lstm_gui.core.models import Model, compiled, unit
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

N = 1_000_000


@pytest.fixture
def compiled_path():
    if not compiled.available():
        pytest.fail("numba is part of the test environment")
    compiled.use("compiled")
    yield
    compiled.use(None)


def test_a_run_of_the_longest_sequence_is_made_and_drawn_at_once(compiled_path):
    unit.forward(np.full(Model().size, 0.1), np.zeros(unit.COMPILED_FROM))   # kernel loaded
    start = time.perf_counter()
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=N)))
    made = time.perf_counter() - start
    start = time.perf_counter()
    snap = run.snapshot_job().compute()
    drawn = time.perf_counter() - start
    # Measured 0.7 s and 1.6 s at load 6 (niced), against 9.3 s and 15-40 s before.
    assert made < 3.0 and drawn < 5.0, (made, drawn)
    assert snap.trace.h.shape == (N,) and np.isfinite(snap.trace.h).all()


def test_bad_sequences_are_still_refused_in_one_line():
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=50)))
    run.x = run.x.copy()
    run.x[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        run._check_sequences()


def test_a_long_trace_is_the_same_on_both_paths(compiled_path):
    n = unit.COMPILED_FROM + 10
    x = np.sin(np.arange(n) * 0.01)
    p = np.random.default_rng(1).uniform(-1, 1, (2, Model().size))
    fast = unit.forward(p, x)
    compiled.use("numpy")
    slow = unit.forward(p, x)
    for name in ("h", "f", "i", "c_tilde", "c", "o", "h_units", "x_in"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_allclose(unit.output(p, x), slow.h, rtol=0, atol=1e-12)

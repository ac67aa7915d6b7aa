"""History.view: the rows drawn for a long run, spread evenly over the run's epochs."""
import numpy as np

from lstm_gui.core.training.history import History


def _long_history(epochs: int) -> History:
    h = History(units=1)
    p = np.zeros(12)
    e = np.arange(epochs + 1)
    h.extend(e, 1.0 / (1 + e), np.tile(p, (len(e), 1)))
    return h


def test_a_long_run_is_drawn_evenly_in_epochs():
    h = _long_history(300_000)
    epochs, mse, params = h.view(1200)
    assert len(epochs) <= 1200 and params.shape == (len(epochs), 1, 12)
    assert epochs[0] == 0 and epochs[-1] == 300_000
    # The last 5 % of the run gets about 5 % of the points, not 62 %.
    assert np.mean(epochs >= 0.95 * 300_000) < 0.08
    gaps = np.diff(epochs)
    assert gaps.max() <= 2 * 300_000 / 1200 + h.stride     # no hole wider than two spacings
    np.testing.assert_array_equal(mse, 1.0 / (1 + epochs))  # the rows are the stored ones


def test_a_short_run_is_drawn_whole():
    h = _long_history(500)
    epochs, _, _ = h.view(1200)
    np.testing.assert_array_equal(epochs, np.arange(501))

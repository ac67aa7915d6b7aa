import numpy as np

from lstm_gui.core.training.smoothing import ema, smooth


def test_smoothing_follows_a_falling_line_without_lag():
    line = np.linspace(0.0, -3.0, 400)          # log MSE falling steadily
    one_sided, both = ema(line, 25), smooth(line, 25)
    inner = slice(100, 300)
    assert np.max(np.abs(one_sided[inner] - line[inner])) > 0.08   # the EMA trails it
    assert np.max(np.abs(both[inner] - line[inner])) < 1e-4     # a thousand times closer


def test_smoothing_removes_noise_and_keeps_the_shape():
    rng = np.random.default_rng(0)
    clean = np.linspace(0.0, -2.0, 1000)
    noisy = clean + rng.normal(0.0, 0.2, 1000)
    out = smooth(noisy, 25)
    assert out.shape == noisy.shape
    assert np.std(out - clean) < 0.3 * np.std(noisy - clean)


def test_short_histories_are_barely_smoothed():
    values = np.array([3.0, 1.0, 2.0, 0.5])
    np.testing.assert_array_equal(smooth(values, 25), values)   # span capped at len // 8
    assert len(smooth(np.zeros(0), 25)) == 0

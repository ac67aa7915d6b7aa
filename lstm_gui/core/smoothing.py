"""Smoothing for display: an exponential moving average over a curve's points."""
import numpy as np


def ema(values: np.ndarray, span: int) -> np.ndarray:
    """Exponential moving average with the usual alpha = 2 / (span + 1), shape kept."""
    values = np.asarray(values, dtype=float)
    if span <= 1 or values.size == 0:
        return values.copy()
    alpha = 2.0 / (span + 1)
    out = np.empty_like(values)
    acc = values[0]
    for k, v in enumerate(values.tolist()):
        acc = alpha * v + (1 - alpha) * acc
        out[k] = acc
    return out

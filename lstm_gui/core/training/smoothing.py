"""Smoothing for display: an exponential moving average over a curve's points."""
import numpy as np


def ema(values: np.ndarray, span: int) -> np.ndarray:
    """Exponential moving average with the usual alpha = 2 / (span + 1), shape kept."""
    values = np.asarray(values, dtype=float)
    if span <= 1 or values.size == 0:
        return values.copy()
    alpha = 2.0 / (span + 1)
    beta = 1 - alpha
    out: list[float] = []
    keep = out.append
    acc = float(values[0])
    for v in values.tolist():
        acc = alpha * v + beta * acc
        keep(acc)
    return np.array(out)


def smooth(values: np.ndarray, span: int) -> np.ndarray:
    """Zero-lag smoothing: the EMA run forwards, then backwards over its result.

    A one-sided EMA trails a falling curve by about span/2 points, which early in a run put
    the smoothed MSE above every raw point; the backward pass cancels that lag.  The span is
    capped at an eighth of the points, so that a short history is not flattened.
    """
    values = np.asarray(values, dtype=float)
    span = min(span, max(1, len(values) // 8))
    return ema(ema(values, span)[::-1], span)[::-1]

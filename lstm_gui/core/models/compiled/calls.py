"""Calls into the compiled kernel for a model's loss and gradient, one model or a population:
the compiled twins of ``unit.model_loss_and_grad`` and ``unit.loss_and_grad``."""
from __future__ import annotations

import numpy as np

from . import _kernels as K


def model_loss_and_grad(p: np.ndarray, x: np.ndarray, target: np.ndarray, delay: int):
    """unit.model_loss_and_grad, compiled: p (U, 12), x and target (n,).

    Returns the MSE (a float) and the gradient (U, 12).
    """
    p = np.ascontiguousarray(p, dtype=float)
    x = np.ascontiguousarray(x, dtype=float)
    work = np.empty((10, p.shape[0], x.shape[0]))
    grad = np.empty_like(p)
    mse = K.model_loss_and_grad(p, x, np.ascontiguousarray(target, dtype=float), delay, work, grad)
    return mse, grad


def _time_major(seq, k: int) -> np.ndarray:
    s = np.asarray(seq, dtype=float)
    if s.ndim == 1:
        return np.ascontiguousarray(np.broadcast_to(s[:, None], (s.shape[0], k)))
    return np.ascontiguousarray(s.T)


def population_loss_and_grad(p: np.ndarray, x, target, delay: int = 0):
    """unit.loss_and_grad, compiled: p (K, U, 12); x, target (n,) shared or (K, n).

    Returns mse (K,) and grad (K, U, 12).
    """
    p = np.ascontiguousarray(p, dtype=float)
    k = p.shape[0]
    mse = np.empty(k)
    grad = np.empty_like(p)
    K.population_loss_and_grad(p, _time_major(x, k), _time_major(target, k), delay, mse, grad)
    return mse, grad

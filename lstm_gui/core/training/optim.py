"""Optimizers: plain gradient descent (the C library's update), momentum and Adam.

An optimizer turns (params, grad) into new params and keeps whatever state it needs.  A step
whose gradient, or whose result, is not finite raises :class:`NonFiniteStep` and changes
nothing: neither the parameters it was given nor its own state.
"""
from __future__ import annotations

import numpy as np

from ..models import Model

OPTIMIZERS = ("sgd", "momentum", "adam")
DEFAULT_LR = {"sgd": 0.01, "momentum": 0.01, "adam": 0.05}


class NonFiniteStep(ArithmeticError):
    """The loss, the gradient or the updated parameters were NaN or infinite."""


def check_lr(lr: float) -> float:
    """Return lr as a float if it lies in (0, 1), else raise ValueError."""
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"learning rate must be a number, got {lr!r}") from None
    if not 0.0 < lr < 1.0:
        raise ValueError(f"learning rate must lie in (0, 1), got {lr:g}")
    return lr


def check_clip(clip: float | None) -> float | None:
    if clip is None:
        return None
    clip = float(clip)
    if not (np.isfinite(clip) and clip > 0):
        raise ValueError(f"gradient clipping norm must be a positive number, got {clip:g}")
    return clip


class Optimizer:
    """Base class: learning rate, optional clipping of the gradient norm per model."""

    name = ""

    def __init__(self, lr: float | None = None, clip: float | None = None):
        self.lr = check_lr(DEFAULT_LR[self.name] if lr is None else lr)
        self.clip = check_clip(clip)

    def set_lr(self, lr: float) -> None:
        self.lr = check_lr(lr)

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return the updated parameters (a new array); raise NonFiniteStep if not finite."""
        params = np.asarray(params, dtype=float)
        grad = np.asarray(grad, dtype=float)
        with np.errstate(all="ignore"):   # a non-finite step is reported just below
            new, state = self._update(params, self._clipped(grad))
        # A non-finite gradient always makes a non-finite update: one check covers both.
        if not np.isfinite(new).all():
            raise NonFiniteStep("the gradient or the update is not finite")
        self._commit(state)
        return new

    def _clipped(self, grad: np.ndarray) -> np.ndarray:
        if self.clip is None:
            return grad
        # One norm per model: the last two axes are (units, 12) or just (12,).
        axes = tuple(range(max(grad.ndim - 2, 0), grad.ndim))
        norm = np.sqrt(np.sum(grad * grad, axis=axes, keepdims=True))
        return grad * np.minimum(1.0, self.clip / np.maximum(norm, 1e-300))

    def _update(self, params, grad):
        raise NotImplementedError

    def _commit(self, state) -> None:
        pass

    def state_dict(self) -> dict:
        """Everything needed to continue bit-identically, as JSON-friendly values."""
        return {"name": self.name, "lr": self.lr, "clip": self.clip}

    def load_state(self, state: dict) -> None:
        """Restore the moments saved by :meth:`state_dict` (hyper-parameters come via init)."""

    def load_moments(self, m: np.ndarray, v: np.ndarray, t: int) -> None:
        """Take over moments computed elsewhere (the compiled kernels): m is momentum's
        velocity or Adam's first moment, v Adam's second, t Adam's step count; shaped like the
        parameters.  Plain gradient descent keeps none."""


class SGD(Optimizer):
    """p <- p - lr * grad: the C library's update."""

    name = "sgd"

    def _update(self, params, grad):
        return params - self.lr * grad, None


class Momentum(Optimizer):
    """Heavy-ball momentum: v <- beta v + grad; p <- p - lr v."""

    name = "momentum"

    def __init__(self, lr=None, clip=None, beta: float = 0.9):
        super().__init__(lr, clip)
        self.beta = float(beta)
        self.velocity: np.ndarray | None = None

    def _update(self, params, grad):
        v = grad if self.velocity is None else self.beta * self.velocity + grad
        return params - self.lr * v, v

    def _commit(self, state):
        self.velocity = state

    def load_moments(self, m, v, t):
        self.velocity = m

    def state_dict(self):
        velocity = None if self.velocity is None else self.velocity.tolist()
        return {**super().state_dict(), "beta": self.beta, "velocity": velocity}

    def load_state(self, state):
        v = state.get("velocity")
        self.velocity = None if v is None else np.array(v, dtype=float)


class Adam(Optimizer):
    """Adam (Kingma and Ba) with bias correction."""

    name = "adam"

    def __init__(self, lr=None, clip=None, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr, clip)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None
        self.t = 0

    def _update(self, params, grad):
        m = (1 - self.beta1) * grad if self.m is None else self.beta1 * self.m + (1 - self.beta1) * grad
        g2 = grad * grad
        v = (1 - self.beta2) * g2 if self.v is None else self.beta2 * self.v + (1 - self.beta2) * g2
        t = self.t + 1
        m_hat = m / (1 - self.beta1 ** t)
        v_hat = v / (1 - self.beta2 ** t)
        return params - self.lr * m_hat / (np.sqrt(v_hat) + self.eps), (m, v, t)

    def _commit(self, state):
        self.m, self.v, self.t = state

    def load_moments(self, m, v, t):
        self.m, self.v, self.t = m, v, t

    def state_dict(self):
        return {**super().state_dict(), "beta1": self.beta1, "beta2": self.beta2,
                "eps": self.eps, "t": self.t,
                "m": None if self.m is None else self.m.tolist(),
                "v": None if self.v is None else self.v.tolist()}

    def load_state(self, state):
        self.t = int(state.get("t", 0))
        self.m = None if state.get("m") is None else np.array(state["m"], dtype=float)
        self.v = None if state.get("v") is None else np.array(state["v"], dtype=float)


_CLASSES = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def make_optimizer(name: str, lr: float | None = None, clip: float | None = None) -> Optimizer:
    """An optimizer by name ('sgd', 'momentum', 'adam'); ValueError for an unknown name."""
    try:
        cls = _CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}") from None
    return cls(lr=lr, clip=clip)


def optimizer_from_state(state: dict) -> Optimizer:
    """Rebuild an optimizer, moments included, from :meth:`Optimizer.state_dict`."""
    opt = make_optimizer(state["name"], state["lr"], state.get("clip"))
    for key in ("beta", "beta1", "beta2", "eps"):
        if key in state:
            setattr(opt, key, float(state[key]))
    opt.load_state(state)
    return opt


def init_params(rng: np.random.Generator, units: int = 1, low: float = -1.0,
                high: float = 1.0, population: int | None = None) -> np.ndarray:
    """Initial parameters uniform in [low, high]: (units, 12), or (K, units, 12)."""
    if units < 1:
        raise ValueError(f"a chain needs at least one unit, got {units}")
    if not low < high:
        raise ValueError(f"initial range must have min < max, got [{low:g}, {high:g}]")
    per_unit = Model().size
    shape = (units, per_unit) if population is None else (population, units, per_unit)
    return rng.uniform(low, high, size=shape)

"""Noise on the input, the target or both, as in the C library's noise experiments."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import limits

NOISE_MODES = ("none", "target", "input", "both")
NOISE_KINDS = ("uniform", "gaussian")


@dataclass(frozen=True)
class Noise:
    """mode: where the noise goes; amplitude a: uniform in [-a, a] or Gaussian with sd a;
    resample: False draws it once from the run's seed (the C library's way), True draws it
    afresh every epoch."""

    mode: str = "none"
    amplitude: float = 0.1
    kind: str = "uniform"
    resample: bool = False

    def __post_init__(self):
        if self.mode not in NOISE_MODES:
            raise ValueError(f"unknown noise mode {self.mode!r}; choose one of {', '.join(NOISE_MODES)}")
        if self.kind not in NOISE_KINDS:
            raise ValueError(f"unknown noise kind {self.kind!r}; choose uniform or gaussian")
        limits.check_setting("noise.amplitude", self.amplitude)

    @property
    def active(self) -> bool:
        return self.mode != "none" and self.amplitude > 0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "uniform":
            return rng.uniform(-self.amplitude, self.amplitude, n)
        return rng.normal(0.0, self.amplitude, n)

    def apply(self, x: np.ndarray, target: np.ndarray, rng: np.random.Generator):
        """Return noisy copies (x, target); the draws advance rng."""
        if not self.active:
            return x, target
        n = len(x)
        if self.mode in ("input", "both"):
            x = x + self.draw(rng, n)
        if self.mode in ("target", "both"):
            target = target + self.draw(rng, n)
        return x, target

    def to_dict(self) -> dict:
        return {"mode": self.mode, "amplitude": self.amplitude, "kind": self.kind,
                "resample": self.resample}

    @classmethod
    def from_dict(cls, d: dict) -> Noise:
        return cls(mode=d["mode"], amplitude=float(d["amplitude"]), kind=d.get("kind", "uniform"),
                   resample=bool(d.get("resample", False)))

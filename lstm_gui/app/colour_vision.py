"""How colours read to a deuteranope: Machado, Oliveira & Fernandes (2009), severity 1.

Used to check the palette (tests) and to look at screenshots as a deuteranope would
(``simulate_deuteranopia`` on the pixels of a grab).  Pure numpy.
"""
from __future__ import annotations

import numpy as np

# Machado et al. 2009, deuteranomaly at severity 1.0 (deuteranopia), on linear RGB.
DEUTERANOPIA = np.array([
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
])
_SRGB_TO_XYZ = np.array([
    [0.4124, 0.3576, 0.1805],
    [0.2126, 0.7152, 0.0722],
    [0.0193, 0.1192, 0.9505],
])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def hex_to_rgb(colour: str) -> np.ndarray:
    """'#RRGGBB' -> float array (3,) in 0..255."""
    return np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)], dtype=float)


def to_linear(rgb) -> np.ndarray:
    """sRGB 0..255, shape (..., 3) -> linear 0..1."""
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_srgb(linear) -> np.ndarray:
    """Linear 0..1, shape (..., 3) -> sRGB 0..255 (float)."""
    c = np.clip(linear, 0.0, 1.0)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate_deuteranopia(rgb) -> np.ndarray:
    """The colours (..., 3) in 0..255 as a deuteranope sees them, same shape, float."""
    return to_srgb(to_linear(rgb) @ DEUTERANOPIA.T)


def cielab(rgb) -> np.ndarray:
    """sRGB 0..255 (..., 3) -> CIELAB (..., 3), D65."""
    t = (to_linear(rgb) @ _SRGB_TO_XYZ.T) / _WHITE_D65
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def distance(a: str, b: str, deuteranope: bool = False) -> float:
    """CIELAB distance (CIE76) between two '#RRGGBB' colours, as seen with or without
    deuteranopia.  About 2 is just noticeable; lines need tens."""
    ra, rb = hex_to_rgb(a), hex_to_rgb(b)
    if deuteranope:
        ra, rb = simulate_deuteranopia(ra), simulate_deuteranopia(rb)
    return float(np.linalg.norm(cielab(ra) - cielab(rb)))

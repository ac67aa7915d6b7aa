"""Benchmark of the analyses (loss landscape, Hessian, gradient flow); part of `lstm_gui.bench`.

Each figure is paired with a reference measured in the same run (see bench.versus).
"""
from __future__ import annotations

import math

import numpy as np

from ..core.analysis import directions, gradflow, landscape
from ..core.models import UNIT, unit
from ..core.training.tasks import preset
from . import timing as bench


def plain_mse(p, x, target) -> float:
    """The MSE of one unit by a plain pure-Python forward pass: the landscape's reference."""
    wfh, wfx, bf, wih, wix, bi, wch, wcx, bc, woh, wox, bo = p
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))
    h = c = 0.0
    total = 0.0
    for xt, tt in zip(x, target):
        f = sig(wfh * h + wfx * xt + bf)
        i = sig(wih * h + wix * xt + bi)
        g = math.tanh(wch * h + wcx * xt + bc)
        o = sig(woh * h + wox * xt + bo)
        c = f * c + i * g
        h = o * math.tanh(c)
        total += (h - tt) ** 2
    return total / len(x)


def _cost_text(v: bench.Versus) -> str:
    """fn's time in units of the reference's: 1/ratio, with the quartiles swapped accordingly."""
    return f"{1 / v.ratio:6.1f}x one mse_and_grad (quartiles {1 / v.high:.1f}-{1 / v.low:.1f})"


def bench_analysis(quick: bool = False) -> None:
    rng = np.random.default_rng(0)
    x, t = preset("sin-cos").sequences()
    p = rng.uniform(-1, 1, UNIT.size)
    d1, d2 = directions.random_filter_normalised(p, rng)
    size = 64
    points = landscape.plane_points(p, d1, d2, *(np.linspace(-1, 1, size),) * 2).reshape(-1, UNIT.size)
    rows, xl, tl = [q.tolist() for q in points], x.tolist(), t.tolist()
    fast = landscape.grid(p, x, t, d1, d2, 1.0, size)[2].reshape(-1)
    plain = np.array([plain_mse(q, xl, tl) for q in rows])
    print(f"loss landscape, {size}x{size} grid, n = 100 (grid agrees with the plain loop to "
          f"{np.max(np.abs(fast - plain)):.1e}):")
    v = bench.versus(lambda: landscape.grid(p, x, t, d1, d2, 1.0, size),
                      lambda: [plain_mse(q, xl, tl) for q in rows], 3 if quick else 7, 1, 1)
    print(f"  one population: {v.best * 1e3:7.1f} ms; the {size * size} points one by one in plain "
          f"Python: {v.best_ref * 1e3:7.1f} ms; {bench.ratio_text(v)}  (target >= 5x)")

    rounds = 5 if quick else 15
    grad = lambda: unit.mse_and_grad(p, x, t)
    v = bench.versus(lambda: landscape.hessian(p, x, t), grad, rounds, 3, 20)
    print(f"exact Hessian ({UNIT.size} x {UNIT.size}, complex step of the gradient), n = 100: {v.best * 1e3:6.2f} ms"
          f"   {_cost_text(v)}")
    chain = rng.uniform(-1, 1, (4, UNIT.size))
    v = bench.versus(lambda: landscape.hessian(chain, x, t),
                      lambda: unit.mse_and_grad(chain, x, t), rounds, 2, 20)
    print(f"exact Hessian of a chain of 4 (48 x 48), n = 100:              {v.best * 1e3:6.2f} ms"
          f"   {_cost_text(v)}")

    for n in (100, 500):
        xs, ts = preset("sin-cos", length=n, cycles=5 * n / 100).sequences()
        v = bench.versus(lambda xs=xs, ts=ts: gradflow.analyse(p, xs, ts),
                          lambda xs=xs, ts=ts: unit.mse_and_grad(p, xs, ts), rounds, 2, 10)
        print(f"gradient flow G (n x n x {UNIT.size}) + adjoints, n = {n}:                 {v.best * 1e3:6.2f} ms"
              f"   {_cost_text(v)}")

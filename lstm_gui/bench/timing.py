"""Timing helpers shared by the benchmarks: best-of and paired rounds against a reference
measured in the same run, and the plain-Python epoch every speed is compared with."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..core.models import UNIT, unit
from ..core.training.tasks import preset


def plain_epoch(p: list, x: list, target: list, lr: float) -> float:
    """One epoch of one unit in plain Python: forward, exact BPTT, SGD.  Returns the MSE.

    The in-run reference, written the obvious way (min-char-rnn style), and an independent
    check of the core's gradient (see check_plain_matches_core).
    """
    wfh, wfx, bf, wih, wix, bi, wch, wcx, bc, woh, wox, bo = p
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))
    n = len(x)
    hs, cs, fs, is_, gs, os_ = [0.0], [0.0], [], [], [], []
    for t in range(n):
        h, c = hs[-1], cs[-1]
        f = sig(wfh * h + wfx * x[t] + bf)
        i = sig(wih * h + wix * x[t] + bi)
        g = math.tanh(wch * h + wcx * x[t] + bc)
        o = sig(woh * h + wox * x[t] + bo)
        c = f * c + i * g
        fs.append(f); is_.append(i); gs.append(g); os_.append(o)
        cs.append(c)
        hs.append(o * math.tanh(c))
    grad = [0.0] * UNIT.size
    dh_next = dc_next = 0.0
    mse = 0.0
    for t in reversed(range(n)):
        err = hs[t + 1] - target[t]
        mse += err * err
        dh = 2.0 / n * err + dh_next
        tc = math.tanh(cs[t + 1])
        do = dh * tc * os_[t] * (1 - os_[t])                 # through o
        dc = dh * os_[t] * (1 - tc * tc) + dc_next           # through tanh(C)
        df = dc * cs[t] * fs[t] * (1 - fs[t])
        di = dc * gs[t] * is_[t] * (1 - is_[t])
        dg = dc * is_[t] * (1 - gs[t] * gs[t])
        h_prev = hs[t]
        for k, dz in enumerate((df, di, dg, do)):
            grad[3 * k] += dz * h_prev
            grad[3 * k + 1] += dz * x[t]
            grad[3 * k + 2] += dz
        dh_next = df * wfh + di * wih + dg * wch + do * woh
        dc_next = dc * fs[t]
    for k in range(UNIT.size):
        p[k] -= lr * grad[k]
    return mse / n


def check_plain_matches_core() -> float:
    """Largest relative difference between the plain loop's update and the core's."""
    rng = np.random.default_rng(1)
    p = rng.uniform(-1, 1, UNIT.size)
    x, t = preset("sin-cos").sequences()
    q = p.tolist()
    plain_epoch(q, x.tolist(), t.tolist(), 0.5)
    _, g = unit.mse_and_grad(p, x, t)
    return float(np.max(np.abs((p - np.array(q)) / 0.5 - g)) / np.max(np.abs(g)))


def best(fn, repeat: int, number: int) -> float:
    """Best time per call over `repeat` rounds of `number` calls (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best


@dataclass
class Versus:
    """fn against the reference: best times per call, and the ratio reference / fn."""

    best: float
    best_ref: float
    ratio: float          # median over rounds of the paired ratios
    low: float            # quartiles of those ratios: how much the machine moved
    high: float


def versus(fn, ref, rounds: int, number: int, ref_number: int) -> Versus:
    """Time fn and the reference in pairs of back-to-back batches (a few ms each).

    This machine is shared: its speed moves by tens of percent from second to second.
    Within a pair both see nearly the same machine, so the ratio of a pair is far steadier
    than either time; the median over the pairs discards the pairs a burst upset.  The
    order alternates, so neither always runs first.
    """
    best_fn = best_ref = float("inf")
    ratios = []
    for r in range(rounds):
        if r % 2:
            t_fn = best(fn, 1, number)
            t_ref = best(ref, 1, ref_number)
        else:
            t_ref = best(ref, 1, ref_number)
            t_fn = best(fn, 1, number)
        best_fn, best_ref = min(best_fn, t_fn), min(best_ref, t_ref)
        ratios.append(t_ref / t_fn)
    low, mid, high = np.percentile(ratios, [25, 50, 75])
    return Versus(best_fn, best_ref, float(mid), float(low), float(high))


def ratio_text(v: Versus, per: float = 1.0) -> str:
    return f"{v.ratio * per:5.2f}x the reference (quartiles {v.low * per:.2f}-{v.high * per:.2f})"

"""Gradient flow through time for any Model: the itemised BPTT of layers of H units, GRU, variants.

The definition is the unit's (:mod:`gradflow`): the parameters theta are shared by every
time step; give each step s its own copy theta_s; then ``G[t, s] = dE_t / d theta_s`` with
``E_t`` the part of the MSE from the outputs at step t (``sum over the sequences b of
(y(t, b) - target(t, b))**2 / (n B)``; sequence-to-one: only the last step has one), and
``G.sum((0, 1))`` is the gradient of ``Model.loss_and_grad``.  A parameter is "used at step s"
where its layer computes step s (a reverse direction computes step s at its own step
n - 1 - s; the readout is used at step t itself).

The lag of an entry is the distance in time ``|t - s|``: ``t - s`` for a one-way model, as the
unit's; a reverse direction learns from later steps, and in a stack of two-way layers a
forward layer can too.  The lag profile is per gate, summed over the layers and directions;
the memory horizon is taken over the gates' parameters (the readout, used at lag 0 only,
would otherwise count as memory of lag 0).

One backward pass per error term E_t, all run together: every adjoint of the reference's
BPTT (``reference_lstm.backward``, ``reference_gru.backward``) gets a leading axis of origins
t, so the time loop runs once per layer and direction on arrays (O, B, H).  G itself is
(n, n, size) floats (an H = 16 LSTM over 100 steps: 94 MB), so it is kept only on request;
the view needs its sums, which are reduced step by step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import limits
from ..models import Model, reference
from . import gradflow, model_data


@dataclass(frozen=True)
class ModelFlow:
    """The itemised gradient of a Model, reduced.

    abs_map (n, n): ``sum_p |G[t, s, p]|`` over every parameter (rows t, columns s).
    per_gate: gate -> (n,) ``sum_t sum_{p of the gate} |G[t, s, p]|`` over ``|t - s| = k``.
    readout (n,): the same for w_y, b_y (lag 0 only).  grad (size,): ``G.sum((0, 1))``.
    G (n, n, size) when asked for, else None.  note: which sequences, when sampled.
    """

    abs_map: np.ndarray
    per_gate: dict
    readout: np.ndarray
    grad: np.ndarray
    G: np.ndarray | None = None
    note: str = ""

    @property
    def magnitude(self) -> np.ndarray:
        """(n,): the gates' magnitude by lag (the readout left out)."""
        return np.sum(list(self.per_gate.values()), axis=0)

    @property
    def horizon(self) -> int:
        return gradflow.horizon_of(self.magnitude)


def work_bytes(model: Model, steps: int, sequences: int, origins: int, keep_G: bool) -> int:
    """Memory the itemised BPTT needs: per layer the adjoints reaching it from above and the
    one it passes down, (origins, steps, sequences, width) each, a few times over for the
    directions' copies and temporaries; and G itself when kept."""
    width = max(model.hidden * model.dirs, model.inputs)
    adjoints = 8 * 6 * origins * steps * sequences * width
    return adjoints + (8 * origins * steps * model.size if keep_G else 0)


def analyse(model: Model, theta, x, target, delay: int = 0, keep_G: bool = False,
            data=None) -> ModelFlow:
    """The itemised gradient of a Model's MSE on a run's data (as a snapshot holds it:
    x (n,) with target (n,), or x (N, n, m) with target (N, n) or (N,)), or on `data`
    (a :class:`model_data.Data`, e.g. a sample) when given.  No dropout (an analysis)."""
    theta = model.check(theta)
    data = model_data.time_major(x, target) if data is None else data
    xs, ts, last = data.x, data.target, data.seq_to_one
    n, B, _ = xs.shape
    origins = np.array([n - 1]) if last else np.arange(n)
    n_o = origins.size
    limits.check_work_bytes(work_bytes(model, n, B, n_o, keep_G),
                            f"the itemised gradient over {n:,} steps of {B:,} sequence"
                            f"{'s' if B > 1 else ''}")
    y, top, inputs, steps = reference._run(model, theta, xs, delay, [None] * (model.layers - 1))
    _, dy = reference._loss(y, ts, last)                           # (n, B)
    acc = _Accumulator(model, n, origins, keep_G)

    # The readout, used at step t by the error term of step t alone.
    dY = np.zeros((n_o, n, B))
    dY[np.arange(n_o), origins] = dy[origins]
    ro = model.readout_views(theta)
    if ro is not None:
        for o, t in enumerate(origins):
            dw = dy[t] @ top[t]                                     # (H * dirs,)
            db = dy[t].sum()
            acc.add_readout(o, t, dw, db)
        dtop = dY[..., None] * ro[0]                                # (O, n, B, H * dirs)
    else:
        dtop = dY[..., None]

    cells = model.cells(theta)
    H = model.hidden
    for k in reversed(range(model.layers)):
        dx = None
        for d in range(model.dirs):
            dh = dtop[..., d * H:(d + 1) * H]
            if d:
                dh = dh[:, ::-1]
            part = _backward(model, cells[k][d], steps[k][d], dh, acc, k, d, need_dx=k > 0)
            if part is not None:
                part = part[:, ::-1] if d else part
                dx = part if dx is None else dx + part
        if k == 0:
            break
        assert dx is not None             # every layer above the first passes one down
        if delay:                         # undo the delay: X(t) was read at t + 1
            dx = np.concatenate([dx[:, 1:], np.zeros_like(dx[:, :1])], axis=1)
        dtop = dx
    return acc.result(data.describe())


class _Accumulator:
    """Where each step's contributions go: the (t, s) map, per gate and lag, the gradient,
    and G when kept."""

    def __init__(self, model: Model, n: int, origins: np.ndarray, keep_G: bool):
        self.model = model
        self.n = n
        self.origins = origins
        self.abs_map = np.zeros((n, n))
        self.gate_abs = {g: np.zeros((origins.size, n)) for g in model.gates}   # (O, s)
        self.readout = np.zeros(n)
        self.grad = np.zeros(model.size)
        self.G = np.zeros((n, n, model.size)) if keep_G else None
        self._slices = {(b.kind, b.gate, b.layer, b.direction): b.slice for b in model.blocks()}

    def add_readout(self, o: int, t: int, dw: np.ndarray, db: float) -> None:
        size = float(np.abs(dw).sum() + abs(db))
        self.abs_map[t, t] += size
        self.readout[0] += size
        w, b = self._slices[("w_y", None, None, None)], self._slices[("b_y", None, None, None)]
        self.grad[w] += dw
        self.grad[b] += db
        if self.G is not None:
            self.G[t, t, w] += dw
            self.G[t, t, b] += db

    def add(self, kind: str, gate: str, layer: int, direction: int, s: int, c: np.ndarray) -> None:
        """c (O, ...): the block's contribution at step s for every origin."""
        flat = c.reshape(c.shape[0], -1)
        size = np.abs(flat).sum(axis=1)                              # (O,)
        self.abs_map[self.origins, s] += size
        self.gate_abs[gate][:, s] += size
        where = self._slices[(kind, gate, layer, direction)]
        self.grad[where] += flat.sum(axis=0)
        if self.G is not None:
            self.G[self.origins, s, where] += flat

    def add_outer(self, kind: str, gate: str, layer: int, direction: int, s: int,
                  dz: np.ndarray, v: np.ndarray) -> None:
        """A weight block's contribution dz (O, B, H) times its inputs v (B, k), summed over
        the sequences.  One sequence and no G: sum |dz_j v_l| = (sum |dz_j|)(sum |v_l|), the
        (O, H, k) products never made (they took half the time of an H = 16 LSTM's flow)."""
        if dz.shape[1] > 1 or self.G is not None:
            self.add(kind, gate, layer, direction, s, np.einsum("obh,bk->ohk", dz, v))
            return
        size = np.abs(dz[:, 0]).sum(axis=1) * np.abs(v[0]).sum()     # (O,)
        self.abs_map[self.origins, s] += size
        self.gate_abs[gate][:, s] += size
        where = self._slices[(kind, gate, layer, direction)]
        self.grad[where] += np.outer(dz[:, 0].sum(axis=0), v[0]).ravel()

    def result(self, note: str) -> ModelFlow:
        per_gate = {g: _by_distance(a, self.origins, self.n) for g, a in self.gate_abs.items()}
        return ModelFlow(self.abs_map, per_gate, self.readout, self.grad, self.G, note)


def _by_distance(a: np.ndarray, origins: np.ndarray, n: int) -> np.ndarray:
    """(n,): a (O, s) summed over |t - s| = k for each k, t = origins[o]."""
    lags = np.abs(origins[:, None] - np.arange(n)[None, :])
    return np.bincount(lags.ravel(), weights=a.ravel(), minlength=n)[:n]


def _backward(model, cell, s, dh, acc, layer, direction, need_dx):
    if model.family.is_gru:
        return _gru_backward(cell, s, dh, acc, layer, direction, need_dx)
    return _lstm_backward(model.family, cell, s, dh, acc, layer, direction, need_dx)


def _params(acc, gate, layer, direction, step, dz, x_t, h_prev, has_bias):
    """W_g, R_g and b_g's contributions at one step from dz (O, B, H)."""
    acc.add_outer("W", gate, layer, direction, step, dz, x_t)
    acc.add_outer("R", gate, layer, direction, step, dz, h_prev)
    if has_bias:
        acc.add("b", gate, layer, direction, step, dz.sum(axis=1))


def _lstm_backward(fam, cell, s, dh, acc, layer, direction, need_dx):
    """reference_lstm.backward with a leading axis of origins: dh (O, n, B, H) in the
    direction's own time; returns dE_t/dx (O, n, B, m) (None unless need_dx)."""
    n_o, n, B, H = dh.shape
    dx = np.zeros((n_o,) + s.x.shape) if need_dx else None
    dh_next = np.zeros((n_o, B, H))
    dc_next = np.zeros((n_o, B, H))
    p = cell["p"]
    bias = bool(cell["b"])
    zeros = np.zeros((B, H))
    for t in reversed(range(n)):
        step = t if direction == 0 else n - 1 - t                  # the sequence's own step
        h_prev = s.h[t - 1] if t else zeros
        c_prev = s.c[t - 1] if t else zeros
        f, i, c_tilde, c, o = s.f[t], s.i[t], s.c_tilde[t], s.c[t], s.o[t]
        a = c if fam.linear_output else np.tanh(c)
        dh_t = dh[:, t] + dh_next
        dz = {}
        if "o" in fam.gates:
            dz["o"] = dh_t * (a * o * (1.0 - o))
        dc = dc_next + dh_t * (o * (1.0 if fam.linear_output else 1.0 - a * a))
        if fam.peephole:
            dc = dc + dz["o"] * p["o"]
        df, di, dc_tilde = dc * c_prev, dc * c_tilde, dc * i
        if fam.coupled:
            di = di - df
        if "i" in fam.gates:
            dz["i"] = di * (i * (1.0 - i))
        if "f" in fam.gates:
            dz["f"] = df * (f * (1.0 - f))
        dz["C"] = dc_tilde if fam.linear_input else dc_tilde * (1.0 - c_tilde * c_tilde)
        dc_next = dc * f
        if fam.peephole:
            dc_next = dc_next + dz["i"] * p["i"] + dz["f"] * p["f"]
            acc.add("p", "i", layer, direction, step, (dz["i"] * c_prev).sum(axis=1))
            acc.add("p", "f", layer, direction, step, (dz["f"] * c_prev).sum(axis=1))
            acc.add("p", "o", layer, direction, step, (dz["o"] * c).sum(axis=1))
        dh_next = np.zeros((n_o, B, H))
        for g in fam.gates:
            _params(acc, g, layer, direction, step, dz[g], s.x[t], h_prev, bias)
            if dx is not None:
                dx[:, t] += dz[g] @ cell["W"][g]
            dh_next += dz[g] @ cell["R"][g]
    return dx


def _gru_backward(cell, s, dh, acc, layer, direction, need_dx):
    """reference_gru.backward with a leading axis of origins (see :func:`_lstm_backward`)."""
    n_o, n, B, H = dh.shape
    W, R = cell["W"], cell["R"]
    bias = bool(cell["b"])
    dx = np.zeros((n_o,) + s.x.shape) if need_dx else None
    dh_next = np.zeros((n_o, B, H))
    zeros = np.zeros((B, H))
    for t in reversed(range(n)):
        step = t if direction == 0 else n - 1 - t
        h_prev = s.h[t - 1] if t else zeros
        r, z, nn, hn = s.r[t], s.z[t], s.n[t], s.hn[t]
        dh_t = dh[:, t] + dh_next
        dn = dh_t * (1.0 - z)
        dz_z = dh_t * ((h_prev - nn) * z * (1.0 - z))
        dz_n = dn * (1.0 - nn * nn)
        dz_r = dz_n * (hn * r * (1.0 - r))
        dhn = dz_n * r
        for g, dzg in (("r", dz_r), ("z", dz_z), ("n", dz_n)):
            acc.add_outer("W", g, layer, direction, step, dzg, s.x[t])
            if bias:
                acc.add("b", g, layer, direction, step, dzg.sum(axis=1))
            if dx is not None:
                dx[:, t] += dzg @ W[g]
        acc.add_outer("R", "r", layer, direction, step, dz_r, h_prev)
        acc.add_outer("R", "z", layer, direction, step, dz_z, h_prev)
        acc.add_outer("R", "n", layer, direction, step, dhn, h_prev)
        if bias:
            acc.add("b_h", "n", layer, direction, step, dhn.sum(axis=1))
        dh_next = dh_t * z + dz_r @ R["r"] + dz_z @ R["z"] + dhn @ R["n"]
    return dx

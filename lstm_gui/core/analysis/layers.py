"""What the views show of a model's layers, computed here so that no widget does maths.

A model is seen as layers of H hidden units; each layer has gates, and each gate g of layer k
has an input weight matrix W (H x m_k), a recurrent one R (H x H) and a bias b (H).  This
module turns flat parameters, gradients and forward traces into those blocks, and gives:

* the gate sequences of every layer stacked as images, rows = hidden units (layer-major),
  columns = time steps (:func:`gate_images`);
* norms of a gradient per layer and per hidden unit (:func:`unit_norms`, :func:`layer_norms`):
  a chain's vanishing gradient is the ratio between its layers';
* the terms R_g[j, :] * h(t-1) of one unit's recurrent input (:func:`recurrent_terms`).

Two sources: a :class:`models.Model` and its flat theta (:func:`of_model`; each direction of
a bidirectional layer is a group of rows of its own), and today's chains of 1-D units, params
(units, 12) (``core.unit``, :func:`of_params`): layer k is unit k, H = 1, m = 1.  Gate letters
and parameter names always come from the model (``Model.blocks``, ``Model().names()``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import Model

# The unit's names are, per gate, (W_gh, W_gx, b_g); the bias's suffix names the gate.
_PER_GATE = 3
_UNIT = Model()
_UNIT_NAMES = tuple(_UNIT.names())
# The trace's field for the gate a parameter suffix names, and how a learner writes it.
_TRACE_FIELD = {"C": "c_tilde"}
_LABEL = {"C": "C~"}


@dataclass(frozen=True)
class GateBlock:
    """One gate of one layer: values and where each sits in the flat parameter vector.

    W (H, m), R (H, H), b (H,); w_index, r_index, b_index: the same shapes, indices into
    ``params.ravel()`` (so a gradient's block is ``grad.ravel()[w_index]``).
    """

    layer: int         # the group of rows: layer k, direction d -> k * dirs + d
    gate: str          # the trace's field: "f", "i", "c_tilde", "o"; "r", "z", "n"
    label: str         # as the tutorials write it: "f", "i", "C~", "o"
    W: np.ndarray
    R: np.ndarray
    b: np.ndarray      # (H,), empty (0,) for a model without bias
    w_index: np.ndarray
    r_index: np.ndarray
    b_index: np.ndarray
    # Further per-unit vectors of the gate: (name, values (H,), indices (H,)), e.g. GRU's
    # b_nh, a peephole p_g.
    extras: tuple = ()

    @property
    def hidden(self) -> int:
        return self.R.shape[0]


@dataclass(frozen=True)
class Layers:
    """A model's parameters as layers of gates.

    blocks[k][g]: the GateBlock of gate g of layer k.  names[p]: flat parameter p's name as a
    learner reads it (unit, layer and entry included).  rows: hidden units of every layer,
    layer-major (the rows of :func:`gate_images`).
    """

    gates: tuple[str, ...]
    labels: tuple[str, ...]
    hidden: tuple[int, ...]
    blocks: tuple[tuple[GateBlock, ...], ...]
    names: tuple[str, ...]
    size: int
    # The trace's per-step arrays the heat map shows (gates, then "h"), and their labels.
    fields: tuple[str, ...] = ()
    group_names: tuple[str, ...] = ()     # "layer 1", "layer 2 reverse", ...
    readout_index: np.ndarray | None = None   # (rows of the last layer,) w_y; then b_y
    bias_y_index: int | None = None

    @property
    def layers(self) -> int:
        return len(self.hidden)

    @property
    def rows(self) -> int:
        return int(sum(self.hidden))

    def row_of(self, layer: int, j: int) -> int:
        """The image row of hidden unit j of layer `layer`."""
        return int(sum(self.hidden[:layer])) + j

    def unit_of_row(self, row: int) -> tuple[int, int]:
        """(layer, unit) of an image row; ValueError outside."""
        for k, h in enumerate(self.hidden):
            if 0 <= row < h:
                return k, row
            row -= h
        raise ValueError("row outside the layers")

    def unit_parameters(self, layer: int, j: int) -> np.ndarray:
        """Flat indices of every parameter that belongs to hidden unit j of a layer: row j
        of each gate's W, R and b, and its extras (what a unit's gradient norm sums)."""
        parts = []
        for b in self.blocks[layer]:
            parts += [b.w_index[j], b.r_index[j], b.b_index[j:j + 1]]
            parts += [index[j:j + 1] for _, _, index in b.extras]
        return np.concatenate(parts)

    def label_of(self, field: str) -> str:
        return dict(zip(self.fields, _field_labels(self.fields))).get(field, field)


def of_params(params) -> Layers:
    """Layers of today's model: params (12,) (one unit) or (units, 12) (a chain)."""
    p = np.asarray(params, dtype=float)
    p2 = p.reshape(-1, _UNIT.size)
    units = p2.shape[0]
    suffixes = [_UNIT_NAMES[k + 2].split("_", 1)[1] for k in range(0, _UNIT.size, _PER_GATE)]
    gates = tuple(_TRACE_FIELD.get(s, s) for s in suffixes)
    labels = tuple(_LABEL.get(s, s) for s in suffixes)
    blocks = []
    for u in range(units):
        row = []
        for g, (gate, label) in enumerate(zip(gates, labels)):
            base = u * _UNIT.size + g * _PER_GATE
            r, w, b = base, base + 1, base + 2
            flat = p2.ravel()
            row.append(GateBlock(u, gate, label, W=flat[[w]].reshape(1, 1), R=flat[[r]].reshape(1, 1),
                                 b=flat[[b]].copy(), w_index=np.array([[w]]), r_index=np.array([[r]]),
                                 b_index=np.array([b])))
        blocks.append(tuple(row))
    if units == 1:
        names = tuple(_UNIT_NAMES)
    else:
        names = tuple(f"{name} of unit {u + 1}" for u in range(units) for name in _UNIT_NAMES)
    return Layers(gates, labels, (1,) * units, tuple(blocks), names, p2.size,
                  fields=gates + ("h",), group_names=tuple(f"unit {u + 1}" for u in range(units)))


def of(params, model=None) -> Layers:
    """Layers of a snapshot's model: a Model and its theta, or (model None) a chain."""
    return of_params(params) if model is None else of_model(model, params)


_SHAPES: dict = {}


def shape_of(params, model=None) -> Layers:
    """The layers' structure (names, indices, sizes) of a model, built once per model and
    kept: building it names every parameter (2 497 for an H = 16, 2-layer GRU: 10 ms), and a
    live view needs the structure only; values come from params through the indices.
    The W, R, b values it holds are those of the first params seen."""
    key = ("chain", np.shape(params)) if model is None else model
    layers = _SHAPES.get(key)
    if layers is None:
        if len(_SHAPES) > 16:
            _SHAPES.clear()
        layers = _SHAPES[key] = of(params, model)
    return layers


def _field_labels(fields) -> tuple[str, ...]:
    return tuple(_LABEL.get("C" if f == "c_tilde" else f, f) for f in fields)


def of_model(model, theta) -> Layers:
    """Layers of a :class:`lstm_gui.core.models.Model` at theta (size,)."""
    from ..models.reference import state_names
    theta = model.check(theta)
    index = np.arange(model.size)
    views = model.cells(index)            # the same views, of the indices
    values = model.cells(theta)
    H = model.hidden
    gates = tuple(_TRACE_FIELD.get(g, g) for g in model.gates)
    labels = tuple(_LABEL.get(g, g) for g in model.gates)
    blocks, group_names = [], []
    empty = np.zeros(0, dtype=np.int64)
    for k in range(model.layers):
        for d in range(model.dirs):
            iv, vv = views[k][d], values[k][d]
            group = k * model.dirs + d
            row = []
            for g, gate, label in zip(model.gates, gates, labels):
                extras = []
                if g in iv["b_h"]:
                    extras.append((f"b_{g}h", vv["b_h"][g], iv["b_h"][g]))
                if g in iv["p"]:
                    extras.append((f"p_{g}", vv["p"][g], iv["p"][g]))
                b_idx = iv["b"].get(g, empty)
                row.append(GateBlock(group, gate, label, W=vv["W"][g], R=vv["R"][g],
                                     b=vv["b"].get(g, np.zeros(0)), w_index=iv["W"][g],
                                     r_index=iv["R"][g], b_index=b_idx, extras=tuple(extras)))
            blocks.append(tuple(row))
            name = f"layer {k + 1}" if model.layers > 1 or model.dirs > 1 else "layer"
            group_names.append(name + (" reverse" if d else ""))
    ro = model.readout_views(index)
    fields = tuple(f for f in state_names(model) if f not in ("c", "h")) + ("h",)
    names = tuple(model.names())
    return Layers(gates, labels, (H,) * (model.layers * model.dirs), tuple(blocks), names,
                  model.size, fields=fields, group_names=tuple(group_names),
                  readout_index=None if ro is None else ro[0].astype(np.int64),
                  bias_y_index=None if ro is None else int(ro[1][0]))


def gate_images(layers: Layers, trace, sequence: int = 0) -> dict[str, np.ndarray]:
    """Each of ``layers.fields`` (the gates, h) of every layer as one (rows, n) array:
    row = hidden unit (layer-major, directions in turn), column = time step.

    trace: a Model's trace (``states[name]`` (layers, dirs, n, B, H); `sequence` picks b),
    or a chain's ``unit.Trace`` (fields (n,) or (units, n), h as ``h_units``).
    """
    out = {}
    states = getattr(trace, "states", None)
    for field in layers.fields:
        if states is not None:
            a = np.asarray(states[field])[:, :, :, sequence, :]          # (L, D, n, H)
            out[field] = a.transpose(0, 1, 3, 2).reshape(layers.rows, -1)
        else:
            values = np.asarray(getattr(trace, "h_units" if field == "h" else field), dtype=float)
            out[field] = values.reshape(layers.rows, -1)
    return out


def unit_norms(layers: Layers, grad) -> list[np.ndarray]:
    """Per layer, the (H,) Euclidean norms of a gradient over each hidden unit's parameters
    (row j of every gate's W, R and b)."""
    g = np.asarray(grad, dtype=float).ravel()
    return [np.array([np.linalg.norm(g[layers.unit_parameters(k, j)]) for j in range(h)])
            for k, h in enumerate(layers.hidden)]


def layer_norms(layers: Layers, grad) -> np.ndarray:
    """(layers,) Euclidean norms of a gradient over each layer's gate parameters."""
    return np.array([np.sqrt(np.sum(n * n)) for n in unit_norms(layers, grad)])


def recurrent_terms(block: GateBlock, j: int, h_prev) -> tuple[np.ndarray, np.ndarray]:
    """The terms R[j, l] * h_l(t-1) of unit j's recurrent input to a gate, largest |term|
    first: (indices l, terms).  Their sum is R[j, :] . h(t-1)."""
    terms = block.R[j] * np.asarray(h_prev, dtype=float).ravel()
    order = np.argsort(-np.abs(terms), kind="stable")
    return order, terms[order]


def weight_images(layers: Layers) -> list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Per layer and gate, (W, R, b[:, None]) as the images the weights view draws."""
    return [[(b.W, b.R, b.b[:, None]) for b in row] for row in layers.blocks]


def symmetric_level(values, steps=(1.0, 2.0, 5.0)) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above max |values| (at least 1e-3): a colour
    scale centred on 0 that changes only when a weight crosses one of those."""
    top = max(float(np.max(np.abs(values))) if np.size(values) else 0.0, 1e-3)
    k = np.floor(np.log10(top))
    for s in steps:
        if s * 10.0 ** k >= top * (1 - 1e-12):
            return float(s * 10.0 ** k)
    return float(10.0 ** (k + 1))


# Columns between W, R and b in a weight canvas (empty, drawn transparent).
CANVAS_GAP = 1


@dataclass(frozen=True)
class WeightCanvas:
    """One gate's W, R and b of every layer laid out as one image (the weights view).

    values (rows, cols): rows = hidden units, layer-major; columns: W (widest layer's m),
    a gap, R (widest H), a gap, b.  Gaps and the columns a narrower layer lacks are NaN.
    index (rows, cols): the flat parameter index of each entry, -1 in the gaps.
    columns: where W, R and b start.
    """

    values: np.ndarray
    index: np.ndarray
    columns: tuple[int, int, int]
    extra_names: tuple[str, ...] = ()     # the columns after b (GRU's b_nh, peepholes)


def weight_canvases(layers: Layers, params) -> dict[str, WeightCanvas]:
    """Per gate, its :class:`WeightCanvas` at params (flat or shaped like the model's)."""
    p = np.asarray(params, dtype=float).ravel()
    m_max = max(b.W.shape[1] for row in layers.blocks for b in row)
    h_max = max(layers.hidden)
    r0 = m_max + CANVAS_GAP
    b0 = r0 + h_max + CANVAS_GAP
    out = {}
    for g, gate in enumerate(layers.gates):
        extra_names = tuple(name for name, _, _ in layers.blocks[0][g].extras)
        index = np.full((layers.rows, b0 + 1 + len(extra_names)), -1, dtype=np.int64)
        for k, row in enumerate(layers.blocks):
            block = row[g]
            top = layers.row_of(k, 0)
            rows = slice(top, top + block.hidden)
            index[rows, :block.W.shape[1]] = block.w_index
            index[rows, r0:r0 + block.hidden] = block.r_index
            if block.b_index.size:
                index[rows, b0] = block.b_index
            for e, (_, _, extra) in enumerate(block.extras):
                index[rows, b0 + 1 + e] = extra
        values = np.where(index >= 0, p[np.maximum(index, 0)], np.nan)
        out[gate] = WeightCanvas(values, index, (0, r0, b0), extra_names)
    if layers.readout_index is not None and layers.bias_y_index is not None:
        # The readout reads the last layer's rows (both directions): w_y there, then b_y.
        index = np.full((layers.rows, 1 + CANVAS_GAP + 1), -1, dtype=np.int64)
        last = layers.rows - layers.readout_index.size
        index[last:, 0] = layers.readout_index
        index[last, 1 + CANVAS_GAP] = layers.bias_y_index
        values = np.where(index >= 0, p[np.maximum(index, 0)], np.nan)
        out[READOUT] = WeightCanvas(values, index, (0, 0, 1 + CANVAS_GAP))
    return out


READOUT = "readout"        # the key of the readout's canvas


def refresh_canvas(canvas: WeightCanvas, params) -> np.ndarray:
    """The canvas's values at new params (same layout): what a live update draws."""
    p = np.asarray(params, dtype=float).ravel()
    return np.where(canvas.index >= 0, p[np.maximum(canvas.index, 0)], np.nan)


def value_range(field: str) -> tuple[float, float] | None:
    """The range a trace field lives in: (0, 1) for a sigmoid gate, (-1, 1) for a tanh
    quantity (the candidate, h), None when unbounded (the cell state)."""
    if field == "c":
        return None
    return (-1.0, 1.0) if field in ("c_tilde", "h", "n") else (0.0, 1.0)


def model_gradient(model, theta, x, target, delay: int = 0) -> tuple[float, np.ndarray]:
    """(MSE, gradient (size,)) of a Model on a run's training data as a snapshot holds it:
    x (n,) with target (n,) (one waveform), or x (N, n, m) with target (N, n) or (N,)."""
    xs = np.asarray(x, dtype=float)
    ts = np.asarray(target, dtype=float)
    if xs.ndim == 3:
        xs = np.ascontiguousarray(np.transpose(xs, (1, 0, 2)))    # (n, N, m)
        ts = ts.T if ts.ndim == 2 else ts
    fast = _fast(model) if delay == 0 else None
    if fast is not None:
        # The compiled kernel: 1 ms against the reference's 100 ms of Python for an H = 16,
        # 2-layer GRU, and without the GIL (the reference in the view's worker starved the
        # window: frames of 370 ms).
        return fast.loss_and_grad(theta, xs, ts)
    return model.loss_and_grad(theta, xs, ts, delay=delay)


_FAST: dict = {}


def _fast(model):
    """The compiled kernels for a model, or None (not built, or a model they do not do)."""
    if model not in _FAST:
        from ..models import compiled
        fast = None
        if compiled.available():
            from ..models.compiled.fast_model import FastModel, supported
            if supported(model):
                fast = FastModel(model)
        if len(_FAST) > 8:
            _FAST.clear()
        _FAST[model] = fast
    return _FAST[model]


def unit_series(trace, layer: int, unit: int, direction: int = 0, sequence: int = 0) -> dict:
    """Every per-step array of one hidden unit of a Model's trace: field -> (n,)."""
    return {name: np.asarray(a)[layer, direction, :, sequence, unit]
            for name, a in trace.states.items()}


def signal_of(x, target, clean_target, trace) -> tuple:
    """(x, target, clean target, output), each (n,), of a Model's first training sequence:
    what the Signal plot draws.  x (n,) or (N, n, m) (its first input); a sequence-to-one
    target (N,) has no value per step: NaN but the last."""
    xs, ts, cs = (np.asarray(a, dtype=float) for a in (x, target, clean_target))
    y = np.asarray(trace.y)[:, 0]
    if xs.ndim == 3:
        xs = xs[0, :, 0]
        if ts.ndim == 2:
            ts, cs = ts[0], cs[0]
        else:
            last = np.full(y.shape, np.nan)
            last[-1] = ts[0]
            ts = cs = last
    return xs, ts, cs, y

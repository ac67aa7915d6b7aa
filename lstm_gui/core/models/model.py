"""The model description: which recurrent network a flat parameter vector theta belongs to.

``Model(cell="lstm", hidden=1, layers=1, inputs=1, readout=None, bias=True,
bidirectional=False, dropout=0.0)`` is today's 12-parameter unit of docs/unit.md; every other
value is a layer (or a stack of layers) of H units, as in docs/models.md.  This module is the
only place that knows parameter names, shapes, counts and the flat order; everything else
asks a Model.

Flat order of theta (float64, shape (size,)):

    for each layer k = 0 .. layers-1, for each direction (forward, then reverse):
        for each gate g of the family, in the family's order (LSTM f, i, C, o; GRU r, z, n):
            R_g (H x H, row-major)   named W_gh[j,l]
            W_g (H x m_k)            named W_gx[j,l]      m_0 = inputs, m_k = H * dirs
            b_g (H)                  named b_g[j]         (GRU's n: b_nx, then b_nh)
        peephole only: p_i, p_f, p_o (H each)
    readout (when present): w_y (H * dirs), b_y (1)

With H = 1, m = 1, one layer and no readout this is exactly SPEC's 12 names
(W_fh, W_fx, b_f, W_ih, ...).  A name carries an index only when its block holds more than one
number (``W_fh[2,0]``, ``b_f[3]``, ``w_y[5]``); layer k > 0 is prefixed ``u{k+1}.`` (today's
chain: ``u2.W_fh``) and the reverse direction ``rev.`` (``u2.rev.b_i[0]``).

PyTorch: :meth:`Model.state_dict` / :meth:`Model.from_state_dict` map theta to and from
``nn.LSTM`` / ``nn.GRU`` + ``nn.Linear(H * dirs, 1)`` names (see those methods and
docs/models.md for the variants PyTorch has no class for).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

# ---------------------------------------------------------------- the families

LSTM_GATES = ("f", "i", "C", "o")
GRU_GATES = ("r", "z", "n")


@dataclass(frozen=True)
class Family:
    """What a cell family computes: its gates (with parameters) and its switches.

    ``gates`` lists the gates that own parameters, in flat order.  An LSTM gate that is absent
    is a constant (i = 1, f = 1, o = 1) except in CIFG, where f = 1 - i.
    """

    name: str
    gates: tuple[str, ...]
    peephole: bool = False      # p_i, p_f read C(t-1); p_o reads C(t)
    coupled: bool = False       # CIFG: f = 1 - i
    linear_input: bool = False  # NIAF: C~ = z_C, no tanh
    linear_output: bool = False  # NOAF: h = o * C, no tanh
    doc: str = ""

    @property
    def is_gru(self) -> bool:
        return self.gates == GRU_GATES


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("lstm", LSTM_GATES, doc="vanilla LSTM (PyTorch nn.LSTM)"),
    Family("peephole", LSTM_GATES, peephole=True, doc="LSTM with peepholes p_i, p_f, p_o"),
    Family("cifg", ("i", "C", "o"), coupled=True, doc="coupled input and forget gate, f = 1 - i"),
    Family("gru", GRU_GATES, doc="gated recurrent unit (PyTorch nn.GRU)"),
    Family("nig", ("f", "C", "o"), doc="no input gate, i = 1"),
    Family("nfg", ("i", "C", "o"), doc="no forget gate, f = 1"),
    Family("nog", ("f", "i", "C"), doc="no output gate, o = 1"),
    Family("niaf", LSTM_GATES, linear_input=True, doc="no input activation, C~ = z_C"),
    Family("noaf", LSTM_GATES, linear_output=True, doc="no output activation, h = o * C"),
)}
CELLS = tuple(FAMILIES)
PEEPHOLES = ("i", "f", "o")

# PyTorch stacks gate rows as i, f, g (= C~), o for nn.LSTM and r, z, n for nn.GRU.
TORCH_ORDER = {"lstm": ("i", "f", "C", "o"), "gru": ("r", "z", "n")}


# ---------------------------------------------------------------- blocks of theta

@dataclass(frozen=True)
class Block:
    """One named array inside theta: ``theta[offset:offset + size].reshape(shape)``.

    kind: "R" (H x H), "W" (H x m_k), "b" (H), "b_h" (GRU's b_nh, H), "p" (peephole, H),
    "w_y" (H * dirs) or "b_y" (()).  gate is the gate's letter (None for the readout);
    layer and direction are None for the readout.
    """

    name: str
    kind: str
    gate: str | None
    layer: int | None
    direction: int | None
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def slice(self) -> slice:
        return slice(self.offset, self.offset + self.size)

    def names(self) -> list[str]:
        """One name per number, row-major: ``W_fh`` for a single number, else ``W_fh[j,l]``."""
        if self.size == 1:
            return [self.name]
        return [f"{self.name}[{','.join(map(str, idx))}]" for idx in np.ndindex(*self.shape)]


def _prefix(layer: int, direction: int) -> str:
    return ("" if layer == 0 else f"u{layer + 1}.") + ("rev." if direction else "")


# ---------------------------------------------------------------- the model

@dataclass(frozen=True)
class Model:
    """A recurrent model: family, sizes and options.  Defaults are SPEC's 12-parameter unit.

    cell: one of CELLS.  inputs: m, numbers per time step.  hidden: H, units per layer.
    layers: stacked layers (layer k > 0 reads layer k-1's h).  bias: b_g present.
    bidirectional: a second direction per layer reads the sequence reversed.
    dropout: probability p of zeroing a layer's output before the next layer (training only).
    readout: a linear y = w_y . h + b_y on the last layer's h; None chooses it when needed
    (H > 1 or bidirectional), False is allowed only for H = 1 one direction (y = h).
    """

    cell: str = "lstm"
    hidden: int = 1
    layers: int = 1
    inputs: int = 1
    readout: bool | None = None
    bias: bool = True
    bidirectional: bool = False
    dropout: float = 0.0
    _blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.cell not in FAMILIES:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")
        for key in ("hidden", "layers", "inputs"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{key} must be a whole number of at least 1, got {v!r}")
            object.__setattr__(self, key, int(v))
        if not (isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        object.__setattr__(self, "dropout", float(self.dropout))
        object.__setattr__(self, "bias", bool(self.bias))
        object.__setattr__(self, "bidirectional", bool(self.bidirectional))
        needs = self.hidden > 1 or self.bidirectional
        if self.readout is None:
            object.__setattr__(self, "readout", needs)
        elif not self.readout and needs:
            raise ValueError("a model with more than one hidden unit or two directions needs a "
                             "readout (readout=True or None)")
        object.__setattr__(self, "readout", bool(self.readout))
        object.__setattr__(self, "_blocks", tuple(self._layout()))

    # ------------------------------------------------------------ sizes and names

    @property
    def family(self) -> Family:
        return FAMILIES[self.cell]

    @property
    def dirs(self) -> int:
        """Directions per layer: 1, or 2 when bidirectional."""
        return 2 if self.bidirectional else 1

    @property
    def gates(self) -> tuple[str, ...]:
        """The gates that own parameters, in flat order."""
        return self.family.gates

    def layer_inputs(self, layer: int) -> int:
        """m_k: numbers per step that layer k reads (m for layer 0, H * dirs after)."""
        return self.inputs if layer == 0 else self.hidden * self.dirs

    def _layout(self):
        H, off = self.hidden, 0
        fam = self.family

        def block(name, kind, gate, k, d, shape):
            nonlocal off
            b = Block(name, kind, gate, k, d, shape, off)
            off += b.size
            return b

        for k in range(self.layers):
            m = self.layer_inputs(k)
            for d in range(self.dirs):
                pre = _prefix(k, d)
                for g in fam.gates:
                    yield block(f"{pre}W_{g}h", "R", g, k, d, (H, H))
                    yield block(f"{pre}W_{g}x", "W", g, k, d, (H, m))
                    if self.bias and fam.is_gru and g == "n":
                        yield block(f"{pre}b_nx", "b", g, k, d, (H,))
                        yield block(f"{pre}b_nh", "b_h", g, k, d, (H,))
                    elif self.bias:
                        yield block(f"{pre}b_{g}", "b", g, k, d, (H,))
                if fam.peephole:
                    for g in PEEPHOLES:
                        yield block(f"{pre}p_{g}", "p", g, k, d, (H,))
        if self.readout:
            yield block("w_y", "w_y", None, None, None, (H * self.dirs,))
            yield block("b_y", "b_y", None, None, None, ())

    def blocks(self) -> tuple[Block, ...]:
        """Every named array of theta, in flat order (see the module docstring)."""
        return self._blocks

    def block(self, kind: str, gate: str | None = None, layer: int | None = 0,
              direction: int | None = 0) -> Block:
        """The block of this kind and gate (e.g. ``block("W", "f")`` is W_fx of layer 0)."""
        if kind in ("w_y", "b_y"):
            layer = direction = None
        for b in self._blocks:
            if (b.kind, b.gate, b.layer, b.direction) == (kind, gate, layer, direction):
                return b
        raise ValueError(f"a {self.cell} model has no {kind} block for gate {gate!r} in layer "
                         f"{layer}, direction {direction}")

    @property
    def size(self) -> int:
        """Numbers in theta."""
        last = self._blocks[-1]
        return last.offset + last.size

    def names(self) -> list[str]:
        """One name per number of theta, in order (SPEC's 12 for the default unit)."""
        return [n for b in self._blocks for n in b.names()]

    def describe(self) -> str:
        """One line: the family and sizes, e.g. 'lstm, 1 input, H = 16, 1 layer, readout'."""
        parts = [self.cell, f"{self.inputs} input{'s' if self.inputs > 1 else ''}",
                 f"H = {self.hidden}", f"{self.layers} layer{'s' if self.layers > 1 else ''}"]
        parts += [w for w, on in (("bidirectional", self.bidirectional), ("no bias", not self.bias),
                                  ("readout", self.readout)) if on]
        if self.dropout:
            parts.append(f"dropout {self.dropout:g}")
        return ", ".join(parts) + f" ({self.size} parameters)"

    def to_dict(self) -> dict:
        """The description as plain JSON values (what a model file stores)."""
        return {"cell": self.cell, "hidden": self.hidden, "layers": self.layers,
                "inputs": self.inputs, "readout": self.readout, "bias": self.bias,
                "bidirectional": self.bidirectional, "dropout": self.dropout}

    @classmethod
    def from_dict(cls, d) -> Model:
        """The inverse of :meth:`to_dict`; missing keys take the defaults, unknown keys and bad
        values are refused with one ValueError line."""
        if not isinstance(d, dict):
            raise ValueError(f"a model description is an object, got {type(d).__name__}")
        known = set(cls().to_dict())
        extra = sorted(set(d) - known)
        if extra:
            raise ValueError(f"unknown model field {str(extra[0])[:40]!r}; the fields are "
                             f"{', '.join(sorted(known))}")
        for key in ("readout", "bias", "bidirectional"):
            if key in d and not (isinstance(d[key], bool) or (key == "readout" and d[key] is None)):
                raise ValueError(f"model field {key} must be true or false, got {d[key]!r}")
        return cls(**d)

    # ------------------------------------------------------------ views of theta

    def check(self, theta) -> np.ndarray:
        """theta as a float64 (size,) array, or ValueError in one line."""
        t = np.asarray(theta, dtype=np.float64)
        if t.shape != (self.size,):
            raise ValueError(f"this model ({self.describe()}) needs a parameter vector of shape "
                             f"({self.size},), got {t.shape}")
        return t

    def views(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Block name -> view of theta with the block's shape (writing it writes theta)."""
        return {b.name: theta[b.slice].reshape(b.shape) for b in self._blocks}

    def cells(self, theta: np.ndarray) -> list[list[dict]]:
        """Views per layer and direction, as the numpy references read them.

        ``cells(theta)[k][d]`` is a dict: "W" {gate: (H, m_k)}, "R" {gate: (H, H)},
        "b" {gate: (H,)} (empty without bias), "b_h" {"n": (H,)} (GRU with bias),
        "p" {gate: (H,)} (peephole).  All are views: a gradient buffer's cells are written
        in place.
        """
        out: list[list[dict]] = [[{"W": {}, "R": {}, "b": {}, "b_h": {}, "p": {}}
                                  for _ in range(self.dirs)] for _ in range(self.layers)]
        for b in self._blocks:
            if b.layer is not None and b.direction is not None and b.gate is not None:
                out[b.layer][b.direction][b.kind][b.gate] = theta[b.slice].reshape(b.shape)
        return out

    def gate_norms(self, theta) -> np.ndarray:
        """(layers * dirs, gates) Euclidean norms of each gate's parameters (W, R, b and the
        gate's extras: GRU's b_nh, a peephole p_g) per layer and direction, rows in flat
        order (layer-major, forward then reverse), columns in :attr:`gates`' order.  The
        readout belongs to no gate.  A few microseconds: blocks are contiguous slices."""
        t = self.check(theta)
        out = np.zeros((self.layers * self.dirs, len(self.gates)))
        column = {g: c for c, g in enumerate(self.gates)}
        for b in self._blocks:
            if b.layer is not None and b.direction is not None and b.gate in column:
                v = t[b.slice]
                out[b.layer * self.dirs + b.direction, column[b.gate]] += float(v @ v)
        return np.sqrt(out)

    def readout_views(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(w_y (H * dirs,), b_y (1,)) as views of theta, or None without a readout."""
        if not self.readout:
            return None
        return theta[self.size - 1 - self.hidden * self.dirs:self.size - 1], theta[self.size - 1:]

    # ------------------------------------------------------------ initial values

    def init(self, seed, scheme: str = "uniform", low: float = -1.0, high: float = 1.0,
             forget_bias: float | None = None) -> np.ndarray:
        """Initial theta, float64 (size,).

        seed: an int or a numpy Generator (a Generator is drawn from in place).
        scheme "uniform": every number uniform in [low, high] (today's; with a Generator this
        draws exactly what ``optim.init_params`` draws for a chain of units).
        scheme "pytorch": what nn.LSTM / nn.GRU + nn.Linear draw: weights U(-k, k) with
        k = 1/sqrt(H); a folded bias is the sum of PyTorch's two, each U(-k, k) (so it lies in
        [-2k, 2k]); GRU's b_nh is one U(-k, k); the readout U(-1/sqrt(H*dirs), 1/sqrt(H*dirs)).
        forget_bias: if given, every b_f is set to it afterwards (Jozefowicz et al.: 1).
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        if scheme == "uniform":
            if not low < high:
                raise ValueError(f"initial range must have min < max, got [{low:g}, {high:g}]")
            theta = rng.uniform(low, high, size=self.size)
        elif scheme == "pytorch":
            theta = np.empty(self.size)
            k = 1.0 / math.sqrt(self.hidden)
            ky = 1.0 / math.sqrt(self.hidden * self.dirs)
            for b in self._blocks:
                if b.kind == "b":
                    theta[b.slice] = (rng.uniform(-k, k, b.size) + rng.uniform(-k, k, b.size)
                                      if not (self.family.is_gru and b.gate == "n")
                                      else rng.uniform(-k, k, b.size))
                else:
                    lim = ky if b.kind in ("w_y", "b_y") else k
                    theta[b.slice] = rng.uniform(-lim, lim, b.size)
        else:
            raise ValueError(f"unknown initialisation {scheme!r}; choose uniform or pytorch")
        if forget_bias is not None:
            if "f" not in self.gates or not self.bias:
                raise ValueError(f"a {self.cell} cell{'' if self.bias else ' without bias'} has "
                                 "no forget-gate bias to set")
            for b in self._blocks:
                if b.kind == "b" and b.gate == "f":
                    theta[b.slice] = forget_bias
        return theta

    # ------------------------------------------------------------ computing

    def forward(self, theta, x, delay: int = 0) -> np.ndarray:
        """Outputs y: (n,) for one sequence x (n,) or (n, m); (n, B) for a batch x (n, B, m).

        delay=1 feeds every layer its input delayed by one step (lstmlib's timing).
        """
        from . import reference
        return reference.forward(self, self.check(theta), x, delay=delay)

    def trace(self, theta, x, delay: int = 0):
        """Every per-step array of a forward pass: a :class:`reference.Trace`."""
        from . import reference
        return reference.trace(self, self.check(theta), x, delay=delay)

    def loss(self, theta, x, target, delay: int = 0,
             rng: np.random.Generator | None = None) -> float:
        """The mean squared error alone (a forward pass); arguments as :meth:`loss_and_grad`."""
        from . import reference
        return reference.loss(self, self.check(theta), x, target, delay=delay, rng=rng)

    def loss_and_grad(self, theta, x, target, delay: int = 0,
                      rng: np.random.Generator | None = None) -> tuple[float, np.ndarray]:
        """Mean squared error and its exact gradient (size,), by backpropagation through time.

        x: (n,) or (n, m) one sequence, (n, B, m) a batch.  target: (n,) / (n, B) for
        sequence-to-sequence (mean over every output), () / (B,) for sequence-to-one (the
        last step's output only).  rng: dropout masks are drawn from it (training); None
        means no dropout.
        """
        from . import reference
        return reference.loss_and_grad(self, self.check(theta), x, target, delay=delay, rng=rng)

    # ------------------------------------------------------------ PyTorch names

    def _torch_child(self) -> str:
        return "gru" if self.cell == "gru" else ("lstm" if self.cell in ("lstm", "peephole")
                                                   else self.cell)

    def _torch_rows(self) -> tuple[str, ...]:
        order = TORCH_ORDER["gru" if self.family.is_gru else "lstm"]
        return tuple(g for g in order if g in self.gates)

    def torch_child(self) -> str:
        """The recurrent child's name in :meth:`state_dict`: lstm, gru, or the variant's."""
        return self._torch_child()

    def torch_rows(self) -> tuple[str, ...]:
        """The gates in the order of the rows of weight_ih and weight_hh in :meth:`state_dict`."""
        return self._torch_rows()

    def state_dict(self, theta) -> dict[str, np.ndarray]:
        """PyTorch's names and layouts, float64 arrays (copies).

        ``{child}.weight_ih_l{k}`` (G*H x m_k), ``weight_hh_l{k}`` (G*H x H), ``bias_ih_l{k}``,
        ``bias_hh_l{k}`` (G*H), suffix ``_reverse`` for the reverse direction; child ``lstm``
        rows i, f, g, o or ``gru`` rows r, z, n.  The single bias goes to bias_ih with bias_hh
        zero (GRU: bias_hh holds b_nh in its n rows).  Then ``readout.weight`` (1 x H*dirs)
        and ``readout.bias`` (1); a model without readout exports weight 1, bias 0.
        Variants: peephole adds ``lstm.weight_peephole_l{k}`` (3 x H, rows p_i, p_f, p_o);
        cifg, nig, nfg, nog, niaf, noaf use their family name as child, with the rows of the
        gates they have in PyTorch's order.
        """
        theta = self.check(theta)
        child, rows = self._torch_child(), self._torch_rows()
        H, out = self.hidden, {}
        for k, per_dir in enumerate(self.cells(theta)):
            for d, c in enumerate(per_dir):
                sfx = f"_l{k}" + ("_reverse" if d else "")
                out[f"{child}.weight_ih{sfx}"] = np.concatenate([c["W"][g] for g in rows])
                out[f"{child}.weight_hh{sfx}"] = np.concatenate([c["R"][g] for g in rows])
                if self.bias:
                    out[f"{child}.bias_ih{sfx}"] = np.concatenate([c["b"][g] for g in rows])
                    hh = np.zeros(len(rows) * H)
                    if self.family.is_gru:
                        hh[2 * H:] = c["b_h"]["n"]
                    out[f"{child}.bias_hh{sfx}"] = hh
                if self.family.peephole:
                    out[f"{child}.weight_peephole{sfx}"] = np.stack([c["p"][g] for g in PEEPHOLES])
        ro = self.readout_views(theta)
        w, b = ro if ro is not None else (np.ones(1), np.zeros(1))
        out["readout.weight"] = w.reshape(1, -1).copy()
        out["readout.bias"] = b.reshape(1).copy()
        return out

    @classmethod
    def from_state_dict(cls, d, dropout: float = 0.0) -> tuple[Model, np.ndarray]:
        """(model, theta) from a PyTorch-style state_dict (arrays or tensors).

        The recurrent child and the readout are found by their keys and shapes, whatever they
        are called (``rnn.weight_ih_l0``, ``forwardCalculation.weight``); 4 gates make an
        LSTM (a peephole LSTM with ``weight_peephole``), 3 a GRU, unless the child is named
        after a variant (``cifg.``, ``nig.``, ...).  bias_ih + bias_hh are folded into one
        bias (GRU keeps b_nh).  An H = 1 model whose readout is weight 1, bias 0 (or absent)
        comes back without readout.  Anything else: ValueError in one line.
        """
        return _from_state_dict(cls, d, dropout)


# ---------------------------------------------------------------- reading a state_dict

_RNN_KEY = re.compile(r"^(?:(.*)\.)?(weight_ih|weight_hh|bias_ih|bias_hh|weight_peephole)"
                      r"_l(\d+)(_reverse)?$")


def _array(v, key: str) -> np.ndarray:
    if hasattr(v, "detach"):  # a torch tensor: read it without importing torch
        v = v.detach().cpu().numpy()
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"state_dict entry {key} is not an array of numbers") from None
    if not np.all(np.isfinite(a)):
        raise ValueError(f"state_dict entry {key} holds NaN or infinite values")
    return a


def _found(d: dict) -> str:
    items = [f"{k} {tuple(np.shape(v))}" for k, v in list(d.items())[:6]]
    more = f" and {len(d) - 6} more" if len(d) > 6 else ""
    return ", ".join(items) + more if items else "nothing"


def _from_state_dict(cls, d, dropout: float):
    if not hasattr(d, "items"):
        raise ValueError(f"a state_dict is a mapping of names to arrays, got {type(d).__name__}")
    arrays = {str(k): _array(v, str(k)) for k, v in d.items()}
    rnn: dict[tuple[str, int, int], np.ndarray] = {}
    children: set[str] = set()
    rest: dict[str, np.ndarray] = {}
    for k, a in arrays.items():
        m = _RNN_KEY.match(k)
        if m:
            children.add(m.group(1) or "")
            rnn[(m.group(2), int(m.group(3)), 1 if m.group(4) else 0)] = a
        else:
            rest[k] = a
    if len(children) != 1 or ("weight_hh", 0, 0) not in rnn:
        raise ValueError(f"not an LSTM or GRU state_dict: found {_found(arrays)}")
    child = children.pop()
    base = child.rsplit(".", 1)[-1]
    layers = 1 + max(k for _, k, _ in rnn)
    dirs = 2 if ("weight_hh", 0, 1) in rnn else 1
    hh = rnn[("weight_hh", 0, 0)]
    if hh.ndim != 2 or hh.shape[1] < 1 or hh.shape[0] % hh.shape[1]:
        raise ValueError(f"{child}.weight_hh_l0 has shape {hh.shape}, not (G*H, H)")
    H, G = hh.shape[1], hh.shape[0] // hh.shape[1]
    if base in FAMILIES and base not in ("lstm", "gru"):
        cell = base
    elif G == 4:
        cell = "peephole" if ("weight_peephole", 0, 0) in rnn else "lstm"
    elif G == 3:
        cell = "gru"
    else:
        raise ValueError(f"{child}.weight_hh_l0 has {G} gates of {H} units: neither an LSTM (4) "
                         "nor a GRU (3)")
    if len(FAMILIES[cell].gates) != G:
        raise ValueError(f"a {cell} cell has {len(FAMILIES[cell].gates)} gates but "
                         f"{child}.weight_hh_l0 holds {G}")
    ih = rnn.get(("weight_ih", 0, 0))
    if ih is None or ih.ndim != 2:
        raise ValueError(f"{child}.weight_ih_l0 is missing or not a matrix")
    bias = ("bias_ih", 0, 0) in rnn
    # The readout: the one other child with weight (1, H*dirs) and bias (1,).
    ro_w = {k: a for k, a in rest.items() if k == "weight" or k.endswith(".weight")}
    ro_b = {k: a for k, a in rest.items() if k == "bias" or k.endswith(".bias")}
    if len(rest) not in (0, 2) or len(ro_w) != len(rest) // 2 or len(ro_b) != len(rest) // 2:
        raise ValueError(f"expected an LSTM/GRU and at most one Linear(H, 1) readout; found "
                         f"{_found(rest)} besides the recurrent layer")
    w_y, b_y = np.ones((1, 1)), np.zeros(1)   # no readout: y = h
    if rest:
        w_y, b_y = next(iter(ro_w.values())), next(iter(ro_b.values()))
        if w_y.shape != (1, H * dirs) or b_y.shape != (1,):
            raise ValueError(f"the readout must be Linear({H * dirs}, 1): weight (1, {H * dirs}) "
                             f"and bias (1,); found {_found(rest)}")
    plain = H == 1 and dirs == 1 and w_y[0, 0] == 1.0 and b_y[0] == 0.0
    if not rest and not plain:
        raise ValueError(f"a model with H = {H} or two directions needs its readout "
                         f"(weight (1, {H * dirs}) and bias (1,)); found {_found(arrays)}")
    model = cls(cell=cell, hidden=H, layers=layers, inputs=ih.shape[1], readout=not plain,
                bias=bias, bidirectional=dirs == 2, dropout=dropout)
    theta = np.zeros(model.size)
    expected = model.state_dict(theta)
    expected.pop("readout.weight")
    expected.pop("readout.bias")
    got = {f"{name}_l{k}{'_reverse' if r else ''}": a for (name, k, r), a in rnn.items()}
    want = {key.split(".", 1)[1]: a for key, a in expected.items()}
    dot = f"{child}." if child else ""
    if set(want) != set(got):
        extra, missing = sorted(set(got) - set(want)), sorted(set(want) - set(got))
        read = f"the model read ({model.describe()})"
        raise ValueError(f"{read} has no {dot}{extra[0]}" if extra else
                         f"{read} needs {dot}{missing[0]}, which is missing")
    for tail, a in want.items():
        if got[tail].shape != a.shape:
            raise ValueError(f"{dot}{tail} has shape {got[tail].shape}, expected {a.shape} "
                             f"for the model read ({model.describe()})")
    rows = model._torch_rows()
    for layer, per_dir in enumerate(model.cells(theta)):
        for dd, c in enumerate(per_dir):
            def get(name: str, layer: int = layer, dd: int = dd) -> np.ndarray:
                return rnn[(name, layer, dd)]
            for j, g in enumerate(rows):
                c["W"][g][...] = get("weight_ih")[j * H:(j + 1) * H]
                c["R"][g][...] = get("weight_hh")[j * H:(j + 1) * H]
                if bias:
                    b_ih = get("bias_ih")[j * H:(j + 1) * H]
                    b_hh = get("bias_hh")[j * H:(j + 1) * H]
                    if model.family.is_gru and g == "n":
                        c["b"][g][...] = b_ih
                        c["b_h"][g][...] = b_hh
                    else:
                        c["b"][g][...] = b_ih + b_hh
            if model.family.peephole:
                for j, g in enumerate(PEEPHOLES):
                    c["p"][g][...] = get("weight_peephole")[j]
    ro = model.readout_views(theta)
    if ro is not None:
        ro[0][...] = w_y[0]
        ro[1][...] = b_y
    return model, theta


# ---------------------------------------------------------------- SPEC's unit

# The default Model: SPEC's single-input unit, the one the unit's own kernels train (chains of
# it are ``Model(layers=units)``).  Other modules ask it (``UNIT.size``, ``UNIT.names()``);
# PARAM_NAMES and N_PARAMS are the names scripts have always imported from ``lstm_gui.core``.
UNIT = Model()
PARAM_NAMES = tuple(UNIT.names())
N_PARAMS = UNIT.size

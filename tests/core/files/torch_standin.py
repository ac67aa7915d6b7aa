"""A tiny numpy stand-in for the part of torch the generated PyTorch scripts use.

Tensors are numpy float64 arrays.  nn.LSTM and nn.GRU run lstm-gui's own numpy reference on
their parameters (what is tested is the script around them: names, shapes, loading, layout,
the loss); the step-by-step modules a script writes for the variants run as written.
"""
from __future__ import annotations

import sys
import types

import numpy as np

from lstm_gui.core.files import safetensors as st
from lstm_gui.core.models import Model


class _Module:
    def __init__(self):
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_children", {})

    def __setattr__(self, name, value):
        if isinstance(value, _Parameter):
            self._params[name] = value
        elif isinstance(value, _Module):
            self._children[name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name, value):
        setattr(self, name, value)

    def state_dict(self, prefix=""):
        out = {prefix + k: v for k, v in self._params.items()}
        for name, child in self._children.items():
            out.update(child.state_dict(f"{prefix}{name}."))
        return out

    def load_state_dict(self, d):
        mine = self.state_dict()
        if set(mine) != set(d):
            raise RuntimeError(f"keys differ: {sorted(set(mine) ^ set(d))}")
        for k, v in d.items():
            if mine[k].shape != v.shape:
                raise RuntimeError(f"{k}: shape {v.shape}, expected {mine[k].shape}")
            mine[k][...] = v

    def double(self):
        return self

    def eval(self):
        return self

    def __call__(self, *args):
        return self.forward(*args)


class _Parameter(np.ndarray):
    def __new__(cls, data):
        return np.array(data, dtype=np.float64).view(cls)


class _Linear(_Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = _Parameter(np.zeros((n_out, n_in)))
        self.bias = _Parameter(np.zeros(n_out))

    def forward(self, x):
        return np.asarray(x @ self.weight.T + self.bias)


class _Recurrent(_Module):
    """nn.LSTM / nn.GRU: parameters by PyTorch's names; forward by lstm-gui's reference."""

    gates = 4
    child = "lstm"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, bidirectional=False,
                 dropout=0.0):
        super().__init__()
        G, H = self.gates, hidden_size
        self.dirs = ["", "_reverse"] if bidirectional else [""]
        self.hidden = H
        for k in range(num_layers):
            m = input_size if k == 0 else H * len(self.dirs)
            for sfx in self.dirs:
                self.register_parameter(f"weight_ih_l{k}{sfx}", _Parameter(np.zeros((G * H, m))))
                self.register_parameter(f"weight_hh_l{k}{sfx}", _Parameter(np.zeros((G * H, H))))
                if bias:
                    self.register_parameter(f"bias_ih_l{k}{sfx}", _Parameter(np.zeros(G * H)))
                    self.register_parameter(f"bias_hh_l{k}{sfx}", _Parameter(np.zeros(G * H)))

    def forward(self, x):
        d = {f"{self.child}.{k}": np.asarray(v) for k, v in self.state_dict().items()}
        width = self.hidden * len(self.dirs)
        d["readout.weight"], d["readout.bias"] = np.full((1, width), 0.5), np.zeros(1)
        model, theta = Model.from_state_dict(d)
        h = model.trace(theta, x).states["h"][-1]            # (dirs, n, B, H)
        return np.concatenate(list(h), axis=2), None


class _GRU(_Recurrent):
    gates = 3
    child = "gru"


class _MSELoss:
    def __call__(self, a, b):
        return np.mean((np.asarray(a) - np.asarray(b)) ** 2)


class _NoGrad:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def modules() -> dict[str, types.ModuleType]:
    """sys.modules entries for torch, torch.nn, safetensors and safetensors.torch."""
    torch = types.ModuleType("torch")
    nn = types.ModuleType("torch.nn")
    nn.Module, nn.Parameter, nn.Linear = _Module, _Parameter, _Linear
    nn.LSTM, nn.GRU, nn.MSELoss = _Recurrent, _GRU, _MSELoss
    torch.nn = nn
    torch.float64 = np.float64
    torch.tensor = lambda data, dtype=None: np.array(data, dtype=np.float64)
    torch.zeros = lambda *shape, dtype=None: np.zeros(shape)
    torch.zeros_like = np.zeros_like
    torch.sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))
    torch.tanh = np.tanh
    torch.cat = lambda xs, dim=0: np.concatenate(xs, axis=dim)
    torch.stack = lambda xs, dim=0: np.stack(xs, axis=dim)
    torch.flip = lambda x, dims: np.flip(x, tuple(dims)).copy()
    torch.no_grad = _NoGrad
    safetensors = types.ModuleType("safetensors")
    sf_torch = types.ModuleType("safetensors.torch")
    sf_torch.load_file = lambda path: st.read(path)[0]
    safetensors.torch = sf_torch
    return {"torch": torch, "torch.nn": nn, "safetensors": safetensors, "safetensors.torch": sf_torch}


def install(monkeypatch) -> None:
    """Put the stand-in in sys.modules for one test (pytest's monkeypatch undoes it)."""
    for name, module in modules().items():
        monkeypatch.setitem(sys.modules, name, module)

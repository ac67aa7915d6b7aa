"""A short PyTorch script that runs an lstm-gui model and prints the MSE lstm-gui shows.

``script_text(model, theta, x, target, ...)`` returns the text of ``m.py``; the weights go to
``m.safetensors`` beside it (:mod:`.pytorch`).  The script is the PyTorch tutorial's code
(a module with ``self.lstm`` and a linear readout, ``forward``, ``nn.MSELoss``): a plain LSTM
or GRU uses ``nn.LSTM`` / ``nn.GRU``; a family PyTorch has no class for (peephole, CIFG, the
ablations), or lstmlib's timing (each layer reads its input one step late), gets a small
module written out step by step, whose parameters have nn.LSTM's names and row order.

The generated code uses a small part of torch (tensor, zeros, sigmoid, tanh, cat, stack,
flip, nn.Module, nn.Parameter, nn.Linear, nn.MSELoss), so that a tiny numpy stand-in can run
it in the tests, where torch is absent.
"""
from __future__ import annotations

import numpy as np

# The cell's step, one per family, on z (batch, G*H) = x_t W_ih^T + h R^T + bias_ih + bias_hh
# for an LSTM family; rows in PyTorch's order.  {p} indexes the peephole rows p_i, p_f, p_o.
_LSTM_LINES = {
    "i": "i = torch.sigmoid(z[:, {s}]{peep_i})",
    "f": "f = torch.sigmoid(z[:, {s}]{peep_f})",
    "C": "g = {act_g}",
    "o": "o = torch.sigmoid(z[:, {s}]{peep_o})",
}


def _numbers(values, indent: str, per_line: int = 4) -> str:
    """A Python list literal of exact floats (repr round-trips), `per_line` to a line."""
    flat = [repr(float(v)) for v in values]
    lines = [", ".join(flat[k:k + per_line]) for k in range(0, len(flat), per_line)]
    return "[\n" + ",\n".join(indent + "    " + line for line in lines) + ",\n" + indent + "]"


def _literal(arr: np.ndarray) -> str:
    """A nested list literal of arr, exact floats."""
    if arr.ndim <= 1:
        return _numbers(np.atleast_1d(arr), "")
    return "[\n" + "".join(f"    {[float(v) for v in row]!r},\n"
                           for row in arr.reshape(arr.shape[0], -1)) + "]"


def _data_block(x: np.ndarray, target: np.ndarray, inputs: int) -> tuple[str, str, str]:
    """(the data's source, how to make the (n, B, m) input, how to pick the predictions).

    x: (n,) or (n, m) one sequence, (n, B, m) a batch.  target: (n,) or (n, B) one per step
    (sequence-to-sequence); () or (B,) one per sequence (sequence-to-one: the last step).
    """
    one = x.ndim < 3
    n = x.shape[0]
    if x.ndim == 1:
        src_x = f"x = {_numbers(x, '')}"
        shape = f"inputs = torch.tensor(x, dtype=torch.float64).reshape({n}, 1, 1)"
    elif one:
        src_x = f"x = {_literal(x)}"
        shape = f"inputs = torch.tensor(x, dtype=torch.float64).reshape({n}, 1, {inputs})"
    else:
        src_x = "x = [\n" + "".join(f"    {x[t].tolist()!r},\n" for t in range(n)) + "]"
        shape = "inputs = torch.tensor(x, dtype=torch.float64)"
    per_step = target.ndim == (1 if one else 2)
    if target.ndim == 0:
        src_y, pick = f"y = [{float(target)!r}]", "out[-1, :, 0]"
    elif per_step and one:
        src_y, pick = f"y = {_numbers(target, '')}", "out[:, 0, 0]"
    elif per_step:
        src_y, pick = "y = [\n" + "".join(f"    {r!r},\n" for r in target.tolist()) + "]", "out[:, :, 0]"
    else:
        src_y, pick = f"y = {_numbers(target, '')}", "out[-1, :, 0]"
    return src_x + "\n" + src_y, shape, pick


def _cell_class(model, name: str, rows: tuple[str, ...], delay: int) -> str:
    """Source of an nn.Module computing `model`'s recurrent layers step by step."""
    fam = model.family
    G = len(rows)

    def s(g):
        j = rows.index(g)
        return f"{j} * H:{j + 1} * H"

    if fam.is_gru:
        step = [
            "gi = x_t @ w_ih.T + b_ih",
            "gh = h @ w_hh.T + b_hh",
            f"r = torch.sigmoid(gi[:, {s('r')}] + gh[:, {s('r')}])",
            f"u = torch.sigmoid(gi[:, {s('z')}] + gh[:, {s('z')}])      # PyTorch's z",
            f"n = torch.tanh(gi[:, {s('n')}] + r * gh[:, {s('n')}])",
            "h = (1 - u) * n + u * h",
        ]
        equations = ("r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),\n"
                     "    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h = (1 - z) * n + z * h")
    else:
        peep = fam.peephole
        step = ["z = x_t @ w_ih.T + h @ w_hh.T + b_ih + b_hh"]
        # weight_peephole's rows follow the model's peephole blocks (state_dict stacks them).
        rows_p = [b.gate for b in model.blocks() if b.kind == "p" and b.layer == 0 and b.direction == 0]
        fmt = {f"peep_{g}": f" + p[{rows_p.index(g)}] * c" if peep else "" for g in ("i", "f", "o")}
        fmt |= {"act_g": ("z[:, {s}]" if fam.linear_input else "torch.tanh(z[:, {s}])")}
        order = [g for g in ("i", "f", "C") if g in rows]
        for g in order:
            step.append(_LSTM_LINES[g].format(s=s(g), **{**fmt, "act_g": fmt["act_g"].format(s=s(g))}))
        if "i" not in rows:
            step.append("i = 1.0                      # no input gate")
        if fam.coupled:
            step.append("f = 1 - i                    # coupled input and forget gates")
        elif "f" not in rows:
            step.append("f = 1.0                      # no forget gate")
        step.append("c = f * c + i * g")
        if "o" in rows:
            step.append(_LSTM_LINES["o"].format(s=s("o"), **fmt))
        else:
            step.append("o = 1.0                      # no output gate")
        step.append("h = o * c                    # no output activation" if fam.linear_output
                    else "h = o * torch.tanh(c)")
        equations = fam.doc
    state = "h = torch.zeros(x.shape[1], H, dtype=x.dtype)"
    if not fam.is_gru:
        state += "\n        c = torch.zeros(x.shape[1], H, dtype=x.dtype)"
    body = "\n".join("            " + line for line in step)
    peep_param = "" if not fam.peephole else (
        '\n                if self.peephole:\n                    self.register_parameter('
        'f"weight_peephole_l{k}{sfx}", nn.Parameter(torch.zeros(3, H)))')
    delay_lines = ("\n            # lstmlib's timing: every layer reads its input one step late\n"
                   "            x = torch.cat([torch.zeros_like(x[:1]), x[:-1]])") if delay else ""
    peeps = [b.name for b in model.blocks() if b.kind == "p" and b.layer == 0 and b.direction == 0]
    peep_rows = f"; weight_peephole's rows are\n    {', '.join(peeps)}" if fam.peephole else ""
    return f'''class {name}(nn.Module):
    """{model.cell}: {equations}.

    Parameters have nn.{"GRU" if fam.is_gru else "LSTM"}'s names; the rows of weight_ih and
    weight_hh are the gates {", ".join(_row_names(rows))}, in PyTorch's order{peep_rows}.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, bidirectional=False):
        super().__init__()
        H, self.hidden_size, self.num_layers, self.bias = hidden_size, hidden_size, num_layers, bias
        self.peephole = {fam.peephole}
        self.directions = ["", "_reverse"] if bidirectional else [""]
        for k in range(num_layers):
            m = input_size if k == 0 else H * len(self.directions)
            for sfx in self.directions:
                self.register_parameter(f"weight_ih_l{{k}}{{sfx}}", nn.Parameter(torch.zeros({G} * H, m)))
                self.register_parameter(f"weight_hh_l{{k}}{{sfx}}", nn.Parameter(torch.zeros({G} * H, H)))
                if bias:
                    self.register_parameter(f"bias_ih_l{{k}}{{sfx}}", nn.Parameter(torch.zeros({G} * H)))
                    self.register_parameter(f"bias_hh_l{{k}}{{sfx}}", nn.Parameter(torch.zeros({G} * H))){peep_param}

    def forward(self, x):
        """x (seq_len, batch, input_size) -> (h of the last layer, None), as nn.LSTM."""
        for k in range(self.num_layers):{delay_lines}
            out = [self.layer(x, k, "")]
            if len(self.directions) == 2:
                out.append(torch.flip(self.layer(torch.flip(x, [0]), k, "_reverse"), [0]))
            x = torch.cat(out, 2)
        return x, None

    def layer(self, x, k, sfx):
        H = self.hidden_size
        w_ih, w_hh = getattr(self, f"weight_ih_l{{k}}{{sfx}}"), getattr(self, f"weight_hh_l{{k}}{{sfx}}")
        b_ih = getattr(self, f"bias_ih_l{{k}}{{sfx}}") if self.bias else 0.0
        b_hh = getattr(self, f"bias_hh_l{{k}}{{sfx}}") if self.bias else 0.0
        p = getattr(self, f"weight_peephole_l{{k}}{{sfx}}") if self.peephole else None
        {state}
        hs = []
        for x_t in x:
{body}
            hs.append(h)
        return torch.stack(hs)
'''


def script_text(model, theta, x, target, *, weights: str, child: str, rows: tuple[str, ...],
                delay: int = 0, mse: float | None = None, source: str = "", task: str = "") -> str:
    """The text of a runnable PyTorch script for `model` at `theta` on (x, target).

    weights: the .safetensors file name, looked up beside the script.  child: the recurrent
    child's name in the state_dict (``lstm``, ``gru``, ``cifg``, ...); rows: the gates in the
    order of weight_ih's rows.  mse: the number lstm-gui shows, quoted in the docstring.
    """
    x = np.asarray(x, dtype=float)
    target = np.asarray(target, dtype=float)
    data, make_inputs, pick = _data_block(x, target, model.inputs)
    plain = model.cell in ("lstm", "gru") and not delay
    torch_class = "nn.GRU" if model.family.is_gru else "nn.LSTM"
    cell_src = "" if plain else _cell_class(model, _class_name(model), rows, delay) + "\n\n"
    layer_class = torch_class if plain else _class_name(model)
    options = [f"num_layers={model.layers}"] if model.layers > 1 else []
    if not model.bias:
        options.append("bias=False")
    if model.bidirectional:
        options.append("bidirectional=True")
    if plain and model.dropout:
        options.append(f"dropout={model.dropout!r}")
    extra = "".join(", " + o for o in options)
    outer = "GruRNN" if model.family.is_gru else "LstmRNN"        # the tutorial's LstmRNN
    dirs = "hidden_size * 2" if model.bidirectional else "hidden_size"
    shown = f"{mse:.10g}" if mse is not None else "(not given)"
    timing = "lstmlib's (each layer reads its input one step late)" if delay else "exact"
    return f'''"""lstm-gui's model in PyTorch{f": {source}" if source else ""}.

Model: {model.describe()}; timing {timing}.
Task: {task or "the run's data"}; the MSE lstm-gui shows: {shown}.
The weights are in {weights}, beside this script (float64, PyTorch's names).

Run it where PyTorch is installed (pip install torch safetensors):  python {weights.rsplit(".", 1)[0]}.py
It prints "MSE <number>": the number above, to the last digit or nearly.
"""
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

# The run's own task data: input x, target y.
{data}


{cell_src}class {outer}(nn.Module):
    """As in the PyTorch tutorial: a recurrent layer and a linear readout, one output a step."""

    def __init__(self, input_size, hidden_size, output_size=1):
        super().__init__()
        self.{child} = {layer_class}(input_size, hidden_size{extra})
        self.readout = nn.Linear({dirs}, output_size)

    def forward(self, _x):
        x, _ = self.{child}(_x)          # _x is (seq_len, batch, input_size)
        s, b, h = x.shape
        x = x.reshape(s * b, h)
        x = self.readout(x)
        return x.reshape(s, b, -1)


model = {outer}({model.inputs}, {model.hidden}).double()
model.load_state_dict(load_file(str(Path(__file__).with_name("{weights}"))))
model.eval()
loss_function = nn.MSELoss()
with torch.no_grad():
    {make_inputs}
    out = model(inputs)
    prediction = {pick}
    loss = loss_function(prediction, torch.tensor(y, dtype=torch.float64).reshape(prediction.shape))
print(f"MSE {{loss.item()!r}}")
'''


def _row_names(rows: tuple[str, ...]) -> list[str]:
    """PyTorch's letters for the gate rows: the candidate C~ is its g."""
    return ["g" if g == "C" else g for g in rows]


def _class_name(model) -> str:
    return {"peephole": "PeepholeLSTM", "cifg": "CIFGLSTM", "gru": "SteppedGRU",
            "lstm": "SteppedLSTM"}.get(model.cell, model.cell.upper() + "LSTM")

"""Model gradients equal PyTorch autograd (float64), from the stored reference.

tests/fixtures/model_torch_reference.json was written by make_model_torch_reference.py:
nn.LSTM / nn.GRU (+ nn.Linear) with H in 1, 3, 16, layers 1-2, inputs 1-2, bias on and off,
bidirectional, sequence-to-sequence and sequence-to-one.  torch is not needed here.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from lstm_gui.core.models import Model

REF = json.loads((Path(__file__).parents[2] / "fixtures" / "model_torch_reference.json")
                 .read_text())
CASES = REF["cases"]


def _ids(c):
    return (f"{c['cell']}-H{c['hidden']}-m{c['inputs']}-L{c['layers']}"
            f"{'-nobias' if not c['bias'] else ''}{'-bi' if c['bidirectional'] else ''}"
            f"{'-last' if c['last'] else ''}")


def _grad_as_state_dict(c):
    """torch's .grad values as a state_dict whose folding gives the gradient of the folded bias.

    d loss / d bias_ih = d loss / d bias_hh wherever the two are summed (every LSTM row, GRU's
    r and z rows); the folded bias has that same gradient, so bias_hh's share is zeroed.
    GRU's n rows stay apart (b_nx, b_nh).
    """
    g = {k: np.array(v) for k, v in c["grads"].items()}
    H = c["hidden"]
    for k in list(g):
        if ".bias_hh" in k:
            ih = g[k.replace("bias_hh", "bias_ih")]
            keep = slice(2 * H, None) if c["cell"] == "gru" else slice(0, 0)
            folded = np.ones(ih.shape, bool)
            folded[keep] = False
            assert np.allclose(g[k][folded], ih[folded], rtol=1e-12, atol=1e-15)
            g[k][folded] = 0.0
    return g


@pytest.mark.parametrize("c", CASES, ids=_ids)
def test_gradient_equals_pytorch_autograd(c):
    model, theta = Model.from_state_dict(c["params"])
    assert (model.cell, model.hidden, model.inputs, model.layers, model.bias,
            model.bidirectional, model.readout) == (
        c["cell"], c["hidden"], c["inputs"], c["layers"], c["bias"], c["bidirectional"],
        c["readout"])
    x, target = np.array(c["x"]), np.array(c["target"])
    if x.shape[1] == 1 and model.inputs == 1:      # the single-sequence path: x (n,)
        x, target = x[:, 0, 0], (target[:, 0] if target.ndim == 2 else target[0])
    y = model.forward(theta, x)
    assert np.allclose(y, np.array(c["y"]).reshape(y.shape), rtol=0, atol=1e-13)
    loss, grad = model.loss_and_grad(theta, x, target)
    assert abs(loss - c["loss"]) <= 1e-13 * max(1.0, abs(c["loss"]))
    g_model, want = Model.from_state_dict(_grad_as_state_dict(c))
    assert g_model.size == model.size
    assert np.abs(grad - want).max() <= 1e-10 * np.abs(want).max()


def test_reference_covers_the_brief():
    assert {c["hidden"] for c in CASES} == {1, 3, 16}
    assert {c["layers"] for c in CASES} == {1, 2} and {c["inputs"] for c in CASES} == {1, 2}
    assert {c["bias"] for c in CASES} == {True, False} and any(c["bidirectional"] for c in CASES)
    assert {c["last"] for c in CASES} == {True, False} and {c["cell"] for c in CASES} == {"lstm", "gru"}

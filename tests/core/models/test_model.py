"""The model description: names, sizes, blocks, initialisation, and agreement with the unit."""
import numpy as np
import pytest

from lstm_gui.core.models import CELLS, Model, unit
from lstm_gui.core.training.optim import init_params

SPEC_NAMES = ["W_fh", "W_fx", "b_f", "W_ih", "W_ix", "b_i",
              "W_Ch", "W_Cx", "b_C", "W_oh", "W_ox", "b_o"]


def test_default_is_spec_unit():
    m = Model()
    assert m.size == 12 and m.names() == SPEC_NAMES
    assert not m.readout and m.cell == "lstm" and m == Model(readout=False)


def test_chain_names_match_history_columns():
    from lstm_gui.core.training.history import column_names
    assert Model(layers=3).names() == column_names(3)[2:]


@pytest.mark.parametrize("cell, size", [("lstm", 12), ("peephole", 15), ("cifg", 9), ("gru", 10),
                                        ("nig", 9), ("nfg", 9), ("nog", 9), ("niaf", 12),
                                        ("noaf", 12)])
def test_one_d_sizes(cell, size):
    m = Model(cell=cell)
    assert m.size == size == len(m.names()) == len(set(m.names()))


def test_variant_names_extend_spec():
    assert Model(cell="peephole").names() == SPEC_NAMES + ["p_i", "p_f", "p_o"]
    assert Model(cell="cifg").names() == SPEC_NAMES[3:]
    assert Model(cell="nog").names() == SPEC_NAMES[:9]
    assert Model(cell="gru").names() == ["W_rh", "W_rx", "b_r", "W_zh", "W_zx", "b_z",
                                         "W_nh", "W_nx", "b_nx", "b_nh"]


@pytest.mark.parametrize("cell", CELLS)
def test_sizes_formula_and_blocks_tile_theta(cell):
    m = Model(cell=cell, hidden=4, inputs=3, layers=2, bidirectional=True)
    G = len(m.gates)
    H, D = 4, 2
    per = lambda mk: G * (H * mk + H * H + H) + 3 * H * (cell == "peephole") + H * (cell == "gru")  # noqa: E731
    assert m.size == D * (per(3) + per(H * D)) + H * D + 1
    off = 0
    for b in m.blocks():
        assert b.offset == off
        off += b.size
    assert off == m.size == len(m.names()) == len(set(m.names()))


def test_tutorial_model_size():
    # 4H(m + H + 1) + H + 1 with one bias per gate (MODELS.md's "1 088" is 4H(H + 1): it
    # leaves out the input weights or the bias).  nn.LSTM's two biases would add 4H more.
    assert Model(hidden=16).size == 4 * 16 * (1 + 16 + 1) + 17 == 1169


def test_names_carry_indices_and_prefixes():
    names = Model(hidden=2, layers=2, bidirectional=True).names()
    assert names[:5] == ["W_fh[0,0]", "W_fh[0,1]", "W_fh[1,0]", "W_fh[1,1]", "W_fx[0,0]"]
    assert "rev.b_o[1]" in names and "u2.rev.W_ix[1,3]" in names
    assert names[-5:] == ["w_y[0]", "w_y[1]", "w_y[2]", "w_y[3]", "b_y"]
    assert Model(readout=True).names()[-2:] == ["w_y", "b_y"]


def test_bad_descriptions_are_refused_in_one_line():
    for kw in (dict(cell="rnn"), dict(hidden=0), dict(layers=1.5), dict(dropout=1.0),
               dict(hidden=2, readout=False), dict(bidirectional=True, readout=False)):
        with pytest.raises(ValueError) as e:
            Model(**kw)
        assert "\n" not in str(e.value)


def test_block_lookup():
    m = Model(hidden=2, layers=2, bidirectional=True)
    assert Model().block("W", "f").name == "W_fx" and Model().block("b", "f").offset == 2
    assert m.block("R", "o", layer=1, direction=1).name == "u2.rev.W_oh"
    assert m.block("w_y").shape == (4,)
    with pytest.raises(ValueError):
        Model(cell="gru").block("W", "f")


def test_views_write_theta():
    m = Model(hidden=3)
    theta = np.zeros(m.size)
    m.views(theta)["b_f"][:] = 7.0
    m.cells(theta)[0][0]["R"]["o"][2, 1] = 5.0
    assert theta[m.names().index("b_f[1]")] == 7.0
    assert theta[m.names().index("W_oh[2,1]")] == 5.0


def test_uniform_init_is_todays():
    for layers in (1, 3):
        a = Model(layers=layers).init(np.random.default_rng(11), low=-0.5, high=2.0)
        b = init_params(np.random.default_rng(11), layers, -0.5, 2.0).ravel()
        assert np.array_equal(a, b)
    assert np.array_equal(Model().init(4), Model().init(4))


def test_pytorch_init_range_and_forget_bias():
    m = Model(hidden=16, layers=2, bidirectional=True)
    theta = m.init(0, scheme="pytorch", forget_bias=1.0)
    k = 1 / 4
    pooled: dict[str, list] = {"forget": [], "bias": [], "readout": [], "weight": []}
    for b in m.blocks():
        kind = ("forget" if b.kind == "b" and b.gate == "f" else "bias" if b.kind == "b"
                else "readout" if b.kind in ("w_y", "b_y") else "weight")
        pooled[kind] += list(np.abs(np.atleast_1d(theta[b.slice])))
    assert set(pooled["forget"]) == {1.0}
    assert k < max(pooled["bias"]) <= 2 * k           # the sum of PyTorch's two U(-k, k)
    assert 0.98 * k < max(pooled["weight"]) <= k
    assert max(pooled["readout"]) <= 1 / np.sqrt(32)
    with pytest.raises(ValueError):
        Model(cell="gru").init(0, forget_bias=1.0)


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("delay", [0, 1])
def test_agrees_with_the_unit(layers, delay):
    rng = np.random.default_rng(layers + 10 * delay)
    m = Model(layers=layers)
    theta = m.init(rng, low=-2, high=2)
    x, t = rng.uniform(-1, 1, 37), rng.uniform(-1, 1, 37)
    p = theta.reshape(layers, 12) if layers > 1 else theta
    assert np.allclose(m.forward(theta, x, delay), unit.forward(p, x, delay).h, rtol=0, atol=1e-13)
    loss, grad = m.loss_and_grad(theta, x, t, delay)
    loss_u, grad_u = unit.mse_and_grad(p, x, t, delay)
    assert abs(loss - loss_u) <= 1e-13
    assert np.allclose(grad, grad_u.ravel(), rtol=0, atol=1e-13)
    tr = m.trace(theta, x, delay)
    ut = unit.forward(p, x, delay)
    for name in ("f", "i", "c_tilde", "c", "o"):
        assert np.allclose(tr.states[name][:, 0, :, 0, 0], getattr(ut, name).reshape(layers, -1),
                           rtol=0, atol=1e-13)


def test_description_round_trips_through_plain_values():
    import json
    for m in (Model(), Model(cell="gru", hidden=5, layers=2, inputs=3, bias=False,
                             bidirectional=True, dropout=0.2)):
        assert Model.from_dict(json.loads(json.dumps(m.to_dict()))) == m
    for bad in ({"cell": "x"}, {"hidden": "3"}, {"colour": 1}, {"bias": 1}, []):
        with pytest.raises(ValueError) as e:
            Model.from_dict(bad)
        assert "\n" not in str(e.value)

"""PyTorch names: state_dict and from_state_dict round trip exactly, and junk is refused."""
import numpy as np
import pytest

from lstm_gui.core.models import CELLS, Model


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kw", [dict(), dict(readout=True), dict(hidden=2, bias=False),
                                dict(hidden=3, inputs=2, layers=2, bidirectional=True)])
def test_round_trip_is_exact(cell, kw):
    model = Model(cell=cell, **kw)
    theta = model.init(7, low=-3, high=3)
    back, theta_back = Model.from_state_dict(model.state_dict(theta))
    assert back == model and np.array_equal(theta_back, theta)


def test_pytorch_layout():
    model = Model(hidden=2, layers=2, bidirectional=True)
    theta = model.init(0)
    sd = model.state_dict(theta)
    assert sd["lstm.weight_ih_l0"].shape == (8, 1) and sd["lstm.weight_hh_l0"].shape == (8, 2)
    assert sd["lstm.weight_ih_l1_reverse"].shape == (8, 4) and sd["readout.weight"].shape == (1, 4)
    v = model.views(theta)
    # rows i, f, g, o
    assert np.array_equal(sd["lstm.weight_hh_l0"][2:4], v["W_fh"])
    assert np.array_equal(sd["lstm.weight_ih_l1_reverse"][4:6], v["u2.rev.W_Cx"])
    assert np.array_equal(sd["lstm.bias_ih_l0"][:2], v["b_i"])
    assert not sd["lstm.bias_hh_l0"].any()
    gru = Model(cell="gru", hidden=2)
    theta = gru.init(1)
    gv, gsd = gru.views(theta), gru.state_dict(theta)
    assert np.array_equal(gsd["gru.bias_ih_l0"], np.concatenate([gv["b_r"], gv["b_z"], gv["b_nx"]]))
    assert np.array_equal(gsd["gru.bias_hh_l0"], np.concatenate([np.zeros(4), gv["b_nh"]]))
    unit = Model().state_dict(Model().init(0))
    assert unit["readout.weight"].tolist() == [[1.0]] and unit["readout.bias"].tolist() == [0.0]
    peep = Model(cell="peephole", hidden=2)
    assert peep.state_dict(peep.init(0))["lstm.weight_peephole_l0"].shape == (3, 2)
    assert "cifg.weight_ih_l0" in Model(cell="cifg").state_dict(Model(cell="cifg").init(0))


def test_children_found_by_shape_whatever_their_names():
    # The PyTorch tutorial calls its readout forwardCalculation; nn.LSTM's own state_dict
    # has no prefix at all.
    model = Model(hidden=16)
    theta = model.init(3)
    sd = {k.replace("lstm.", "rnn.").replace("readout.", "forwardCalculation."): v
          for k, v in model.state_dict(theta).items()}
    back, t = Model.from_state_dict(sd)
    assert back == model and np.array_equal(t, theta)
    th = Model(layers=2).init(0)
    bare = {k[5:]: v for k, v in Model(layers=2).state_dict(th).items() if k.startswith("lstm.")}
    back, t = Model.from_state_dict(bare)
    assert back == Model(layers=2) and np.array_equal(t, th)


def test_two_biases_fold():
    sd = Model(hidden=2).state_dict(Model(hidden=2).init(0))
    sd["lstm.bias_hh_l0"] = np.arange(8.0)
    model, theta = Model.from_state_dict(sd)
    assert np.array_equal(model.state_dict(theta)["lstm.bias_ih_l0"],
                          sd["lstm.bias_ih_l0"] + np.arange(8.0))


def test_dropout_is_given_not_read():
    sd = Model(hidden=2, layers=2).state_dict(Model(hidden=2, layers=2).init(0))
    assert Model.from_state_dict(sd, dropout=0.25)[0].dropout == 0.25


JUNK = {
    "not a mapping": [1, 2],
    "empty": {},
    "a Linear only": {"fc.weight": np.zeros((1, 3)), "fc.bias": np.zeros(1)},
    "projection": {**Model(hidden=2).state_dict(Model(hidden=2).init(0)),
                   "lstm.weight_hr_l0": np.zeros((1, 2))},
    "five gates": {"lstm.weight_ih_l0": np.zeros((10, 1)), "lstm.weight_hh_l0": np.zeros((10, 2))},
    "wrong shape": {**Model(hidden=2).state_dict(Model(hidden=2).init(0)),
                    "lstm.weight_ih_l0": np.zeros((8, 3, 1))},
    "missing bias_hh": {k: v for k, v in Model(hidden=2).state_dict(Model(hidden=2).init(0)).items()
                        if k != "lstm.bias_hh_l0"},
    "wide readout missing": {k: v for k, v in
                             Model(hidden=2).state_dict(Model(hidden=2).init(0)).items()
                             if not k.startswith("readout")},
    "readout of the wrong width": {**Model(hidden=2).state_dict(Model(hidden=2).init(0)),
                                   "readout.weight": np.zeros((1, 3))},
    "two readouts": {**Model(hidden=2).state_dict(Model(hidden=2).init(0)),
                     "head.weight": np.zeros((1, 2)), "head.bias": np.zeros(1)},
    "text": {"lstm.weight_ih_l0": "abc", "lstm.weight_hh_l0": np.zeros((4, 1))},
    "nan": {**Model().state_dict(Model().init(0)), "lstm.bias_ih_l0": np.full(4, np.nan)},
    "gru named nig": {k.replace("lstm.", "nig."): v for k, v in
                      Model().state_dict(Model().init(0)).items()},
}


@pytest.mark.parametrize("what", JUNK)
def test_junk_is_refused_in_one_line(what):
    with pytest.raises(ValueError) as e:
        Model.from_state_dict(JUNK[what])
    msg = str(e.value)
    assert "\n" not in msg and 10 < len(msg) < 400

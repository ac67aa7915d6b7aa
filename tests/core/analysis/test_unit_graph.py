"""One unit of a family as a drawing (core.analysis.unit_graph), and the input terms of a
unit's step (core.analysis.unit_step.input_terms)."""
import numpy as np
import pytest

from lstm_gui.core.analysis import unit_step as steps
from lstm_gui.core.analysis.unit_graph import unit_graph
from lstm_gui.core.models import Model
from lstm_gui.core.models.model import CELLS


def test_the_graph_follows_the_family():
    """Which gates exist and how, from the Model's family alone."""
    status = {c: {g.field: g.status for g in unit_graph(Model(cell=c)).gates} for c in CELLS}
    assert status["gru"] == {"r": "gate", "z": "gate", "n": "gate"}
    assert status["lstm"] == {"f": "gate", "i": "gate", "c_tilde": "gate", "o": "gate"}
    assert status["cifg"]["f"] == "coupled"
    for cell, gone in (("nig", "i"), ("nfg", "f"), ("nog", "o")):
        assert status[cell][gone] == "absent"
        assert sum(s == "absent" for s in status[cell].values()) == 1
    peep = unit_graph(Model(cell="peephole"))
    assert {g.field: g.peephole for g in peep.gates if g.peephole} == \
        {"f": "C(t−1)", "i": "C(t−1)", "o": "C(t)"}
    assert unit_graph(Model(cell="niaf")).gate("c_tilde").function == "id"
    assert unit_graph(Model(cell="noaf")).output_function == "id"
    assert unit_graph(Model(cell="lstm")).output_function == "tanh"
    # Every gate that owns parameters is drawn as a gate, in any family.
    for cell in CELLS:
        graph = unit_graph(Model(cell=cell))
        owned = {"C": "c_tilde"}
        assert {g.field for g in graph.gates if g.status == "gate"} == \
            {owned.get(g, g) for g in Model(cell=cell).gates}


def test_a_graph_says_what_it_computes_and_refuses_an_unknown_gate():
    nog = unit_graph(Model(cell="nog"))
    assert nog.computed == ("f", "i", "c_tilde") and nog.states() == ("c", "h")
    assert nog.gate("o").constant == "1" and unit_graph(Model(cell="cifg")).gate("f").constant == "1 − i"
    assert unit_graph(Model(cell="gru")).states() == ("h",)
    assert not unit_graph(Model(bias=False, hidden=2)).bias
    with pytest.raises(KeyError, match="no gate 'r'"):
        nog.gate("r")


def test_input_terms_are_the_largest_products_of_the_layers_input():
    model = Model(cell="gru", hidden=5, layers=2, inputs=3)
    theta = model.init(0)
    x = np.random.default_rng(1).normal(size=(9, 3))
    trace = model.trace(theta, x)
    step = steps.unit_step(model, theta, trace, 1, 2, 4)
    W = model.cells(theta)[1][0]["W"]["z"][2]
    products = W * trace.states["h"][0, 0, 4, 0, :]
    terms = steps.input_terms(step, "z", top=3)
    assert [k for k, _ in terms] == list(np.argsort(-np.abs(products))[:3])
    assert [v for _, v in terms] == pytest.approx(products[[k for k, _ in terms]])
    assert sum(products) == pytest.approx(step.gates["z"].input_term)

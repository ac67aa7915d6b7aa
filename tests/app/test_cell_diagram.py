"""The cell diagram of a model, per family, through the real CellView: the drawn gates are the
family's, the numbers on it are the trace at the cursor, an ablated gate is marked removed,
and selecting another unit moves the numbers to that unit."""
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.app.views.cell import CellView
from lstm_gui.core.analysis.unit_graph import unit_graph
from lstm_gui.core.models import Model
from lstm_gui.core.models.model import CELLS


def number(text):
    """The one number of a label, true minus sign read back."""
    found = re.findall(r"[−-]?\d+(?:\.\d+)?(?:e[−-]?\d+)?", text.replace("−", "-"))
    assert len(found) == 1, text
    return float(found[0])


def close(text, want):
    assert number(text) == pytest.approx(want, rel=5e-3, abs=5e-4), (text, want)


def snapshot(cell, hidden, layers, n=25, **options):
    model = Model(cell=cell, hidden=hidden, layers=layers, **options)
    theta = model.init(3, scheme="pytorch")
    x = np.sin(np.linspace(0, 6, n))
    return SimpleNamespace(model=model, params=theta, x=x, target=np.cos(x), revision=0, epoch=0,
                           trace=model.trace(theta, x), config=SimpleNamespace(delay=0, frozen=()))


@pytest.fixture
def view(lone_view):
    return lone_view(CellView, (700, 500))


@pytest.mark.parametrize("hidden,layers", [(1, 1), (16, 2)])
@pytest.mark.parametrize("cell", CELLS)
def test_the_diagram_shows_the_family_with_the_trace_at_the_cursor(view, cell, hidden, layers):
    snap = snapshot(cell, hidden, layers)
    view.show_snapshot(snap)
    layer, unit, t = layers - 1, hidden // 2, 11
    view.ctx.selection.set(layer, unit)
    view.ctx.cursor.set(t)
    panel = view.modelPanel
    assert view.stack.currentWidget() is panel and panel.canvas.isVisible()
    d = panel.diagram
    states = {k: a[layer, 0, :, 0, unit] for k, a in snap.trace.states.items()}
    graph = unit_graph(snap.model)
    # Exactly the family's gates are drawn, each with its status.
    assert set(d.boxes) == set(graph.fields)
    assert d.gate_status() == {g.field: g.status for g in graph.gates}
    for g in graph.gates:
        text = d.text(f"gate_{g.field}")
        if g.removed:
            assert text == "= 1" and g.field in d.struck
            assert f"x_{g.field}" not in d.labels and f"h_{g.field}" not in d.labels
        else:
            close(text, states[g.field][t])
            assert g.field not in d.struck
    # The states at both ends.
    close(d.text("h"), states["h"][t])
    close(d.text("h_prev"), states["h"][t - 1])
    if not graph.gru:
        close(d.text("c"), states["c"][t])
        close(d.text("c_prev"), states["c"][t - 1])
        act = math.tanh if graph.output_function == "tanh" else (lambda v: v)
        close(d.text("act_c"), act(states["c"][t]))
    # Each edge's term: the gate's pre-activation is their sum (through r for GRU's n).
    model = snap.model
    cells = model.cells(snap.params)[layer][0]
    x = snap.x[t] if layer == 0 else snap.trace.states["h"][layer - 1, 0, t, 0, :]
    h_prev = snap.trace.states["h"][layer, 0, t - 1, 0, :]
    for g in graph.gates:
        if g.status != "gate":
            continue
        close(d.text(f"x_{g.field}"), cells["W"][g.letter][unit] @ np.atleast_1d(x))
        rec = cells["R"][g.letter][unit] @ h_prev
        if g.reset:
            rec += cells["b_h"][g.letter][unit]
            close(d.text("rn"), states["r"][t] * rec)
        close(d.text(f"h_{g.field}"), rec)
        close(d.text(f"b_{g.field}"), cells["b"][g.letter][unit])
        if g.peephole:
            c = states["c"][t] if g.field == "o" else states["c"][t - 1]
            close(d.text(f"p_{g.field}"), cells["p"][g.letter][unit] * c)
        assert "largest terms" in d.edges[f"h_{g.field}"].toolTip()
    # Another unit: the numbers are that unit's.
    other = (unit + 1) % hidden
    view.ctx.selection.set(layer, other)
    if other != unit:
        assert (panel.unitSpin.value(), panel.diagram is d) == (other + 1, True)
        close(d.text("h"), snap.trace.states["h"][layer, 0, t, 0, other])
        first = next(g for g in graph.gates if not g.removed)
        close(d.text(f"gate_{first.field}"), snap.trace.states[first.field][layer, 0, t, 0, other])


def test_a_model_without_bias_draws_no_bias_edges(view):
    view.show_snapshot(snapshot("gru", 3, 1, bias=False))
    d = view.modelPanel.diagram
    assert not [k for k in d.labels if k.startswith("b_")]
    assert {k for k in d.labels if k.startswith("h_")} == {"h_r", "h_z", "h_n", "h_prev", "h_prev_top"}


def test_the_drawing_is_rebuilt_only_for_another_family(view):
    view.show_snapshot(snapshot("gru", 4, 1))
    first = view.modelPanel.diagram
    view.show_snapshot(snapshot("gru", 4, 1))
    assert view.modelPanel.diagram is first
    view.show_snapshot(snapshot("nog", 4, 1))
    assert view.modelPanel.diagram is not first
    assert view.modelPanel.diagram.gate_status()["o"] == "absent"


@pytest.mark.parametrize("cell", CELLS)
def test_the_gates_view_draws_the_familys_own_quantities(lone_view, cell):
    """GRU: r, z, n and h (no empty f, i, C~, C); an ablated gate is not drawn; every drawn
    curve is the selected unit's trace."""
    from lstm_gui.app.views.sequence import GatesView

    view = lone_view(GatesView, (600, 450))
    ctx = view.ctx
    snap = snapshot(cell, 16, 2)
    ctx.selection.set(1, 6)
    view.show_snapshot(snap)
    plot = view.plot
    drawn = {k for k, c in plot.curves.items() if c.isVisible() and c.getData()[1] is not None}
    graph = unit_graph(snap.model)
    want = {g.field for g in graph.gates if not g.removed} | {"h_units"} | (set() if graph.gru else {"c"})
    assert drawn == want
    if cell == "gru":
        assert drawn == {"r", "z", "n", "h_units"} and not plot.rows()[2].isVisible()
    legend = {label.text for _, label in plot.legend.items}
    assert legend == {name for row in plot.ROWS for k, name, *_ in row if k in want}
    for key in drawn:
        field = "h" if key == "h_units" else key
        np.testing.assert_allclose(plot.curves[key].getData()[1],
                                   snap.trace.states[field][1, 0, :, 0, 6])
    # Back to SPEC's unit: its six quantities again.
    from lstm_gui.core.training.run import RunConfig, TrainingRun
    unit = TrainingRun(RunConfig(epochs=0)).snapshot(history_points=10)
    view.show_snapshot(unit)
    assert {k for k, c in plot.curves.items() if c.isVisible()} == set(plot.UNIT_FIELDS)
    assert plot.rows()[2].isVisible()


def test_the_reverse_direction_of_a_bidirectional_layer(view):
    """Group 2 of a one-layer bidirectional model is its reverse direction: its numbers are
    that direction's, its h(t−1) the state it read, h(t+1)."""
    snap = snapshot("peephole", 4, 1, bidirectional=True)
    view.show_snapshot(snap)
    view.ctx.selection.set(1, 2)
    view.ctx.cursor.set(7)
    d = view.modelPanel.diagram
    states = {k: a[0, 1, :, 0, 2] for k, a in snap.trace.states.items()}
    close(d.text("h"), states["h"][7])
    close(d.text("h_prev"), states["h"][8])
    close(d.text("c_prev"), states["c"][8])
    for field in ("f", "i", "c_tilde", "o"):
        close(d.text(f"gate_{field}"), states[field][7])


def _drawn_texts(panel) -> list[str]:
    from lstm_gui.app.qt import QtWidgets
    return [item.text() for item in panel.canvas.scene().items()
            if isinstance(item, QtWidgets.QGraphicsSimpleTextItem)]


@pytest.mark.parametrize("cell", ["peephole", "gru"])
def test_the_reverse_direction_is_labelled_with_the_step_it_reads_t_plus_1(view, cell):
    """The reverse direction runs from the sequence's end: its recurrent input is h(t+1)
    (and C(t+1)); it was drawn as h(t−1).  The forward direction keeps h(t−1)."""
    snap = snapshot(cell, 4, 1, bidirectional=True)
    view.show_snapshot(snap)
    panel = view.modelPanel
    view.ctx.selection.set(1, 2)          # group 2: the reverse direction of layer 1
    view.ctx.cursor.set(7)
    texts = _drawn_texts(panel)
    assert "h(t+1)" in texts and not any("t−1" in t for t in texts), texts
    if cell != "gru":
        assert "C(t+1)" in texts
        assert "C(t+1)" in panel.formula_text("c")
    assert "h(t+1)" in panel.header.text() and "t−1" not in panel.header.text()
    assert "h(t+1)" in panel.diagram.labels["h_z" if cell == "gru" else "h_f"].toolTip()
    view.ctx.selection.set(0, 2)          # the forward direction
    texts = _drawn_texts(panel)
    assert "h(t−1)" in texts and not any("t+1" in t for t in texts), texts
    assert "h(t−1)" in panel.header.text()

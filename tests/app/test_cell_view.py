"""The cell view through its real widgets, fed snapshots of real training runs."""
import re

import numpy as np
import pytest

from lstm_gui.app import palette
from lstm_gui.app.qt import QtCore, QtGui, QtWidgets
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.cell import CELL_W, CellView, WeightEdge, weight_width
from lstm_gui.core import PARAM_NAMES
from lstm_gui.core.training.run import RunConfig, TrainingRun

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
RTOL = 5.01e-3        # three significant digits


def numbers(text: str) -> np.ndarray:
    return np.array([float(s) for s in NUMBER.findall(text.replace("\u2212", "-"))])


class Trainer:
    """Stands in for the window's Trainer: records the edits it is sent."""

    def __init__(self):
        self.edits = []

    def set_param(self, unit, index, value):
        self.edits.append((unit, index, value))


def make_view(qtbot, trainer=None, size=(900, 600)):
    ctx = ViewContext(trainer=trainer, cursor=TimeCursor(), undo=None, message=lambda s: None,
                      settings=None)
    view = CellView(ctx)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def snapshot(units=1, delay=0, epochs=300):
    run = TrainingRun(RunConfig(units=units, delay=delay, seed=3))
    run.train(epochs)
    return run.snapshot()


def expected(snap, u, t):
    """The numbers each formula must show, straight from the trace and the parameters."""
    tr, p = snap.trace, snap.params[u]
    h_prev = tr.h_units[u, t - 1] if t else 0.0
    c_prev = tr.c[u, t - 1] if t else 0.0
    x = tr.x_in[u, t]
    gate = lambda k, v: [p[k + 1], x, p[k], h_prev, p[k + 2], v[u, t]]
    return {
        "f": gate(0, tr.f), "i": gate(3, tr.i), "c_tilde": gate(6, tr.c_tilde), "o": gate(9, tr.o),
        "c": [tr.f[u, t], c_prev, tr.i[u, t], tr.c_tilde[u, t], tr.c[u, t]],
        "h": [tr.o[u, t], tr.c[u, t], tr.h_units[u, t]],
    }


def assert_formulas_match(view, snap, u, t):
    for key, want in expected(snap, u, t).items():
        got = numbers(view.formula_text(u, key))
        assert got.shape == (len(want),), (key, view.formula_text(u, key))
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12, err_msg=key)


def test_formula_text_at_the_cursor_equals_the_trace(qtbot):
    view = make_view(qtbot)
    snap = snapshot()
    view.show_snapshot(snap)
    assert view.ctx.cursor.length == snap.x.size
    for t in (0, 1, 37, snap.x.size - 1):
        view.ctx.cursor.set(t)
        assert_formulas_match(view, snap, 0, t)


def test_first_step_reads_zero_state(qtbot):
    view = make_view(qtbot)
    view.show_snapshot(snapshot())
    view.ctx.cursor.set(0)
    # f = σ(W_fx·x + W_fh·0 + b_f): h(t−1) is 0 at t = 0, and C = f·0 + i·C~.
    assert numbers(view.formula_text(0, "f"))[3] == 0
    assert numbers(view.formula_text(0, "c"))[1] == 0


def test_moving_the_cursor_updates_the_values(qtbot):
    view = make_view(qtbot)
    snap = snapshot()
    view.show_snapshot(snap)
    view.ctx.cursor.set(5)
    before = view.formula_text(0, "h")
    view.ctx.cursor.set(60)
    assert view.formula_text(0, "h") != before
    assert numbers(view.formula_text(0, "h"))[-1] == pytest.approx(snap.trace.h_units[0, 60], rel=RTOL)
    assert view.cells[0].labels["h"].text() == view.formula_text(0, "h").split("= ")[-1]


def test_a_chain_draws_one_cell_per_unit_each_with_its_own_numbers(qtbot):
    view = make_view(qtbot)
    snap = snapshot(units=3)
    view.show_snapshot(snap)
    assert len(view.cells) == 3
    view.ctx.cursor.set(20)
    for u in range(3):
        assert_formulas_match(view, snap, u, 20)
    # Unit 2 reads unit 1's output.
    assert numbers(view.formula_text(1, "f"))[1] == pytest.approx(snap.trace.h_units[0, 20], rel=RTOL)
    # Back to one unit: one cell again.
    view.show_snapshot(snapshot(units=1))
    assert len(view.cells) == 1


def test_lstmlib_timing_reads_the_delayed_input_and_says_so(qtbot):
    view = make_view(qtbot)
    snap = snapshot(delay=1)
    view.show_snapshot(snap)
    view.ctx.cursor.set(10)
    assert_formulas_match(view, snap, 0, 10)
    assert numbers(view.formula_text(0, "f"))[1] == pytest.approx(snap.x[9], rel=RTOL)
    assert "lstmlib timing" in view.cells[0].labels["header"].text()


def edge_at(view, unit, index):
    """The item under the middle of a weight's edge, as the mouse would find it."""
    edge = view.cells[unit].edges[index]
    mid = edge.mapToScene(edge.path().pointAtPercent(0.5))
    pos = view.view.mapFromScene(mid)
    items = view.view.items(pos)
    return next(it for it in items if isinstance(it, WeightEdge)), pos


def test_hover_tooltip_on_an_edge_carries_the_weight(qtbot):
    view = make_view(qtbot)
    snap = snapshot(units=2)
    view.show_snapshot(snap)
    for unit, index in ((0, 1), (1, 0), (1, 11)):
        item, _ = edge_at(view, unit, index)
        assert (item.unit, item.index) == (unit, index)
        value = snap.params[unit, index]
        tip = item.toolTip()
        assert PARAM_NAMES[index] in tip
        assert float(re.search(r"= (\S+)", tip).group(1)) == pytest.approx(value, rel=1e-5)


def test_hovering_an_edge_shows_its_tooltip(qtbot):
    view = make_view(qtbot)
    snap = snapshot()
    view.show_snapshot(snap)
    _, pos = edge_at(view, 0, 4)
    viewport = view.view.viewport()
    event = QtGui.QHelpEvent(QtCore.QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos))
    QtWidgets.QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(lambda: QtWidgets.QToolTip.isVisible(), timeout=2000)
    assert QtWidgets.QToolTip.text().startswith("W_ix = ")
    QtWidgets.QToolTip.hideText()


def test_an_edge_is_coloured_by_sign_and_thick_by_size(qtbot):
    view = make_view(qtbot)
    snap = snapshot()
    view.show_snapshot(snap)
    for index, value in enumerate(snap.params[0]):
        pen = view.cells[0].edges[index].pen()
        want = palette.NEGATIVE if value < 0 else palette.POSITIVE
        assert pen.color().name().lower() == want.lower()
        assert pen.widthF() == pytest.approx(weight_width(value))
    assert weight_width(-3.0) > weight_width(0.5) > weight_width(0.0)


def test_new_parameters_repen_the_edges(qtbot):
    view = make_view(qtbot)
    run = TrainingRun(RunConfig(seed=1))
    view.show_snapshot(run.snapshot())
    p = run.params.copy()
    p[0, 2] = -abs(p[0, 2]) - 4.0
    run.set_params(p)
    view.show_snapshot(run.snapshot())
    pen = view.cells[0].edges[2].pen()
    assert pen.color().name().lower() == palette.NEGATIVE.lower()
    assert pen.widthF() == pytest.approx(weight_width(p[0, 2]))
    assert numbers(view.formula_text(0, "f"))[4] == pytest.approx(p[0, 2], rel=RTOL)


def double_click_edge(qtbot, view, unit, index, monkeypatch, value=2.5, ok=True):
    asked = []

    def get_double(parent, title, label, old, *args):
        asked.append((label, old))
        return value, ok

    monkeypatch.setattr(QtWidgets.QInputDialog, "getDouble", get_double)
    _, pos = edge_at(view, unit, index)
    qtbot.mouseDClick(view.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    return asked


def test_double_click_on_a_weight_sends_the_edit_to_the_trainer(qtbot, monkeypatch):
    trainer = Trainer()
    view = make_view(qtbot, trainer)
    snap = snapshot(units=2)
    view.show_snapshot(snap)
    asked = double_click_edge(qtbot, view, 1, 4, monkeypatch)
    assert asked == [("W_ix of unit 2", pytest.approx(snap.params[1, 4]))]
    assert trainer.edits == [(1, 4, 2.5)]
    double_click_edge(qtbot, view, 0, 7, monkeypatch, ok=False)   # cancelled
    assert trainer.edits == [(1, 4, 2.5)]


def test_without_set_param_the_edit_is_a_signal(qtbot, monkeypatch):
    view = make_view(qtbot, trainer=object())
    view.show_snapshot(snapshot())
    with qtbot.waitSignal(view.param_edit_requested, timeout=1000) as sig:
        double_click_edge(qtbot, view, 0, 9, monkeypatch, value=-1.25)
    assert sig.args == [0, 9, -1.25]


@pytest.mark.parametrize("size", [(450, 350), (1400, 900)])
def test_the_drawing_fits_the_dock(qtbot, size):
    view = make_view(qtbot, size=size)
    view.show_snapshot(snapshot())
    qtbot.wait(10)
    scene = view.view.mapFromScene(view.scene.sceneRect()).boundingRect()
    vp = view.view.viewport().rect()
    # One unit: all of it visible, filling the width or the height.
    assert scene.width() <= vp.width() + 2 and scene.height() <= vp.height() + 2
    assert max(scene.width() / vp.width(), scene.height() / vp.height()) > 0.95
    image = view.grab().toImage()
    assert image.width() == size[0]


def test_a_long_chain_scrolls_instead_of_shrinking(qtbot):
    view = make_view(qtbot, size=(900, 600))
    view.show_snapshot(snapshot(units=6, epochs=20))
    qtbot.wait(10)
    assert view.view.transform().m11() > 0.5
    assert view.view.horizontalScrollBar().maximum() > 0


def test_palette_reads_apart_under_deuteranopia():
    from lstm_gui.app.colour_vision import distance, simulate_deuteranopia

    gates = [palette.F, palette.I, palette.C_TILDE, palette.O, palette.C]
    for a in range(len(gates)):
        for b in range(a + 1, len(gates)):
            assert distance(gates[a], gates[b], deuteranope=True) > 15, (gates[a], gates[b])
    assert distance(palette.F, palette.I, deuteranope=True) > 40
    assert distance(palette.H, palette.TARGET, deuteranope=True) > 40
    assert distance(palette.POSITIVE, palette.NEGATIVE, deuteranope=True) > 40
    # The old red/green pair does not: the simulation is doing something.
    assert distance("#d62728", "#2ca02c", deuteranope=True) < 15
    white = simulate_deuteranopia(np.array([255.0, 255.0, 255.0]))
    assert np.allclose(white, 255, atol=1)


def test_a_screenshot_can_be_seen_as_a_deuteranope_sees_it(qtbot):
    from lstm_gui.app.colour_vision import simulate_deuteranopia
    from lstm_gui.app.views.cell_shots import image_rgb, rgb_image

    view = make_view(qtbot, size=(450, 350))
    view.show_snapshot(snapshot())
    rgb = image_rgb(view.grab().toImage())
    assert rgb.shape == (350, 450, 3)
    assert np.array_equal(image_rgb(rgb_image(rgb)), rgb)
    seen = simulate_deuteranopia(rgb)
    assert seen.shape == rgb.shape
    # Vermillion pixels (f, negative weights) are drawn and change hue under the simulation.
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 120) & (rgb[..., 2] < 60)
    assert red.sum() > 20
    assert np.all(seen[red][:, 0] - seen[red][:, 1] < 60)


def test_a_tall_dock_stacks_the_chain(qtbot):
    view = make_view(qtbot, size=(500, 900))
    snap = snapshot(units=3, epochs=20)
    view.show_snapshot(snap)
    qtbot.wait(10)
    assert view.vertical
    ys = [cell.root.pos().y() for cell in view.cells]
    assert ys == sorted(ys) and len(set(ys)) == 3
    assert {cell.root.pos().x() for cell in view.cells} == {0.0}
    assert view.view.verticalScrollBar().maximum() > 0
    view.resize(1500, 600)          # wide again: side by side
    qtbot.wait(10)
    assert not view.vertical
    assert len({cell.root.pos().x() for cell in view.cells}) == 3
    item, _ = edge_at(view, 2, 5)
    assert (item.unit, item.index) == (2, 5)


def test_cells_out_of_sight_catch_up_when_scrolled_to(qtbot):
    view = make_view(qtbot, size=(700, 500))
    snap = snapshot(units=4, epochs=50)
    view.show_snapshot(snap)
    view.ctx.cursor.set(12)
    last = view.cells[3]
    assert 3 in view._stale          # out of sight: not drawn yet
    bar = view.view.verticalScrollBar() if view.vertical else view.view.horizontalScrollBar()
    bar.setValue(bar.maximum())
    assert 3 not in view._stale
    got = numbers(last.formula_items["h"].text())
    assert got[-1] == pytest.approx(snap.trace.h_units[3, 12], rel=RTOL)


def test_weight_labels_are_short_and_tooltips_exact(qtbot):
    from lstm_gui.app.views.cell_formulas import short

    assert [short(v) for v in (2.3571, -0.07534, -11.43, 123.4, 0.0)] == \
        ["2.36", "\u22120.08", "\u221211.4", "123", "0.00"]
    view = make_view(qtbot)
    snap = snapshot()
    view.show_snapshot(snap)
    for index, label in view.cells[0].weight_labels.items():
        assert label.text() == short(snap.params[0, index])
        assert len(label.text()) <= 6


def test_show_unit_scrolls_to_its_cell(qtbot):
    view = make_view(qtbot, size=(900, 600))
    view.show_snapshot(snapshot(units=5, epochs=20))
    qtbot.wait(10)
    shown = lambda: view.view.mapToScene(view.view.viewport().rect()).boundingRect()  # noqa: E731
    cell = view.cells[4]
    assert not shown().contains(cell.root.pos() + QtCore.QPointF(CELL_W / 2, 100))
    view.show_unit(4)
    assert shown().contains(cell.root.pos() + QtCore.QPointF(CELL_W / 2, 100))
    assert 4 not in view._stale


def test_in_the_window_the_cell_view_is_shown_and_edits_go_through_undo(window, qtbot, monkeypatch):
    from .conftest import current

    view = window.views["cellView"]
    assert window.docks["cellView"].isVisible()
    window.refresh()
    window.timeCursor.set(30)
    snap = current(window).snapshot()
    assert_formulas_match(view, snap, 0, 30)
    h_before = snap.trace.h.copy()
    double_click_edge(qtbot, view, 0, 2, monkeypatch, value=5.0)       # b_f = +5
    after = current(window).snapshot()
    assert after.params[0, 2] == 5.0
    assert not np.allclose(after.trace.h, h_before)                    # the output changed
    qtbot.waitUntil(lambda: numbers(view.formula_text(0, "f"))[4] == 5.0)
    assert_formulas_match(view, after, 0, 30)
    window.commands.undo.undo()
    assert current(window).params[0, 2] == snap.params[0, 2]


def test_arrow_keys_move_the_time_cursor(qtbot):
    view = make_view(qtbot)
    snap = snapshot()
    view.show_snapshot(snap)
    view.ctx.cursor.set(10)
    qtbot.keyClick(view.view, QtCore.Qt.Key.Key_Right)
    assert view.ctx.cursor.t == 11
    qtbot.keyClick(view.view, QtCore.Qt.Key.Key_Left)
    qtbot.keyClick(view.view, QtCore.Qt.Key.Key_Left)
    assert view.ctx.cursor.t == 9
    qtbot.keyClick(view.view, QtCore.Qt.Key.Key_End)
    assert view.ctx.cursor.t == snap.x.size - 1
    assert_formulas_match(view, snap, 0, snap.x.size - 1)


def test_a_fixed_parameter_is_drawn_dashed_and_says_so(qtbot):
    import dataclasses

    view = make_view(qtbot)
    run = TrainingRun(RunConfig(units=2, seed=2, frozen=(2, 12 + 9)))
    snap = run.snapshot()
    view.show_snapshot(snap)
    dashed = {(u, k) for u, cell in enumerate(view.cells) for k, e in cell.edges.items()
              if e.pen().style() == QtCore.Qt.PenStyle.DashLine}
    assert dashed == {(0, 2), (1, 9)}
    assert "fixed" in view.cells[1].edges[9].toolTip()
    assert "fixed" not in view.cells[1].edges[2].toolTip()
    view.show_snapshot(dataclasses.replace(snap, config=dataclasses.replace(snap.config, frozen=())))
    assert all(e.pen().style() == QtCore.Qt.PenStyle.SolidLine
               for cell in view.cells for e in cell.edges.values())


def test_a_too_small_dock_scrolls_instead_of_shrinking_the_text(qtbot):
    from lstm_gui.app.views.cell import MIN_SCALE

    view = make_view(qtbot, size=(300, 220))
    view.show_snapshot(snapshot())
    qtbot.wait(10)
    assert view.view.transform().m11() == pytest.approx(MIN_SCALE)
    assert view.view.horizontalScrollBar().maximum() > 0
    assert view.view.verticalScrollBar().maximum() > 0

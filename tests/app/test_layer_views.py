"""The views of a layer (gate heat map, weights) through their real widgets, fed snapshots
of a real TrainingRun."""
import numpy as np
import pytest

from lstm_gui.app.commands import Commands
from lstm_gui.app.trainer import Trainer
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.heatmap import GateHeatmapView
from lstm_gui.core.analysis import layers as layer_maths
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

from .conftest import shown_view


@pytest.fixture
def chain(qtbot, settings):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), units=3, epochs=0, seed=1))
    trainer = Trainer(run)
    commands = Commands(trainer)
    cursor = TimeCursor()
    cursor.set_length(30)
    ctx = ViewContext(trainer=commands, cursor=cursor, undo=commands.undo, message=print,
                      settings=settings)
    run.train(50)
    yield run, trainer, ctx
    trainer.shutdown()


def shown(qtbot, cls, ctx, size=(700, 400)):
    return shown_view(qtbot, cls(ctx), size)


def test_heat_map_values_are_the_trace(qtbot, chain):
    run, trainer, ctx = chain
    view = shown(qtbot, GateHeatmapView, ctx)
    snap = trainer.snapshot()
    view.show_snapshot(snap)
    for field in ("f", "i", "c_tilde", "o"):
        np.testing.assert_array_equal(view.images[field].image, getattr(snap.trace, field))
    np.testing.assert_array_equal(view.images["h"].image, snap.trace.h_units)
    assert view.images["f"].levels.tolist() == [0.0, 1.0]
    assert view.images["c_tilde"].levels.tolist() == [-1.0, 1.0]
    # In place: a newer snapshot reuses the same image items.
    image = view.images["f"]
    run.train(10)
    snap = trainer.snapshot()
    view.show_snapshot(snap)
    assert view.images["f"] is image
    np.testing.assert_array_equal(image.image, snap.trace.f)


def test_heat_map_cursor_selection_hover_and_click(qtbot, chain):
    run, trainer, ctx = chain
    view = shown(qtbot, GateHeatmapView, ctx)
    snap = trainer.snapshot()
    view.show_snapshot(snap)
    ctx.cursor.set(12)
    assert all(line.value() == 12 for line in view.cursorLines)
    ctx.selection.set(2, 0)
    assert view.boxes[0].rect().center().y() == pytest.approx(2.0)
    assert view.describe("o", 1, 7) == f"o of unit 2 at t = 7: {snap.trace.o[1, 7]:.4g}"
    # A click on row 0 (unit 1), step 20 of the f image selects that unit and step.
    vb = view.gatePlots["f"].getViewBox()
    scene = vb.mapViewToScene(pg_point(20, 0))
    view.graphics.scene().sigMouseMoved.emit(scene)
    assert view.readout.text().startswith("f of unit 1 at t = 20:")

    class Click:
        def scenePos(self):
            return scene
    view._on_click(Click())
    assert (ctx.selection.layer, ctx.selection.unit) == (0, 0)
    assert ctx.cursor.t == 20


def pg_point(x, y):
    from lstm_gui.app.qt import QtCore
    return QtCore.QPointF(x, y)


def test_layers_of_a_chain_are_its_units():
    p = np.random.default_rng(0).normal(size=(3, 12))
    layers = layer_maths.of_params(p)
    assert layers.hidden == (1, 1, 1) and layers.rows == 3
    grad = np.random.default_rng(1).normal(size=(3, 12))
    np.testing.assert_allclose(layer_maths.layer_norms(layers, grad), np.linalg.norm(grad, axis=1))
    canvas = layer_maths.weight_canvases(layers, p)
    f = canvas["f"]
    # Every parameter of a gate appears exactly once, at its flat index.
    idx = f.index[f.index >= 0]
    np.testing.assert_array_equal(np.sort(idx), np.sort(np.concatenate(
        [[12 * u, 12 * u + 1, 12 * u + 2] for u in range(3)])))
    np.testing.assert_array_equal(f.values[f.index >= 0], p.ravel()[idx])
    assert np.isnan(f.values[f.index < 0]).all()
    assert layer_maths.symmetric_level([0.3, -2.1]) == 5.0
    assert layer_maths.symmetric_level([0.1]) == pytest.approx(0.1)


def test_weights_are_the_parameters_and_a_click_moves_the_cell_diagram(qtbot, chain):
    from lstm_gui.app.views.cell import CellView
    from lstm_gui.app.views.weights import WeightsView

    run, trainer, ctx = chain
    view = shown(qtbot, WeightsView, ctx)
    cell = shown(qtbot, CellView, ctx, size=(450, 350))
    snap = trainer.snapshot()
    view.show_snapshot(snap)
    cell.show_snapshot(snap)
    p = snap.params
    f = view.images["f"].image
    # Row u: W_fx, gap, W_fh, gap, b_f of chain unit u (names asked of the core).
    from lstm_gui.core import PARAM_NAMES
    k = {name: PARAM_NAMES.index(name) for name in ("W_fx", "W_fh", "b_f")}
    np.testing.assert_array_equal(f[:, 0], p[:, k["W_fx"]])
    np.testing.assert_array_equal(f[:, 2], p[:, k["W_fh"]])
    np.testing.assert_array_equal(f[:, 4], p[:, k["b_f"]])
    level = view.images["f"].levels
    assert level[0] == -level[1] and level[1] >= np.abs(p).max()
    assert view.describe("f", 1, 4) == f"b_f of unit 2 = {p[1, k['b_f']]:.6g}"
    # Live, in place.
    image = view.images["o"]
    run.train(20)
    snap = trainer.snapshot()
    view.show_snapshot(snap)
    assert view.images["o"] is image
    np.testing.assert_array_equal(image.image[:, 0], snap.params[:, PARAM_NAMES.index("W_ox")])
    # A click on unit 3's row selects it, and the cell diagram scrolls to unit 3's cell.
    cell.view.horizontalScrollBar().setValue(0)
    cell.view.verticalScrollBar().setValue(0)
    shown_before = cell.view.mapToScene(cell.view.viewport().rect()).boundingRect()
    assert not shown_before.contains(cell.cells[2].root.pos() + pg_point(300, 150))
    vb = view.gatePlots["i"].getViewBox()
    scene = vb.mapViewToScene(pg_point(2, 2))

    class Click:
        def scenePos(self):
            return scene
    view._on_click(Click())
    assert (ctx.selection.layer, ctx.selection.unit) == (2, 0)
    now = cell.view.mapToScene(cell.view.viewport().rect()).boundingRect()
    assert now.contains(cell.cells[2].root.pos() + pg_point(300, 150))
    assert view.boxes[0].rect().center().y() == pytest.approx(2.0)


def model_snapshot(cell, hidden, layers, seed=0, n=25):
    """What a snapshot of a Model carries for these views: model, theta, its trace."""
    from types import SimpleNamespace

    from lstm_gui.core.models import Model
    model = Model(cell=cell, hidden=hidden, layers=layers)
    theta = model.init(seed, scheme="pytorch")
    x = np.sin(np.linspace(0, 6, n))
    target = np.cos(np.linspace(0, 6, n))
    return SimpleNamespace(model=model, params=theta, x=x, target=target,
                           trace=model.trace(theta, x), revision=seed, epoch=0,
                           gate_norms=(np.array([0]), model.gate_norms(theta)[None]))


@pytest.mark.parametrize("cell", ["gru", "lstm", "peephole", "cifg"])
def test_heat_map_and_weights_of_a_layer_of_16_in_2_layers(qtbot, settings, cell):
    from lstm_gui.app.views.weights import WeightsView

    cursor = TimeCursor()
    cursor.set_length(25)
    ctx = ViewContext(trainer=None, cursor=cursor, undo=None, message=print, settings=settings)
    snap = model_snapshot(cell, 16, 2)
    heat = shown(qtbot, GateHeatmapView, ctx)
    heat.show_snapshot(snap)
    states = snap.trace.states
    fields = [f for f in states if f != "c"]
    assert list(heat.images) == fields
    for field in fields:
        image = heat.images[field].image
        assert image.shape == (32, 25)
        # Row 16 + j is unit j of layer 2.
        np.testing.assert_array_equal(image[16 + 3], states[field][1, 0, :, 0, 3])
        np.testing.assert_array_equal(image[5], states[field][0, 0, :, 0, 5])
    assert heat.describe(fields[0], 19, 4).startswith(f"{fields[0]} of unit 4 of layer 2 at t = 4")

    weights = shown(qtbot, WeightsView, ctx)
    weights.show_snapshot(snap)
    model = snap.model
    seen = []
    for key, image in weights.images.items():
        index = weights._canvases[key].index
        np.testing.assert_array_equal(image.image[index >= 0], snap.params[index[index >= 0]])
        seen.append(index[index >= 0])
    # Every parameter of the model is drawn exactly once (the readout included).
    assert np.array_equal(np.sort(np.concatenate(seen)), np.arange(model.size))
    names = model.names()
    k = [b for b in model.blocks() if b.kind == "R" and b.layer == 1][0]
    gate = {"C": "c_tilde"}.get(k.gate, k.gate)
    r0 = weights._canvases[gate].columns[1]
    assert weights.describe(gate, 16 + 2, r0 + 5) == \
        f"{names[k.offset + 2 * 16 + 5]} = {snap.params[k.offset + 2 * 16 + 5]:.6g}"
    weights.select_row(16 + 7)
    assert (ctx.selection.layer, ctx.selection.unit) == (1, 7)
    assert heat.boxes[0].rect().center().y() == pytest.approx(23.0)


def test_images_cover_their_plots_one_entry_per_cell(qtbot, settings):
    """Each entry of an image is drawn at its (t, row): an image given its rect before its
    data drew one column stretched over the whole plot."""
    from lstm_gui.app.views.weights import WeightsView

    cursor = TimeCursor()
    cursor.set_length(25)
    ctx = ViewContext(trainer=None, cursor=cursor, undo=None, message=print, settings=settings)
    snap = model_snapshot("gru", 4, 1)
    heat = shown(qtbot, GateHeatmapView, ctx)
    heat.show_snapshot(snap)
    weights = shown(qtbot, WeightsView, ctx)
    weights.show_snapshot(snap)
    assert heat.images["z"].image.shape == (4, 25)
    for image in (heat.images["z"], weights.images["z"]):
        shape = image.image.shape
        rect = image.mapRectToParent(image.boundingRect())
        assert rect.width() == pytest.approx(shape[1]) and rect.height() == pytest.approx(shape[0])
        assert rect.left() == pytest.approx(-0.5) and rect.top() == pytest.approx(-0.5)


def parse(text):
    """The numbers of a formula line, true minus signs read back."""
    import re
    return [float(v) for v in re.findall(r"[−-]?\d+(?:\.\d+)?(?:e[−-]?\d+)?", text.replace("−", "-"))]


@pytest.mark.parametrize("cell", ["gru", "lstm", "peephole", "cifg", "nig", "noaf"])
def test_cell_view_of_a_model_shows_the_selected_units_formulas(qtbot, settings, cell):
    """H = 16, 2 layers: the formulas parsed back equal the trace at the cursor, and a unit
    selected in the weights view moves the cell view to it."""
    from types import SimpleNamespace

    from lstm_gui.app.views.cell import CellView
    from lstm_gui.app.views.weights import WeightsView

    cursor = TimeCursor()
    cursor.set_length(25)
    ctx = ViewContext(trainer=None, cursor=cursor, undo=None, message=print, settings=settings)
    snap = model_snapshot(cell, 16, 2)
    snap.config = SimpleNamespace(delay=0, frozen=())
    view = shown(qtbot, CellView, ctx, size=(700, 450))
    weights = shown(qtbot, WeightsView, ctx)
    view.show_snapshot(snap)
    weights.show_snapshot(snap)
    weights.select_row(16 + 9)                      # layer 2, unit 10
    cursor.set(11)
    panel = view.modelPanel
    assert (panel.layerSpin.value(), panel.unitSpin.value()) == (2, 10)
    states = snap.trace.states
    for key, label in panel.lines.items():
        value = parse(label.text())[-1]
        want = states[key][1, 0, 11, 0, 9]
        assert value == pytest.approx(want, rel=5e-3, abs=5e-4), label.text()
    # A gate's line: W·x + R·h + b (+ extras) through its function gives its value.
    gate = "z" if cell == "gru" else "o"
    numbers = parse(panel.formula_text(gate))
    terms = panel.step.gates[gate]
    assert numbers[0] == pytest.approx(terms.input_term, rel=5e-3, abs=5e-4)
    R = [b for b in snap.model.blocks() if b.kind == "R" and b.gate == gate and b.layer == 1][0]
    h_prev = states["h"][1, 0, 10, 0, :]
    recurrent = snap.params[R.slice].reshape(16, 16)[9] @ h_prev
    assert numbers[1] == pytest.approx(recurrent, rel=5e-3, abs=5e-4)
    assert "largest terms" in panel.lines[gate].toolTip()


def test_parameters_signal_and_gates_of_a_model(qtbot, settings):
    """H = 16, 2-layer GRU: Parameters draws a norm per gate and layer and a filtered table;
    Signal draws the readout's output; Gates the selected unit's h."""
    from types import SimpleNamespace

    from lstm_gui.app.views.sequence import GatesView, SignalView
    from lstm_gui.app.views.training import ParamsView
    from lstm_gui.core.models import Model

    cursor = TimeCursor()
    cursor.set_length(25)
    ctx = ViewContext(trainer=None, cursor=cursor, undo=None, message=print, settings=settings)
    snap = model_snapshot("gru", 16, 2)
    snap.config = SimpleNamespace(delay=0, frozen=(), task="t", seed=0)
    snap.clean_target = snap.target
    params = shown(qtbot, ParamsView, ctx, size=(800, 300))
    params.show_snapshot(snap)
    panel = params.modelPanel
    assert panel.isVisible() and not params.table.isVisible()
    model: Model = snap.model
    assert len(panel.curves) == 2 * len(model.gates)
    z2 = [b for b in model.blocks() if b.layer == 1 and b.gate == "z"]
    want = np.sqrt(sum(np.sum(snap.params[b.slice] ** 2) for b in z2))
    k = len(model.gates) + list(model.gates).index("z")
    assert panel.curves[k].getData()[1][-1] == pytest.approx(want)
    panel.filterEdit.setText("u2.W_zh")
    names = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert len(names) == 200 and all("u2.W_zh" in n for n in names)    # one page of 256
    assert panel.pageSpin.maximum() == 2
    signal = shown(qtbot, SignalView, ctx)
    signal.show_snapshot(snap)
    np.testing.assert_allclose(signal.plot.output.getData()[1], snap.trace.y[:, 0])
    gates = shown(qtbot, GatesView, ctx)
    ctx.selection.set(1, 4)
    gates.show_snapshot(snap)
    h = gates.plot.curves["h_units"].getData()[1]
    np.testing.assert_allclose(h, snap.trace.states["h"][1, 0, :, 0, 4])


def test_landscape_refuses_the_hessian_of_a_model_of_h_units_in_one_line(qtbot, settings):
    """The map itself is drawn for any model (tests/app/test_landscape_models.py); the most
    curved plane is refused above 96 parameters, in one line, before any work."""
    from lstm_gui.app.views.landscape import LandscapeView
    from lstm_gui.core.training.run import RunConfig, TrainingRun
    from lstm_gui.core.training.tasks import preset

    ctx = ViewContext(trainer=None, cursor=TimeCursor(), undo=None, message=print,
                      settings=settings)
    view = shown(qtbot, LandscapeView, ctx)
    view.directionsCombo.setCurrentIndex(view.directionsCombo.findData("hessian"))
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=25), cell="gru", hidden=16,
                                units=2, epochs=0))
    view.show_snapshot(run.snapshot())
    text = view.readout.text()
    assert "not for 2,497 parameters" in text and "above 96" in text and "\n" not in text
    assert not view.worker.pending()
    view.worker.stop()


def test_sequence_to_one_draws_predictions_against_targets(qtbot, settings):
    from types import SimpleNamespace

    from lstm_gui.app.views.sequence import SignalView
    from lstm_gui.core.models import Model

    model = Model(hidden=4)
    theta = model.init(0, scheme="pytorch")
    x = np.random.default_rng(0).normal(size=(50, 10, 1))
    target = x.sum(axis=(1, 2))
    snap = SimpleNamespace(model=model, params=theta, x=x, target=target, clean_target=target,
                           config=SimpleNamespace(delay=0))
    ctx = ViewContext(trainer=None, cursor=TimeCursor(), undo=None, message=print,
                      settings=settings)
    view = shown(qtbot, SignalView, ctx)
    view.show_snapshot(snap)
    assert view.scatterPlot.isVisible() and not view.plot.isVisible()
    xs, ys = view.scatter.getData()
    np.testing.assert_allclose(xs, target)
    y = model.forward(theta, np.transpose(x, (1, 0, 2)))[-1]
    np.testing.assert_allclose(ys, y, rtol=1e-9, atol=1e-12)
    dx, dy = view.diagonal.getData()
    np.testing.assert_array_equal(dx, dy)


def test_parameter_norm_curves_come_from_the_run_not_from_the_frames_drawn(qtbot, settings):
    """One snapshot after 600 epochs (a dock hidden while training, or a run faster than
    the frames): the norm curves are the run's whole record, from epoch 0, not one point."""
    from lstm_gui.app.views.training import ParamsView

    cursor = TimeCursor()
    cursor.set_length(20)
    ctx = ViewContext(trainer=None, cursor=cursor, undo=None, message=print, settings=settings)
    from lstm_gui.core.models import compiled
    compiled.use("numpy")      # epoch by epoch: a row every epoch (compiled: one per chunk)
    try:
        run = TrainingRun(RunConfig(task=preset("sin-cos", length=20), hidden=4, epochs=0))
        run.train(600)
    finally:
        compiled.use(None)
    view = shown(qtbot, ParamsView, ctx, size=(800, 300))
    view.show_snapshot(run.snapshot())
    epochs, norms = run.gate_norms_view()
    panel = view.modelPanel
    assert len(epochs) > 10
    for k, curve in enumerate(panel.curves):
        x, y = curve.getData()
        np.testing.assert_array_equal(x, epochs)
        np.testing.assert_allclose(y, norms.reshape(len(epochs), -1)[:, k])
    assert x[0] == 0 and x[-1] == 600

"""The plots explain themselves: fixed gate ranges, one palette, hover readouts, tooltips,
and the drawing defects of issue 12 item 5 (SVG scale, length 1, one Step, scale factor 2)."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lstm_gui.app import palette
from lstm_gui.app.qt import QtCore, QtGui, QtSvg, QtWidgets
from lstm_gui.core import PARAM_NAMES

from .conftest import current, enter


def _steps(window, n):
    for _ in range(n):
        window.stepButton.click()
    QtWidgets.QApplication.processEvents()


def _colour(pen) -> str:
    return pen.color().name().upper()


def test_gates_sit_on_fixed_axes_that_do_not_move_between_frames(window, qtbot):
    gates = window.gatesPlot
    top, middle, bottom = gates.rows()
    rows_of = {key: row for key, curve in gates.curves.items()
               for row in gates.rows() if curve in row.listDataItems()}
    assert rows_of == {"f": top, "i": top, "o": top, "c_tilde": middle, "h_units": middle,
                       "c": bottom, "r": top, "z": top, "n": middle}     # r, z, n: a GRU's
    # The unit shows its own six only.
    assert {k for k, c in gates.curves.items() if c.isVisible()} == \
        {"f", "i", "o", "c_tilde", "h_units", "c"}
    ranges = []
    for k in range(4):
        with window.trainer.locked() as run:
            run.params[0] = np.random.default_rng(k).uniform(-6, 6, 12)   # gates anywhere
        _steps(window, 1)
        ranges.append([row.vb.viewRange()[1] for row in (top, middle)])
    for (lo, hi), (want_lo, want_hi) in zip(ranges[0], ((0, 1), (-1, 1))):
        assert lo <= want_lo and hi >= want_hi and hi - lo <= 1.2 * (want_hi - want_lo)
    assert all(np.allclose(r, ranges[0]) for r in ranges)          # no jump, frame to frame
    # The cell state has its own axis, large enough for it.
    c = current(window).snapshot().trace.c[0]
    lo, hi = bottom.vb.viewRange()[1]
    assert lo <= c.min() and hi >= c.max()
    # One t axis: the rows are linked to the top one.
    assert all(row.vb.linkedView(0) is top.vb for row in (middle, bottom))


def test_one_palette_colours_a_quantity_the_same_in_every_view(window, qtbot):
    gates, signal = window.gatesPlot, window.signalPlot
    want = {"f": palette.F, "i": palette.I, "o": palette.O, "c_tilde": palette.C_TILDE,
            "c": palette.C, "h_units": palette.H,
            "r": palette.R_GATE, "z": palette.Z_GATE, "n": palette.N_CANDIDATE}
    assert {k: _colour(c.opts["pen"]) for k, c in gates.curves.items()} == want
    assert _colour(signal.output.opts["pen"]) == palette.H          # blue here and in Gates
    assert _colour(signal.target.opts["pen"]) == palette.TARGET
    # The gates' second cue: three different line styles for f, i and o.
    assert len({gates.curves[k].opts["pen"].style() for k in "fio"}) == 3
    # A parameter takes its gate's colour, in the plot and in the table's swatch.
    table = window.paramTable
    gate_of = {"f": palette.F, "i": palette.I, "C": palette.C_TILDE, "o": palette.O}
    for k, name in enumerate(PARAM_NAMES):
        assert _colour(window.paramsPlot.curves[k].opts["pen"]) == gate_of[name[2]]
        icon = table.verticalHeaderItem(k).icon().pixmap(26, 10).toImage()
        assert icon.pixelColor(13, 5).name().upper() == gate_of[name[2]], name


@pytest.mark.parametrize("name", ["signalPlot", "gatesPlot", "msePlot", "paramsPlot"])
def test_hovering_shows_every_curve_value_and_a_marker(window, qtbot, name):
    _steps(window, 20)
    plot = getattr(window, name)
    row = plot.rows()[0]
    x = 7.0
    pos = row.vb.mapViewToScene(QtCore.QPointF(x, float(np.mean(row.vb.viewRange()[1]))))
    plot._on_mouse((pos,))
    text = plot.readout_at(x)
    snap = current(window).snapshot()
    epochs, mse, params = current(window).history.arrays()
    k = int(np.argmin(np.abs(epochs - x)))
    expected = {
        "signalPlot": [f"output h {snap.trace.h[7]:.4g}", f"target {snap.target[7]:.4g}",
                       f"input x {snap.x[7]:.4g}"],
        "gatesPlot": [f"f {snap.trace.f[0, 7]:.4g}", f"C~ {snap.trace.c_tilde[0, 7]:.4g}",
                      f"C {snap.trace.c[0, 7]:.4g}", f"o {snap.trace.o[0, 7]:.4g}"],
        "msePlot": [f"MSE {mse[k]:.4g}"],
        "paramsPlot": [f"W_fh {params[k, 0, 0]:.4g}", f"b_o {params[k, 0, 11]:.4g}"],
    }[name]
    for part in expected:
        assert part in text, (part, text)
    for r in plot.rows():
        line, dots, readout = plot._hover[r]
        assert line.isVisible() and line.value() == pytest.approx(x)
        shown = [c for n, c, item in plot.named if item is r and c.isVisible()]
        assert len(dots.data) == len(shown) > 0        # a marker on every shown curve
        assert readout.isVisible()
    # Leaving the plot hides it all.
    plot._on_mouse((QtCore.QPointF(-50, -50),))
    assert not any(p.isVisible() for parts in plot._hover.values() for p in parts)


def test_axis_labels_name_the_quantity(window):
    def label(plot, side, row=0):
        return plot.rows()[row].getAxis(side).labelText

    assert label(window.signalPlot, "bottom") == "t (time step)"
    assert label(window.signalPlot, "left") == "value of h, target, x"
    assert label(window.gatesPlot, "bottom", 2) == "t (time step)"
    assert [label(window.gatesPlot, "left", r) for r in range(3)] == ["f, i, o", "C~, h", "C"]
    assert label(window.msePlot, "left") == "MSE (log)"
    assert label(window.msePlot, "bottom") == "epoch"
    assert label(window.paramsPlot, "left") == "parameter value"
    assert label(window.paramsPlot, "bottom") == "epoch"


def test_every_legend_entry_and_title_has_a_tooltip(window):
    for plot in (window.signalPlot, window.gatesPlot, window.msePlot, window.paramsPlot):
        assert plot.legend.items, plot.objectName()
        for sample, label in plot.legend.items:
            assert sample.toolTip() == label.toolTip() and len(label.toolTip()) > 20, label.text
        assert plot.getPlotItem().titleLabel.toolTip(), plot.objectName()
    gate_tips = {label.text: label.toolTip() for _, label in window.gatesPlot.legend.items}
    assert "[0, 1]" in gate_tips["f"] and "σ(" in gate_tips["f"]      # range and formula
    assert "[-1, 1]" in gate_tips["C~"] and "tanh" in gate_tips["C~"]
    assert "recurrent" in window.paramTable.verticalHeaderItem(0).toolTip()


def _axes(image: QtGui.QImage):
    """(y of the bottom axis line, its first and last x, first and last y of the left axis
    line): the row with the most near-black pixels, and the column where that row starts."""
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)   # kept: it owns the bits
    a = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.width(), 4)[..., :3]
    dark = a.max(axis=2) < 80
    dark[:, -3:] = dark[-3:, :] = False          # the view's frame, in the grab only
    y = int(dark.sum(axis=1).argmax())
    xs = np.flatnonzero(dark[y])
    ys = np.flatnonzero(dark[:, xs.min()])
    return y, xs.min(), xs.max(), ys.min(), ys.max()


def test_an_exported_svg_draws_its_axes_at_full_scale(window, qtbot, tmp_path):
    from lstm_gui.app.plots import export_plot

    _steps(window, 20)
    plot = window.paramsPlot           # no black curve: the dark pixels are axes and text
    path = tmp_path / "params.svg"
    export_plot(plot, str(path))
    renderer = QtSvg.QSvgRenderer(str(path))
    assert renderer.isValid()
    size = plot.size()
    image = QtGui.QImage(size, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    renderer.render(painter)
    painter.end()
    plot.show_legend(True)             # the export shows the legend; so must the reference
    QtWidgets.QApplication.processEvents()
    reference = plot.grab().toImage()
    plot.show_legend(False)
    # At 75 % the axes ended ~100 px short of the view box, and the curves ran past them.
    np.testing.assert_allclose(_axes(image), _axes(reference), atol=2)


def test_a_long_run_is_drawn_evenly_over_its_epochs(window):
    with window.trainer.locked() as run:
        p = run.params.copy()
        for epoch in range(1, 200_001):
            run.history.append(epoch, 1.0 / epoch, p)
        run.epoch = 200_000
    window.refresh()
    epochs, _ = window.msePlot.raw.getData()
    assert np.mean(epochs >= 0.95 * 200_000) < 0.1


def test_a_task_of_length_one_draws_a_point(window, qtbot):
    enter(window.panel.lengthSpin, 1)
    _steps(window, 1)
    assert current(window).config.task.length == 1
    for plot, curve in ((window.signalPlot, window.signalPlot.output),
                        (window.gatesPlot, window.gatesPlot.curves["f"])):
        x, y = curve.getData()
        assert len(x) == 1
        assert curve.opts["symbol"] is not None
        row = next(r for r in plot.rows() if curve in r.listDataItems())
        spot = row.vb.mapViewToScene(QtCore.QPointF(float(x[0]), float(y[0])))
        view_pos = plot.mapFromScene(spot)
        ratio = plot.devicePixelRatioF()
        image = plot.grab().toImage()
        # Around the point (the time cursor's line crosses its middle).
        near = {image.pixelColor(int(view_pos.x() * ratio) + dx, int(view_pos.y() * ratio) + dy)
                .name().upper() for dx in range(-3, 4) for dy in range(-3, 4)}
        assert _colour(curve.opts["pen"]) in near, plot.objectName()
    # More points: a line again, without the dots.
    from lstm_gui.app.plots import set_curve

    set_curve(window.signalPlot.output, np.arange(3), np.zeros(3))
    assert window.signalPlot.output.opts["symbol"] is None


def test_after_one_step_the_axes_have_whole_epochs_and_mse_ticks(window, qtbot):
    _steps(window, 1)
    for plot in (window.msePlot, window.paramsPlot):
        item = plot.getPlotItem()
        axis = item.getAxis("bottom")
        lo, hi = item.vb.viewRange()[0]
        strings = [s for spacing, values in axis.tickValues(lo, hi, item.vb.width())
                   for s in axis.tickStrings(values, 1.0, spacing)]
        assert strings and all(s.lstrip("-").isdigit() for s in strings), strings
    item = window.msePlot.getPlotItem()
    axis = item.getAxis("left")
    lo, hi = item.vb.viewRange()[1]
    labels = [s for spacing, values in axis.tickValues(lo, hi, item.vb.height())
              for s in axis.tickStrings(values, 1.0, spacing) if s]
    assert len(labels) >= 2 and hi - lo >= 0.5


THICKNESS = textwrap.dedent("""
    import numpy as np
    from lstm_gui.app.qt import QtWidgets, QtGui
    app = QtWidgets.QApplication([])
    from lstm_gui.app import palette
    from lstm_gui.app.plots import SignalPlot
    plot = SignalPlot()
    plot.resize(400, 300)
    plot.output.setData([0, 10], [0.5, 0.5])
    plot.setYRange(0, 1)
    plot.show()
    app.processEvents()
    image = plot.grab().toImage()
    x = image.width() // 2
    want = QtGui.QColor(palette.H)
    print(sum(image.pixelColor(x, y) == want for y in range(image.height())),
          plot.devicePixelRatioF())
""")


def _line_thickness(scale: int) -> tuple[int, float]:
    env = {"QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": str(scale), "PYTHONPATH": "."}
    out = subprocess.run([sys.executable, "-c", THICKNESS], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    return int(out[0]), float(out[1])


def test_curves_keep_their_width_at_a_scale_factor_of_two():
    one, ratio_one = _line_thickness(1)
    two, ratio_two = _line_thickness(2)
    assert (ratio_one, ratio_two) == (1.0, 2.0)
    assert one >= 2                      # h is drawn 2 px wide
    assert two == 2 * one                # twice the device pixels: no hairline at scale 2

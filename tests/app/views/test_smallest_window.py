"""Every dock readable at the window's smallest size (issue 21, tester 7): the top row keeps
its height when a tall view is tabbed below, the cell is never a 140-pixel strip, the
Parameters table of a model never covers its plot, and the status bar's message never runs
into the epoch."""
from lstm_gui.app.dock_layout import CELL_MIN_WIDTH
from lstm_gui.app.qt import QtCore, QtGui, QtWidgets
from lstm_gui.core.training.run import RunConfig, TrainingRun

TABBED = ("gateHeatmap", "weightsView", "gradientView")


def smallest(window, qtbot):
    window.resize(1, 1)
    qtbot.wait(50)
    QtWidgets.QApplication.processEvents()
    return window.size()


def in_window(widget, window) -> QtCore.QRect:
    return QtCore.QRect(widget.mapTo(window, QtCore.QPoint(0, 0)), widget.size())


def test_the_top_row_keeps_its_height_and_the_cell_its_width(window, qtbot):
    for name in TABBED:            # as a learner opens them, tabbed with Parameters
        window.docks[name].show()
        window.docks[name].raise_()
    qtbot.wait(50)
    size = smallest(window, qtbot)
    assert size.height() <= 640
    top = [window.docks[n] for n in ("signalView", "gatesView")]
    bottom = window.docks["mseView"]
    for dock in top:
        # About half the rows' height (at 1400 x 900 they share it evenly): the gradient
        # view's 342-pixel minimum, tabbed below, had left the top row 180 px.
        assert dock.height() >= 0.42 * (dock.height() + bottom.height()), dock.objectName()
    cell = window.docks["cellView"]
    tabbed = cell in window.tabifiedDockWidgets(window.docks["gatesView"])
    assert cell.width() >= CELL_MIN_WIDTH or tabbed, cell.width()
    if tabbed:
        assert not cell.visibleRegion().isEmpty()          # in front of Gates
        # Large again: the cell beside Gates again, at a readable width.
        window.resize(1400, 900)
        qtbot.waitUntil(lambda: cell not in window.tabifiedDockWidgets(window.docks["gatesView"]))
        qtbot.wait(50)
        assert cell.width() >= CELL_MIN_WIDTH and window.docks["gatesView"].isVisible()
        assert not window.docks["gatesView"].visibleRegion().isEmpty()


def test_a_models_parameter_table_never_covers_its_plot(window, qtbot):
    window.commands.replace_run(TrainingRun(RunConfig(cell="gru", hidden=16, units=2)), ask=False)
    window.refresh()
    smallest(window, qtbot)
    panel = window.views["paramsView"].modelPanel
    qtbot.waitUntil(panel.isVisible)
    view = window.views["paramsView"]
    plot, table = in_window(panel.plot, window), in_window(panel.table, window)
    dock = in_window(view, window)
    assert not plot.intersects(table), (plot, table)
    for part in (plot, table, in_window(panel.pageLabel, window)):
        assert dock.contains(part), (part, dock)
    assert plot.width() >= 120 and table.width() >= 120


def test_the_status_message_never_runs_into_the_epoch(window, qtbot):
    smallest(window, qtbot)
    window.statusBar().showMessage("Stopped at epoch 1,627: reached the target MSE. Raise the "
                                   "budget or reset to train on.", 10_000)
    window.epochLabel.setText("epoch 1,627")
    QtWidgets.QApplication.processEvents()
    bar = window.statusBar()
    image = bar.grab().toImage()
    left = window.epochLabel.mapTo(bar, QtCore.QPoint(0, 0)).x()
    # No text in the 8 px before the epoch: the message ends (with "…") before it.
    dark = [x for x in range(max(left - 8, 0), left) for y in range(image.height())
            if QtGui.QColor(image.pixel(x, y)).lightness() < 120]
    assert not dark, f"text at x = {sorted(set(dark))} right before the epoch at {left}"
    assert bar.currentMessage().startswith("Stopped at epoch 1,627")
    shown = bar.shown_message()
    assert shown.endswith("…") and shown[:-1] in bar.currentMessage()
    assert bar.toolTip() == bar.currentMessage()          # the whole message on hover


def test_a_tall_view_fills_its_dock_and_scrolls_only_below_its_minimum(window, qtbot):
    """The gradient view (342 px at least) scrolls in its dock at the smallest window, and
    at 1400 x 900 fills it without a scroll bar."""
    window.layout_.present("gradientView")
    qtbot.wait(50)
    view = window.views["gradientView"]
    scroll = window.docks["gradientView"].widget()
    assert isinstance(scroll, QtWidgets.QScrollArea) and scroll.widget() is view
    assert not scroll.verticalScrollBar().isVisible()
    assert view.size() == scroll.viewport().size()
    smallest(window, qtbot)
    assert view.height() >= view.minimumSizeHint().height()
    assert scroll.viewport().height() < view.height()
    assert scroll.verticalScrollBar().isVisible()


def test_the_gate_heat_maps_colour_bars_stay_in_the_smallest_dock(window, qtbot):
    """Shrunk while behind a tab, then brought to the front: its plots' layout kept the
    width the named bars had needed, the second bar drawn off the dock's edge."""
    window.commands.replace_run(TrainingRun(RunConfig(cell="gru", hidden=16, units=2)), ask=False)
    window.layout_.present("gateHeatmap")
    window.refresh()
    qtbot.wait(50)
    window.docks["paramsView"].raise_()        # behind a tab while the window shrinks
    qtbot.wait(20)
    smallest(window, qtbot)
    window.docks["gateHeatmap"].raise_()
    qtbot.wait(50)
    view = window.views["gateHeatmap"]
    assert view.width() < 420
    for bar in view.bars:
        assert bar.sceneBoundingRect().right() <= view.graphics.width() + 0.5
    for plot in view.gatePlots.values():
        assert plot.vb.width() >= 16


def test_the_image_views_readout_is_cut_with_an_ellipsis_never_by_the_dock(window, qtbot):
    # At the smallest window the heat map's hint read "... click to select t" cut by the dock's
    # edge; a learner could not tell a word was missing.  Cut, it ends in "…" and its tooltip
    # holds the whole line; its text stays whole for whoever reads it.
    for name in ("gateHeatmap", "weightsView"):
        window.docks[name].show()
        window.docks[name].raise_()
        smallest(window, qtbot)
        view = window.views[name]
        readout = view.grid.readout
        # What a hover says of a deep layer's weight, longer than the smallest dock is wide.
        readout.setText(readout.text() + " W of gate f, layer 2, unit 16, column 16: -0.4321")
        full = readout.text()
        metrics = readout.fontMetrics()
        assert metrics.horizontalAdvance(full) > view.width(), name     # too long: it must cut
        assert readout.width() <= view.width(), (readout.width(), view.width())
        shown = readout.shown_text()
        assert shown.endswith("…") and metrics.horizontalAdvance(shown) <= readout.contentsRect().width()
        assert readout.toolTip() == full and full.startswith(shown[:-1])
        window.resize(1400, 900)
        qtbot.wait(50)

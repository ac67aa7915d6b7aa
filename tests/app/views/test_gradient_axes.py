"""The gradient view's heat map axes at the window's smallest size: their step labels never
run together (the closing note of stop 30: its x labels overlapped there)."""
from lstm_gui.app.qt import QtWidgets

from .test_heatmap_time_axis import drawn_labels


def assert_apart(labels, along):
    """The labels' rectangles, in order along the axis, do not overlap (3 px apart)."""
    if along == "x":
        rects = sorted((r for r, _ in labels), key=lambda r: r.left())
        pairs = [(a.right() + 3, b.left()) for a, b in zip(rects, rects[1:])]
    else:
        rects = sorted((r for r, _ in labels), key=lambda r: r.top())
        pairs = [(a.bottom(), b.top()) for a, b in zip(rects, rects[1:])]
    assert all(end <= start for end, start in pairs), [t for _, t in labels]


def test_heat_map_step_labels_never_overlap_at_the_smallest_window(window, qtbot):
    window.layout_.present("gradientView")
    view = window.views["gradientView"]
    qtbot.waitUntil(lambda: window.can_be_seen("gradientView"))
    window.step(30)
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    window.resize(1, 1)
    qtbot.wait(50)
    QtWidgets.QApplication.processEvents()
    window.grab().save("/tmp/views/gradient-min-window.png")
    view.grab().save("/tmp/views/gradient-min.png")
    n = view.result["abs"].shape[0]
    for name, along in (("bottom", "x"), ("left", "y")):
        labels = drawn_labels(view.mapPlot.getAxis(name))
        assert labels, name                              # at least one step is named
        assert_apart(labels, along)
        assert all(float(t).is_integer() and 0 <= float(t) <= n - 1 for _, t in labels), labels
    # The colour bar's decades (pyqtgraph's own axis): "-4 -6 -8 -10" overprinted there.
    assert_apart(drawn_labels(view.bar.axis), "y")
    # The axes' names in a row do not run together ("steps back, t − s (lag) epoch").
    names = [plot.getAxis("bottom").label for plot in (view.mapPlot, view.lagPlot, view.horizonPlot)]
    rects = [label.mapRectToScene(label.boundingRect()) for label in names if label.isVisible()]
    for a, b in zip(rects, rects[1:]):
        assert a.right() + 4 <= b.left(), [label.toPlainText() for label in names]
    # The other plots' steps (lags) and epochs, three plots a row in a ~380-pixel dock.
    for plot in (view.lagPlot, view.horizonPlot, view.normsPlot, view.paramPlot):
        assert_apart(drawn_labels(plot.getAxis("bottom")), "x")
        # The log axes (LogAxis) in plots ~60 px high: "0.01 0.0001 10^-6 10^-8" overprinted.
        if plot is not view.horizonPlot:
            assert_apart(drawn_labels(plot.getAxis("left")), "y")


def test_the_epoch_axes_name_their_start(window, qtbot):
    """An epoch axis names its first epoch when its label fits: StepAxis kept half the widest
    label's width free at each end, and the norms plot named "10 20 30" but not 0."""
    window.layout_.present("gradientView")
    view = window.views["gradientView"]
    qtbot.waitUntil(lambda: window.can_be_seen("gradientView"))
    window.step(30)
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    for size in ((1400, 900), (1, 1)):
        window.resize(*size)
        qtbot.wait(50)
        QtWidgets.QApplication.processEvents()
        axis = view.normsPlot.getAxis("bottom")
        assert axis.range[0] <= 0, axis.range
        texts = [t for _, t in drawn_labels(axis)]
        assert texts and texts[0] == "0", (size, texts)
        assert_apart(drawn_labels(axis), "x")


def test_titles_and_axis_names_are_whole_at_the_smallest_window(window, qtbot):
    """Each plot's title is a whole form of it, within its place ("How …", "How far b" cut at
    the smallest window), and the heat map's axis names fit their axes ("error at step t"
    lost its first letter past the map's 60 px)."""
    from lstm_gui.app.plots import _plain, _title_width
    window.layout_.present("gradientView")
    view = window.views["gradientView"]
    qtbot.waitUntil(lambda: window.can_be_seen("gradientView"))
    window.step(30)
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    for size in ((1400, 900), (1, 1)):
        window.resize(*size)
        qtbot.wait(50)
        QtWidgets.QApplication.processEvents()
        for plot in (view.mapPlot, view.lagPlot, view.horizonPlot, view.normsPlot):
            shown = _plain(plot._title_text)
            forms, options = plot._title_forms
            assert shown in [_plain(f) for f in forms], (size, shown)     # no "…"
            assert _title_width(plot._title_text, options) <= plot.titleLabel.width() + 0.5, (size, shown)
        for side in ("left", "bottom"):
            axis = view.mapPlot.getAxis(side)
            label = axis.label.mapRectToScene(axis.label.boundingRect())
            along = axis.mapRectToScene(axis.boundingRect())
            if side == "left":
                assert along.top() - 1 <= label.top() and label.bottom() <= along.bottom() + 1, (size, axis.labelText)
            else:
                assert along.left() - 1 <= label.left() and label.right() <= along.right() + 1, (size, axis.labelText)


def test_a_single_epoch_sits_in_the_middle_of_its_axis_and_is_named(window, qtbot):
    """At the start of training the horizon plot has one point: it was drawn at the axis's
    left edge (epochs 500-515, named only at the right); it sits in the middle, named."""
    window.step(20)
    window.layout_.present("gradientView")
    view = window.views["gradientView"]
    qtbot.waitUntil(lambda: window.can_be_seen("gradientView"))
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    for size in ((1400, 900), (1, 1)):
        window.resize(*size)
        qtbot.wait(50)
        QtWidgets.QApplication.processEvents()
        for plot in (view.horizonPlot,):
            x = plot.listDataItems()[-1].getOriginalDataset()[0]
            lo, hi = plot.vb.viewRange()[0]
            assert len(set(x)) == 1, x
            assert abs((x[0] - lo) - (hi - x[0])) <= 0.1 * (hi - lo), (x, lo, hi)
            assert hi - lo >= 2, (lo, hi)
            texts = [t for _, t in drawn_labels(plot.getAxis("bottom"))]
            assert str(int(x[0])) in texts, (size, texts)

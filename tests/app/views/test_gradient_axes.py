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

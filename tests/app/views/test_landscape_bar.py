"""The landscape map's colour bar at the window's smallest size: inside the view (the
legend's four columns, 449 px, made the plot 467 px wide in a 398-pixel view and drew the
bar's numbers off its edge), its decades never overprinted."""
from lstm_gui.app.qt import QtWidgets

from .test_gradient_axes import assert_apart
from .test_heatmap_time_axis import drawn_labels


def test_the_colour_bar_labels_never_overlap(window, qtbot):
    window.layout_.present("landscapeView")
    view = window.views["landscapeView"]
    qtbot.waitUntil(lambda: window.can_be_seen("landscapeView"))
    window.step(30)
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=60_000)
    for size in ((1400, 900), (1, 1)):
        window.resize(*size)
        qtbot.wait(50)
        QtWidgets.QApplication.processEvents()
        view.grab().save(f"/tmp/views2/landscape-{size[0]}.png")
        labels = drawn_labels(view.plot.bar.axis)
        assert labels, size
        assert_apart(labels, "y")
        plot = view.plot
        # The words under the map below it, never over it (they covered its legend).
        words = view.words.geometry()
        assert words.top() >= plot.geometry().bottom(), (size, words, plot.geometry())
        assert words.height() >= 2 * view.words.fontMetrics().lineSpacing(), (size, words)
        assert plot.ci.geometry().width() <= plot.width() + 0.5, (size, plot.ci.geometry())
        assert plot.bar.sceneBoundingRect().right() <= plot.width() + 0.5, size
        assert plot.legend.sceneBoundingRect().right() <= plot.width() + 0.5, size

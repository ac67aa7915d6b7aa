"""The ensemble plot's legend never covers its curves (at 260 px wide it covered the
medians' start)."""
import numpy as np
import pytest

from lstm_gui.app.ensemble_plot import BandsPlot
from lstm_gui.app.plots import _plain
from lstm_gui.app.qt import QtCore, QtWidgets
from lstm_gui.core.analysis.ensemble import bands


def curves(k):
    epochs = np.arange(1, 31)
    rng = np.random.default_rng(k)
    mse = 0.25 * np.exp(-epochs[:, None] / (20 + 5 * rng.uniform(size=(1, 8)))) + 0.01 * k
    return bands(epochs, mse)


@pytest.mark.parametrize("width", [260, 700])
def test_the_legend_never_covers_the_curves(qtbot, width):
    plot = BandsPlot()
    qtbot.addWidget(plot)
    plot.resize(width, 220)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_series([("exact gradient", curves(0)), ("lstmlib rule", curves(1))])
    qtbot.wait(20)
    QtWidgets.QApplication.processEvents()
    plot.grab().save(f"/tmp/views2/bands-{width}.png")
    vb = plot.getPlotItem().vb
    legend = plot.legend
    named = " ".join(_plain(plot.getPlotItem().titleLabel.text))
    if legend.isVisible():
        box = legend.sceneBoundingRect()
        for _, lo, hi, median in plot._groups:
            for item in (lo, hi, median):
                x, y = item.getData()
                for px, py in zip(x, y):
                    point = vb.mapViewToScene(QtCore.QPointF(px, py))
                    assert not box.contains(point), (width, px, py)
    else:                                   # the names then in the title, in their colours
        named = _plain(plot.getPlotItem().titleLabel.text)
        assert "exact gradient" in named and "lstmlib rule" in named, named


@pytest.mark.parametrize("width", [200, 160, 150])
def test_the_histogram_labels_never_run_together(qtbot, width):
    """At 1400 x 900 and at the smallest window the histogram printed "-1.8-1.6-1.4-1.2-1.0"
    in one piece under its 150-200 px plot."""
    from lstm_gui.app.ensemble_plot import FinalMseHistogram

    from .test_gradient_axes import assert_apart
    from .test_heatmap_time_axis import drawn_labels
    plot = FinalMseHistogram()
    plot.setMinimumWidth(150)               # as the ensemble view sets it
    qtbot.addWidget(plot)
    plot.resize(width, 180)
    plot.show()
    qtbot.waitExposed(plot)
    finals = 10.0 ** np.linspace(-1.88, -0.95, 8)
    plot.set_series([("exact gradient", finals), ("lstmlib rule", finals)])
    QtWidgets.QApplication.processEvents()
    plot.grab().save(f"/tmp/views2/histogram-{width}.png")
    labels = drawn_labels(plot.getPlotItem().getAxis("bottom"))
    assert len(labels) >= 2, labels
    assert_apart(labels, "x")

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

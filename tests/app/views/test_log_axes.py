"""Log axes name few, readable values: `lstm-gui sweep --plot` and the ensemble view set log
mode on a plain axis, whose minor labels (2..9 of every decade) were packed over each other."""
import numpy as np
import pytest

from lstm_gui.app.ensemble_plot import BandsPlot, save_bands_png
from lstm_gui.app.qt import QtGui, QtWidgets
from lstm_gui.core.analysis.ensemble import bands

from .test_heatmap_time_axis import drawn_labels


def falling(top=0, bottom=-4, n=200, k=6):
    """MSE falling from 10^top to 10^bottom over n epochs, k members a little apart."""
    epochs = np.arange(n)
    mse = np.logspace(top, bottom, n)[:, None] * np.linspace(0.8, 1.25, k)[None, :]
    return [("lstm", bands(epochs, mse))]


def assert_readable(axis, at_most):
    labels = drawn_labels(axis)
    texts = [t for _, t in labels]
    assert 2 <= len(labels) <= at_most, texts
    rects = sorted((r for r, _ in labels), key=lambda r: r.top())
    for a, b in zip(rects, rects[1:]):
        assert a.bottom() <= b.top(), texts
    # Only 1, 2 and 5 of a decade are named.
    for t in texts:
        value = float(t.replace("−", "-"))
        assert round(value / 10 ** np.floor(np.log10(value)), 6) in (1, 2, 5), texts


@pytest.mark.parametrize("size, at_most", [((900, 520), 12), ((260, 180), 6)])
@pytest.mark.parametrize("span", [(0, -4), (0, -2), (-0.3, -1.3), (-1, -1.8)])
def test_the_bands_log_axis_names_few_values_that_do_not_overlap(qtbot, size, at_most, span):
    plot = BandsPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.set_series(falling(*span))
    plot.show()
    qtbot.waitExposed(plot)
    QtWidgets.QApplication.processEvents()
    plot.grab().save(f"/tmp/views/bands-{size[0]}-{span[0]}{span[1]}.png")
    assert_readable(plot.getPlotItem().getAxis("left"), at_most)


def test_sweep_plot_png_is_drawn_with_the_log_axis(tmp_path):
    path = tmp_path / "bands.png"
    save_bands_png(path, falling(), title="4 decades")
    image = QtGui.QImage(str(path))
    assert image.width() == 900 and image.height() == 520
    image.save("/tmp/views/sweep-plot.png")

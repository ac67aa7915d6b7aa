"""The Gates plot's row names (f, i, o / C~, h / C) never run into each other: a row too
short for its name drops it, the legend still says which curve is which (issue 21, tester
7: at the smallest window "C~, h" and "f, i, o" printed over each other)."""
import pytest

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.views.sequence import GatesView
from lstm_gui.core.training.run import RunConfig, TrainingRun


@pytest.mark.parametrize("size", [(205, 240), (320, 420)])
def test_each_row_name_fits_its_row(lone_view, size):
    view = lone_view(GatesView, size)
    view.show_snapshot(TrainingRun(RunConfig(units=3)).snapshot())
    QtWidgets.QApplication.processEvents()
    shown = 0
    for row in view.plot.rows():
        if not row.isVisible():
            continue
        axis = row.getAxis("left")
        if axis.label.isVisible():
            shown += 1
            # The name is drawn turned a quarter: its length runs along the row's height.
            assert axis.label.boundingRect().width() <= row.vb.height() + 0.5, axis.labelText
    if size[1] >= 400:
        assert shown == 3                  # room for every name: all are shown

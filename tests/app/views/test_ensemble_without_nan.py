"""The ensemble view's Greff table on a CSV sequence (no held-out part: no test MSE) says
so in words, never "nan"."""
import re

import pytest

from lstm_gui.app.qt import Qt
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.ensemble import EnsembleView
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import load_csv

NAN = re.compile(r"\bnan\b", re.I)


@pytest.fixture
def view(qtbot):
    v = EnsembleView(ViewContext(trainer=None, cursor=TimeCursor(), undo=None,
                                 message=lambda text: None, settings=None))
    qtbot.addWidget(v)
    v.resize(1100, 500)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


def test_rules_compared_on_a_csv_sequence_show_no_nan(view, qtbot, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("".join(f"{0.1 * (k % 7):.1f},{0.1 * ((k + 2) % 7):.1f}\n" for k in range(30)))
    view.show_snapshot(TrainingRun(RunConfig(task=load_csv(path), optimizer="sgd", lr=0.05)).snapshot())
    view.seeds.setValue(view.seeds.minimum())
    view.epochs.setValue(30)
    with qtbot.waitSignal(view.finished, timeout=60_000):
        qtbot.mouseClick(view.rules_button, Qt.MouseButton.LeftButton)
    table = view.table
    assert table.isVisible() and table.rowCount() == 2
    texts = [view.summary.text()]
    for r in range(table.rowCount()):
        for c in range(table.columnCount()):
            item = table.item(r, c)
            if item is not None:
                texts += [item.text(), item.toolTip()]
    texts += [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    view.grab().save("/tmp/views/ensemble-csv-table.png")
    found = [t for t in texts if NAN.search(t)]
    assert not found, found

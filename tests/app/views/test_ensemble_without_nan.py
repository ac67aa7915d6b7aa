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
    summary = view.summary
    assert summary.height() >= (summary.text().count("\n") + 1) * summary.fontMetrics().lineSpacing()
    view.grab().save("/tmp/views2/ensemble-csv-table.png")
    found = [t for t in texts if NAN.search(t)]
    assert not found, found


def test_the_rules_summary_shows_every_line_once_finished(view, qtbot):
    """At 1100 x 500 the rules comparison's summary (three lines) showed its first only."""
    from lstm_gui.core.training.run import RunConfig as Config
    view.show_snapshot(TrainingRun(Config(optimizer="sgd", lr=0.05)).snapshot())
    view.seeds.setValue(view.seeds.minimum())
    view.epochs.setValue(20)
    with qtbot.waitSignal(view.finished, timeout=60_000):
        qtbot.mouseClick(view.rules_button, Qt.MouseButton.LeftButton)
    # As soon as it is finished (a screenshot taken then showed the first line only: the
    # label kept its old height until the layout's next pass).
    summary = view.summary
    lines = summary.text().count("\n") + 1
    assert lines >= 3
    assert summary.height() >= lines * summary.fontMetrics().lineSpacing(), summary.height()
    for width in (1100, 700):
        view.resize(width, 500)
        qtbot.wait(20)
        assert summary.height() >= summary.heightForWidth(summary.width()), (width, summary.height())
        assert summary.height() >= lines * summary.fontMetrics().lineSpacing()
    view.grab().save("/tmp/views2/ensemble-rules-1100.png")

"""A run at epoch 0 shows its real MSE: the untrained model's error on its training data, the
point its MSE curve starts from (a fresh run's snapshot carried NaN, which anything that
printed it showed as "nan").  Nothing a user reads says "nan"."""
import re
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.status_bar import mse_status
from lstm_gui.core.training.run import RunConfig, TrainingRun

CONFIGS = {"unit": {}, "gru": dict(cell="gru", hidden=4, units=2)}


def user_texts(window) -> list[str]:
    """Every text of the window a user can read: labels, buttons, fields, tooltips, the
    status bar, the window's title, table cells and the plots' text items."""
    out = [window.windowTitle(), window.statusBar().currentMessage()]
    for w in window.findChildren(QtWidgets.QWidget):
        for attr in ("text", "toolTip", "placeholderText"):
            f = getattr(w, attr, None)
            if callable(f):
                try:
                    value = f()
                except TypeError:
                    continue
                if isinstance(value, str):
                    out.append(value)
        if isinstance(w, QtWidgets.QTableWidget):
            out += [w.item(r, c).text() for r in range(w.rowCount()) for c in range(w.columnCount())
                    if w.item(r, c) is not None]
        if isinstance(w, QtWidgets.QGraphicsView):
            out += [item.toPlainText() for item in w.scene().items() if hasattr(item, "toPlainText")]
    return out


def no_nan(window):
    found = [t for t in user_texts(window) if re.search(r"\bnan\b|\binf\b", t, re.I)]
    assert not found, found


@pytest.mark.parametrize("name", ["unit", "gru"])
def test_the_status_bar_says_the_mse_at_epoch_0_and_no_text_says_nan(window, qtbot, name):
    window.commands.replace_run(TrainingRun(RunConfig(**CONFIGS[name])), ask=False)
    for dock in window.docks.values():
        dock.show()
    window.refresh()
    qtbot.waitUntil(lambda: window._last_snapshot is not None and window._last_snapshot.epoch == 0)
    qtbot.wait(200)
    snap = window._last_snapshot
    assert window.mseLabel.text() == f"MSE {snap.mse:.4g}"
    assert "not trained" in window.mseLabel.toolTip().lower()
    no_nan(window)
    window.step(3)
    window.resetButton.click()            # back at epoch 0: the same again
    window.refresh()
    qtbot.waitUntil(lambda: window._last_snapshot.epoch == 0)
    assert window.mseLabel.text() == f"MSE {window._last_snapshot.mse:.4g}"
    no_nan(window)


@pytest.mark.parametrize("epoch", [0, 7])
def test_a_non_finite_mse_is_said_in_words(epoch):
    snap = SimpleNamespace(epoch=epoch, mse=float("nan"), test_mse=float("nan"))
    text, tip = mse_status(snap)
    assert not re.search(r"nan|inf", text + tip, re.I), (text, tip)
    snap.mse = np.inf
    text, tip = mse_status(snap)
    assert not re.search(r"\bnan\b|\binf\b", text + tip, re.I), (text, tip)

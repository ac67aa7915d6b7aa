"""The Cell view of a model shows exactly the current family's formula lines (issue 21,
tester 2: after GRU -> CIFG the GRU's r, z, n lines stayed, filled with CIFG's numbers)."""
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.app.qt import QtWidgets
from lstm_gui.app.views.cell import CellView
from lstm_gui.core.analysis import unit_step as steps
from lstm_gui.core.models import Model


def snapshot(cell, hidden=4):
    model = Model(cell=cell, hidden=hidden)
    theta = model.init(3, scheme="pytorch")
    x = np.sin(np.linspace(0, 6, 25))
    return SimpleNamespace(model=model, params=theta, x=x, target=np.cos(x), revision=0, epoch=0,
                           trace=model.trace(theta, x), config=SimpleNamespace(delay=0, frozen=()))


def shown_lines(panel):
    """The formula labels laid out and shown in the panel, top to bottom (names)."""
    form = panel.form
    widgets = [form.itemAt(k).widget() for k in range(form.count())]
    return [w.objectName().removeprefix("cellModel_") for w in widgets
            if w is not None and not w.isHidden()]


@pytest.mark.parametrize("first,then", [("gru", "cifg"), ("cifg", "gru"), ("gru", "lstm"),
                                        ("lstm", "peephole")])
def test_switching_family_leaves_only_the_new_familys_lines(lone_view, first, then):
    view = lone_view(CellView, (700, 500))
    view.show_snapshot(snapshot(first))
    view.show_snapshot(snapshot(then))
    # No event loop in between (a screenshot script, a frame drawn at once): the old lines
    # must be gone now, not when deferred deletions run.
    panel = view.modelPanel
    want = list(steps.formulas(snapshot(then).model, panel.step))
    assert shown_lines(panel) == want
    labels = [w for w in panel._text.findChildren(QtWidgets.QLabel)
              if w.objectName().startswith("cellModel_") and w.isVisibleTo(panel)]
    assert sorted(w.objectName() for w in labels) == sorted(f"cellModel_{k}" for k in want)

import pytest

from lstm_gui.app.qt import QtCore, QtWidgets


@pytest.fixture
def settings(tmp_path):
    s = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    # The tests were written for full speed; the default pace (250 epochs/s) has its own test.
    s.setValue("training/speed", "full")
    yield s


@pytest.fixture
def window(qtbot, settings, monkeypatch):
    from lstm_gui.app import MainWindow

    # Never block a test on a modal dialog: anything unexpected fails loudly instead.
    def no_dialog(*args, **kwargs):
        raise AssertionError(f"unexpected dialog: {args[1:3]}")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QtWidgets.QMessageBox, name, no_dialog)
    w = MainWindow(settings=settings)
    # Not qtbot.addWidget: it would close the window after the dialogs are unpatched.
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    # Close now, discarding whatever the test trained.
    w._confirm_discard = lambda action: True
    w.close()
    assert not w.trainer.thread_running()


def current(window):
    with window.trainer.locked() as run:
        return run


def enter(edit, value):
    """Type value into a panel field and press Enter, as a user does."""
    edit.setFocus()
    edit.setText(str(value))
    edit.editingFinished.emit()


@pytest.fixture
def lone_view(qtbot, settings):
    """A factory: one view on its own (no trainer), shown at a size, its cursor over `length`
    steps; the view's ctx is ``view.ctx``."""
    from lstm_gui.app.views.base import TimeCursor, ViewContext

    def make(cls, size=(700, 500), length=25):
        cursor = TimeCursor()
        cursor.set_length(length)
        ctx = ViewContext(trainer=None, cursor=cursor, undo=None, message=print, settings=settings)
        return shown_view(qtbot, cls(ctx), size)
    return make


def shown_view(qtbot, view, size):
    """A view shown at `size` and exposed (closed with the test)."""
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view

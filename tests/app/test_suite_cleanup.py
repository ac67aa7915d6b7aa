"""The suite deletes the windows each test closed (tests/conftest.py): before it did, every
closed MainWindow stayed alive to the end of the session (PySide holds the lambdas connected
to its children's signals, and they hold the window), 5.6 GiB at the end of the suite."""
from shiboken6 import Shiboken

from lstm_gui.app.qt import QtCore, QtWidgets
from tests import conftest


def _after_teardown():
    """Run the suite's teardown hook around an empty teardown, as pytest does (after
    pytest-qt's teardown has processed the pending events)."""
    QtCore.QCoreApplication.processEvents()
    hook = conftest.pytest_runtest_teardown(None)
    next(hook)
    try:
        hook.send(None)
    except StopIteration:
        pass


def test_a_closed_window_is_deleted_after_the_test_and_a_shown_one_is_left(qtbot, settings):
    from lstm_gui.app import MainWindow

    closed = MainWindow(settings=settings)
    closed.show()
    closed._confirm_discard = lambda action: True
    closed.close()
    shown = QtWidgets.QWidget()
    shown.show()
    _after_teardown()
    assert not Shiboken.isValid(closed)      # its C++ side is gone, children and connections too
    assert Shiboken.isValid(shown) and shown.isVisible()
    shown.close()
    _after_teardown()
    assert not Shiboken.isValid(shown)


def test_a_widget_qtbot_closed_is_deleted_without_waiting_for_an_event_loop(qtbot):
    widget = QtWidgets.QLabel("x")
    qtbot.addWidget(widget)
    widget.show()
    widget.close()
    widget.deleteLater()         # what pytest-qt does at teardown; no event loop runs after it
    QtCore.QCoreApplication.processEvents()
    assert Shiboken.isValid(widget)          # processEvents alone leaves it
    _after_teardown()
    assert not Shiboken.isValid(widget)


def test_a_closed_widget_whose_thread_still_runs_is_left_until_it_ends(qtbot):
    release = QtCore.QSemaphore(0)

    class Busy(QtCore.QThread):
        def run(self):
            release.acquire()

    widget = QtWidgets.QWidget()
    thread = Busy(widget)
    thread.start()
    widget.show()
    widget.close()
    _after_teardown()        # deleting it now would abort: "QThread: Destroyed while thread ..."
    assert Shiboken.isValid(widget)
    release.release()
    thread.wait()
    _after_teardown()
    assert not Shiboken.isValid(widget)

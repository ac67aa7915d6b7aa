import gc
import os
import sys
import tempfile

import pytest

from tests.hang_watchdog import pytest_configure, pytest_runtest_protocol  # noqa: F401  (hooks: see there)

# Before any QApplication exists: the tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The window keeps its settings in the config folder (stored_settings.user_settings_path, which
# honours XDG_CONFIG_HOME): the tests must never read or write the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="lstm-gui-tests-config-")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """After each test (and after pytest-qt's own teardown), delete the windows it closed.

    Why: a closed window is only hidden, and PySide keeps every lambda connected to a signal
    of its children alive from C++, where the garbage collector cannot see it; those lambdas
    hold the window, so it and its plots lived to the end of the session.  Measured before
    this hook: one MainWindow (about 3 600 Qt wrappers, 30 MB) kept per test, 5.6 GiB resident
    at the end, and each full garbage collection walking millions of objects (160 s of the
    run) - the later tests ran several times slower than alone.  Deleting the C++ window
    deletes its children and their connections; Python's cycles then go as usual.
    pytest-qt's deleteLater on widgets added with qtbot.addWidget waits for an event loop
    that may never run again: the deferred deletions are sent here at once.  A window still
    shown is left alone (closing it could ask a question), as are menus and widgets that
    C++ owns (see lstm_gui.app.qt.delete_windows)."""
    result = yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is not None:
        from PySide6 import QtCore
        from shiboken6 import Shiboken

        deleted = 0
        for widget in widgets.QApplication.topLevelWidgets():
            if (Shiboken.isValid(widget) and widget.parent() is None and not widget.isVisible()
                    and Shiboken.ownedByPython(widget) and not isinstance(widget, widgets.QMenu)
                    and not _runs_a_thread(widget)):
                widget.deleteLater()
                deleted += 1
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        if deleted:
            # The deleted windows' Python side (their parentless pyqtgraph menus among it) is
            # garbage now: collect it here, on the GUI thread.  Left to the automatic
            # collection, it ran in whichever thread allocated next - a kernel warm-up thread
            # compiling with numba destroyed a QMenu and held a Qt mutex while waiting for the
            # GIL, which the GUI thread held while waiting for that mutex: the suite hung.
            gc.collect()
    # The first window turned the automatic collector off (lstm_gui.app.gui_gc); its timer
    # only runs in an event loop, which a core test never spins: collect between tests as
    # the timer would, here on the GUI thread.
    gui_gc = sys.modules.get("lstm_gui.app.gui_gc")
    if gui_gc is not None:
        gui_gc.check_now()
    return result


def _runs_a_thread(widget) -> bool:
    """True if a QThread child of widget still runs (a lone view's worker that a failed or
    closed test left computing): deleting it would abort the process ("QThread: Destroyed
    while thread is still running", seen when a view's first job compiled with a cold numba
    cache).  Such a widget is left as it was before this hook."""
    from PySide6 import QtCore

    return any(thread.isRunning() for thread in widget.findChildren(QtCore.QThread))


# After pytest has reported, leave without the interpreter's final clean-up: its last garbage
# collection walked the suite's leftover Qt objects through PySide's weak-reference callbacks
# for minutes at 100 % CPU (seen in CI after "1366 passed", gdb: Py_FinalizeEx -> gc ->
# handle_weakrefs -> libpyside6), which the CI's time limit would count.  The exit status is
# pytest's own (5 for no tests stays 5).  LSTM_GUI_TESTS_FULL_EXIT=1 keeps the normal exit,
# to study that clean-up.
_status: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _status and not os.environ.get("LSTM_GUI_TESTS_FULL_EXIT"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_status[-1])

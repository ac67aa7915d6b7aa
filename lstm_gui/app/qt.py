"""The one place that imports the Qt binding and configures pyqtgraph."""
import atexit
import sys

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (pg.exporters)
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets
from PySide6.QtCore import Qt, Signal, Slot
from shiboken6 import Shiboken

# Live curves: 1-pixel pens without antialiasing keep a redraw in milliseconds
# (docs/stack.md); the exporters antialias on their own.
pg.setConfigOptions(antialias=False, background="w", foreground="k")

__all__ = ["pg", "QtCore", "QtGui", "QtSvg", "QtWidgets", "Qt", "Signal", "Slot"]


def _quiet_offscreen(mode, context, message):
    # The offscreen platform warns on every window it shows that it "does not support
    # propagateSizeHints()": harmless, and noise in `lstm-gui demo` and the tests.
    if "propagateSizeHints" in message:
        return
    sys.stderr.write(message + "\n")


QtCore.qInstallMessageHandler(_quiet_offscreen)


def delete_windows() -> None:
    """Delete the application's remaining windows that Python owns, each with its children in
    Qt's own order (a plot before its items), while the interpreter is whole.

    Why: pyqtgraph gives each axis a QGraphicsTextItem label that PySide 6.11 leaves owned by
    Python (130 in a window with the landscape open).  At exit PySide's own clean-up deletes
    every Python-owned QObject one by one in hash order, so a label could go before its axis;
    the window went later, its scene resized the axis, pyqtgraph's AxisItem.resizeEvent read
    the deleted label, and shiboken segfaulted reporting that error during shutdown (about one
    exit in three with the landscape open on a chain and a cold numba cache).  Registered with
    atexit after PySide's import, so it runs before PySide's clean-up.  Only what Python owns:
    a parentless widget that C++ owns (pyqtgraph's plot option panels, owned by their menu
    actions) is deleted by its owner, and deleting it here crashed every time.  Menus are
    left to PySide: they hold no graphics."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if (Shiboken.isValid(widget) and widget.parent() is None and Shiboken.ownedByPython(widget)
                and not isinstance(widget, QtWidgets.QMenu)):
            Shiboken.delete(widget)


atexit.register(delete_windows)

"""The one place that imports the Qt binding and configures pyqtgraph."""
import sys

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (pg.exporters)
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets
from PySide6.QtCore import Qt, Signal, Slot

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

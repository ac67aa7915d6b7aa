"""Start the window."""
from __future__ import annotations

import os
import sys


def _no_display() -> bool:
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def run_app(model_path: str | None = None) -> int:
    if _no_display():
        print("lstm-gui: no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it on a "
              "desktop, or headless: `lstm-gui demo --out DIR` or `lstm-gui train`", file=sys.stderr)
        return 2
    from .qt import QtWidgets
    from .window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("lstm-gui")
    app.setOrganizationName("lstm-gui")
    window = MainWindow()
    window.show()
    window.warm_up_kernel()
    if model_path:
        window.open_path(model_path, confirmed=True)
    return app.exec()

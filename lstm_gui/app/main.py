"""Start the window."""
from __future__ import annotations

import ctypes.util
import os
import sys

# What the xcb platform plugin of PySide6 6.11 loads that a minimal Linux desktop may lack
# (found with ldd on libqxcb.so and libQt6XcbQpa.so.6; Debian/Ubuntu package names).
XCB_PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
                "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1",
                "libxkbcommon-x11-0", "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3")
# Without any of these Qt aborts (exit 134) before Python can say why (seen here under Xvfb:
# "libqxcb.so: libxcb-icccm.so.4: cannot open shared object file").  libxcb-cursor0 is the one
# most often missing (Ubuntu 22.04).  Library name (as find_library takes it) -> package.
XCB_REQUIRED = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                "xcb-keysyms": "libxcb-keysyms1", "xkbcommon-x11": "libxkbcommon-x11-0"}


def _no_display() -> bool:
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def _uses_xcb() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    # Qt picks xcb on X11, and on Wayland too when its wayland plugin cannot start.
    return sys.platform.startswith("linux") and bool(os.environ.get("DISPLAY"))


def missing_xcb_packages(find=ctypes.util.find_library) -> list[str]:
    """Packages whose libraries the xcb platform plugin needs and this system lacks."""
    return [pkg for lib, pkg in XCB_REQUIRED.items() if not find(lib)]


def run_app(model_path: str | None = None) -> int:
    if _no_display():
        print("lstm-gui: no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it on a "
              "desktop, or headless: `lstm-gui demo --out DIR` or `lstm-gui train`", file=sys.stderr)
        return 2
    if _uses_xcb():
        missing = missing_xcb_packages()
        if missing:
            print(f"lstm-gui: Qt's xcb platform plugin needs {', '.join(missing)}; install them, e.g. "
                  f"`sudo apt install {' '.join(XCB_PACKAGES)}` (see the README's system packages)",
                  file=sys.stderr)
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
    code = app.exec()
    if not window.trainer.kernel_ready:
        # Closed while the kernels compile (a first launch): numba's compile cannot be
        # interrupted, and the window did not wait for it; the interpreter's clean-up would
        # run beside it (Qt's and LLVM's included).  The window stored its settings at close:
        # leave now, with the window's status.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code

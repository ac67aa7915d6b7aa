"""Starting the window on a desktop that lacks Qt's xcb libraries: one line naming packages."""
import os
import subprocess
import sys
from pathlib import Path

from lstm_gui.app import main


def test_missing_xcb_libraries_are_named_as_packages():
    present = {"xcb-icccm", "xkbcommon-x11"}
    missing = main.missing_xcb_packages(lambda lib: f"lib{lib}.so" if lib in present else None)
    assert missing == ["libxcb-cursor0", "libxcb-keysyms1"]
    assert main.missing_xcb_packages(lambda lib: f"lib{lib}.so.0") == []
    assert "libxcb-cursor0" in main.XCB_PACKAGES and "libxkbcommon-x11-0" in main.XCB_PACKAGES


def test_the_window_exits_2_with_one_line_instead_of_aborting(tmp_path):
    # A find_library that finds nothing, as on a fresh Ubuntu 22.04 without libxcb-cursor0.
    code = ("import ctypes.util, sys; ctypes.util.find_library = lambda name: None\n"
            "from lstm_gui.cli import main; sys.exit(main([]))")
    env = {**os.environ, "DISPLAY": ":99", "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path])}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "needs libxcb-cursor0" in res.stderr and "sudo apt install libxcb-cursor0 " in res.stderr

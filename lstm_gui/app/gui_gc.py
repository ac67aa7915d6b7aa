"""Python's cyclic garbage collector runs on the GUI thread only.

Why: the automatic collector runs in whichever thread happens to allocate when a threshold is
crossed.  A collection that frees a Qt object (a closed window's parentless pyqtgraph menu, a
view's plot) runs its C++ destructor in that thread.  Seen twice in this project's test runs:
the kernel warm-up thread, compiling with numba, collected a cycle holding a QMenu, took a Qt
mutex in its destructor and then waited for the GIL, which the GUI thread held while waiting
for that mutex - the process hung (faulthandler dump; the second time the CI's 90 minutes ran
out).  The training thread and the views' workers allocate all the time, so any of them could.
pyqtgraph's GarbageCollector is made for exactly this: it disables the automatic collector and
collects, generation by generation with Python's own thresholds, from a timer on the GUI thread.
"""
from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

from .qt import QtCore

# One per process; the first window starts it (main, demo, benches and tests alike).
_collector: GarbageCollector | None = None

# Seconds between checks: a check with nothing to do costs microseconds; a young-generation
# collection a fraction of a millisecond, so once a second keeps memory where the automatic
# collector kept it without a frame's worth of pause.
INTERVAL_S = 1.0


def collect_on_gui_thread() -> GarbageCollector:
    """Disable the automatic collector and collect from a timer on the calling (GUI) thread."""
    global _collector
    app = QtCore.QCoreApplication.instance()
    if app is None or QtCore.QThread.currentThread() is not app.thread():
        raise RuntimeError("collect_on_gui_thread must be called on the GUI thread")
    if _collector is None:
        _collector = GarbageCollector(interval=INTERVAL_S)
    gc.disable()    # again: a test or a library may have enabled it since
    return _collector


def check_now() -> None:
    """One check as the timer makes it (the tests call it between tests, on the GUI thread)."""
    if _collector is not None:
        _collector.check()

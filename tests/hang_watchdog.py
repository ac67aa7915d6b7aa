"""A test that hangs ends the run with every thread's stack, instead of eating the CI's limit.

Why: one CI run of this suite sat silent until the CI's 90 minutes ran out (a deadlock between
a worker thread and the GUI thread; see lstm_gui.app.gui_gc), and all it printed was a row of
dots.  The standard library's faulthandler can dump all threads' stacks after a delay and exit
(a C-level watchdog thread: it fires even when every Python thread is stuck in Qt or numba);
it is armed for each test and disarmed after it.  The slowest test takes about a minute on a
busy machine; LSTM_GUI_TEST_TIMEOUT_S (seconds, default 600) sets the limit.
"""
import faulthandler
import os
import sys

import pytest

DEFAULT_TIMEOUT_S = 600.0


def _timeout_s() -> float:
    return float(os.environ.get("LSTM_GUI_TEST_TIMEOUT_S", DEFAULT_TIMEOUT_S))


# A copy of the process's real stderr, taken while pytest's capture is suspended (it is between
# loading the conftests and running the first test): during a test, file descriptor 2 is
# pytest's capture file, and a dump written there vanishes with the process.
_stderr_fd: list[int] = []


def pytest_configure(config):
    if not _stderr_fd:
        _stderr_fd.append(os.dup(sys.__stderr__.fileno()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if _stderr_fd:
        faulthandler.dump_traceback_later(_timeout_s(), repeat=False, file=_stderr_fd[0], exit=True)
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()

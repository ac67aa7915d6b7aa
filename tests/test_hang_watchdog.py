"""The suite's watchdog (tests/hang_watchdog.py) turns a hanging test into a short failure that
shows where every thread was."""
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_hanging_test_ends_the_run_with_every_threads_stack(tmp_path):
    (tmp_path / "test_hangs.py").write_text(
        "import threading, time\n"
        "def test_hangs():\n"
        "    threading.Thread(target=lambda: time.sleep(60), name='stuck-worker', daemon=True).start()\n"
        "    time.sleep(60)\n")
    env = dict(os.environ, LSTM_GUI_TEST_TIMEOUT_S="2", PYTHONPATH=str(ROOT))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "tests.hang_watchdog", "--rootdir", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True, timeout=50, cwd=tmp_path, env=env)
    took = time.monotonic() - started
    assert proc.returncode != 0
    assert took < 30
    assert "Timeout" in proc.stderr and "test_hangs" in proc.stderr     # the stuck test's frame
    assert proc.stderr.count("Thread 0x") >= 2                           # and the other thread's

"""A first launch (numba's cache empty): the window warms the unit's and the models' kernels in
the background; a model's training waits for them outside the run's lock; closing during the
compile returns at once and the process leaves cleanly (issue 26).  Before, a model's first run
compiled layer_kernels' fused kernel in the training thread under the run's lock (tens of
seconds to minutes): Pause, Save and close waited for it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(r"""
    import json, sys, time
    from lstm_gui.app.qt import QtCore, QtWidgets
    app = QtWidgets.QApplication(sys.argv[:1])
    from lstm_gui.app import main as app_main
    from lstm_gui.app.window import MainWindow
    from lstm_gui.core.models import compiled
    log = {}

    def window():
        return next(x for x in app.topLevelWidgets() if isinstance(x, MainWindow))

    def start():
        w = window()
        log["compiling at start"] = not w.trainer.kernel_ready
        log["status"] = w.statusBar().currentMessage()
        w.panel.hiddenEdit.setText("3")
        w.panel.hiddenEdit.editingFinished.emit()
        w.train()
        QtCore.QTimer.singleShot(1500, check)

    def check():
        w = window()
        log["compiling after 1.5 s"] = not w.trainer.kernel_ready
        with w.trainer.locked() as run:
            log["model"] = run.model is not None
            log["epoch"] = run.epoch
        t = time.perf_counter()
        w.pause()             # takes the run's lock, and draws the model (its trace) here
        log["pause"] = time.perf_counter() - t
        t = time.perf_counter()
        w.close()
        log["close"] = time.perf_counter() - t
        log["closed at"] = time.time()
        print(json.dumps(log), flush=True)

    QtCore.QTimer.singleShot(0, start)
    sys.exit(app_main.run_app())
""")


def test_closing_a_first_launch_while_the_kernels_compile(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    env.pop("LSTM_GUI_KERNEL", None)
    res = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=180, check=False)
    ended = time.time()
    for bad in ("Traceback", "Fatal", "Segmentation", "Aborted", "Destroyed while thread"):
        assert bad not in res.stderr, res.stderr[-3000:]
    assert res.returncode == 0, res.stderr[-3000:]
    log = json.loads(res.stdout.strip().splitlines()[-1])
    assert log["compiling at start"] and log["status"].startswith("compiling the training kernel")
    # The models' kernels take minutes to compile cold: still compiling, and the model waited
    # (no epoch), outside the lock: Pause and close answer at once.
    assert log["compiling after 1.5 s"] and log["model"] and log["epoch"] == 0, log
    assert log["pause"] < 0.5 and log["close"] < 1.0, log
    assert ended - log["closed at"] < 5.0, "the process waited for the compile"
    # The window stored its settings at close (the process left without the usual clean-up).
    stored = (tmp_path / "config" / "lstm-gui" / "lstm-gui.conf").read_text()
    assert '\\"hidden\\": 3' in stored or '"hidden": 3' in stored, stored[:500]

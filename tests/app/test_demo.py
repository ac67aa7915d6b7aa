import os
import subprocess
import sys

from lstm_gui.app.qt import QtGui


def test_demo_writes_window_and_plot_pngs_of_the_expected_size(tmp_path):
    out = tmp_path / "shots"
    res = subprocess.run([sys.executable, "-m", "lstm_gui", "demo", "--out", str(out),
                          "--only", "sin-cos", "chain-2", "--epochs", "40"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "[1/2] sin-cos: 40 epochs" in res.stdout and "[2/2] chain-2" in res.stdout
    for name in ("sin-cos", "chain-2"):
        window = QtGui.QImage(str(out / f"{name}.png"))
        assert (window.width(), window.height()) == (1400, 900)
        for plot in ("signal", "mse", "params", "gates"):
            image = QtGui.QImage(str(out / f"{name}-{plot}.png"))
            assert image.width() == 900 and image.height() > 200
            # Not blank: a plot has many distinct colours (curves, text, background).
            colours = {image.pixel(x, y) for x in range(0, 900, 7) for y in range(0, image.height(), 7)}
            assert len(colours) > 10, (name, plot)


def test_demo_runs_are_repeatable_and_leave_no_temporary_files(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    for run in ("a", "b"):
        res = subprocess.run([sys.executable, "-m", "lstm_gui", "demo", "--out", str(tmp_path / run),
                              "--only", "square-cos", "--epochs", "25"],
                             capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, TMPDIR=str(scratch)))
        assert res.returncode == 0, res.stderr
        # Each demo window's settings live in a temporary folder: gone when the demo ends
        # (every `lstm-gui demo` left one in /tmp: 199 of them here).
        assert list(scratch.iterdir()) == []
    for name in ("square-cos.png", "square-cos-mse.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_unknown_demo_is_a_usage_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "lstm_gui", "demo", "--out", str(tmp_path), "--only", "nope"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "unknown demo 'nope'" in res.stderr

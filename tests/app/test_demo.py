import os
import subprocess
import sys

from lstm_gui.app.qt import QtGui, QtWidgets


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


def test_the_model_demos_shoot_their_views_in_front_and_drawn(qapp, tmp_path, monkeypatch):
    # The closing screenshots of issue 21 (a 16-unit LSTM's weights, a GRU's cell and heat
    # map, a chain's gradient per unit) come from these demos: each view they name must be
    # in sight when the window is grabbed, and the gradient view must show its first result.
    from lstm_gui.app import demo
    from lstm_gui.app.window import MainWindow
    seen: dict[str, tuple[set, str]] = {}
    grab = MainWindow.grab

    def looking(self, *args):
        summary = self.views["gradientView"].findChild(QtWidgets.QLabel, "gradientSummary")
        seen[self.windowTitle()] = ({n for n in self.docks if self.can_be_seen(n)}, summary.text())
        return grab(self, *args)
    monkeypatch.setattr(MainWindow, "grab", looking)
    models = [d for d in demo.DEMOS if d.docks]
    assert {d.name for d in models} == {"lstm-16", "gru-16x2", "chain-3"}
    assert demo.run_demos(tmp_path, [d.name for d in models], epochs=40) == 0
    for d in models:
        in_sight, header = seen[f"{d.title} – lstm-gui"]
        assert set(d.docks) <= in_sight, (d.name, in_sight)
        assert (tmp_path / f"{d.name}.png").stat().st_size > 10_000
    chain = next(d for d in models if d.name == "chain-3")
    assert "per unit 1:" in seen[f"{chain.title} – lstm-gui"][1]

"""Plot exports: atomic like model saves, and a name without extension gets the format's."""
import os
import stat

import pytest

from lstm_gui.app.plots import SignalPlot, export_plot
from lstm_gui.app.qt import QtGui


@pytest.fixture
def plot(qtbot):
    p = SignalPlot()
    qtbot.addWidget(p)
    p.resize(500, 300)
    p.show()
    return p


def test_a_name_without_extension_gets_the_chosen_formats(plot, tmp_path):
    assert export_plot(plot, tmp_path / "signal") == tmp_path / "signal.png"
    assert QtGui.QImage(str(tmp_path / "signal.png")).width() >= 800
    assert export_plot(plot, tmp_path / "vector", default_suffix=".svg") == tmp_path / "vector.svg"
    assert (tmp_path / "vector.svg").read_text().lstrip().startswith("<?xml")
    assert sorted(os.listdir(tmp_path)) == ["signal.png", "vector.svg"]


def test_a_failed_export_leaves_the_old_file_and_no_temporary(plot, tmp_path, monkeypatch):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old image")
    target.chmod(0o644)
    monkeypatch.setattr(QtGui.QImage, "save", lambda *a: False)     # what a full disk does
    with pytest.raises(OSError, match="disk full"):
        export_plot(plot, target)
    assert target.read_bytes() == b"old image" and os.listdir(tmp_path) == ["plot.png"]


def test_an_export_replaces_through_a_symlink_and_keeps_the_mode(plot, tmp_path):
    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link.png"
    link.symlink_to(real)
    export_plot(plot, link)
    assert link.is_symlink() and real.read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640

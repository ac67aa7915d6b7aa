"""The window and PyTorch: File -> Export writes weights and script; File -> Open reads safetensors."""
from pathlib import Path

import numpy as np

from lstm_gui.app.qt import QtWidgets
from lstm_gui.core.files import pytorch, safetensors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _run(window):
    return window.trainer.copy_run()


def test_export_pytorch_writes_weights_and_script_and_they_open_again(window, qtbot, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "tutorial"), ""))
    for _ in range(3):
        window.stepButton.click()
    before = _run(window)
    action = next(a for a in window.findChildren(type(window.openAction))
                  if a.objectName() == "exportPytorchAction")
    action.trigger()
    weights, script = tmp_path / "tutorial.safetensors", tmp_path / "tutorial.py"
    assert weights.is_file() and script.is_file()
    tensors, meta = safetensors.read(weights)
    assert meta["format"] == "lstm-gui" and tensors["readout.weight"].tolist() == [[1.0]]
    compile(script.read_text(), str(script), "exec")
    assert window.open_path(weights, confirmed=True)
    after = _run(window)
    assert np.array_equal(after.params, before.params)
    assert after.current_mse() == before.current_mse()


def test_open_refuses_a_pickle_and_a_model_it_cannot_hold_with_one_dialog(window, qtbot, tmp_path,
                                                                         monkeypatch):
    said = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    pt = tmp_path / "model.pth"
    pt.write_bytes(b"\x80\x02 pickle")
    params = _run(window).params.copy()
    assert not window.open_path(pt)
    assert not window.open_path(FIXTURES / "torch_io_lstm_h4_nobias.safetensors")
    assert "save_file(model.state_dict()" in said[0] and "2 inputs" in said[1]
    assert np.array_equal(_run(window).params, params)          # nothing changed


def test_the_tutorials_own_model_opens_in_the_window(window, qtbot):
    path = FIXTURES / "torch_tutorial_h16.safetensors"
    assert window.open_path(path, confirmed=True)
    run = _run(window)
    assert run.model.hidden == 16 and run.config.task.key == "torch-sin-cos"
    assert np.array_equal(run.params, pytorch.read(path).theta)

"""PyTorch on the command line: convert to and from safetensors, the script, train --from."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_gui.cli.main import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def cli(capsys):
    """Run the command line in this process (a subprocess costs seconds on a shared machine)."""
    def run(*args):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)
    return run


def test_convert_to_safetensors_and_back_keeps_the_parameters(tmp_path, cli):
    assert cli("train", "--units", "2", "--epochs", "30", "--quiet", "--out", tmp_path / "a.json").returncode == 0
    res = cli("convert", tmp_path / "a.json", tmp_path / "a.safetensors")
    assert res.returncode == 0, res.stderr
    assert cli("convert", tmp_path / "a.safetensors", tmp_path / "b.json").returncode == 0
    from lstm_gui.core.files import modelfile
    a, b = modelfile.load(tmp_path / "a.json"), modelfile.load(tmp_path / "b.json")
    assert np.array_equal(a.params, b.params) and b.config.units == 2


def test_convert_to_a_script_writes_the_weights_beside_it(tmp_path, cli):
    assert cli("train", "--epochs", "20", "--quiet", "--out", tmp_path / "m.json").returncode == 0
    res = cli("convert", tmp_path / "m.json", tmp_path / "m.py")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "m.safetensors").is_file() and "MSE" in res.stdout
    text = (tmp_path / "m.py").read_text()
    compile(text, "m.py", "exec")
    assert "nn.LSTM(" in text and "m.safetensors" in text


def test_train_from_safetensors_takes_its_layers_and_timing(tmp_path, cli):
    assert cli("train", "--units", "3", "--lstmlib-timing", "--epochs", "5", "--quiet",
               "--out", tmp_path / "a.safetensors").returncode == 0
    res = cli("train", "--from", tmp_path / "a.safetensors", "--epochs", "5", "--quiet",
              "--out", tmp_path / "b.json")
    assert res.returncode == 0, res.stderr
    shown = cli("show", tmp_path / "b.json")
    assert "units    3" in shown.stdout and "lstmlib (delay 1)" in shown.stdout
    res = cli("train", "--from", tmp_path / "a.safetensors", "--units", "2")
    assert res.returncode == 2 and "3 layers" in res.stderr


def test_a_pickle_and_a_model_runs_cannot_hold_are_one_line_each(tmp_path, cli):
    pt = tmp_path / "model.pt"
    pt.write_bytes(b"\x80\x02 pickle")
    for src, words in ((pt, "save_file(model.state_dict()"),
                       (FIXTURES / "torch_io_lstm_h4_nobias.safetensors", "2 inputs, H = 4")):
        res = cli("convert", src, tmp_path / "x.json")
        assert res.returncode == 1 and words in res.stderr and res.stderr.count("\n") == 1
        assert "Traceback" not in res.stderr


def test_train_from_the_tutorials_model_keeps_its_model_and_refuses_other_options(tmp_path, cli):
    tut = FIXTURES / "torch_tutorial_h16.safetensors"
    res = cli("train", "--from", tut, "--task", "torch-sin-cos", "--epochs", "2", "--target-mse", "1e-12",
              "--quiet", "--out", tmp_path / "t.json")
    assert res.returncode == 0, res.stderr
    from lstm_gui.core.files import modelfile
    run = modelfile.load(tmp_path / "t.json")
    assert run.model.hidden == 16 and run.epoch == 2
    res = cli("train", "--from", tut, "--hidden", "8")
    assert res.returncode == 2 and "drop --hidden" in res.stderr

"""`lstm-gui train --precision float32`: the opt-in float32 kernels from the command line."""
import json

import numpy as np
import pytest

from lstm_gui.cli.main import main


def _train(tmp_path, name, *extra):
    out = tmp_path / name
    code = main(["train", "--task", "sum-of-sequence", "--hidden", "4", "--epochs", "2",
                 "--batch", "250", "--quiet", "--out", str(out), *extra])
    assert code == 0
    return json.loads(out.read_text())


def test_train_in_float32_saves_float64_parameters_close_to_the_float64_run(tmp_path, capsys):
    d64 = _train(tmp_path, "a.json")
    d32 = _train(tmp_path, "b.json", "--precision", "float32")
    assert "test MSE" in capsys.readouterr().out
    p64, p32 = np.array(d64["params"], dtype=float), np.array(d32["params"], dtype=float)
    assert p32.shape == p64.shape and not np.array_equal(p32, p64)
    np.testing.assert_allclose(p32, p64, rtol=0, atol=1e-5)
    assert d32["state"]["mse"] == pytest.approx(d64["state"]["mse"], rel=1e-5)
    assert d32["config"] == d64["config"]        # the file holds the model, not the precision


def test_a_bad_precision_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--precision", "float16"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'float16'" in err and "Traceback" not in err


def test_float32_says_when_it_does_not_apply(tmp_path, capsys):
    code = main(["train", "--task", "sum-of-sequence", "--cell", "gru", "--hidden", "2",
                 "--epochs", "1", "--batch", "500", "--quiet", "--precision", "float32"])
    assert code == 0
    err = capsys.readouterr().err
    assert "--precision float32 applies to the vanilla LSTM" in err and "computes in float64" in err
    _train(tmp_path, "c.json", "--precision", "float32")
    assert "float64" not in capsys.readouterr().err

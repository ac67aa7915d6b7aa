"""PyTorch and back: stored torch outputs matched, exact round trips, the script run on a stand-in."""
import ast
import json
import runpy
from pathlib import Path

import numpy as np
import pytest

from lstm_gui.core.files import pytorch, safetensors
from lstm_gui.core.files.safetensors import SafetensorsError
from lstm_gui.core.models import CELLS, Model

from . import torch_standin

FIXTURES = Path(__file__).parents[2] / "fixtures"
REFERENCE = json.loads((FIXTURES / "torch_io_reference.json").read_text())


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: c["file"])
def test_torch_modules_import_by_shape_and_match_torch_outputs(case):
    imp = pytorch.read(FIXTURES / case["file"])
    m = imp.model
    assert (m.cell, m.hidden, m.layers, m.inputs, m.bidirectional, m.bias) == (
        case["cell"], case["hidden"], case["layers"], case["inputs"], case["bidirectional"], case["bias"])
    assert not imp.from_lstm_gui and imp.delay == 0
    x = np.array(case["x"])
    y = m.forward(imp.theta, x)
    np.testing.assert_allclose(y, case["outputs"], rtol=0, atol=1e-12)
    # Exported again by lstm-gui, the file gives torch's outputs again (biases folded).
    again = pytorch.from_tensors(*safetensors.loads(pytorch.to_bytes(m, imp.theta)))
    np.testing.assert_allclose(again.model.forward(again.theta, x), case["outputs"], rtol=0, atol=1e-12)


def test_the_tutorials_own_model_opens_and_matches_torch():
    tut = REFERENCE["tutorial"]
    imp = pytorch.read(FIXTURES / tut["file"])            # children lstm and forwardCalculation
    assert (imp.model.cell, imp.model.hidden, imp.model.readout) == ("lstm", 16, True)
    for part in ("train", "test"):
        xs = np.array(tut[part]["x"])                     # (5 sequences, 20 steps)
        y = imp.model.forward(imp.theta, xs.T[:, :, None])    # a batch: (20, 5, 1) -> (20, 5)
        np.testing.assert_allclose(y.T, tut[part]["outputs"], rtol=0, atol=1e-12)


def _models():
    yield Model()                                          # SPEC's 12-parameter unit
    yield Model(layers=3)                                  # today's chain
    for cell in CELLS:
        yield Model(cell=cell, hidden=3, layers=2)
    yield Model(hidden=4, inputs=2, bidirectional=True, bias=False, dropout=0.25, layers=2)
    yield Model(cell="gru", hidden=1, readout=True)
    yield Model(cell="peephole", hidden=2, bidirectional=True)


@pytest.mark.parametrize("model", list(_models()), ids=lambda m: m.describe())
@pytest.mark.parametrize("delay", [0, 1])
def test_round_trip_app_safetensors_app_is_exact(model, delay, tmp_path):
    theta = model.init(7)
    path = tmp_path / "m.safetensors"
    pytorch.write(path, model, theta, delay)
    back = pytorch.read(path)
    assert back.model == model and back.delay == delay and back.from_lstm_gui
    assert back.theta.tobytes() == theta.tobytes()


def test_the_12_parameter_unit_exports_as_lstm_1_1_and_linear_1_1():
    model = Model()
    theta = model.init(3)
    tensors, meta = safetensors.loads(pytorch.to_bytes(model, theta))
    assert {k: v.shape for k, v in tensors.items()} == {
        "lstm.weight_ih_l0": (4, 1), "lstm.weight_hh_l0": (4, 1), "lstm.bias_ih_l0": (4,),
        "lstm.bias_hh_l0": (4,), "readout.weight": (1, 1), "readout.bias": (1,)}
    assert tensors["lstm.bias_hh_l0"].tolist() == [0, 0, 0, 0]
    assert tensors["readout.weight"].tolist() == [[1.0]] and tensors["readout.bias"].tolist() == [0.0]
    # PyTorch's rows are i, f, g, o: the forget gate's weight W_fx is the second row.
    assert tensors["lstm.weight_ih_l0"][1, 0] == theta[model.names().index("W_fx")]
    assert meta["format"] == "lstm-gui"


def _state(**tensors):
    return {k: np.asarray(v, float) for k, v in tensors.items()}


LSTM_H2 = {"rnn.weight_ih_l0": np.zeros((8, 1)), "rnn.weight_hh_l0": np.zeros((8, 2)),
           "rnn.bias_ih_l0": np.zeros(8), "rnn.bias_hh_l0": np.zeros(8)}
REFUSED = {
    "no readout for H = 2": (LSTM_H2, "needs its readout"),
    "readout with two outputs": ({**LSTM_H2, "fc.weight": np.zeros((2, 2)), "fc.bias": np.zeros(2)},
                                 "Linear(2, 1)"),
    "two readouts": ({**LSTM_H2, "a.weight": np.zeros((1, 2)), "a.bias": np.zeros(1),
                      "b.weight": np.zeros((1, 2)), "b.bias": np.zeros(1)}, "found"),
    "a convolution": ({"conv.weight": np.zeros((3, 1, 5)), "conv.bias": np.zeros(3)}, "conv.weight"),
    "two recurrent modules": ({**LSTM_H2, **{k.replace("rnn", "rnn2"): v for k, v in LSTM_H2.items()}},
                              "found"),
    "five gates": ({"rnn.weight_ih_l0": np.zeros((10, 1)), "rnn.weight_hh_l0": np.zeros((10, 2))},
                   "neither an LSTM"),
    "nothing": ({}, "no tensors"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_state_dicts_lstm_gui_cannot_hold_are_refused_naming_what_was_found(name, tmp_path):
    tensors, words = REFUSED[name]
    path = tmp_path / "other.safetensors"
    path.write_bytes(safetensors.dumps(tensors))
    with pytest.raises(SafetensorsError) as err:
        pytorch.read(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_metadata_is_checked_and_only_believed_when_the_tensors_agree():
    model = Model(hidden=2, readout=True)
    tensors = model.state_dict(model.init(1))
    lying = {"format": "lstm-gui", pytorch.META_KEY: json.dumps({"cell": "gru", "hidden": 2,
                                                                  "delay": 1})}
    imp = pytorch.from_tensors(tensors, lying)
    assert imp.model.cell == "lstm" and imp.delay == 0 and not imp.from_lstm_gui
    for bad in ({"delay": 2}, {"delay": True}, {"dropout": 1.5}, {"dropout": "x"}, [1]):
        meta = {"format": "lstm-gui", pytorch.META_KEY: json.dumps(bad)}
        with pytest.raises(ValueError, match="metadata"):
            pytorch.from_tensors(tensors, meta)


def test_parameters_beyond_the_limit_are_refused():
    model = Model()
    theta = model.init(0)
    theta[0] = 1e7
    with pytest.raises(ValueError, match="up to"):
        pytorch.from_tensors(model.state_dict(theta))


SCRIPT_MODELS = [Model(), Model(hidden=16), Model(layers=3), Model(cell="gru", hidden=3, layers=2,
                 bidirectional=True)] + [Model(cell=c, hidden=2, bidirectional=True, layers=2)
                                         for c in CELLS if c not in ("lstm", "gru")]


@pytest.mark.parametrize("model", SCRIPT_MODELS, ids=lambda m: m.describe())
@pytest.mark.parametrize("delay", [0, 1])
def test_the_script_prints_the_apps_mse_on_a_numpy_stand_in_for_torch(model, delay, tmp_path,
                                                                       monkeypatch, capsys):
    theta = model.init(5)
    t = np.linspace(0, 4 * np.pi, 30)
    x, target = np.sin(t), np.cos(t)
    mse = float(np.mean((model.forward(theta, x, delay=delay) - target) ** 2))
    weights, code = pytorch.write_with_script(tmp_path / "m.safetensors", model, theta, x, target,
                                              delay, mse, "m.json", "sin-cos")
    text = code.read_text()
    ast.parse(text)                                        # valid Python
    assert "nn.MSELoss()" in text and f"self.{model.torch_child()} = " in text
    assert ("nn.LSTM(" in text or "nn.GRU(" in text) == (model.cell in ("lstm", "gru") and not delay)
    torch_standin.install(monkeypatch)
    runpy.run_path(str(code), run_name="__main__")
    printed = capsys.readouterr().out.split()
    assert printed[0] == "MSE" and abs(float(printed[1]) - mse) < 1e-12


def test_the_script_handles_several_inputs_and_a_batch_sequence_to_one(tmp_path, monkeypatch, capsys):
    model = Model(hidden=3, inputs=2)
    theta = model.init(2)
    rng = np.random.default_rng(0)
    x, target = rng.normal(size=(10, 4, 2)), rng.normal(size=4)
    mse = model.loss_and_grad(theta, x, target)[0]
    _, code = pytorch.write_with_script(tmp_path / "b.py", model, theta, x, target, mse=mse)
    torch_standin.install(monkeypatch)
    runpy.run_path(str(code), run_name="__main__")
    assert abs(float(capsys.readouterr().out.split()[1]) - mse) < 1e-12


# ---------------------------------------------------------------- runs and model files

def test_a_run_exports_and_opens_again_with_the_same_parameters_and_timing(tmp_path):
    from lstm_gui.core.files import modelfile
    from lstm_gui.core.training.run import RunConfig, TrainingRun

    run = TrainingRun(RunConfig(units=3, delay=1, seed=4))
    run.train(5)
    written = pytorch.export_run(run, tmp_path / "m.safetensors", source="m.json")
    assert [p.name for p in written] == ["m.safetensors", "m.py"]
    back, fmt = modelfile.load_with_format(tmp_path / "m.safetensors")
    assert fmt == "safetensors" and back.config.units == 3 and back.config.delay == 1
    assert back.params.tobytes() == run.params.tobytes()
    assert back.current_mse() == run.current_mse()


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "renamed.json"])
def test_pickles_are_refused_by_model_files_with_how_to_save_safetensors(name, tmp_path):
    from lstm_gui.core.files import modelfile

    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04\x00\x00 a torch.save zip archive")
    with pytest.raises(modelfile.ModelFileError, match="save_file"):
        modelfile.load(path)


def test_the_tutorials_model_opens_as_a_run_on_the_tutorials_task():
    from lstm_gui.core.files import modelfile

    tut = REFERENCE["tutorial"]
    run, fmt = modelfile.load_with_format(FIXTURES / tut["file"])
    assert fmt == "safetensors" and run.config.task.key == "torch-sin-cos"
    assert run.model.hidden == 16 and run.model.readout
    # torch's MSE used the tutorial's float32 targets; the run's are float64: 1e-10 apart.
    assert abs(run.current_mse() - tut["train"]["mse"]) < 1e-10
    assert abs(run.test_mse() - tut["test"]["mse"]) < 1e-10
    x, target = pytorch.run_data(run)                      # (20, 5, 1) and (20, 5): torch's layout
    assert x.shape == (20, 5, 1) and target.shape == (20, 5)
    # The same inputs to float32 precision (the tutorial's data are float32).
    np.testing.assert_allclose(x[:, :, 0].T, tut["train"]["x"], rtol=0, atol=1e-7)


def test_a_model_with_inputs_no_task_has_is_refused_naming_it():
    from lstm_gui.core.files import modelfile

    with pytest.raises(modelfile.ModelFileError, match="2 inputs, H = 4"):
        modelfile.load(FIXTURES / "torch_io_lstm_h4_nobias.safetensors")


def test_a_wide_run_exports_and_opens_again_exactly(tmp_path):
    from lstm_gui.core.files import modelfile

    run = modelfile.load(FIXTURES / "torch_io_gru_h5_l2.safetensors")
    run.train(3)
    pytorch.export_run(run, tmp_path / "g.py")
    back = modelfile.load(tmp_path / "g.safetensors")
    assert back.config.model() == run.config.model()
    assert back.params.tobytes() == run.params.tobytes() and back.current_mse() == run.current_mse()

"""Model files version 3: any model, its dataset and batch state; earlier versions still load."""
import json
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core.files import modelfile
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset


def wide_stacked():
    base = for_set_preset(RunConfig(), "sum-of-sequence")
    return replace(base, cell="lstm", hidden=12, units=2, batch=250, lr=0.01, seed=3)


def test_a_wide_stacked_model_resumed_from_its_file_continues_bit_identically(tmp_path):
    straight = TrainingRun(wide_stacked())
    straight.train(4)
    first = TrainingRun(wide_stacked())
    first.train(2)
    path = tmp_path / "wide.json"
    modelfile.save(first, path)
    doc = json.loads(path.read_text())
    assert doc["version"] == 3 and "units" not in doc
    assert doc["model"] == {"cell": "lstm", "hidden": 12, "layers": 2, "inputs": 1, "readout": True,
                            "bias": True, "bidirectional": False, "dropout": 0.0,
                            "size": first.model.size}
    assert "x" not in doc["state"]      # the dataset is the task's, regenerated from its seed
    resumed = modelfile.load(path)
    assert resumed.model == first.model and resumed.epoch == 2
    np.testing.assert_array_equal(resumed.params, first.params)
    resumed.train(2)
    np.testing.assert_array_equal(resumed.params, straight.params)
    assert resumed.mse == straight.mse


def test_a_small_gru_on_a_waveform_keeps_its_history_and_sequences(tmp_path):
    run = TrainingRun(RunConfig(cell="gru", hidden=2, epochs=30))
    run.train(20)
    path = tmp_path / "gru.json"
    modelfile.save(run, path)
    back = modelfile.load(path)
    epochs, mse, params = back.history.arrays()
    assert params.shape == (20, run.model.size)
    np.testing.assert_array_equal(params, run.history.arrays()[2])
    run.train(10)
    back.train(10)
    np.testing.assert_array_equal(back.params, run.params)


def test_the_unit_still_writes_its_named_parameters_and_lstmlib_refuses_other_models(tmp_path):
    unit = TrainingRun(RunConfig())
    modelfile.save(unit, tmp_path / "unit.json")
    doc = json.loads((tmp_path / "unit.json").read_text())
    assert doc["version"] == 3 and doc["model"]["size"] == 12 and len(doc["units"][0]) == 12
    modelfile.save(unit, tmp_path / "unit.lstmlib")
    wide = TrainingRun(RunConfig(hidden=3))
    with pytest.raises(ValueError, match="lstmlib format holds the C library's one unit"):
        modelfile.save(wide, tmp_path / "wide.lstmlib")
    assert not (tmp_path / "wide.lstmlib").exists()


def test_a_file_whose_model_disagrees_with_its_config_is_refused(tmp_path):
    run = TrainingRun(RunConfig(hidden=3))
    path = tmp_path / "m.json"
    modelfile.save(run, path)
    doc = json.loads(path.read_text())
    doc["model"]["hidden"] = 4
    path.write_text(json.dumps(doc))
    with pytest.raises(modelfile.ModelFileError, match="'model' disagrees"):
        modelfile.load(path)
    doc["model"]["hidden"] = 3
    doc["params"] = doc["params"][:-1]
    path.write_text(json.dumps(doc))
    with pytest.raises(modelfile.ModelFileError, match="params must have shape"):
        modelfile.load(path)

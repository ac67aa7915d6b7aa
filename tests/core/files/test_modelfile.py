import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_gui.core import PARAM_NAMES
from lstm_gui.core.files import modelfile
from lstm_gui.core.files.modelfile import ModelFileError, load, save
from lstm_gui.core.limits import fileio
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun

REFERENCE = Path(__file__).resolve().parents[2] / "fixtures"


def trained(epochs=50, **cfg):
    run = TrainingRun(RunConfig(epochs=0, **cfg))
    run.train(epochs)
    return run


def test_native_round_trip_is_bit_identical(tmp_path):
    run = trained(units=2, noise=Noise("both", 0.05))
    save(run, tmp_path / "m.json")
    back = load(tmp_path / "m.json")
    np.testing.assert_array_equal(back.params, run.params)
    assert back.params.tobytes() == run.params.tobytes()
    assert back.config == run.config and back.epoch == run.epoch and back.mse == run.mse
    np.testing.assert_array_equal(back.initial_params, run.initial_params)
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "lstm-gui" and doc["version"] == modelfile.VERSION
    assert list(doc["units"][0]) == list(PARAM_NAMES)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("resample", [False, True])
def test_save_load_continue_equals_an_uninterrupted_run(tmp_path, optimizer, resample):
    cfg = dict(optimizer=optimizer, lr=0.02, noise=Noise("target", 0.1, resample=resample))
    straight = trained(400, **cfg)
    half = trained(200, **cfg)
    save(half, tmp_path / "half.json")
    resumed = load(tmp_path / "half.json")
    resumed.train(200)
    assert resumed.epoch == 400
    assert resumed.params.tobytes() == straight.params.tobytes()


def test_history_is_saved_and_optional(tmp_path):
    run = trained(30)
    save(run, tmp_path / "with.json")
    save(run, tmp_path / "without.json", with_history=False)
    assert len(load(tmp_path / "with.json").history) == 30
    assert len(load(tmp_path / "without.json").history) == 0
    np.testing.assert_array_equal(load(tmp_path / "with.json").history.arrays()[1],
                                  run.history.arrays()[1])


def test_lstmlib_reference_reads_exactly_and_keeps_its_timing(tmp_path):
    path = REFERENCE / "lstmlib_square_cos_seed7.txt"
    numbers = [float(v) for v in path.read_text().split()]
    run = load(path)
    assert run.params.ravel().tolist() == numbers[2:]
    assert run.config.delay == 1 and run.config.task.length == 100
    save(run, tmp_path / "again.lstmlib")
    assert (tmp_path / "again.lstmlib").read_text() == path.read_text()
    # Recognised by content, whatever the name.
    (tmp_path / "model.dat").write_text(path.read_text())
    assert load(tmp_path / "model.dat").params.ravel().tolist() == numbers[2:]


def test_lstmlib_refuses_a_chain(tmp_path):
    with pytest.raises(ValueError, match="single unit"):
        save(trained(1, units=2), tmp_path / "c.lstmlib")


def test_atomic_save_leaves_the_old_file_whole_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    save(trained(5), path)
    good = path.read_text()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", boom)
    with pytest.raises(OSError):
        save(trained(9), path)
    assert path.read_text() == good
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def valid_doc():
    run = trained(20, noise=Noise("input", 0.1))
    return json.loads(modelfile.to_json_text(run))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["units"][0].pop("b_o"), "lacks b_o"),
    (lambda d: d["units"][0].update(W_fh="1.0"), "must be a number"),
    (lambda d: d.update(version=7), "newer"),
    (lambda d: d.update(format="other"), "not an lstm-gui model"),
    (lambda d: d["config"].update(units=3), "3 units"),
    (lambda d: d["state"]["optimizer"].update(m=[1, 2]), "shape"),
    (lambda d: d["config"]["task"].update(key="nope"), "config.task.key must be one of"),
    (lambda d: d["config"].update(lr=7), r"config.lr must lie in \(0, 1\)"),
])
def test_invalid_models_give_one_line_errors(tmp_path, mutate, message):
    doc = valid_doc()
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=message) as info:
        load(path)
    assert "\n" not in str(info.value) and str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b'{"format": "lstm-gui", "version": 1, "units": [{"W_fh": NaN}]}', "NaN, which is not a number"),
    (b'{"format": "lstm-gui", "version": 1, "units": [{"W_fh": 1e999}]}', "1e999, which overflows"),
    (b"0\n100\n" + b"0.1\n" * 11, "14 numbers"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ("{\"format\": \"lstm-gui\", \"é\": 1}".encode("utf-16"), "binary|UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"format": "lstm-gui", "version": 1, "units": [1, 2', "JSON error"),
])
def test_broken_files_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.model"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        load(path)


def test_missing_path_folder_and_huge_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        load(tmp_path / "absent.json")
    with pytest.raises(ModelFileError, match="folder"):
        load(tmp_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    with pytest.raises(ModelFileError, match="200 MB"):
        load(big)


VALID_TEXT = None


def _valid_text():
    global VALID_TEXT
    if VALID_TEXT is None:
        run = trained(10, noise=Noise("both", 0.1, resample=True), units=2)
        VALID_TEXT = modelfile.to_json_text(run, with_history=True)
    return VALID_TEXT


def _outcome_is_model_or_error(path):
    try:
        run = load(path)
    except ModelFileError as exc:
        assert "\n" not in str(exc)
        return
    assert np.all(np.isfinite(run.params)) and run.params.shape[-1] == 12
    run.train(2)  # a loaded model can be trained on


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_bytes_load_or_fail_cleanly(tmp_path, data):
    text = _valid_text().encode()
    pos = data.draw(st.integers(0, len(text) - 1))
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
    if kind == "truncate":
        mutated = text[:pos]
    elif kind == "flip":
        mutated = text[:pos] + bytes([data.draw(st.integers(0, 255))]) + text[pos + 1:]
    elif kind == "insert":
        mutated = text[:pos] + data.draw(st.binary(min_size=1, max_size=8)) + text[pos:]
    else:
        mutated = text[:pos] + text[pos + data.draw(st.integers(1, 50)):]
    path = tmp_path / "m.json"
    path.write_bytes(mutated)
    _outcome_is_model_or_error(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from _paths(v, prefix + (i,))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_json_values_load_or_fail_cleanly(tmp_path, data):
    doc = json.loads(_valid_text())
    doc["state"].pop("history")
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    target = doc
    for key in path[:-1]:
        target = target[key]
    if data.draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(json_values)
    file = tmp_path / "m.json"
    file.write_text(json.dumps(doc))
    _outcome_is_model_or_error(file)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from(["0", "100", "0.5", "-1e3", "nan", "inf", "1e999", "x", "", "0 1",
                                       "-0.000001", "12", "1.5", "99999999999"]), max_size=20))
def test_lstmlib_like_texts_load_or_fail_cleanly(tmp_path, lines):
    path = tmp_path / "m.lstmlib"
    path.write_text("\n".join(lines))
    _outcome_is_model_or_error(path)

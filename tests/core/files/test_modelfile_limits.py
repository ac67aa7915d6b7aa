"""Model files at the limits: the largest the app writes loads back; absurd values are refused
with one line naming the field, before anything is allocated from them."""
import json
import os
import time

import numpy as np
import pytest

from lstm_gui.core import limits
from lstm_gui.core.files import modelfile
from lstm_gui.core.files.modelfile import ModelFileError, load, save
from lstm_gui.core.models.unit import PARAM_NAMES
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def test_a_16_unit_chain_with_a_long_history_saves_reloads_and_continues_bit_identically(tmp_path):
    config = RunConfig(task=preset("sin-cos", length=6), units=16, epochs=0, seed=5,
                       noise=Noise("both", 0.05, resample=True))
    run = TrainingRun(config, history_recent=1000)  # a small ring: the thinned store fills too
    run.train(2500)
    path = tmp_path / "chain.json"
    save(run, path)
    back = load(path)
    np.testing.assert_array_equal(back.history.arrays()[2], run.history.arrays()[2])
    run.train(300)
    back.train(300)
    assert back.params.tobytes() == run.params.tobytes() and back.mse == run.mse


def test_the_largest_history_the_app_keeps_fits_the_load_limit(tmp_path):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=4), units=limits.MAX_UNITS, epochs=0))
    rng = np.random.default_rng(0)
    rows = rng.uniform(-3, 3, (limits.MAX_HISTORY_ROWS + 500, limits.MAX_UNITS, 12))
    for e, p in enumerate(rows, start=1):          # a history at its cap, without the 20 000 epochs
        run.history.append(e, float(e), p)
    run.epoch = len(rows)
    path = tmp_path / "big.json"
    save(run, path)
    assert os.path.getsize(path) < modelfile.MAX_BYTES
    start = time.perf_counter()
    back = load(path)
    assert time.perf_counter() - start < 10
    epochs, mse, params = back.history.arrays()
    assert len(epochs) <= limits.MAX_HISTORY_ROWS and epochs[-1] == len(rows)
    np.testing.assert_array_equal(params[-1], rows[-1])


def _v1_text(run):
    """What format 1 wrote: every array an indented JSON list."""
    doc = {"format": "lstm-gui", "version": 1,
           "units": [dict(zip(PARAM_NAMES, row)) for row in run.params.tolist()],
           "delay": run.config.delay, "config": run.config.to_dict(), "state": run.state_dict(True)}
    return json.dumps(doc, allow_nan=False, indent=1)


def test_format_1_files_still_load(tmp_path):
    run = TrainingRun(RunConfig(units=2, epochs=0, noise=Noise("input", 0.1)))
    run.train(40)
    path = tmp_path / "v1.json"
    path.write_text(_v1_text(run))
    back = load(path)
    assert back.params.tobytes() == run.params.tobytes() and back.epoch == 40
    np.testing.assert_array_equal(back.history.arrays()[1], run.history.arrays()[1])
    run.train(5)
    back.train(5)
    assert back.params.tobytes() == run.params.tobytes()


def _doc(run=None):
    run = run or TrainingRun(RunConfig(epochs=0, optimizer="adam"))
    if run.epoch == 0:
        run.train(5)
    return json.loads(modelfile.to_json_text(run))


def _v1_doc():
    run = TrainingRun(RunConfig(epochs=0, optimizer="adam"))
    run.train(5)
    return json.loads(_v1_text(run))


def _state(d):
    return d["state"]


@pytest.mark.parametrize("make, mutate, field", [
    (_doc, lambda d: _state(d)["initial_params"][0].__setitem__(3, "nan"),
     r"state.initial_params\[0\]\[3\]"),
    (_doc, lambda d: _state(d)["initial_params"][0].__setitem__(0, None), r"state.initial_params\[0\]\[0\]"),
    (_doc, lambda d: _state(d)["optimizer"]["m"][0].__setitem__(1, None), r"state.optimizer.m\[0\]\[1\]"),
    (_doc, lambda d: _state(d)["optimizer"].update(v="nan"), "state.optimizer.v must have shape"),
    (_doc, lambda d: _state(d)["optimizer"].update(beta1=1.0), r"state.optimizer.beta1 must lie in \[0, 1\)"),
    (_doc, lambda d: _state(d)["optimizer"].update(beta2=-0.1), "state.optimizer.beta2"),
    (_doc, lambda d: _state(d)["optimizer"].update(t=2**63), "state.optimizer.t"),
    (_doc, lambda d: _state(d).update(epoch=2**62 + 1), "state.epoch"),
    (_doc, lambda d: _state(d).update(mse="nan"), "state.mse must be a number"),
    (_doc, lambda d: d["config"].update(seed=2**63), "config.seed"),
    (_doc, lambda d: d["config"].update(seed=-1), "config.seed"),
    (_doc, lambda d: d["config"].update(epochs=2**62 + 1), "config.epochs"),
    (_doc, lambda d: d["config"].update(lr="0.1"), "config.lr must be a number"),
    (_doc, lambda d: d["config"].update(target_mse=None), "config.target_mse must be a number"),
    (_doc, lambda d: d["config"]["task"].update(length=10**9), "config.task.length"),
    (_doc, lambda d: d["config"].update(units=10**6), "config.units"),
    (_doc, lambda d: _state(d).update(events=[[1, {"text": "{"}]]), r"state.events\[0\] text must be a str"),
    (_doc, lambda d: _state(d).update(events=[[1, "x"]] * (limits.MAX_EVENTS + 1)), "state.events has"),
    (_doc, lambda d: _state(d)["x"].update(shape=[10**9]), "state.x.shape"),
    (_doc, lambda d: _state(d)["history"]["epoch"].update(shape=[10**8]), "state.history holds more"),
    (_doc, lambda d: _state(d)["history"]["mse"].update(base64="A" * 12), "state.history.mse.base64"),
    (_doc, lambda d: _state(d).update(stop_reason="bored"), "state.stop_reason"),
    (_v1_doc, lambda d: _state(d)["history"]["mse"].__setitem__(0, None), r"state.history.mse\[0\]"),
    (_v1_doc, lambda d: _state(d)["x"].__setitem__(0, "inf"), r"state.x\[0\]"),
])
def test_unusable_values_are_refused_with_one_line_naming_the_field(tmp_path, make, mutate, field):
    doc = make()
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=field) as info:
        load(path)
    text = str(info.value)
    assert "\n" not in text and text.startswith(f"{path}: ") and "Error" not in text


@pytest.mark.parametrize("spelling", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_are_refused_whatever_their_spelling(tmp_path, spelling):
    text = json.dumps(_doc()).replace('"lr": 0.05', f'"lr": {spelling}', 1)
    assert spelling in text
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=spelling.lstrip("-")):
        load(path)


def test_event_text_is_plain_data(tmp_path):
    doc = _doc()
    doc["state"]["events"] = [[2, "{"], [3, "{0.__class__}"], [4, "%s %d"]]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    events = load(path).events
    assert events == [(2, "{"), (3, "{0.__class__}"), (4, "%s %d")]
    assert all(type(t) is str for _, t in events)


def test_huge_lstmlib_lengths_are_refused_and_any_finite_parameter_is_read(tmp_path):
    # Training may carry a parameter past what can be typed (limits.MAX_PARAM); what it saves
    # must open again, so files hold any finite parameter (issue 26).
    path = tmp_path / "big.lstmlib"
    path.write_text("0\n100\n" + "1e308\n" + "0.1\n" * 11)
    assert load(path).params[0, 0] == 1e308
    path.write_text("0\n100\n" + "1e309\n" + "0.1\n" * 11)
    with pytest.raises(ModelFileError, match="W_fh is NaN or infinite"):
        load(path)
    path.write_text("0\n10000000\n" + "0.1\n" * 12)
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match="10000000: lstm-gui reads whole numbers from 1 to 1,000,000"):
        load(path)
    assert time.perf_counter() - start < 1


def test_a_fifo_or_a_device_is_refused_in_one_line(tmp_path):
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="pipe"):
        load(fifo)
    with pytest.raises(ModelFileError, match="/dev/urandom: is a device"):
        load("/dev/urandom")


@pytest.mark.parametrize("change, field", [
    (lambda s: s["optimizer"].update(beta1=1.5), "state.optimizer.beta1"),
    (lambda s: s["optimizer"].update(m=[[float("nan")] * 12]), "state.optimizer.m"),
    (lambda s: s.update(epoch=2**63), "state.epoch"),
])
def test_restore_itself_refuses_what_the_optimizer_cannot_use(change, field):
    run = TrainingRun(RunConfig(epochs=0))
    run.train(3)
    state = run.state_dict()
    change(state)
    with pytest.raises(ValueError, match=field):
        TrainingRun.restore(run.config, run.params, state)

"""A seeded fuzz of model files (native and lstmlib) and of stored settings, bounded for CI
(a few thousand cases, well under 30 s): every file is either refused with one line, or opens,
trains, saves and opens again to the same parameters (issue 26, items 3 and 6)."""
import copy
import json
import random
import time

import numpy as np
import pytest

from lstm_gui.core.files import modelfile
from lstm_gui.core.files.modelfile import ModelFileError
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

HOSTILE = [0, -0.0, 1, -1, 5e-324, -5e-324, 1e-9, 1e6, -1e6, 1000000.0000001, 1e9, 1e10, 1e300, -1e300,
           2**62, 2**62 + 1, 2**63, 2**64, -2**63, 10**40, 0.5, 3.0, True, False, None, "", "x" * 1000,
           "nan", [], {}, [1, 2], [[[]]], {"a": 1}, 7, 100, 999999.999999]


def _seeds():
    runs = []
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=8), epochs=0,
                                noise=Noise("both", 0.1, resample=True)))
    run.train(5)
    runs.append(run)
    run = TrainingRun(RunConfig(task=preset("delay-k", length=10, lag=3), units=2, optimizer="momentum",
                                lr=0.01, epochs=50, plateau=10, clip=1.0))
    run.train(4)
    runs.append(run)
    run = TrainingRun(RunConfig(task=preset("running-sum", length=12), optimizer="sgd", lr=0.01,
                                delay=1, gradient="lstmlib"))
    run.train(3)
    runs.append(run)
    return [json.loads(modelfile.to_json_text(r)) for r in runs]


def _leaves(doc, path=()):
    if isinstance(doc, dict):
        yield path, doc
        for k, v in doc.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(doc, list) and len(doc) <= 16:
        yield path, doc
        for k, v in enumerate(doc):
            yield from _leaves(v, path + (k,))


def _mutate_json(doc, rng: random.Random):
    doc = copy.deepcopy(doc)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        places = [p for p, _ in _leaves(doc) if p]
        path = rng.choice(places)
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        roll = rng.random()
        if roll < 0.7:
            parent[key] = copy.deepcopy(rng.choice(HOSTILE))
        elif roll < 0.85 and isinstance(parent, dict):
            del parent[key]
        elif isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = parent[key] * rng.choice((-1, 2, 10, 1e6, 0.5))
        else:
            parent[key] = copy.deepcopy(rng.choice(HOSTILE))
    return json.dumps(doc)


def _lstmlib_text(rng: random.Random) -> str:
    values = ["0", str(rng.choice([1, 2, 8, 100, 1000]))]
    for _ in range(12):
        values.append(rng.choice(["0.5", "-0.25", "999999.999999", "-999999.999999", "1e-300", "5e-324",
                                  "1e300", "0", "-0", "3", f"{rng.uniform(-5, 5):.6f}"]))
    if rng.random() < 0.2:
        values[1] = rng.choice(["0", "-1", "1.5", "2e6", "1000001", "1e400", "nan"])
    if rng.random() < 0.1:
        values.pop(rng.randrange(len(values)))
    return "\n".join(values) + "\n"


def _check_round_trip(path, tmp_path, train=True):
    """Opens or says why in one line; what opens trains, saves and opens again."""
    try:
        run, fmt = modelfile.load_with_format(path)
    except ModelFileError as exc:
        text = str(exc)
        assert "\n" not in text and len(text) < 400, text
        return "refused"
    if not train:
        return "opened"
    if run.config.task.length <= 2000:
        run.train(3)
    for name in ("again.json",) + (("again.lstmlib",) if run.config.units == 1 else ()):
        out = tmp_path / name
        modelfile.save(run, out)
        back = modelfile.load(out)
        if name.endswith(".json"):
            assert back.params.tobytes() == run.params.tobytes()
            assert back.config == run.config
        else:
            assert np.isfinite(back.params).all()
    return "opened"


def test_fuzzed_model_files_open_or_are_refused_in_one_line_and_what_opens_saves_and_reopens(tmp_path):
    rng = random.Random(26)
    seeds = _seeds()
    start = time.perf_counter()
    outcomes = {"refused": 0, "opened": 0}
    path = tmp_path / "m.json"
    for case in range(2000):
        if case % 5 == 4:
            path.write_text(_lstmlib_text(rng))
        else:
            path.write_text(_mutate_json(rng.choice(seeds), rng))
        # Every third file that opens is trained, saved and opened again (the rest: opened).
        outcomes[_check_round_trip(path, tmp_path, train=case % 3 == 0)] += 1
    # 32 s measured here with a load average of 11.24 on 2 cores (65 s with a full test run
    # beside it); the bound catches a hang, not a slow machine.
    assert time.perf_counter() - start < 180
    assert outcomes["refused"] > 100 and outcomes["opened"] > 100, outcomes


@pytest.mark.parametrize("text", [
    '{"format": "lstm-gui", "version": 2, "units": [{"W_fh": 1' + "0" * 5000 + "}]}",
    '{"format": "lstm-gui", "version": 2, "units": [{"W_fh": "' + "y" * 100_000 + '"}]}',
    '{"format": "lstm-gui", "version": 2, "units": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
])
def test_huge_numbers_and_strings_are_named_not_echoed(tmp_path, text):
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(ModelFileError) as info:
        modelfile.load(path)
    message = str(info.value)
    assert len(message) < 200 and "int_max_str_digits" not in message and "\n" not in message

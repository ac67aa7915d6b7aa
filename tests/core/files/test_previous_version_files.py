"""Files saved by the version before the model description load and continue to the same bits.

tests/fixtures/previous_version_runs.json holds three runs saved by main at d0f9f1a (format 2;
Adam with clipping on a 2-unit chain with noise redrawn every epoch, momentum with a fixed
parameter and the C library's timing, the C library's update rule) and the parameters that
version reached when it resumed each for 80 more epochs on each kernel
(make_previous_version_files.py).
"""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lstm_gui.core.files import modelfile
from lstm_gui.core.models import compiled

REF = json.loads((Path(__file__).parents[2] / "fixtures" / "previous_version_runs.json").read_text())


@pytest.mark.parametrize("kernel", compiled.KERNELS)
@pytest.mark.parametrize("name", sorted(REF["runs"]))
def test_a_previous_version_file_continues_bit_identically(name, kernel, tmp_path, monkeypatch):
    entry = REF["runs"][name]
    assert entry["file"]["version"] == 2
    path = tmp_path / "old.json"
    path.write_text(json.dumps(entry["file"]))
    monkeypatch.setattr(compiled, "_forced", kernel)
    run = modelfile.load(path)
    np.testing.assert_array_equal(run.params, np.array([list(u.values()) for u in entry["file"]["units"]]))
    run.configure(replace(run.config, epochs=run.epoch + REF["more_epochs"]))
    run.train(REF["more_epochs"])
    want = entry["continued"][kernel]
    assert run.epoch == want["epoch"]
    assert run.params.tolist() == want["params"] and run.mse == want["mse"]

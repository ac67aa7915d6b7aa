"""An lstmlib file of the longest sequence opens at once (issue 26): a 1 000 000-point file took
14-20 s (the run checked its sequence with a whole forward and backward pass in Python)."""
import time

import numpy as np

from lstm_gui.core.files import modelfile
from lstm_gui.core.models import Model


def test_a_million_point_lstmlib_file_opens_at_once(tmp_path, monkeypatch):
    from lstm_gui.core.models import unit

    def no_pass(*args, **kwargs):
        raise AssertionError("opening a file ran a pass over its sequence")
    # Opening checks the sequence; it runs no pass over it (that was 14-20 s of Python).
    for name in ("model_loss_and_grad", "forward", "loss_and_grad", "output"):
        monkeypatch.setattr(unit, name, no_pass, raising=False)
    path = tmp_path / "long.lstmlib"
    params = np.linspace(-0.5, 0.5, Model().size)
    path.write_text(modelfile.to_lstmlib_text(params, 1_000_000))
    start = time.perf_counter()
    run = modelfile.load(path)
    took = time.perf_counter() - start
    assert took < 10.0, f"took {took:.1f} s"     # 0.6-1.9 s measured at load 5-8 (14.2 s before)
    assert run.config.task.length == 1_000_000 and run.config.delay == 1
    np.testing.assert_allclose(run.params.ravel(), params, atol=1e-6)


def test_a_bad_lstmlib_file_is_still_refused_in_one_line(tmp_path):
    path = tmp_path / "bad.lstmlib"
    path.write_text("0\n1000000\n" + "nan\n" + "0.1\n" * (Model().size - 1))
    try:
        modelfile.load(path)
    except modelfile.ModelFileError as exc:
        assert "\n" not in str(exc) and "NaN" in str(exc)
    else:
        raise AssertionError("a NaN parameter was accepted")

"""The general models' benchmark: its code path runs without torch, and its data are the
tutorials' (the torch side is exercised by `python -m lstm_gui.bench --torch-python PATH`)."""
import math

import numpy as np

from lstm_gui.bench import layer


def test_tutorial_data_is_the_reshape_of_the_first_half():
    x, y = layer.tutorial_data()
    t = np.linspace(0, 12 * math.pi, 200)
    assert x.shape == (20, 5, 1) and y.shape == (20, 5)
    # column b holds points b, b+5, b+10, ... (PyTorch's (seq, batch, feature) reshape)
    assert np.array_equal(x[:, 2, 0], np.sin(t[2:100:5]))
    assert np.array_equal(y[3], np.cos(t[15:20]))


def test_sum_data_targets_are_the_sums():
    x, y = layer.sum_data(n=7, steps=4)
    assert x.shape == (4, 7, 1) and y.shape == (7,)
    np.testing.assert_allclose(x[:, :, 0].sum(axis=0), y, rtol=1e-15)


def test_pairing_reports_medians_and_quartiles():
    p = layer.paired(lambda: 1.0, lambda: 3.0, rounds=4)
    assert p.ratio == (3.0, 3.0, 3.0) and len(p.ours) == 4
    assert "3.00x" in p.text(1.0, "s", "ours", "torch")


def test_without_torch_the_comparison_is_said_skipped(capsys):
    tiny = layer.Sizes(tutorial_epochs=3, sum_epochs=1, pop_k=2, pop_epochs=2, rounds=1)
    out = layer.bench_layer(None, tiny)
    text = capsys.readouterr().out
    if not layer.available():
        assert "numba is not installed" in text
        return
    assert "torch comparison skipped" in text
    assert "(a) tutorial" in text and "(b) sum" in text and "(c) population" in text
    assert set(out) == {"population"}


def test_a_missing_torch_interpreter_is_said_skipped(capsys, tmp_path):
    tiny = layer.Sizes(tutorial_epochs=2, sum_epochs=1, pop_k=2, pop_epochs=1, rounds=1)
    layer.bench_layer(str(tmp_path / "no-python"), tiny)
    text = capsys.readouterr().out
    assert "torch comparison skipped" in text or "numba is not installed" in text


def test_rounds_of_rotates_which_side_goes_first():
    calls = []

    def side(name, secs):
        def run():
            calls.append(name)
            return secs
        return run

    t = layer.rounds_of({"a": side("a", 1.0), "b": side("b", 2.0), "c": side("c", 4.0)}, 3)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert t == {"a": [1.0] * 3, "b": [2.0] * 3, "c": [4.0] * 3}
    assert layer.Paired(t["a"], t["c"]).ratio == (4.0, 4.0, 4.0)

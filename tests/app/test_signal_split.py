"""The Signal view's train | test split (issue 22), on the real view with real runs' snapshots:
the PyTorch tutorial's figure (the whole signal, the test half after a dashed line), held-out
sequences (the first training and the first test sequence, a dashed line between), and
sequence-to-one (training and test predictions against their targets, told apart)."""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.app.qt import Qt
from lstm_gui.app.views.base import TimeCursor, ViewContext
from lstm_gui.app.views.sequence import SignalView
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset
from lstm_gui.core.training.tasks import from_arrays, preset


@pytest.fixture
def view(qtbot, settings):
    ctx = ViewContext(trainer=None, cursor=TimeCursor(), undo=None, message=print,
                      settings=settings)
    v = SignalView(ctx)
    qtbot.addWidget(v)
    v.resize(700, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def trained(cfg: RunConfig, epochs: int = 3) -> TrainingRun:
    run = TrainingRun(cfg)
    run.train(epochs)
    return run


def test_torch_sin_cos_draws_the_test_half_after_a_dashed_line(view):
    run = trained(replace(for_set_preset(RunConfig(seed=0), "torch-sin-cos"), hidden=4))
    snap = run.snapshot()
    view.show_snapshot(snap)
    line = view.plot.split_line
    assert line.isVisible() and line.value() == 99.5          # after t[99], before t[100]
    assert line.pen.style() == Qt.PenStyle.DashLine
    assert line.label.format == "train | test" and line.label.isVisible()
    # The whole signal of the tutorial, in time order: target cos t over 200 points.
    t = np.linspace(0, 12 * np.pi, 200)
    xs, target = view.plot.target.getData()
    np.testing.assert_array_equal(xs, np.arange(200))
    np.testing.assert_array_equal(target, np.cos(t))
    np.testing.assert_array_equal(view.plot.input.getData()[1], np.sin(t))
    # The output: the model run on each part's 5 sequences, point 5 s + b of a half being
    # step s of its sequence b (PyTorch's reshape(-1, 5, 1)).
    data = run.data
    out = view.plot.output.getData()[1]
    for part, x in ((0, data.x_train), (1, data.x_test)):
        y = run.model.forward(run.params, np.transpose(x, (1, 0, 2)))      # (20 steps, 5)
        np.testing.assert_allclose(out[100 * part: 100 * (part + 1)], y.reshape(-1),
                                   rtol=1e-9, atol=1e-12)
    # The test part's error is the run's test MSE, said in the title.
    assert np.mean((out[100:] - target[100:]) ** 2) == pytest.approx(snap.test_mse, rel=1e-9)
    assert f"{snap.test_mse:.3g}" in view.plot.getPlotItem().titleLabel.text
    # The cursor's t is a step of one training sequence, not of this axis: hidden here.
    assert not any(c.isVisible() for c in view.cursor_lines)


def test_held_out_sequences_draw_the_first_training_then_the_first_test_sequence(view):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (5 * 12, 2))                    # 5 sequences x 12 steps, 2 inputs
    target = np.sin(np.cumsum(x[:, 0]))
    task = from_arrays(x, target, "ids.csv", sequences=5, test=1)
    run = trained(RunConfig(task=task, hidden=3, optimizer="adam", lr=0.01, epochs=0))
    view.show_snapshot(run.snapshot())
    line = view.plot.split_line
    assert line.isVisible() and line.value() == 11.5 and line.pen.style() == Qt.PenStyle.DashLine
    assert line.label.format == "training sequence 1 | test sequence 1"
    shown = view.plot.target.getData()[1]
    np.testing.assert_array_equal(shown[:12], run.data.y_train[0])
    np.testing.assert_array_equal(shown[12:], run.data.y_test[0])
    assert all(c.isVisible() for c in view.cursor_lines)   # steps 0..11 are the sequence's own


def test_sequence_to_one_tells_training_and_test_predictions_apart(view):
    run = trained(replace(for_set_preset(RunConfig(seed=0), "sum-of-sequence"), hidden=4), 1)
    snap = run.snapshot()
    view.show_snapshot(snap)
    assert view.scatterPlot.isVisible() and not view.plot.isVisible()
    train_t, train_p = view.scatter.getData()
    test_t, test_p = view.test_scatter.getData()
    np.testing.assert_array_equal(train_t, run.data.y_train)
    np.testing.assert_array_equal(test_t, run.data.y_test)
    assert len(train_t) == 1000 and len(test_t) == 200 and view.test_scatter.isVisible()
    # The test points are the readout at each held-out sequence's last step: their MSE is
    # the run's test MSE.
    assert np.mean((test_p - test_t) ** 2) == pytest.approx(snap.test_mse, rel=1e-9)
    names = [label.text for _, label in view.legend.items]
    assert names == ["training sequences", "test sequences (held out)"]
    assert view.test_scatter.opts["brush"].color() != view.scatter.opts["brush"].color()


def test_a_waveform_marks_where_its_unseen_continuation_begins(view):
    run = trained(RunConfig(task=preset("sin-cos", length=40), epochs=0), 5)
    view.show_snapshot(run.snapshot(span=3))
    line = view.plot.split_line
    assert line.isVisible() and line.value() == 39.5 and line.pen.style() == Qt.PenStyle.DashLine
    view.show_snapshot(run.snapshot())
    assert not line.isVisible()

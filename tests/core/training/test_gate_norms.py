"""A model's run records its gates' norms over the epochs (the Parameters view's curves), in
bounded memory, exact at every recorded epoch, whichever kernel trains it."""
import numpy as np
import pytest

from lstm_gui.core.models import Model, compiled
from lstm_gui.core.training.records import Thinned
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def test_thinned_takes_due_rows_halves_when_full_and_forgets_a_rewound_future():
    store = Thinned(2, capacity=8)
    calls = []

    def row(e):
        def make():
            calls.append(e)
            return (e, -e)
        return make

    for e in range(20):
        store.offer(e, row(e))
    epochs, rows = store.view()
    # every epoch until 8 rows, then every other row dropped and every 2nd epoch taken...
    assert epochs[0] == 0 and list(np.diff(epochs)) == sorted(np.diff(epochs))
    assert len(epochs) <= 8 and store.every >= 2
    np.testing.assert_array_equal(rows[:, 0], epochs)
    np.testing.assert_array_equal(rows[:, 1], -epochs)
    assert all(b - a >= 1 for a, b in zip(epochs, epochs[1:]))
    # ...and a row not due is never computed.
    assert len(calls) < 20
    # A rewound run (the same epoch again, or earlier) drops the later rows first.
    last = int(epochs[-1])
    store.offer(5, row(5))
    epochs, _ = store.view()
    assert epochs.max() <= 5 and last > 5


def test_thinned_keeps_the_first_row_and_spreads_over_the_whole_run():
    store = Thinned(1, capacity=16)
    for e in range(0, 10_000, 7):
        store.offer(e, lambda e=e: (e,))
    epochs, _ = store.view()
    assert epochs[0] == 0 and epochs[-1] > 9_000
    assert len(epochs) <= 16
    gaps = np.diff(epochs)
    assert gaps.max() <= 4 * gaps.min()       # evenly spread, not bunched at one end


@pytest.mark.parametrize("model", [
    Model(hidden=16, layers=2),
    Model(cell="gru", hidden=3, inputs=2, bidirectional=True, layers=2),
    Model(cell="peephole", hidden=4, bias=False),
    Model(cell="cifg", hidden=2),
    Model(cell="nig", hidden=3),
])
def test_gate_norms_are_each_gates_blocks_together(model):
    theta = model.init(3, scheme="pytorch")
    norms = model.gate_norms(theta)
    assert norms.shape == (model.layers * model.dirs, len(model.gates))
    for b in model.blocks():
        assert (b.gate is None) == (b.layer is None)
    for k in range(model.layers):
        for d in range(model.dirs):
            for c, g in enumerate(model.gates):
                mine = [theta[b.slice] for b in model.blocks()
                        if (b.layer, b.direction, b.gate) == (k, d, g)]
                assert norms[k * model.dirs + d, c] == pytest.approx(
                    np.linalg.norm(np.concatenate(mine)), rel=1e-14)


@pytest.mark.parametrize("kernel", ["numpy", "compiled"])
def test_a_model_run_records_its_gate_norms_exactly_at_each_recorded_epoch(kernel):
    cfg = RunConfig(task=preset("sin-cos", length=20), hidden=2, lr=0.02, epochs=0)
    compiled.use(kernel)
    try:
        run = TrainingRun(cfg)
        run.train(1500)
    finally:
        compiled.use(None)
    model = run.model
    epochs, norms = run.gate_norms_view()
    # This model is small enough for the history to keep every epoch's parameters.
    h_epochs, _mse, h_params = run.history.arrays()
    assert epochs[0] == 0 and epochs[-1] == run.epoch == 1500
    assert np.all(np.diff(epochs) > 0)
    np.testing.assert_allclose(norms[0], model.gate_norms(run.initial_params), rtol=1e-14)
    np.testing.assert_allclose(norms[-1], model.gate_norms(run.params), rtol=1e-14)
    where = {int(e): k for k, e in enumerate(h_epochs)}
    for e, row in zip(epochs[1:], norms[1:]):
        np.testing.assert_allclose(row, model.gate_norms(h_params[where[int(e)]]), rtol=1e-13)
    if kernel == "numpy":
        # Epoch by epoch: every epoch until the store is full, then thinned evenly.
        assert len(epochs) > 500
    else:
        assert len(epochs) >= 2
    snap = run.snapshot()
    np.testing.assert_array_equal(snap.gate_norms[0], epochs)
    np.testing.assert_array_equal(snap.gate_norms[1], norms)


def test_the_unit_records_no_gate_norms_and_a_restored_run_starts_its_own():
    assert TrainingRun(RunConfig(task=preset("sin-cos", length=20))).snapshot().gate_norms is None
    cfg = RunConfig(task=preset("sin-cos", length=20), hidden=3, epochs=0)
    run = TrainingRun(cfg)
    run.train(40)
    again = TrainingRun.restore(cfg, run.params, run.state_dict())
    epochs, norms = again.gate_norms_view()
    # The file keeps no norms: one row, at the restored epoch (no line drawn from epoch 0).
    assert epochs.tolist() == [40]
    np.testing.assert_allclose(norms[0], run.model.gate_norms(run.params))
    again.train(5)
    assert again.gate_norms_view()[0].tolist()[0] == 40

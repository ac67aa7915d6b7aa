"""A run records its gradient's norms per layer and per hidden unit over the epochs (the
gradient view's gradientNorms), exact at every recorded epoch, whichever kernel trains it,
drawing nothing from the run's generators."""
import numpy as np
import pytest

from lstm_gui.core.models import UNIT, compiled, unit
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def _params_at(run, epoch):
    if epoch == 0:
        return run.initial_params
    epochs, _, params = run.history.arrays()
    return params[list(epochs).index(epoch)]


def _block_norms(model, grad):
    """Per layer and direction, and per hidden unit of it, from Model.blocks() (the core's
    gradient blocks): the readout belongs to none."""
    groups = model.layers * model.dirs
    layers = np.zeros(groups)
    units = np.zeros((groups, model.hidden))
    for b in model.blocks():
        if b.layer is None:
            continue
        g = grad[b.slice].reshape(b.shape[0], -1)
        k = b.layer * model.dirs + b.direction
        layers[k] += np.sum(g * g)
        units[k] += np.sum(g * g, axis=1)
    return np.sqrt(layers), np.sqrt(units).ravel()


def _every_offer(run):
    run._grad_pace.share = float("inf")    # the pace never skips: every offer is computed


@pytest.mark.parametrize("kernel", ["numpy", "compiled"])
def test_a_models_recorded_norms_are_its_gradient_blocks_at_each_epoch(kernel):
    compiled.use(kernel)
    try:
        cfg = RunConfig(cell="gru", hidden=2, units=2, bidirectional=True, init="pytorch",
                        task=preset("sin-cos", length=20), epochs=15)
        run = TrainingRun(cfg)
        _every_offer(run)
        for _ in range(15):
            run.train(1)
    finally:
        compiled.use(None)
    view = run.grad_norms_view()
    assert view.epochs[0] == 1 and view.epochs[-1] == 15 and len(view.epochs) == 15
    assert view.layers.shape == (15, 4) and view.units.shape == (15, 8) and view.params is None
    model = run.model
    for e, layers, units in zip(view.epochs, view.layers, view.units):
        _, grad = model.loss_and_grad(_params_at(run, e), run.x, run.target)
        want_layers, want_units = _block_norms(model, grad)
        np.testing.assert_allclose(layers, want_layers, rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(units, want_units, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("kernel", ["numpy", "compiled"])
def test_a_chain_of_the_unit_records_each_units_norm_from_epoch_0(kernel):
    """The chain lesson's fact: unit 1 gets hundreds of times less gradient than unit 3, at
    every recorded epoch (the numpy path records the gradient its step computed: free)."""
    compiled.use(kernel)
    try:
        run = TrainingRun(RunConfig(units=3, epochs=30))
        _every_offer(run)
        for _ in range(30):
            run.train(1)
    finally:
        compiled.use(None)
    view = run.grad_norms_view()
    assert view.epochs[0] == 0 and view.epochs[-1] == 30
    assert view.units is None and view.params.shape == (len(view.epochs), 3, UNIT.size)
    for e, layers, params in zip(view.epochs, view.layers, view.params):
        _, grad = unit.model_loss_and_grad(_params_at(run, e), run.x, run.target, 0)
        np.testing.assert_allclose(layers, np.linalg.norm(grad, axis=1), rtol=1e-9)
        np.testing.assert_allclose(params, np.abs(grad), rtol=1e-9)
    assert view.layers[0, 2] / view.layers[0, 0] > 100


def test_recording_draws_nothing_a_run_of_mini_batches_and_dropout_stays_bit_identical():
    cfg = RunConfig(hidden=3, units=2, dropout=0.3, init="pytorch", epochs=6,
                    task=preset("torch-sin-cos"))
    recorded = TrainingRun(cfg)
    _every_offer(recorded)
    plain = TrainingRun(cfg)
    plain._record_grad_norms = lambda *a, **k: None
    for run in (recorded, plain):
        for _ in range(6):
            run.train(1)
    np.testing.assert_array_equal(recorded.params, plain.params)
    assert len(recorded.grad_norms_view().epochs) == 6


def test_the_pace_keeps_computing_within_its_share_and_the_stop_is_always_recorded():
    run = TrainingRun(RunConfig(cell="gru", hidden=8, init="pytorch", epochs=400))
    run.train(400)
    view = run.grad_norms_view()
    assert view.epochs[-1] == 400                          # where the run stopped
    assert run._grad_pace.cost * (len(view.epochs) - 1) <= 0.05 * run.elapsed + run._grad_pace.cost


def test_a_run_trained_a_while_after_it_was_made_still_records_rows_on_the_way():
    """Found in the window: a GRU trained 13 494 epochs recorded no row, the pace having
    taken the time between making the run and its first epoch for a row's cost."""
    import time
    run = TrainingRun(RunConfig(cell="gru", hidden=4, init="pytorch", epochs=0,
                                task=preset("sin-cos", length=30)))
    time.sleep(0.3)
    for _ in range(40):
        run.train(25)
    view = run.grad_norms_view()
    assert len(view.epochs) >= 2 and view.epochs[0] >= 20 and view.epochs[-1] <= 1000


def test_rows_spread_over_a_compiled_chunk_are_each_the_gradient_at_their_epoch():
    """A chain trained 3 000 epochs in a few compiled chunks recorded a row per chunk end
    (8 rows); the rows now spread over each chunk, from the parameters it kept per epoch."""
    compiled.use("compiled")
    try:
        run = TrainingRun(RunConfig(units=3, epochs=600))
        _every_offer(run)
        run.train(600)
    finally:
        compiled.use(None)
    view = run.grad_norms_view()
    assert len(view.epochs) > 40 and view.epochs[0] == 0 and view.epochs[-1] == 600
    for e, layers in zip(view.epochs[::7], view.layers[::7]):
        _, grad = unit.model_loss_and_grad(_params_at(run, e), run.x, run.target, 0)
        np.testing.assert_allclose(layers, np.linalg.norm(grad, axis=1), rtol=1e-9)


def test_a_long_sequence_waits_for_the_training_for_its_first_row():
    """Making a unit's run of 10^6 points took 1 s more with the gradient at epoch 0."""
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=100_000)))
    view = run.grad_norms_view()
    assert len(view.epochs) == 0 and view.params.shape == (0, 1, UNIT.size)

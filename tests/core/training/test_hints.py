"""Hints: each rule fires on the run it describes and stays quiet on a healthy one."""
from lstm_gui.core.training.hints import hints
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


def test_random_target_from_zero_input_cannot_be_learned():
    run = TrainingRun(RunConfig(task=preset("random")))
    assert any("all zeros" in h for h in hints(run.snapshot()))


def test_plain_descent_at_lr_001_is_flagged_as_barely_moving():
    run = TrainingRun(RunConfig(optimizer="sgd", lr=0.01, epochs=0))
    run.train(2500)
    assert any("barely moves" in h for h in hints(run.snapshot()))


def test_a_healthy_adam_run_gets_no_hint():
    run = TrainingRun(RunConfig(epochs=0))
    run.train(1500)
    assert hints(run.snapshot()) == []


def test_a_collapsed_chain_is_flagged():
    import numpy as np
    params = np.zeros((4, 12))
    params[:, 9:12] = -20.0        # output gates shut: every unit outputs ~0
    run = TrainingRun(RunConfig(units=4, optimizer="sgd", lr=0.001, epochs=0,
                                frozen=tuple(range(48))), initial_params=params)
    run.train(250)
    assert any("collapsed" in h for h in hints(run.snapshot()))


def test_a_stacked_model_of_h_units_gets_hints_without_failing():
    # A model's trace has outputs y and per-layer states, not a chain's h: the status line
    # read trace.h and failed on every snapshot of a 2-layer GRU.
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=20), cell="gru", hidden=4, units=2,
                                epochs=0))
    run.train(200)
    assert isinstance(hints(run.snapshot()), list)

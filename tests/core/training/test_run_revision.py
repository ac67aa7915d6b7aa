"""The run's revision, frozen parameters, hand edits and merged events."""
import numpy as np
import pytest

from lstm_gui.core.training.run import RunConfig, TrainingRun


def test_every_change_bumps_the_revision():
    run = TrainingRun(RunConfig(epochs=0))
    seen = [run.revision]
    run.step()
    seen.append(run.revision)
    run.configure(RunConfig(epochs=0, lr=0.01))
    seen.append(run.revision)
    run.set_params(run.params + 0.1)
    seen.append(run.revision)
    run.reset()
    seen.append(run.revision)
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    other = TrainingRun(RunConfig(epochs=0))
    assert other.revision > run.revision, "a new run's snapshots must not look older"
    assert run.snapshot().revision == run.revision


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_frozen_parameters_stay_fixed(optimizer):
    cfg = RunConfig(optimizer=optimizer, units=2, frozen=(2, 14), epochs=50)
    run = TrainingRun(cfg)
    start = run.params.copy()
    run.train(50)
    assert run.params[0, 2] == start[0, 2] and run.params[1, 2] == start[1, 2]
    moved = np.ones((2, 12), bool)
    moved[0, 2] = moved[1, 2] = False
    assert (run.params[moved] != start[moved]).all()


def test_frozen_round_trips_and_is_checked():
    cfg = RunConfig(frozen=(5, 2, 2))
    assert cfg.frozen == (2, 5)
    assert RunConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="frozen"):
        RunConfig(frozen=(12,))


def test_edit_changes_mse_and_is_an_event():
    run = TrainingRun(RunConfig())
    run.train(20)
    p = run.params.copy()
    p[0, 2] = 5.0
    run.set_params(p, "b_f 5")
    assert run.mse == pytest.approx(run.current_mse())
    assert run.events[-1].text == "b_f 5" and run.events[-1].epoch == 20
    with pytest.raises(ValueError):
        run.set_params(np.full((1, 12), np.nan))


def test_slider_drag_makes_one_event():
    run = TrainingRun(RunConfig())
    run.train(5)
    for lr in (0.01, 0.02, 0.03, 0.04):
        run.set_lr(lr)
    assert [e.text for e in run.events] == ["lr 0.04"]
    run.train(1)
    run.set_lr(0.05)            # a drag while training: within a second, still one event
    assert [e.text for e in run.events] == ["lr 0.05"]
    run._last_event_time -= 2.0  # a second later, after an epoch: a new event
    run.train(1)
    run.set_lr(0.06)
    assert [(e.epoch, e.text) for e in run.events] == [(6, "lr 0.05"), (7, "lr 0.06")]
    run._last_event_time -= 60.0
    run.set_lr(0.07)            # paused, no epoch between: the same event, however late
    assert [(e.epoch, e.text) for e in run.events] == [(6, "lr 0.05"), (7, "lr 0.07")]


def test_replay_shows_the_stored_parameters_of_the_chosen_epoch():
    run = TrainingRun(RunConfig(epochs=0))
    run.train(50)
    snap = run.snapshot(replay=20)
    epochs, _, stored = run.history.arrays()
    k = list(epochs).index(20)
    assert snap.replay == 20 and snap.epoch == 20
    np.testing.assert_array_equal(snap.params, stored[k])
    np.testing.assert_array_equal(snap.trace.h, run_forward(snap.params, run))
    assert snap.mse == pytest.approx(float(np.mean((snap.trace.h - run.target) ** 2)))
    assert run.snapshot().replay is None and run.snapshot().epoch == 50


def run_forward(params, run):
    from lstm_gui.core.models import unit
    return unit.forward(params, run.x, run.config.delay).h

"""One validation of a run's settings (limits.SETTINGS), shared by the trainer, the panel, the
command line, the reader and the writer: what can be trained can be saved and opened again
(issue 26, item 3), and what a file could not hold is refused at the edit in one line."""
import math
from dataclasses import replace

import pytest

from lstm_gui.core import limits
from lstm_gui.core.files.modelfile import load, save
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

SMALL = preset("sin-cos", length=8)


@pytest.mark.parametrize("make, field", [
    (lambda: RunConfig(task=preset("sin-cos", amplitude=1e10)), "amplitude"),
    (lambda: RunConfig(task=preset("sin-cos", amplitude=1e300)), "amplitude"),
    (lambda: RunConfig(task=preset("sin-cos", cycles=2e9)), "cycles"),
    (lambda: RunConfig(noise=Noise("target", 2e9)), "noise amplitude"),
    (lambda: RunConfig(init_low=-1e7, init_high=1e7), "initial min"),
    (lambda: RunConfig(plateau=2**62 + 1), "plateau"),
    (lambda: RunConfig(plateau=2**63), "plateau"),
    (lambda: RunConfig(plateau=2**64), "plateau"),
    (lambda: RunConfig(task=preset("running-sum", cycles=5e-324)), "cycles"),
    (lambda: RunConfig(task=preset("running-sum", amplitude=5e-324)), "amplitude"),
    (lambda: RunConfig(seed=-1), "seed must be a whole number from 0 to 9223372036854775807, got -1"),
    (lambda: RunConfig(seed=2**63), "seed must be a whole number from 0 to"),
])
def test_what_a_file_could_not_hold_is_refused_when_the_run_is_made(make, field):
    with pytest.raises(ValueError, match=field) as info:
        make()
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def _extreme_configs():
    """For every numeric setting, a run at each end of its range (open ends just inside)."""
    base = RunConfig(task=SMALL, epochs=3)
    for name, bound in limits.SETTINGS.items():
        for end, open_ in ((bound.lo, bound.lo_open), (bound.hi, bound.hi_open)):
            if math.isinf(end):
                end = 1e300 if end > 0 else -1e300
            value = int(end) if bound.integer else float(end)
            if open_:
                value = math.nextafter(value, 0.5)
            if name in ("task.length", "task.lag") and value > 1000:
                continue   # checked against the training budget elsewhere; keep this fast
            if name == "units" and value > 2:
                value = limits.MAX_UNITS
            if name == "hidden" and value > 100:
                value = 100      # H = 1024 passes this table; the parameter count's limit binds
            if name in ("init_low", "init_high") and (name == "init_low") == (value > 0):
                continue   # min < max leaves no room at this end
            if name == "task.lag" and value >= 8:
                continue   # the lag stays below the delay-k task's length (8) here
            yield name, value, base


@pytest.mark.parametrize("name, value, base", list(_extreme_configs()))
def test_every_setting_at_either_end_of_its_range_trains_saves_and_reopens(tmp_path, name, value, base):
    if name in ("init_low", "init_high"):
        base = replace(base, init_low=-limits.MAX_PARAM, init_high=limits.MAX_PARAM)
    if name == "task.lag":
        base = replace(base, task=preset("delay-k", length=8))
    config = base.with_field(name, value)
    run = TrainingRun(config)
    run.train(3)
    path = tmp_path / "m.json"
    save(run, path)
    back = load(path)
    assert back.config == run.config
    assert back.params.tobytes() == run.params.tobytes()


def test_a_parameter_edited_to_the_limit_and_trained_past_it_saves_and_reopens(tmp_path):
    run = TrainingRun(RunConfig(task=SMALL, epochs=0))
    params = run.params.copy()
    params[0, 3] = -limits.MAX_PARAM      # Adam carries this one outward (measured: -1000000.004)
    run.set_params(params)
    run.train(20)
    assert abs(run.params[0, 3]) > limits.MAX_PARAM
    path = tmp_path / "m.json"
    save(run, path)
    assert load(path).params.tobytes() == run.params.tobytes()


def test_a_typed_parameter_beyond_the_limit_is_refused_in_the_users_terms():
    run = TrainingRun(RunConfig(task=SMALL))
    params = run.params.copy()
    params[0, 0] = 1e6 + 1e-9 * 1e6
    with pytest.raises(ValueError, match=r"a parameter must lie in \[-1e\+06, 1e\+06\], got 1000000.001"):
        run.set_params(params)

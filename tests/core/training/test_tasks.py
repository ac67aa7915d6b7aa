import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.tasks import PRESETS, TaskFileError, load_csv, preset


def test_presets_reproduce_the_c_library_experiments():
    w = 2 * 3.14 / 100 * 5 * np.arange(100)
    x, t = preset("sin-cos").sequences()
    np.testing.assert_array_equal(x, 0.5 * np.sin(w))
    np.testing.assert_array_equal(t, 0.5 * np.cos(w))
    x, _ = preset("square-cos").sequences()
    np.testing.assert_array_equal(x, np.where(np.sin(w) > 0, 0.5, -0.5))
    x, t = preset("trajectories").sequences()
    np.testing.assert_array_equal(t, np.cos(w))
    _, t = preset("freq-double").sequences()
    np.testing.assert_array_equal(t, 0.5 * np.sin(2 * w + 2))
    x, t = preset("random").sequences()
    assert np.all(x == 0) and np.all(np.abs(t) <= 0.5) and t.std() > 0.1


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_preset_honours_length_cycles_and_amplitude(key):
    x, t = preset(key, length=37, cycles=2, amplitude=0.8).sequences()
    assert x.shape == t.shape == (37,)
    if key == "running-sum":
        t = t[:18]  # scaled on its training length (length / cycles); the walk may go on past it
    assert np.max(np.abs(np.concatenate([x, t]))) <= 0.8 + 1e-12


def test_sawtooth_and_triangle_span_the_amplitude():
    x, _ = preset("sawtooth-cos", length=400).sequences()
    assert x.min() == pytest.approx(-0.5, abs=0.01) and x.max() == pytest.approx(0.5, abs=0.03)
    x, _ = preset("triangle-cos", length=400).sequences()
    assert np.all(np.abs(np.diff(x)) < 0.06)  # continuous, unlike the sawtooth


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="length"):
        preset("sin-cos", length=0)
    with pytest.raises(ValueError, match="unknown task"):
        preset("nope")


def test_csv_task_reads_two_columns_with_or_without_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("input,target\n0.1,0.2\n0.3,0.4\n")
    x, t = load_csv(path).sequences()
    assert x.tolist() == [0.1, 0.3] and t.tolist() == [0.2, 0.4]
    path.write_text("1,2\n3,4\n\n")
    assert load_csv(path).length == 2


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("a,b\n", "no numeric rows"),
    ("1,2\n3\n", "row 2 has 1 columns"),
    ("1,2\n3,4,5\n", "row 2 has 3 columns"),
    ("1,2\nx,4\n", "row 2 is not numeric"),
    ("1,2\nnan,4\n", "NaN"),
])
def test_bad_csv_gives_a_one_line_error(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(TaskFileError, match=message) as info:
        load_csv(path)
    assert "\n" not in str(info.value) and "bad.csv" in str(info.value)


def test_noise_modes_touch_only_what_they_say():
    x, t = np.zeros(50), np.ones(50)
    def rng():
        return np.random.default_rng(1)

    nx, nt = Noise("target", 0.1).apply(x, t, rng())
    assert np.all(nx == 0) and np.any(nt != 1) and np.max(np.abs(nt - 1)) <= 0.1
    nx, nt = Noise("input", 0.1).apply(x, t, rng())
    assert np.any(nx != 0) and np.all(nt == 1)
    nx, nt = Noise("both", 0.1, kind="gaussian").apply(x, t, rng())
    assert np.any(nx != 0) and np.any(nt != 1)
    nx, nt = Noise("none").apply(x, t, rng())
    assert nx is x and nt is t
    with pytest.raises(ValueError, match="noise mode"):
        Noise("everywhere")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet='0123456789.,-e \nnaifx\t"', max_size=80))
def test_any_csv_text_gives_a_task_or_a_one_line_error(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text)
    try:
        task = load_csv(path)
    except TaskFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")
        return
    x, t = task.sequences()
    assert x.shape == t.shape and len(x) >= 1 and np.all(np.isfinite(x)) and np.all(np.isfinite(t))


def test_delay_k_target_is_the_input_k_steps_back():
    from lstm_gui.core.training.tasks import Task
    x, target = preset("delay-k", lag=7).sequences()
    np.testing.assert_array_equal(target[7:], x[:-7])
    np.testing.assert_array_equal(target[:7], 0.0)
    assert preset("delay-k").lag == 5
    task = preset("delay-k", lag=3)
    assert Task.from_dict(task.to_dict()) == task
    with pytest.raises(ValueError):
        preset("delay-k", lag=100)


def test_a_unit_learns_delay_k_and_its_memory_horizon_grows():
    from lstm_gui.core.analysis import gradflow
    from lstm_gui.core.training.run import RunConfig, TrainingRun
    run = TrainingRun(RunConfig(task=preset("delay-k"), epochs=5000, seed=0))
    before = gradflow.memory_horizon(gradflow.contributions(run.params, run.x, run.target))
    run.train(5000)
    after = gradflow.memory_horizon(gradflow.contributions(run.params, run.x, run.target))
    power = float(np.mean(run.target ** 2))
    assert run.current_mse() < 0.25 * power
    assert after >= before + 5


def test_every_preset_continues_its_own_waveform():
    from lstm_gui.core.training.tasks import PRESETS, preset
    for key in PRESETS:
        task = preset(key)
        x, target = task.sequences()
        x3, target3 = task.extended(3).sequences()
        n = task.length
        # The continuation starts as the training part: the same waveform, only longer.
        np.testing.assert_allclose(x3[:n], x, atol=1e-9, err_msg=key)
        np.testing.assert_allclose(target3[:n], target, atol=1e-9, err_msg=key)

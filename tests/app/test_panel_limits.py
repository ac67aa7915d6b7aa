"""The panel refuses at the edit what a file could not hold, shows the run's value again, and
says why in one line (issue 26, items 3, 7 and 11)."""
import pytest

from lstm_gui.core.training.tasks import preset

from .conftest import current, enter


@pytest.mark.parametrize("field, text, message", [
    ("amplitudeSpin", "5e-324", "amplitude must lie in [1e-09, 1e+09], got 5e-324"),
    ("amplitudeSpin", "1e10", "amplitude must lie in [1e-09, 1e+09]"),
    ("cyclesSpin", "5e-324", "cycles must lie in"),
    ("noiseAmpSpin", "1e300", "noise amplitude must lie in"),
    ("initLowEdit", "-1e7", "initial min must lie in [-1e+06, 1e+06]"),
    ("plateauSpin", str(2**64), "plateau must be a whole number from 0 to 4611686018427387904"),
    ("plateauSpin", str(2**62 + 1), "plateau must be a whole number"),
    ("seedSpin", str(2**63), "seed must be a whole number from 0 to 9223372036854775807"),
])
def test_a_value_a_file_could_not_hold_is_refused_and_the_panel_shows_the_runs(window, field, text, message):
    if field == "cyclesSpin":
        window.commands.configure(current(window).config.with_field("task.key", "running-sum"))
    before = current(window).config
    edit = getattr(window.panel, field)
    shown = edit.text()
    enter(edit, text)
    assert message in window.messageLabel.text()
    assert current(window).config == before
    assert edit.text() == shown, "the panel kept showing a value the run refused"


def test_a_parameter_typed_past_the_limit_is_refused_in_one_line(window):
    before = current(window).params.copy()
    window.commands.set_param(0, 0, 1e6 + 1)
    assert "a parameter must lie in [-1e+06, 1e+06], got 1000001" in window.messageLabel.text()
    assert (current(window).params == before).all()


def test_running_sum_at_the_smallest_cycles_and_amplitude_trains(window):
    window.commands.configure(current(window).config.with_field("task.key", "running-sum"))
    cfg = current(window).config
    window.commands.configure(cfg.__class__(**{**cfg.__dict__, "task": preset("running-sum", cycles=1e-9,
                                                                                amplitude=1e-9)}))
    window.step(5)
    assert current(window).epoch == 5

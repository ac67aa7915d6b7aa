"""The window's seam (issue 10): each defect found on the old main, driven through the widgets."""
import hashlib
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lstm_gui.app.qt import Qt, QtCore, QtWidgets
from lstm_gui.core.files import modelfile
from lstm_gui.core.models import CELLS
from lstm_gui.core.training.noise import Noise
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset

from .conftest import current, enter


def _saved(tmp_path, name, **cfg):
    run = TrainingRun(RunConfig(**cfg))
    run.train(20)
    path = tmp_path / name
    modelfile.save(run, path)
    return path, run


def test_a_64_bit_seed_and_budget_open_show_exactly_and_save_to_the_right_file(window, tmp_path):
    first, _ = _saved(tmp_path, "first.json")
    assert window.open_path(first, confirmed=True)
    before = hashlib.sha256(first.read_bytes()).hexdigest()
    big, run = _saved(tmp_path, "big.json", seed=3_000_000_000, epochs=2**40)
    assert window.open_path(big, confirmed=True)
    assert window.document.path == big and window.windowTitle().startswith("big.json")
    assert window.panel.seedSpin.text() == "3000000000"
    assert window.panel.epochsSpin.text() == str(2**40)
    assert window.panel.config_from_widgets() == run.config
    window.stepButton.click()
    assert window.save()
    assert hashlib.sha256(first.read_bytes()).hexdigest() == before   # the first file untouched
    assert modelfile.load(big).epoch == 21


def test_the_window_starts_after_closing_on_a_64_bit_config(qtbot, settings, tmp_path):
    from lstm_gui.app import MainWindow
    big, run = _saved(tmp_path, "big.json", seed=2**63 - 1, epochs=2**62)
    w = MainWindow(settings=settings)
    w.open_path(big, confirmed=True)
    w.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.panel.config() == run.config
    again.trainer.shutdown()


CORRUPT = [
    ("view/smoothing", "2.5"), ("view/smoothing", "-4"), ("geometry", "not bytes"),
    ("windowState", "text"), ("config", "null"), ("config", "[1, 2]"), ("config", "{"),
    ("config", '{"task": 5}'), ("config", '{"units": 1e999}'), ("recent", "5"),
    ("view/span", "maybe"),
]


@pytest.mark.parametrize("key,value", CORRUPT)
def test_corrupt_settings_never_stop_the_window(qtbot, tmp_path, key, value):
    from lstm_gui.app import MainWindow
    path = tmp_path / "s.ini"
    path.write_text(f"[General]\n{key}={value}\n")
    s = QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=s)
    qtbot.addWidget(w)
    assert w.panel.config() == current(w).config
    if key in ("view/smoothing", "config", "view/span", "geometry", "windowState"):
        assert "setting" in w.messageLabel.text() or "layout" in w.messageLabel.text()
    w.trainer.shutdown()


def test_many_pauses_at_random_moments_never_show_a_stale_snapshot(window, qtbot):
    enter(window.panel.epochsSpin, "never")
    rng = random.Random(5)
    for _ in range(40):
        window.train()
        qtbot.wait(rng.randint(1, 40))
        window.pause()
        run = current(window)
        # Whatever was queued from the thread arrives now, and must not replace the display.
        QtWidgets.QApplication.processEvents()
        qtbot.wait(rng.randint(0, 5))
        shown = window._last_snapshot
        assert shown.revision == run.revision and shown.epoch == run.epoch
        assert window.epochLabel.text() == f"epoch {run.epoch:,}"
        epoch = run.epoch
        window.stepButton.click()
        QtWidgets.QApplication.processEvents()
        assert window._last_snapshot.epoch == epoch + 1 == current(window).epoch


def test_opens_while_training_always_show_the_opened_run(window, qtbot, tmp_path):
    enter(window.panel.epochsSpin, "never")
    path, saved = _saved(tmp_path, "m.json", task=preset("square-cos"), epochs=0)
    rng = random.Random(9)
    for _ in range(25):
        window.train()
        qtbot.wait(rng.randint(1, 30))
        assert window.open_path(path, confirmed=True)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
            qtbot.wait(rng.randint(0, 3))
        assert window._last_snapshot.epoch == 20
        assert window._last_snapshot.config.task.key == "square-cos"
        assert window.epochLabel.text() == "epoch 20"


@pytest.mark.parametrize("action", ["reset", "reseed", "task"])
def test_after_reset_the_mse_plot_is_empty(window, qtbot, action):
    for _ in range(30):
        window.stepButton.click()
    assert len(window.msePlot.smooth.getData()[0]) > 0
    if action == "reset":
        window.resetButton.click()
    elif action == "reseed":
        window.reinitButton.click()
    else:
        window.panel.taskCombo.setCurrentIndex(window.panel.taskCombo.findData("square-cos"))
        window.applyButton.click()
    assert current(window).epoch == 0
    for curve in (window.msePlot.raw, window.msePlot.smooth):
        x, _ = curve.getData()
        assert x is None or len(x) == 0


def test_reset_with_pending_settings_trains_what_the_panel_shows(window, qtbot):
    for _ in range(5):
        window.stepButton.click()
    window.panel.taskCombo.setCurrentIndex(window.panel.taskCombo.findData("square-cos"))
    window.panel.unitsSpin.setValue(2)
    assert window.applyBar.isVisible()
    window.resetButton.click()
    run = current(window)
    assert run.config.task.key == "square-cos" and run.config.units == 2
    assert window.panel.config() == run.config and not window.applyBar.isVisible()


def test_a_view_that_raises_is_reported_and_training_keeps_its_speed(window, qtbot, monkeypatch):
    enter(window.panel.epochsSpin, "never")

    def broken(snap):
        raise RuntimeError("boom")

    monkeypatch.setattr(window.views["gatesView"], "show_snapshot", broken)
    window.train()
    qtbot.wait(1500)
    assert "boom" in window.statusBar().currentMessage() or window.frames.last_error
    assert window.trainer._gui_idle.is_set() or window.frames.busy()
    e0 = current(window).epoch
    qtbot.wait(1000)
    # At 20 epochs/s (the old stuck hold) a second gives ~20; a working hold gives hundreds.
    assert current(window).epoch - e0 > 200
    window.pause()


def test_an_exception_in_the_thread_reaches_the_window(window, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    enter(window.panel.epochsSpin, "never")
    with window.trainer.locked() as run:
        def explode(*a, **k):
            raise OverflowError("Python int too large to convert to C long")
        run.train = explode
    window.train()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "Training stopped" in shown[0] and not window.trainer.is_training
    qtbot.waitUntil(lambda: window.trainButton.text() == "Train")
    assert window.trainer.thread_running()   # the thread lives on for the next command


def test_huge_finite_parameters_are_drawn_and_files_still_open(window, qtbot, tmp_path):
    params = np.full((1, 12), 1e308)
    params[0, 1] = -1e308
    run = TrainingRun(RunConfig(delay=1), initial_params=params)
    window.commands.replace_run(run)
    window.stepButton.click()   # the loss may diverge; the window must still draw
    assert "Cannot set range" not in window.statusBar().currentMessage()
    assert window.frames.last_error is None
    path, _ = _saved(tmp_path, "ok.json")
    assert window.open_path(path, confirmed=True)
    assert window.epochLabel.text() == "epoch 20"


def test_a_slider_drag_is_one_event_and_many_events_draw_fast(window, qtbot):
    import time
    window.stepButton.click()
    for value in range(400, 700, 5):
        window.panel.lrSlider.setValue(value)
    assert len(current(window).events) == 1
    run = current(window)
    with window.trainer.locked():
        run.events = [run.events[0].__class__(e, "{") for e in range(100_000)]
        run.touch()
    t0 = time.perf_counter()
    window.refresh()
    assert time.perf_counter() - t0 < 3.0
    assert len(window.msePlot._markers) <= 200
    assert window.frames.last_error is None


def test_dirty_after_save_then_lr_reset_and_steps(window, qtbot, tmp_path):
    for _ in range(3):
        window.stepButton.click()
    path = tmp_path / "m.json"
    assert window._save_to(path) and not window.is_dirty()
    enter(window.panel.lrEdit, 0.02)
    window.resetButton.click()
    for _ in range(5):
        window.stepButton.click()
    assert window.is_dirty() and window.windowTitle().startswith("m.json *")


def test_reset_and_new_seed_are_undoable(window, qtbot):
    for _ in range(12):
        window.stepButton.click()
    params = current(window).params.copy()
    qtbot.keyClick(window, Qt.Key.Key_Backspace)
    assert current(window).epoch == 0
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert current(window).epoch == 12 and np.array_equal(current(window).params, params)
    assert window.epochLabel.text() == "epoch 12"
    seed = current(window).config.seed
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert current(window).config.seed != seed and current(window).epoch == 0
    window.undoAction.trigger()
    assert current(window).config.seed == seed and current(window).epoch == 12
    assert window.panel.config() == current(window).config


def test_bare_keys_go_to_the_focused_control(window, qtbot):
    for _ in range(3):
        window.stepButton.click()
    box = window.panel.resampleCheck
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() and not window.trainer.is_training
    slider = window.panel.lrSlider
    slider.setFocus()
    value = slider.value()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == value + 1
    qtbot.keyClick(slider, Qt.Key.Key_Backspace)
    run = current(window)
    assert run.epoch == 3, "no step, no reset while the slider has focus"
    window.trainButton.setFocus()
    qtbot.keyClick(window.trainButton, Qt.Key.Key_Right)
    assert current(window).epoch == 4   # a push button leaves the arrows to the window


def test_loaded_values_are_not_clamped_by_an_unrelated_edit(window, qtbot, tmp_path):
    cfg = RunConfig(task=preset("sin-cos", length=2000), target_mse=1e-9, clip=0.125,
                    noise=Noise("target", 0.0125), plateau=7, init_low=-0.3, init_high=0.7)
    run = TrainingRun(cfg)
    run.train(2)
    path = tmp_path / "m.json"
    modelfile.save(run, path)
    assert window.open_path(path, confirmed=True)
    enter(window.panel.lrEdit, 0.02)
    got = current(window).config
    assert got == RunConfig(**{**cfg.__dict__, "lr": 0.02})
    assert not window.applyBar.isVisible() and current(window).epoch == 2


def test_save_failure_shows_a_dialog_and_keeps_working(window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    window.stepButton.click()
    monkeypatch.setattr(modelfile, "to_json_text", lambda run: (_ for _ in ()).throw(ValueError("nan in state")))
    assert not window._save_to(tmp_path / "x.json")
    assert shown and "cannot save" in shown[0] and window.is_dirty()


def test_docks_hide_show_and_reset_layout(window, qtbot):
    dock = window.docks["gatesView"]
    assert dock.isVisible()
    dock.toggleViewAction().trigger()
    assert not dock.isVisible()
    window.findChild(type(window.trainAction), "resetLayoutAction").trigger()
    assert dock.isVisible()


def test_the_layout_persists(qtbot, settings):
    from lstm_gui.app import MainWindow
    w = MainWindow(settings=settings)
    w.resize(1400, 900)
    w.show()
    w.docks["gatesView"].toggleViewAction().trigger()
    w.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    again.show()
    assert not again.docks["gatesView"].isVisible() and again.docks["signalView"].isVisible()
    again.trainer.shutdown()


panel_values = st.fixed_dictionaries({
    "task": st.builds(lambda key, n, c, a: preset(key, length=n, cycles=c, amplitude=a),
                      st.sampled_from(["sin-cos", "square-cos", "random", "freq-double"]),
                      st.integers(1, 200_000),
                      st.floats(1e-3, 1e3, allow_nan=False), st.floats(1e-6, 1e6, allow_nan=False)),
    "noise": st.builds(Noise, st.sampled_from(["none", "target", "input", "both"]),
                       st.floats(0, 100, allow_nan=False), st.sampled_from(["uniform", "gaussian"]),
                       st.booleans()),
    "units": st.integers(1, 16), "optimizer": st.sampled_from(["sgd", "momentum", "adam"]),
    "lr": st.floats(1e-9, 0.999999), "clip": st.none() | st.floats(1e-9, 1e9),
    "seed": st.integers(0, 2**63 - 1), "delay": st.integers(0, 1),
    "epochs": st.integers(0, 2**62), "target_mse": st.floats(0, 10),
    "plateau": st.integers(0, 2**40), "init_low": st.floats(-10, -1e-3),
    "init_high": st.floats(1e-3, 10),
    # The model's fields (the Model group); a combination the core refuses is skipped below.
    "cell": st.sampled_from(CELLS), "hidden": st.integers(1, 32), "bias": st.booleans(),
    "bidirectional": st.booleans(), "dropout": st.just(0.0) | st.floats(0, 0.999),
    "init": st.sampled_from(["uniform", "pytorch"]),
    "forget_bias": st.none() | st.floats(-5, 5), "batch": st.integers(0, 1000),
})


@hsettings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
@given(values=panel_values)
def test_every_config_round_trips_through_the_panel(qtbot, values):
    from lstm_gui.app.panel import ControlPanel
    try:
        cfg = RunConfig(**values)
    except ValueError:          # e.g. a forget-gate bias for a cell without one, too big a model
        assume(False)
    panel = ControlPanel()
    qtbot.addWidget(panel)
    panel.set_config(cfg)
    assert panel.config_from_widgets() == cfg


def test_replay_shows_a_stored_epoch_and_live_returns(window, qtbot):
    for _ in range(40):
        window.stepButton.click()
    run = current(window)
    epochs, _, stored = run.history.arrays()
    window.replay(10)
    snap = window._last_snapshot
    assert snap.replay == 10 and window.epochLabel.text() == "epoch 10"
    np.testing.assert_array_equal(window.views["paramsView"].table.item(0, 1).text().strip(),
                                  f"{stored[list(epochs).index(10)][0, 0]:.5f}")
    np.testing.assert_allclose(window.signalPlot.output.getData()[1], snap.trace.h)
    window.replaySlider.setValue(window.replaySlider.maximum())
    assert window._last_snapshot.replay == 40
    window.liveButton.click()
    assert window._last_snapshot.replay is None and window.epochLabel.text() == "epoch 40"
    window.replay(5)
    window.stepButton.click()          # training leaves replay
    assert window._last_snapshot.replay is None and current(window).epoch == 41


def test_step_n_and_slow_motion(window, qtbot):
    window.stepNSpin.setValue(25)
    window.stepNButton.click()
    assert current(window).epoch == 25 and window.epochLabel.text() == "epoch 25"
    window.speedCombo.setCurrentIndex(window.speedCombo.findData(10.0))
    enter(window.panel.epochsSpin, "never")
    import time
    t0 = time.perf_counter()
    window.train()
    qtbot.wait(1500)
    window.pause()
    seconds = time.perf_counter() - t0    # a busy machine makes the wait longer than asked
    done = current(window).epoch - 25
    assert 5 <= done <= 10 * seconds + 10, (done, seconds)   # about 10 epochs a second


def test_play_moves_the_time_cursor(window, qtbot):
    window.stepButton.click()
    window.playButton.click()
    qtbot.waitUntil(lambda: window.timeCursor.t >= 3, timeout=3000)
    window.playButton.click()
    t = window.timeCursor.t
    qtbot.wait(300)
    assert window.timeCursor.t == t and window.cursorLabel.text() == f"t = {t}"
    line = window.views["signalView"].cursor_line
    assert round(line.value()) == t


def test_gradient_choice_switches_to_the_c_library_rule_with_its_timing(window, qtbot):
    combo = window.panel.gradientCombo
    combo.setCurrentIndex(combo.findData("lstmlib"))
    cfg = current(window).config
    assert cfg.gradient == "lstmlib" and cfg.delay == 1
    assert window.panel.timingCheck.isChecked()
    window.panel.unitsSpin.setValue(2)      # the rule trains one unit: refused, panel reverts
    assert "one unit" in window.messageLabel.text() and current(window).config.units == 1
    assert window.panel.unitsSpin.value() == 1


def test_compare_menu_runs_the_rules_side_by_side(window, qtbot):
    view = window.views["ensembleView"]
    # What the menu starts is the point, not how long it trains: 8 seeds of 100 epochs (the
    # view's 32 x 2000 took up to 60 s of the suite under load).
    view.seeds.setValue(8)
    view.epochs.setValue(100)
    window.findChild(type(window.trainAction), "compareRulesAction").trigger()
    assert window.docks["ensembleView"].isVisible()
    qtbot.waitUntil(lambda: not view.is_running(), timeout=60_000)
    labels = [r.label for r in view.results]
    assert labels == ["exact gradient", "lstmlib rule"]


def test_help_shows_the_unit(window, qtbot):
    window.findChild(type(window.trainAction), "unitHelpAction").trigger()
    dialog = window.findChild(QtWidgets.QDialog, "unitHelp")
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QtWidgets.QTextBrowser).toPlainText()
    assert "forget" in text and "W_fh" in text
    dialog.close()


def test_a_run_that_cannot_succeed_gets_a_hint(window, qtbot):
    assert not window.hintLabel.isVisible()
    window.panel.taskCombo.setCurrentIndex(window.panel.taskCombo.findData("random"))
    assert window.hintLabel.isVisible() and "all zeros" in window.hintLabel.text()


def test_the_first_launch_says_it_is_compiling(window, qtbot, monkeypatch):
    from lstm_gui.core.models import compiled
    from lstm_gui.core.training import warm_up
    said = []
    monkeypatch.setattr(compiled, "is_cached", lambda models=False: False)
    monkeypatch.setattr(window.statusBar(), "showMessage", lambda text, *a: said.append(text))
    # The message only: no real warm-up (told the cache is empty, it would send other threads
    # to numpy until it has compiled or loaded every kernel, beside later tests).
    monkeypatch.setattr(warm_up, "warm_up_all", lambda progress=None: False)
    window.warm_up_kernel()
    assert said and said[0] == compiled.COMPILING_MESSAGE
    qtbot.waitUntil(lambda: window.trainer.kernel_ready, timeout=5_000)


def test_a_pinned_run_stays_as_a_ghost_labelled_by_what_differs(window, qtbot):
    for _ in range(30):
        window.stepButton.click()
    window.findChild(type(window.trainAction), "pinAction").trigger()
    ghost = window.msePlot.ghost
    assert ghost.isVisible() and len(ghost.getData()[0]) == 30
    window.panel.optimizerCombo.setCurrentIndex(window.panel.optimizerCombo.findData("sgd"))
    labels = [label.text for _, label in window.msePlot.legend.items]
    assert any("pinned" in t and "Adam" in t for t in labels), labels
    assert any(t.startswith("MSE") and "descent" in t for t in labels), labels
    window.resetButton.click()
    assert ghost.isVisible() and len(ghost.getData()[0]) == 30   # survives the reset
    window.findChild(type(window.trainAction), "unpinAction").trigger()
    assert not ghost.isVisible()


def test_an_edited_parameter_changes_the_output_and_survives_save_and_load(window, qtbot, tmp_path):
    for _ in range(5):
        window.stepButton.click()
    h_before = window.signalPlot.output.getData()[1].copy()
    item = window.paramTable.item(2, 1)              # b_f of unit 1
    item.setText("5.0")
    run = current(window)
    assert run.params[0, 2] == 5.0 and run.events[-1].text == "b_f = 5"
    assert not np.allclose(window.signalPlot.output.getData()[1], h_before)
    path = tmp_path / "edited.json"
    assert window._save_to(path)
    assert window.open_path(path, confirmed=True)
    assert current(window).params[0, 2] == 5.0
    assert window.paramTable.item(2, 1).text().strip() == "5.00000"
    window.stepButton.click()                        # training continues from the edit
    assert current(window).epoch == 6


def test_show_unit_scrolls_the_table_to_that_units_column(window, qtbot):
    window.panel.unitsSpin.setValue(4)
    window.stepButton.click()
    window.panel.unitViewSpin.setValue(4)
    table = window.paramTable
    col = table.value_column(3)
    rect = table.visualItemRect(table.item(0, col))
    assert table.viewport().rect().intersects(rect), "unit 4's column is in sight"
    assert window.paramsPlot.unit == 3


def test_the_delay_k_lag_has_a_field_of_its_own(window, qtbot):
    assert window.panel.lagSpin.isHidden()
    window.panel.taskCombo.setCurrentIndex(window.panel.taskCombo.findData("delay-k"))
    assert not window.panel.lagSpin.isHidden()
    enter(window.panel.lagSpin, 12)
    task = current(window).config.task
    assert task.key == "delay-k" and task.lag == 12
    x, target = task.sequences()
    np.testing.assert_array_equal(target[12:], x[:-12])
    enter(window.panel.lagSpin, 500)           # beyond the length: refused in one line
    assert "lag" in window.messageLabel.text() and current(window).config.task.lag == 12


def test_values_a_file_could_not_hold_are_refused_at_the_edit(window, qtbot):
    # Found by QA: a parameter of 1e7 or a length of 2 000 000 was accepted and saved, and the
    # file could then not be opened again.
    window.stepButton.click()
    window.paramTable.item(1, 1).setText("1e7")
    assert current(window).params[0, 1] != 1e7 and "1e+06" in window.messageLabel.text()
    enter(window.panel.lengthSpin, 2_000_000)
    assert current(window).config.task.length == 100 and "1000000" in window.messageLabel.text()
    assert window.panel.lengthSpin.text() == "100"


def test_a_chain_that_gets_shorter_redraws_the_cell_without_error(window, qtbot):
    window.panel.unitsSpin.setValue(3)
    window.stepButton.click()
    window.panel.unitsSpin.setValue(1)
    window.applyButton.click() if window.applyBar.isVisible() else None
    window.views["cellView"].resize(500, 400)
    QtWidgets.QApplication.processEvents()
    assert window.frames.last_error is None and len(window.views["cellView"].cells) == 1


def test_a_long_sequence_goes_to_length_one_at_once(window, qtbot):
    import time
    enter(window.panel.lengthSpin, 100_000)
    t0 = time.perf_counter()
    enter(window.panel.lengthSpin, 1)
    assert time.perf_counter() - t0 < 5.0          # 24 s from 300 000 points before
    assert current(window).config.task.length == 1


def test_lstmlib_export_of_an_exact_timing_model_asks_first(window, qtbot, tmp_path, monkeypatch):
    asked = []
    B = QtWidgets.QMessageBox.StandardButton
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or B.Cancel)
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "m.lstmlib"), ""))
    window.stepButton.click()
    window.export_lstmlib()
    assert asked and "timing" in asked[0] and not (tmp_path / "m.lstmlib").exists()


@pytest.mark.parametrize("size", [(1400, 900), (930, 600)])
def test_every_view_shown_at_once_overlaps_no_other(window, qtbot, size):
    # Found by QA: the ensemble (871 px of controls) and lesson docks were drawn over the
    # MSE and Parameters plots.
    window.resize(*size)
    for dock in window.docks.values():
        dock.show()
    QtWidgets.QApplication.processEvents()
    shown = [d for d in window.docks.values() if d.isVisible() and not d.visibleRegion().isEmpty()]
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            tabbed = b in window.tabifiedDockWidgets(a)
            assert tabbed or not a.geometry().intersects(b.geometry()), (a.objectName(), b.objectName())

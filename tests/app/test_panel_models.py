"""The Controls panel chooses the models of lstm_gui.core.models: cell family, hidden size,
layers, bias, directions, dropout, initialisation, forget-gate bias and mini-batch, one field
at a time through RunConfig.with_field (driven through the real widgets)."""
import pytest

from lstm_gui.app.panel import CELL_LABELS, TIPS, ControlPanel
from lstm_gui.app.qt import QtWidgets
from lstm_gui.core.models import CELLS
from lstm_gui.core.training.datasets import SET_PRESETS

from .conftest import current, enter


def choose(combo, data):
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_every_cell_family_is_listed_in_plain_words_and_every_new_field_has_a_tip(qtbot):
    panel = ControlPanel()
    qtbot.addWidget(panel)
    combo = panel.cellCombo
    assert [combo.itemData(k) for k in range(combo.count())] == list(CELLS)
    assert tuple(CELL_LABELS) == CELLS
    assert combo.itemText(combo.findData("gru")).startswith("GRU")
    for name in ("cellCombo", "hiddenEdit", "unitsSpin", "biasCheck", "bidirectionalCheck",
                 "dropoutEdit", "initCombo", "forgetBiasEdit", "batchEdit"):
        widget = panel.findChild(QtWidgets.QWidget, name)
        assert widget is not None and widget.toolTip() == TIPS[name], name


def test_gru_with_16_hidden_units_trains_and_the_cell_view_names_it(window, qtbot):
    panel = window.panel
    choose(panel.cellCombo, "gru")
    enter(panel.hiddenEdit, 16)
    cfg = current(window).config
    assert cfg.cell == "gru" and cfg.hidden == 16
    assert panel.config() == cfg and panel.hiddenEdit.text() == "16"
    window.stepButton.click()
    assert current(window).epoch == 1 and window.frames.last_error is None
    cell = window.views["cellView"]
    assert cell.stack.currentWidget() is cell.modelPanel
    title = cell.modelPanel.title.text()
    assert "gru" in title and "H = 16" in title


def test_a_model_change_after_training_waits_in_the_apply_bar(window, qtbot):
    for _ in range(3):
        window.stepButton.click()
    choose(window.panel.cellCombo, "peephole")
    assert window.applyBar.isVisible() and current(window).config.cell == "lstm"
    window.applyButton.click()
    assert current(window).config.cell == "peephole" and current(window).epoch == 0


@pytest.mark.parametrize("key", list(SET_PRESETS))
def test_a_tutorial_task_is_in_the_task_combo_and_takes_its_defaults(window, qtbot, key):
    panel = window.panel
    choose(panel.taskCombo, key)
    cfg = current(window).config
    p = SET_PRESETS[key]
    assert cfg.task.key == key
    assert (cfg.hidden, cfg.lr, cfg.batch, cfg.epochs, cfg.init) == (p.hidden, p.lr, p.batch,
                                                                    p.epochs, p.init)
    assert panel.hiddenEdit.text() == str(p.hidden) and panel.batchEdit.text() == str(p.batch)
    assert panel.batchEdit.isEnabled() and not panel.lengthSpin.isEnabled()
    assert not panel.initLowEdit.isEnabled()           # PyTorch's init ignores the range
    assert panel.config_from_widgets() == cfg


def test_batch_edit_round_trips(window, qtbot):
    panel = window.panel
    assert not panel.batchEdit.isEnabled()             # one sequence: nothing to batch
    choose(panel.taskCombo, "torch-sin-cos")
    enter(panel.batchEdit, 2)
    cfg = current(window).config
    assert cfg.batch == 2 and cfg.batch_size == 2 and panel.batchEdit.text() == "2"
    enter(panel.batchEdit, "default")
    assert current(window).config.batch == 0 and panel.batchEdit.text() == "default"
    assert panel.config_from_widgets() == current(window).config


@pytest.mark.parametrize("field,text,word", [("hiddenEdit", "0", "hidden"),
                                             ("dropoutEdit", "1.5", "dropout"),
                                             ("hiddenEdit", "2.5", "whole number")])
def test_a_refused_value_is_one_line_and_the_field_shows_the_runs_value(window, qtbot, field,
                                                                       text, word):
    panel = window.panel
    panel.unitsSpin.setValue(2)                        # dropout applies between layers
    before = current(window).config
    edit = getattr(panel, field)
    shown = edit.text()
    enter(edit, text)
    message = window.messageLabel.text()
    assert word in message and "\n" not in message and "Traceback" not in message
    assert current(window).config == before and edit.text() == shown


def test_fields_that_do_nothing_for_the_model_are_disabled_not_hidden(window, qtbot):
    panel = window.panel
    assert not panel.dropoutEdit.isEnabled() and not panel.dropoutEdit.isHidden()
    panel.unitsSpin.setValue(2)
    assert panel.dropoutEdit.isEnabled()
    enter(panel.dropoutEdit, 0.25)
    assert current(window).config.dropout == 0.25
    assert panel.forgetBiasEdit.isEnabled()
    choose(panel.cellCombo, "gru")                     # a GRU has no forget gate
    assert not panel.forgetBiasEdit.isEnabled() and not panel.forgetBiasEdit.isHidden()
    choose(panel.cellCombo, "lstm")
    enter(panel.forgetBiasEdit, 1)
    panel.bidirectionalCheck.setChecked(True)
    panel.biasCheck.setChecked(False)                  # b_f gone: the core refuses, panel reverts
    cfg = current(window).config
    assert cfg.forget_bias == 1.0 and cfg.bidirectional and cfg.bias
    assert panel.biasCheck.isChecked() and window.messageLabel.text()
    choose(panel.initCombo, "pytorch")
    assert current(window).config.init == "pytorch" and not panel.initHighEdit.isEnabled()
    assert panel.config_from_widgets() == current(window).config


def test_the_controls_column_keeps_its_width(window, qtbot):
    from lstm_gui.app.dock_layout import SIDE_MIN_WIDTH
    choose(window.panel.cellCombo, "cifg")             # the longest label
    QtWidgets.QApplication.processEvents()
    assert window.sidePanel.width() <= SIDE_MIN_WIDTH + 60

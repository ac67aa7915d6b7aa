"""Help → The LSTM unit: every parameter, gate and task is explained."""
from lstm_gui.app.help_text import TASK_HELP, HelpDialog, help_html, task_help
from lstm_gui.core import PARAM_NAMES
from lstm_gui.core.training.tasks import PRESETS


def test_every_preset_task_has_a_description():
    missing = [key for key in PRESETS if not task_help(key)]
    assert missing == []
    assert task_help("no-such-task") == ""


def test_the_page_names_every_parameter_equation_and_glossary_word():
    page = help_html()
    for name in PARAM_NAMES:
        assert name in page
    for word in ("forget gate", "input gate", "candidate", "output gate", "recurrent", "bias",
                 "Epoch", "MSE", "Learning rate", "BPTT", "lstmlib rule", "Chain",
                 "lstmlib timing", "Noise", "= f(t)·C(t−1) + i(t)·C~(t)"):
        assert word in page, word
    for text in TASK_HELP.values():
        assert text in page


def test_the_dialog_shows_the_page(qtbot):
    dialog = HelpDialog()
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "The LSTM unit" in text and "W_fh" in text and "Running sum" in text

"""`--hidden` says the real limit: its help, and a refusal naming the largest H of the chosen
model (tester's finding 10), and the window's tooltip quotes the same table."""
import re

from lstm_gui.cli.main import build_parser
from lstm_gui.core import limits


def test_the_help_of_hidden_says_the_parameter_limit():
    text = " ".join(build_parser().commands["train"].format_help().split())
    assert limits.HIDDEN_RANGE in text


def test_too_large_a_hidden_size_names_the_largest_for_that_model(lstm_gui):
    status, _, err = lstm_gui("train", "--hidden", "300", "--epochs", "1")
    assert status == 2 and err.count("\n") == 1, err
    assert "argument --hidden" in err and "H <= 222" in err and "200,000" in err, err
    status, _, err = lstm_gui("train", "--hidden", "300", "--cell", "gru", "--epochs", "1")
    gru = int(re.search(r"H <= (\d+)", err)[1])
    assert status == 2 and gru > 222, err      # 3 gates: a GRU of H = 257 fits


def test_a_tutorials_own_hidden_size_with_many_layers_names_its_largest_h(lstm_gui):
    # The preset's H = 64 over 8 layers: refused naming H <= ..., once a recursion.
    status, _, err = lstm_gui("train", "--task", "sum-of-sequence", "--layers", "8")
    assert status == 2 and err.count("\n") == 1 and "H = 64 gives" in err and "H <= " in err, err
    # A small H with those layers fits: the preset's H is not checked before --hidden applies.
    status, _, err = lstm_gui("train", "--task", "sum-of-sequence", "--layers", "8", "--hidden", "4",
                              "--epochs", "1", "--quiet")
    assert status == 0, err


def test_the_windows_tooltip_for_hidden_comes_from_the_limits_table():
    from lstm_gui.app.panel import TIPS
    assert limits.HIDDEN_RANGE in TIPS["hiddenEdit"]

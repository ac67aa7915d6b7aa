"""The window's message line under the transport buttons: an error is red, news and hints
are not (every message was red: "Ensemble of 8 seeds done ..." read as a failure)."""
import ast
from pathlib import Path

import lstm_gui.app
from lstm_gui.app.qt import Qt, QtGui, QtWidgets
from lstm_gui.core.training.run import RunConfig, TrainingRun


def text_colour(label) -> QtGui.QColor:
    """The colour of the darkest (most inked) pixel the label draws."""
    image = label.grab().toImage()
    colours = (QtGui.QColor(image.pixel(x, y)) for x in range(image.width())
               for y in range(image.height()))
    return min(colours, key=lambda c: c.lightness())


def is_red(colour: QtGui.QColor) -> bool:
    return colour.red() > 120 and colour.red() - max(colour.green(), colour.blue()) > 80


def shown(window):
    QtWidgets.QApplication.processEvents()
    label = window.messageLabel
    assert label.isVisible() and label.text()
    return label.text(), text_colour(label)


def test_a_file_that_cannot_be_opened_is_said_in_red(window, tmp_path, monkeypatch):
    path = tmp_path / "broken.json"
    path.write_text("{ not a model")
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda *a, **k: None)
    assert not window.open_path(path)
    text, colour = shown(window)
    assert "broken.json" in text
    assert is_red(colour), colour.name()


def test_an_ensemble_done_is_news_not_an_error(window, qtbot):
    window.layout_.present("ensembleView")
    view = window.views["ensembleView"]
    qtbot.waitUntil(lambda: window.can_be_seen("ensembleView"))
    window.refresh()
    view.seeds.setValue(view.seeds.minimum())
    view.epochs.setValue(5)
    with qtbot.waitSignal(view.finished, timeout=60_000):
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    text, colour = shown(window)
    assert text.startswith(f"Ensemble of {view.seeds.minimum()} seeds done at epoch 5"), text
    assert not is_red(colour), colour.name()
    window.grab().save("/tmp/views/message-ensemble-done.png")


def test_a_run_at_its_budget_is_news_and_an_error_after_it_is_red_again(window, qtbot):
    window.commands.replace_run(TrainingRun(RunConfig(epochs=5)), ask=False)
    window.step(5)
    window.train()                          # the budget is reached: it says so, calmly
    text, colour = shown(window)
    assert text.startswith("Not training: reached the epoch budget"), text
    assert not is_red(colour), colour.name()
    window.panel.message.emit("lr: 'x' is not a number")    # a field typed wrong: an error
    text, colour = shown(window)
    assert text.startswith("lr:") and is_red(colour), colour.name()


def test_a_run_stopped_at_its_budget_says_so_without_red(window, qtbot):
    window.commands.replace_run(TrainingRun(RunConfig(epochs=20)), ask=False)
    window.train()
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Stopped at epoch 20"), timeout=20_000)
    image = bar.grab(bar.message_rect()).toImage()
    ink = min((QtGui.QColor(image.pixel(x, y)) for x in range(image.width())
               for y in range(image.height())), key=lambda c: c.lightness())
    assert ink.lightness() < 120 and not is_red(ink), ink.name()       # drawn, not red
    label = window.messageLabel
    assert not label.isVisible() or not is_red(text_colour(label))


def test_every_message_of_the_app_says_its_kind():
    """show_message(text, kind=...) at every call with a text (clearing passes ""), so no
    caller falls back on red by not saying."""
    root = Path(lstm_gui.app.__file__).parent
    missing = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "show_message" and node.args
                    and not (isinstance(node.args[0], ast.Constant) and node.args[0].value == "")
                    and not any(k.arg == "kind" for k in node.keywords)):
                missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not missing, missing

"""Settings are read and written as regular files only, and no value in them stops the window
from starting (issue 26, items 4 and 6)."""
import json
import os
import stat
import threading

import pytest

from lstm_gui.app import stored_settings
from lstm_gui.app.qt import QtCore
from lstm_gui.core.training.run import RunConfig


def _open_within(path, seconds=5.0):
    result = []
    t = threading.Thread(target=lambda: result.append(stored_settings.open_settings(path)), daemon=True)
    t.start()
    t.join(seconds)
    assert result, f"opening the settings at {path} blocked for {seconds} s"
    return result[0]


@pytest.mark.parametrize("link", [False, True])
def test_a_settings_file_that_is_a_fifo_is_neither_read_nor_replaced(tmp_path, qtbot, link):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    path = fifo
    if link:
        path = tmp_path / "settings.ini"
        path.symlink_to(fifo)
    settings, problem = _open_within(path)
    assert problem and "not a regular file" in problem and "\n" not in problem
    from lstm_gui.app import MainWindow
    w = MainWindow(settings=settings)
    w.show()
    qtbot.waitExposed(w)
    w.close()
    settings.sync()
    del settings, w
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a file"
    assert not link or path.is_symlink()


def test_a_regular_settings_file_is_read_and_written(tmp_path):
    path = tmp_path / "lstm-gui.conf"
    settings, problem = stored_settings.open_settings(path)
    assert problem is None
    settings.setValue("view/span", True)
    settings.sync()
    again, problem = stored_settings.open_settings(path)
    assert problem is None and again.value("view/span") in (True, "true")


def _config_value(make):
    d = RunConfig().to_dict()
    make(d)
    return json.dumps(d)


@pytest.mark.parametrize("value", [
    "[" * 100_000 + "]" * 100_000,
    '{"task": ' * 50_000 + "1" + "}" * 50_000,
    _config_value(lambda d: d["task"].update(key="running-sum", cycles=5e-324)),
    _config_value(lambda d: d["task"].update(key="running-sum", amplitude=5e-324)),
    _config_value(lambda d: d.update(plateau=2**64)),
    _config_value(lambda d: d.update(seed=10**5000 if False else 2**63)),
    _config_value(lambda d: d["task"].update(length="1" * 5000)),
])
def test_the_window_starts_whatever_config_the_settings_hold(tmp_path, qtbot, value):
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    settings.setValue("config", value)
    settings.sync()
    from lstm_gui.app import MainWindow
    w = MainWindow(settings=settings)
    try:
        assert w.trainer.read(lambda run: run.config) == RunConfig()
        assert "config" in w.messageLabel.text() or "config" in w.statusBar().currentMessage()
    finally:
        w._confirm_discard = lambda action: True
        w.close()


def test_a_fuzz_of_stored_configs_always_gives_a_valid_config_or_the_default(tmp_path):
    import random
    import time

    from lstm_gui.app.stored_settings import SettingsReader
    from tests.core.files.test_fuzz import _mutate_json
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    rng = random.Random(6)
    from lstm_gui.core.training.noise import Noise
    seeds = [RunConfig().to_dict(), RunConfig(units=3, noise=Noise("both", 0.2)).to_dict()]
    start = time.perf_counter()
    fallbacks = 0
    for _ in range(1500):
        settings.setValue("config", _mutate_json(rng.choice(seeds), rng))
        reader = SettingsReader(settings)
        config = reader.config()
        assert isinstance(config, RunConfig)
        fallbacks += bool(reader.problems)
        assert all("\n" not in p and len(p) < 200 for p in reader.problems)
    assert 100 < fallbacks < 1500
    assert time.perf_counter() - start < 30

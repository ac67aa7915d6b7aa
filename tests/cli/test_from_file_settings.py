"""`train --from FILE` trains on the file's own task and settings (what `show FILE` reports),
and an option typed on the command line overrides them (tester's finding 4: a .safetensors file
of the PyTorch tutorial's model trained on the default sine-to-cosine of 100 steps)."""
from pathlib import Path

import pytest

from lstm_gui.core.files import modelfile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TUTORIAL = FIXTURES / "torch_io_lstm_h16.safetensors"     # nn.LSTM(1, 16) + Linear: the tutorial's


def test_a_safetensors_file_trains_on_the_task_show_reports(lstm_gui, tmp_path):
    status, shown, _ = lstm_gui("show", TUTORIAL, "--json")
    assert status == 0 and '"task": "torch-sin-cos"' in shown
    out = tmp_path / "m.json"
    status, _, err = lstm_gui("train", "--from", TUTORIAL, "--epochs", "2", "--quiet", "--out", out)
    assert status == 0, err
    config = modelfile.load(out).config
    opened = modelfile.load(TUTORIAL).config
    assert config.task.key == "torch-sin-cos"
    # The tutorial's training as the file opens with: Adam 1e-2, batch 5, its stop rule.
    assert (config.optimizer, config.lr, config.batch, config.target_mse) == (
        opened.optimizer, opened.lr, opened.batch, opened.target_mse)
    assert config.model() == opened.model()


def test_an_option_typed_overrides_the_files_setting(lstm_gui, tmp_path):
    out = tmp_path / "m.json"
    status, _, err = lstm_gui("train", "--from", TUTORIAL, "--epochs", "2", "--lr", "0.003",
                              "--quiet", "--out", out)
    assert status == 0, err
    config = modelfile.load(out).config
    assert config.task.key == "torch-sin-cos" and config.lr == 0.003


def test_a_task_typed_replaces_the_files_task_and_what_belongs_to_it(lstm_gui, tmp_path):
    out = tmp_path / "m.json"
    status, _, err = lstm_gui("train", "--from", TUTORIAL, "--task", "sin-cos", "--length", "30",
                              "--epochs", "2", "--quiet", "--out", out)
    assert status == 0, err
    config = modelfile.load(out).config
    assert (config.task.key, config.task.length, config.hidden) == ("sin-cos", 30, 16)


def test_an_abbreviated_option_that_a_native_file_sets_is_refused_not_ignored(lstm_gui, tmp_path):
    # argparse takes --see for --seed: what was typed is known by destination, not spelling
    # (the refusal once scanned the spellings, so --see 3 was silently ignored).
    native = tmp_path / "n.json"
    assert lstm_gui("train", "--epochs", "2", "--length", "20", "--quiet", "--out", native)[0] == 0
    status, _, err = lstm_gui("train", "--from", native, "--epochs", "2", "--see", "3")
    assert status == 2 and "--seed" in err, err


@pytest.fixture
def lstmlib_file(tmp_path):
    path = tmp_path / "c.lstmlib"
    params = " ".join(["0.1"] * 12)
    path.write_text(f"0 40 {params}\n")
    return path


def test_an_lstmlib_file_trains_with_the_settings_it_opens_with(lstm_gui, lstmlib_file, tmp_path):
    opened = modelfile.load(lstmlib_file).config
    out = tmp_path / "m.json"
    status, _, err = lstm_gui("train", "--from", lstmlib_file, "--epochs", "2", "--quiet", "--out", out)
    assert status == 0, err
    config = modelfile.load(out).config
    assert (config.task.length, config.delay, config.optimizer, config.lr) == (
        opened.task.length, opened.delay, opened.optimizer, opened.lr)


def test_an_optimizer_typed_brings_its_own_default_learning_rate(lstm_gui, lstmlib_file, tmp_path):
    # The C library's file opens with SGD at lr 0.01; --optimizer adam takes Adam's default.
    from lstm_gui.core.training.optim import DEFAULT_LR
    out = tmp_path / "m.json"
    status, _, err = lstm_gui("train", "--from", lstmlib_file, "--epochs", "2", "--optimizer", "adam",
                              "--quiet", "--out", out)
    assert status == 0, err
    config = modelfile.load(out).config
    assert (config.optimizer, config.lr, config.delay) == ("adam", DEFAULT_LR["adam"], 1)

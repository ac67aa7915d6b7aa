"""What the command line says, in the user's terms (tester's finding 14): no raw OSError text
or temporary file name, "1 epoch", usage errors naming the sub-command, the epoch limit as
core/limits states it, no doubled brackets, compiling said and kept out of rates and times."""
import errno
import os
import time
from pathlib import Path

import pytest

from lstm_gui.cli import support
from lstm_gui.core.files import modelfile
from lstm_gui.core.models import compiled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _refuse_with(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), "/somewhere/.lstm-gui-123-abcdef01.tmp")
    return fail


@pytest.mark.parametrize("code, said", [(errno.EEXIST, "in the way"), (errno.ENOSPC, "disk is full"),
                                        (errno.EROFS, "read-only")])
def test_a_failed_save_says_what_and_where_in_the_users_terms(lstm_gui, monkeypatch, tmp_path, code, said):
    monkeypatch.setattr(modelfile, "write_atomic", _refuse_with(code))
    monkeypatch.setattr(modelfile, "save", _refuse_with(code))
    out = tmp_path / "m.json"
    for args in (["train", "--epochs", "1", "--length", "10", "--quiet", "--out", out],
                 ["sweep", "--seeds", "1", "--epochs", "1", "--length", "10", "--quiet",
                  "--csv", tmp_path / "s.csv"]):
        status, _, err = lstm_gui(*args)
        assert status == 1, err
        line = err.strip().splitlines()[-1]
        assert said in line and str(args[-1]) in line, line
        assert "File exists" not in err and "Errno" not in err and ".lstm-gui-" not in err, err


def test_one_epoch_is_singular(lstm_gui):
    status, out, err = lstm_gui("train", "--epochs", "1", "--length", "10", "--quiet")
    assert status == 0 and "after 1 epoch (" in out, out
    status, out, err = lstm_gui("sweep", "--seeds", "1", "--epochs", "1", "--length", "10")
    assert status == 0 and "1 epoch x 1 seed in" in err, err


@pytest.mark.parametrize("args", [["sweep", "--seeds", "0"], ["sweep", "--epochs", "0"],
                                  ["train", "--epochs", "0"], ["train", "--task", "nope"],
                                  ["convert", "a.json"], ["landscape", "m.json", "--size", "x"]])
def test_a_usage_error_names_the_sub_command(lstm_gui, args):
    status, _, err = lstm_gui(*args)
    assert status == 2 and err.startswith(f"lstm-gui {args[0]}: error:"), err
    assert err.rstrip().endswith(f"(see lstm-gui {args[0]} --help)"), err


def test_the_limits_of_whole_number_options_are_said_in_their_help_as_core_limits_states_them():
    from lstm_gui.cli.main import build_parser
    from lstm_gui.core import limits
    assert limits.power_text(2**62) == "2^62" and limits.power_text(2**63 - 1) == "2^63 - 1"
    assert limits.power_text(1024) == "1,024"
    helptext = " ".join(build_parser().commands["train"].format_help().split())
    assert "epoch budget, 0 to 2^62" in helptext
    assert "N from 0 (never, the default) to 2^62" in helptext     # --plateau
    assert "0 to 2^63 - 1" in helptext                     # --seed


def test_no_doubled_brackets_in_what_is_listed_and_shown(lstm_gui):
    for args in (["show", FIXTURES / "torch_io_lstm_h16.safetensors"], ["tasks"], ["lessons"]):
        status, out, _ = lstm_gui(*args)
        assert status == 0 and ") (" not in out, out


def test_a_rate_of_a_few_epochs_is_not_zero():
    assert support.rate_text(2, 90.0) == "0.022 epochs/s"
    assert support.rate_text(5495, 1.0) == "5,495 epochs/s"
    assert support.rate_text(0, 0.0) == "0 epochs/s"


def test_train_says_it_compiles_a_models_kernels(lstm_gui, monkeypatch):
    # The unit's kernel cached, a model's not: the model's compile was silent ("0 epochs/s").
    monkeypatch.setattr(compiled, "is_cached", lambda models=False: not models)
    status, _, err = lstm_gui("train", "--hidden", "2", "--length", "10", "--epochs", "2", "--quiet")
    assert status == 0 and "compiling" in err, err


def test_sweep_keeps_the_compile_out_of_the_first_settings_time(lstm_gui, monkeypatch):
    real = support.warm_up_kernels

    def slow(*args, **kwargs):
        time.sleep(1.2)               # as a cold compile would
        return real(*args, **kwargs)
    monkeypatch.setattr(support, "warm_up_kernels", slow)
    monkeypatch.setattr(compiled, "is_cached", lambda models=False: False)
    status, out, err = lstm_gui("sweep", "--seeds", "2", "--epochs", "5", "--length", "10",
                                "--vary", "lr=0.01,0.02")
    assert status == 0, err
    lines = err.splitlines()
    first = next(k for k, line in enumerate(lines) if "lr=0.01:" in line)
    assert any("compiling" in line for line in lines[:first]), err
    assert any("not counted" in line for line in lines[:first]), err
    took = float(lines[first].rsplit(" in ", 1)[1].split(" s")[0])
    assert took < 1.0, err


@pytest.mark.parametrize("command", [["show"], ["convert", "{out}"], ["landscape", "--out", "{out}"],
                                     ["train", "--from"]])
def test_a_file_that_cannot_be_read_is_one_line_naming_the_sub_command(lstm_gui, tmp_path, command):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    out = {"show": None, "convert": tmp_path / "o.json", "landscape": tmp_path / "o.png",
           "train": None}[command[0]]
    args = [command[0], *([bad] if command[0] != "train" else ["--from", bad])]
    args += [str(a).format(out=out) for a in command[1:] if a != "--from"]
    status, _, err = lstm_gui(*args)
    assert status in (1, 2) and err.startswith(f"lstm-gui {command[0]}: ") and str(bad) in err, err
    assert err.count("\n") == 1, err

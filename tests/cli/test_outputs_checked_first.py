"""Every output path of every sub-command is checked when the command line is read, before
any work: one line naming the path and the option, exit status 2 (tester's finding 5:
`sweep --csv /tmp` and `--plot /nonexistent/x.png` failed only after all the training)."""
from pathlib import Path

import pytest

from lstm_gui.cli import sweep
from lstm_gui.cli.main import build_parser
from lstm_gui.core.files import modelfile
from lstm_gui.core.training.run import TrainingRun

# The options (and positionals) that name a file or folder the command READS; every other
# path a sub-command takes is written, and must be checked as an output.
INPUTS = {("train", "from_model"), ("landscape", "model"), ("gradflow", "model"),
          ("convert", "src"), ("show", "file")}


def test_every_path_a_sub_command_writes_is_checked_by_the_shared_output_type():
    outputs = 0
    for name, sub in build_parser().commands.items():
        for action in sub._actions:
            if (name, action.dest) in INPUTS:
                continue
            if action.type is Path or getattr(action.type, "output", False):
                assert getattr(action.type, "output", False), f"{name} {action.dest}: an unchecked output"
                outputs += 1
    assert outputs >= 9     # train --out/--history, sweep --csv/--plot, convert OUT, demo --out, ...


@pytest.fixture
def no_work(monkeypatch):
    """Any training, ensemble or model loading fails the test: nothing may start."""
    def work(*args, **kwargs):
        raise AssertionError("work started before the outputs were checked")
    monkeypatch.setattr(sweep, "ensemble", work)
    monkeypatch.setattr(TrainingRun, "train", work)
    monkeypatch.setattr(modelfile, "load", work)
    monkeypatch.setattr(modelfile, "load_with_format", work)


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{}")       # never read: the outputs are refused first
    return path


def _cases(tmp_path, model):
    missing = tmp_path / "nope" / "x"
    folder = tmp_path
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    return [
        (["sweep", "--seeds", "2", "--epochs", "10", "--csv", folder], "--csv", "is a folder"),
        (["sweep", "--seeds", "2", "--epochs", "10", "--plot", f"{missing}.png"], "--plot", "does not exist"),
        (["train", "--epochs", "10", "--out", folder], "--out", "is a folder"),
        (["train", "--epochs", "10", "--history", f"{missing}.csv"], "--history", "does not exist"),
        (["convert", model, folder], "OUT", "is a folder"),
        (["landscape", model, "--out", f"{missing}.png"], "--out", "does not exist"),
        (["gradflow", model, "--csv", folder], "--csv", "is a folder"),
        (["gradflow", model, "--csv", tmp_path / "g.csv", "--matrix", f"{missing}.csv"], "--matrix",
         "does not exist"),
        (["demo", "--out", a_file, "--only", "sin-cos"], "--out", "is a file"),
    ]


@pytest.mark.parametrize("case", range(9))
def test_a_bad_output_is_one_line_and_status_2_before_any_work(lstm_gui, no_work, tmp_path, model, case):
    args, option, reason = _cases(tmp_path, model)[case]
    status, out, err = lstm_gui(*args)
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"lstm-gui {args[0]}: error: argument {option}" in err and reason in err, err
    assert out == ""

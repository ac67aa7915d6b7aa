"""The command line against a hostile user (issue 26, items 5, 7, 11 and the messages): one
line in the user's terms and the right status, never a traceback, and what was done is kept."""
import os
import signal
import subprocess
import sys
import time

import pytest

from lstm_gui.cli import support
from lstm_gui.cli.main import main
from lstm_gui.core.files import modelfile


def run_main(capsys, *args):
    try:
        status = main([str(a) for a in args])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("args, message", [
    (["train", "--seed", "-1"], "--seed: must be a whole number from 0 to 9223372036854775807, got -1"),
    (["train", "--seed", "9223372036854775808"], "--seed: must be a whole number from 0 to 9223372036854775807"),
    (["train", "--init-min", "-1e7"], "--init-min: must lie in [-1e+06, 1e+06], got -10000000"),
    (["train", "--amplitude", "1e10"], "--amplitude: must lie in [1e-09, 1e+09], got 10000000000"),
    (["train", "--amplitude", "1e300"], "--amplitude: must lie in"),
    (["train", "--cycles", "2e9"], "--cycles: must lie in"),
    (["train", "--noise", "target", "--noise-amp", "2e9"], "--noise-amp: must lie in"),
    (["train", "--task", "running-sum", "--cycles", "5e-324"], "--cycles: must lie in [1e-09, 1e+09], got 5e-324"),
    (["train", "--task", "running-sum", "--amplitude", "5e-324"], "--amplitude: must lie in"),
    (["train", "--plateau", "9223372036854775808"], "--plateau: must be a whole number from 0 to 4611686018427387904"),
    (["train", "--plateau", "4611686018427387905"], "--plateau: must be a whole number"),
    (["train", "--seed", "1" * 5000], "--seed: expected a whole number, got 5,000 characters"),
    (["train", "--task", "t" * 300], "unknown task 'tttttttt"),
    (["train", "--task", "y" * 100_000], "unknown task 'yyyy"),
    (["x" * 300], "unknown command or file 'xxxx"),
])
def test_bad_values_are_one_short_line_naming_the_range(capsys, args, message):
    status, out, err = run_main(capsys, *args)
    assert status == 2, err
    assert message in err, err
    assert err.count("\n") == 1 and len(err) < 300, err
    assert "Traceback" not in err and "int_max_str_digits" not in err


@pytest.mark.parametrize("args", [
    ["--noise", "target", "--noise-amp", "-0"],
    ["--target-mse", "0.00"],
    ["--init-min", "-1e-1", "--init-max", "1e-1"],
    ["--length", "1e1", "--lag", "0", "--task", "delay-k"],
])
def test_zero_written_any_way_and_negative_exponents_are_accepted(capsys, tmp_path, args):
    status, out, err = run_main(capsys, "train", "--epochs", "2", "--quiet", *args)
    assert status == 0, err


@pytest.fixture
def model(tmp_path, capsys):
    path = tmp_path / "m.json"
    assert run_main(capsys, "train", "--epochs", "5", "--quiet", "--length", "20", "--out", path)[0] == 0
    return path


def test_from_a_native_file_a_huge_epoch_count_is_a_usage_error(capsys, model):
    status, out, err = run_main(capsys, "train", "--from", model, "--epochs", "4611686018427387900")
    assert status == 2 and "--epochs: the model is at epoch 5; at most" in err and "Traceback" not in err


@pytest.mark.parametrize("option", [["--task", "square-cos"], ["--units", "2"], ["--seed", "3"],
                                    ["--noise", "target"], ["--init-min=-0.5"]])
def test_from_a_native_file_options_that_define_the_run_are_refused_not_ignored(capsys, model, option):
    status, out, err = run_main(capsys, "train", "--from", model, "--epochs", "2", *option)
    assert status == 2 and f"argument {option[0].split('=')[0]}: a native model file sets" in err


def test_from_a_native_file_the_learning_rate_applies_and_says_so(capsys, model, tmp_path):
    out_path = tmp_path / "more.json"
    status, out, err = run_main(capsys, "train", "--from", model, "--epochs", "3", "--lr", "0.01",
                                "--quiet", "--out", out_path)
    assert status == 0 and "with --lr 0.01" in err
    assert modelfile.load(out_path).config.lr == 0.01


def test_a_second_ctrl_c_while_saving_still_writes_model_and_history(capsys, tmp_path, monkeypatch):
    real_save = modelfile.save

    def save_then_interrupted(run, path, *a, **k):
        os.kill(os.getpid(), signal.SIGINT)        # first press: stop training ...
        os.kill(os.getpid(), signal.SIGINT)        # ... second press, in the middle of saving
        return real_save(run, path, *a, **k)
    monkeypatch.setattr(modelfile, "save", save_then_interrupted)
    out, hist = tmp_path / "m.json", tmp_path / "h.csv"
    status, _, err = run_main(capsys, "train", "--epochs", "20", "--quiet", "--out", out, "--history", hist)
    assert "Traceback" not in err
    assert modelfile.load(out).epoch == 20
    assert hist.read_text().count("\n") == 21


def test_landscape_to_a_missing_folder_fails_before_computing(capsys, model, tmp_path):
    status, out, err = run_main(capsys, "landscape", model, "--out", tmp_path / "nope" / "x.png")
    assert status != 0 and "wrote" not in out and "nope" in err


def test_gradflow_to_dev_stdout_names_what_was_typed(capsys, model):
    status, out, err = run_main(capsys, "gradflow", model, "--csv", "/dev/stdout")
    assert ".tmp" not in err and ".lstm-gui-" not in err
    assert status == 0 or "/dev/stdout" in err


def test_sweep_without_a_target_reports_success_and_epochs(capsys):
    status, out, err = run_main(capsys, "sweep", "--seeds", "4", "--vary", "lr=0.01,0.05",
                                "--epochs", "200", "--length", "30", "--quiet")
    assert status == 0, err
    rows = out.split("\n\n")[0].splitlines()[1:]     # the summary table (the comparison follows)
    assert rows and all(" - " not in f" {r} " and not r.rstrip().endswith("-") for r in rows), out
    assert "MSE<=0.01" in out.splitlines()[0]


def test_a_sweep_over_the_memory_budget_is_refused_before_training(capsys):
    status, out, err = run_main(capsys, "sweep", "--seeds", "64", "--length", "1000000", "--epochs", "10")
    assert status == 2 and "64 seeds x 1 units x 1,000,000 points would need about" in err
    assert err.count("\n") == 1 and out == ""


def test_sweep_progress_in_a_log_has_no_carriage_returns(capsys):
    status, out, err = run_main(capsys, "sweep", "--seeds", "2", "--epochs", "100", "--length", "20")
    assert status == 0 and "\r" not in err


def test_ctrl_c_in_sweep_keeps_what_finished_and_says_so_in_one_line(tmp_path):
    csv_path = tmp_path / "r.csv"
    proc = subprocess.Popen([sys.executable, "-m", "lstm_gui", "sweep", "--seeds", "4", "--vary",
                             "lr=0.05,0.01", "--epochs", "4000000", "--length", "20", "--csv", csv_path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:       # wait until it is training (the header is printed)
        time.sleep(0.5)
        if proc.poll() is not None:
            break
        if csv_path.parent.exists() and time.time() > deadline - 110:
            break
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == support.EXIT_INTERRUPTED, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "interrupted" in line]
    assert len(lines) == 1 and "settings finished" in lines[0]
    assert csv_path.exists() and "stopped at" in csv_path.read_text()


def test_ctrl_c_during_start_up_is_one_line_and_status_130():
    # The press lands while numpy, the core and the command line are still importing: sent by
    # a finder at the moment numpy's import starts (a timer of 20 ms was a race: on a quick
    # machine `tasks` had finished and exited 0 before it fired).  Ctrl+C's handler is set
    # first, as a terminal leaves it: a suite started in the background (nohup, `&`, some CIs)
    # passes SIGINT ignored to its children, and Python then installs no handler at all.
    code = ("import os, signal, sys\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "class PressCtrlC:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'numpy':\n"
            "            os.kill(os.getpid(), signal.SIGINT)\n"
            "        return None\n"
            "sys.meta_path.insert(0, PressCtrlC())\n"
            "from lstm_gui.entry import main\n"
            "assert 'numpy' not in sys.modules\n"
            "sys.exit(main(['tasks']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == support.EXIT_INTERRUPTED and proc.stderr.strip() == "lstm-gui: interrupted"

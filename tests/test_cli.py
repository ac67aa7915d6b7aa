"""The command line, run as a user would, in a subprocess."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[0] / "fixtures"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lstm_gui", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def test_train_writes_model_and_history(tmp_path):
    res = cli("train", "--task", "sin-cos", "--noise", "target", "--noise-amp", "0.1", "--length", "100",
              "--units", "1", "--optimizer", "adam", "--lr", "0.05", "--epochs", "300", "--seed", "0",
              "--out", tmp_path / "m.json", "--history", tmp_path / "h.csv")
    assert res.returncode == 0, res.stderr
    assert "final MSE" in res.stdout and "epochs/s" in res.stdout
    shown = cli("show", tmp_path / "m.json", "--json")
    doc = json.loads(shown.stdout)
    assert doc["epoch"] == 300 and len(doc["params"]) == 1 and len(doc["params"][0]) == 12
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,MSE,W_fh") and len(lines) == 301


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "5"], "--lr: must lie in (0, 1), got 5"),
    (["train", "--epochs", "-3"], "--epochs"),
    (["train", "--task", "nope"], "unknown task"),
    (["train", "--noise", "sideways"], "invalid choice"),
    (["train", "--units", "0"], "--units"),
    (["train", "--init-min", "1", "--init-max", "-1"], "min < max"),
    (["train", "--init-min", "nan"], "--init-min: must lie in [-1e+06, 1e+06], got nan"),
    (["frobnicate", "x"], "unknown command"),
    (["frobnicate"], "unknown command or file 'frobnicate'"),
])
def test_bad_options_are_one_line_usage_errors(args, message):
    res = cli(*args)
    assert res.returncode == 2
    assert message in res.stderr and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("lstm-gui")


def test_tasks_lists_every_preset():
    res = cli("tasks")
    assert res.returncode == 0
    for key in ("sin-cos", "square-cos", "sin-square", "trajectories", "freq-double", "random",
                "sawtooth-cos", "triangle-cos"):
        assert key in res.stdout


def test_show_prints_a_broken_file_error_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    res = cli("show", bad)
    assert res.returncode == 1
    assert res.stderr.startswith(f"lstm-gui show: {bad}: ") and res.stderr.count("\n") == 1


def test_show_and_convert_the_c_library_file(tmp_path):
    ref = REFERENCE / "lstmlib_square_cos_seed7.txt"
    res = cli("show", ref)
    assert res.returncode == 0 and "format   lstmlib" in res.stdout and "-0.365651" in res.stdout
    doc = json.loads(cli("show", ref, "--json").stdout)
    assert doc["params"][0] == [float(v) for v in ref.read_text().split()[2:]]
    assert cli("convert", ref, tmp_path / "m.json").returncode == 0
    assert cli("convert", tmp_path / "m.json", tmp_path / "back.lstmlib").returncode == 0
    assert (tmp_path / "back.lstmlib").read_text() == ref.read_text()
    assert cli("convert", tmp_path / "m.json", tmp_path / "h.csv").returncode == 0
    bad = cli("convert", tmp_path / "m.json", tmp_path / "m.xyz")
    assert bad.returncode == 2 and "is written as .json or .lstmlib or .csv" in bad.stderr


def test_window_without_a_display_says_so(tmp_path):
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    res = subprocess.run([sys.executable, "-m", "lstm_gui"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert res.returncode == 2 and "no display" in res.stderr


def test_the_console_script_entry_point_runs():
    # The entry point pyproject.toml declares; and the installed script where there is one (CI).
    import importlib
    import re
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()   # tomllib is 3.11+
    module, func = re.search(r'^lstm-gui = "([\w.]+):(\w+)"$', text, re.M).groups()
    assert getattr(importlib.import_module(module), func)(["tasks"]) == 0
    script = Path(sys.executable).parent / "lstm-gui"
    if script.exists():
        res = subprocess.run([str(script), "tasks"], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "sin-cos" in res.stdout


def test_train_with_the_lstmlib_rule_from_a_c_library_file_replays_it(tmp_path):
    ref = json.loads((Path(__file__).parent / "fixtures" / "lstmlib_reference.json").read_text())
    start = ref["square-cos"]
    # A C library save file holds the parameters with six decimals: these are exact there.
    (tmp_path / "start.txt").write_text(
        "0\n100\n" + "".join(f"{v:f}\n" for v in start["initial"]))
    res = cli("train", "--from", tmp_path / "start.txt", "--task", "square-cos", "--gradient", "lstmlib",
              "--optimizer", "sgd", "--lr", "0.01", "--epochs", "500", "--quiet",
              "--out", tmp_path / "m.json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(cli("show", tmp_path / "m.json", "--json").stdout)
    assert doc["delay"] == 1 and doc["epoch"] == 500
    assert doc["params"][0] == pytest.approx(start["params"][0], rel=1e-9)


def test_train_from_a_native_file_resumes_the_run(tmp_path):
    common = ["--optimizer", "adam", "--seed", "4", "--quiet"]
    assert cli("train", "--epochs", "300", *common, "--out", tmp_path / "all.json").returncode == 0
    assert cli("train", "--epochs", "100", *common, "--out", tmp_path / "part.json").returncode == 0
    res = cli("train", "--from", tmp_path / "part.json", "--epochs", "200", "--quiet",
              "--out", tmp_path / "resumed.json")
    assert res.returncode == 0, res.stderr
    whole = json.loads(cli("show", tmp_path / "all.json", "--json").stdout)
    resumed = json.loads(cli("show", tmp_path / "resumed.json", "--json").stdout)
    assert resumed["epoch"] == 300 and resumed["params"] == whole["params"]


def test_lstmlib_rule_with_a_chain_is_refused():
    res = cli("train", "--gradient", "lstmlib", "--units", "2")
    assert res.returncode == 2 and "needs one unit" in res.stderr


def test_sweep_prints_each_setting_and_writes_csv_and_png(tmp_path):
    res = cli("sweep", "--seeds", "6", "--vary", "lr=0.02,0.2", "--optimizer", "sgd", "--epochs", "150",
              "--target-mse", "0.1", "--csv", tmp_path / "r.csv", "--plot", tmp_path / "b.png", "--quiet")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split()[:2] == ["setting", "median"]
    assert lines[1].startswith("lr=0.02") and lines[2].startswith("lr=0.2")
    rows = (tmp_path / "r.csv").read_text().splitlines()
    assert rows[0] == "setting,seed,final_mse,reached_target_at,diverged,test_mse" and len(rows) == 13
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("vary, message", [
    ("speed=1,2", "NAME one of"), ("lr=fast", "must be float"), ("lr=2", "learning rate"),
    ("gradient=exact,lstmlib --units 2", "needs one unit"),
])
def test_sweep_rejects_bad_settings_before_training(vary, message):
    name_values, *rest = vary.split(" ")
    res = cli("sweep", "--vary", name_values, *rest)
    assert res.returncode == 2 and message in res.stderr

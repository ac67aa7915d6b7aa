"""The command line with the model options, the tutorials' tasks and test MSE."""
import json
import os
import re
import subprocess
import sys

import pytest

# `lstm-gui train --task square-cos --noise target --units 2 --optimizer momentum --epochs 200
# --seed 7` on the numpy path, saved by the version before the model description (main at
# d0f9f1a): today's options must give today's numbers, to the bit.
BEFORE_PARAMS = [
    [0.5728890775985501, -0.9543920647476394, 0.23607223943212333, 0.71670768975682,
     0.37754797813762286, -0.6261807082520576, -0.8206969612305552, 0.6100861464696625,
     -0.784750626986831, -0.3905585464628517, 0.0508224544752147, 0.7200607356286886],
    [-0.06729858459363974, 0.7918746141858156, 0.23834726984007343, 0.2247803760681732,
     0.3444541959450768, 0.27783684137151465, 0.4606170950146341, -0.6624142729540651,
     -0.17898239394874133, 0.26886261619486873, -0.22982412058346507, -0.6351925549345099]]
BEFORE_MSE = 0.1125008860148908


def cli(*args, kernel=None):
    env = dict(os.environ, **({"LSTM_GUI_KERNEL": kernel} if kernel else {}))
    return subprocess.run([sys.executable, "-m", "lstm_gui", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env)


def test_train_with_todays_options_gives_todays_numbers(tmp_path):
    res = cli("train", "--task", "square-cos", "--noise", "target", "--units", "2", "--optimizer",
              "momentum", "--epochs", "200", "--seed", "7", "--quiet", "--out", tmp_path / "m.json",
              kernel="numpy")
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "m.json").read_text())
    assert [list(u.values()) for u in doc["units"]] == BEFORE_PARAMS
    assert doc["state"]["mse"] == BEFORE_MSE
    assert re.search(r"final MSE \S+ after 200 epochs \(reached the epoch budget\), test MSE \S+, ",
                     res.stdout)


# The same command on the compiled kernel, by the same version: its last bits differ from the
# numpy path's (the kernels agree to 1e-12, not to the bit), and today's must match them.
BEFORE_PARAMS_COMPILED = [
    [0.5728890775985501, -0.9543920647476394, 0.23607223943212333, 0.71670768975682,
     0.37754797813762286, -0.6261807082520576, -0.8206969612305552, 0.6100861464696625,
     -0.784750626986831, -0.3905585464628517, 0.05082245447521469, 0.7200607356286886],
    [-0.06729858459363974, 0.7918746141858156, 0.23834726984007346, 0.2247803760681732,
     0.3444541959450768, 0.27783684137151465, 0.4606170950146341, -0.6624142729540652,
     -0.17898239394874135, 0.26886261619486873, -0.22982412058346507, -0.6351925549345099]]
BEFORE_MSE_COMPILED = 0.11250088601489085


def test_train_with_todays_options_on_the_compiled_kernel_gives_todays_numbers(tmp_path):
    res = cli("train", "--task", "square-cos", "--noise", "target", "--units", "2", "--optimizer",
              "momentum", "--epochs", "200", "--seed", "7", "--quiet", "--out", tmp_path / "m.json",
              kernel="compiled")
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "m.json").read_text())
    assert [list(u.values()) for u in doc["units"]] == BEFORE_PARAMS_COMPILED
    assert doc["state"]["mse"] == BEFORE_MSE_COMPILED


def test_train_a_stacked_gru_and_show_it(tmp_path):
    out = tmp_path / "gru.json"
    res = cli("train", "--cell", "gru", "--hidden", "3", "--layers", "2", "--no-bias", "--epochs", "3",
              "--quiet", "--out", out)
    assert res.returncode == 0, res.stderr
    test = float(re.search(r"test MSE (\S+),", res.stdout).group(1))
    shown = json.loads(cli("show", out, "--json").stdout)
    assert (shown["cell"], shown["hidden"], shown["layers"], shown["bias"]) == ("gru", 3, 2, False)
    assert len(shown["names"]) == len(shown["params"]) == shown["size"]
    assert shown["names"][0] == "W_rh[0,0]" and shown["test_mse"] == pytest.approx(test, rel=1e-5)
    refused = cli("convert", out, tmp_path / "gru.lstmlib")
    assert refused.returncode == 2 and "lstmlib format holds the C library's one unit" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_sum_task_trains_in_mini_batches_and_reports_test_mse(tmp_path):
    res = cli("train", "--task", "sum-of-sequence", "--hidden", "4", "--epochs", "1", "--batch", "250",
              "--quiet")
    assert res.returncode == 0, res.stderr
    assert "one pass over 1000 training sequences in 4 batches of 250" in res.stdout
    assert "test MSE" in res.stdout


def test_a_csv_of_two_inputs_and_sequence_ids(tmp_path):
    rows = ["id,a,b,target"] + [f"{s},{k / 10},{s / 10},{k / 10 - s / 10}" for s in range(5)
                                for k in range(6)]
    (tmp_path / "two.csv").write_text("\n".join(rows) + "\n")
    res = cli("train", "--task", tmp_path / "two.csv", "--hidden", "2", "--epochs", "2", "--quiet",
              "--out", tmp_path / "m.json")
    assert res.returncode == 0, res.stderr
    assert "one pass over 4 training sequences" in res.stdout
    shown = json.loads(cli("show", tmp_path / "m.json", "--json").stdout)
    assert shown["inputs"] == 2


@pytest.mark.parametrize("args, message", [
    (("--cell", "lstmx"), "invalid choice"),
    (("--dropout", "1"), "--dropout: must lie in [0, 1)"),
    (("--task", "torch-sin-cos", "--length", "50"), "does nothing with torch-sin-cos"),
    (("--hidden", "3", "--out", "m.lstmlib"), "lstmlib format holds the C library's one unit"),
    (("--cell", "gru", "--forget-bias", "1"), "no forget-gate bias"),
])
def test_bad_model_options_are_one_line(args, message, tmp_path):
    res = cli("train", "--epochs", "1", *args)
    assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_tasks_lists_the_tutorials_with_their_source():
    out = cli("tasks").stdout
    assert "torch-sin-cos" in out and "source: PyTorch" in out and "sum-of-sequence" in out


def test_sweep_varies_the_cell_and_prints_the_variant_table(tmp_path):
    res = cli("sweep", "--seeds", "3", "--epochs", "15", "--hidden", "2", "--length", "30",
              "--vary", "cell=gru,lstm", "--quiet", "--csv", tmp_path / "r.csv")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    table = lines[lines.index("") + 1:]
    assert "vs cell=lstm" in table[0] and "baseline" in table[2] and table[1].startswith("cell=gru")
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 7
    # The success rate is measured against --success-mse (default 0.01) in both tables: a
    # lone "-" or "none" in the variant table's column said nothing (issue 26).
    assert all(row.split()[-1].endswith("%") for row in table[1:3])

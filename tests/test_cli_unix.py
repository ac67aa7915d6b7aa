"""The command line as a Unix tool: pipes, terminals, signals, and outputs checked first."""
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lstm_gui

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LSTMLIB_FILE = FIXTURES / "lstmlib_square_cos_seed7.txt"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), *sys.path])}
CMD = [sys.executable, "-m", "lstm_gui"]


def cli(*args, **kw):
    return subprocess.run([*CMD, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=ENV, **kw)


def one_line_error(res, status=2):
    assert res.returncode == status, res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    return res.stderr


def strict_json(text):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_version_has_one_source():
    res = cli("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"lstm-gui {lstm_gui.__version__}"
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject.split("[tool")[0]


@pytest.mark.parametrize("args", [["tasks"], ["show", LSTMLIB_FILE], ["show", LSTMLIB_FILE, "--json"]])
def test_a_closed_pipe_ends_quietly(args):
    # The reader is gone before the first write: every write meets a closed pipe.
    proc = subprocess.Popen([*CMD, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=ENV)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == ""


def test_tasks_piped_into_head():
    res = subprocess.run(f"{sys.executable} -m lstm_gui tasks | head -1", shell=True, capture_output=True,
                         text=True, env=ENV, timeout=60)
    assert res.stdout.startswith("task") and res.stdout.count("\n") == 1 and res.stderr == ""


def test_progress_without_a_terminal_is_plain_lines_and_the_final_mse_is_said_once(tmp_path):
    res = cli("train", "--epochs", "400", "--out", tmp_path / "m.json")
    assert res.returncode == 0 and "\r" not in res.stderr and "\x1b" not in res.stderr
    # Said once: "final MSE ..., test MSE ..." (the held-out MSE is another number).
    assert len(re.findall(r"(?<!test )MSE", res.stdout + res.stderr)) == 1
    final = float(re.search(r"final MSE (\S+) after 400 epochs", res.stdout).group(1))
    assert f"{strict_json(cli('show', tmp_path / 'm.json', '--json').stdout)['mse']:.6g}" == f"{final:.6g}"


def test_progress_on_a_terminal_never_grows_wider_than_it(tmp_path):
    master, slave = pty.openpty()
    # The numpy kernel: the compiled one ends 3000 epochs before a progress frame is due.
    env = {**ENV, "COLUMNS": "40", "LINES": "10", "LSTM_GUI_KERNEL": "numpy"}
    proc = subprocess.Popen([*CMD, "train", "--epochs", "3000", "--units", "2"], stdout=subprocess.PIPE,
                            stderr=slave, env=env)
    os.close(slave)
    out = proc.communicate(timeout=300)[0].decode()
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    frames = [f for f in re.split(r"\r|\x1b\[K", b"".join(chunks).decode()) if f.strip()]
    assert proc.returncode == 0 and "final MSE" in out
    assert frames and all(len(f) < 40 for f in frames), frames
    assert all(f.startswith("epoch ") and "MSE" in f for f in frames)


def test_show_on_a_lstmlib_file_says_what_it_holds_and_nothing_more():
    res = cli("show", LSTMLIB_FILE)
    assert res.returncode == 0 and "12 parameters and a sequence length" in res.stdout
    assert "length   100" in res.stdout and "epoch" not in res.stdout and "MSE" not in res.stdout
    doc = strict_json(cli("show", LSTMLIB_FILE, "--json").stdout)
    assert doc["length"] == 100 and "mse" not in doc and "epoch" not in doc


def test_converting_to_lstmlib_timing_is_refused_without_force(tmp_path):
    assert cli("train", "--epochs", "300", "--out", tmp_path / "m.json").returncode == 0
    err = one_line_error(cli("convert", tmp_path / "m.json", tmp_path / "m.lstmlib"))
    assert "--force" in err and "MSE would go from" in err and not (tmp_path / "m.lstmlib").exists()
    forced = cli("convert", tmp_path / "m.json", tmp_path / "m.lstmlib", "--force")
    assert forced.returncode == 0 and "warning" in forced.stderr and (tmp_path / "m.lstmlib").exists()
    assert cli("train", "--epochs", "5", "--units", "2", "--out", tmp_path / "c.json").returncode == 0
    assert "chain of 2" in one_line_error(cli("convert", tmp_path / "c.json", tmp_path / "c.lstmlib",
                                              "--force"))


@pytest.mark.parametrize("extra, message", [
    (["--out", "{tmp}/m.csv"], "a model is written as .json or .lstmlib"),
    (["--out", "{tmp}/m"], "a model is written as .json or .lstmlib"),
    (["--out", "{tmp}/missing/m.json"], "does not exist; create it first"),
    (["--out", "{tmp}"], "is a folder"),
    (["--units", "2", "--out", "{tmp}/m.lstmlib"], "chain of 2; save it as .json"),
    (["--history", "{tmp}/h.json"], "a history is written as .csv"),
    (["--length", "1000000000"], "--length: must be a whole number from 1 to 1000000"),
    (["--units", "16", "--length", "1000000"], "GiB to train"),
    (["--task", "{tmp}/t.csv", "--length", "50"], "--length does nothing with a CSV task"),
    (["--noise-amp", "0.3"], "--noise-amp does nothing without --noise"),
])
def test_outputs_and_sizes_are_checked_before_training(tmp_path, extra, message):
    (tmp_path / "t.csv").write_text("0.1,0.2\n0.3,0.4\n")
    start = time.perf_counter()
    res = cli("train", "--epochs", "100000", *[a.format(tmp=tmp_path) for a in extra])
    assert message in one_line_error(res)
    assert time.perf_counter() - start < 20          # refused, not trained first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_tasks_lists_the_epochs_train_runs(tmp_path):
    listed = {line.split()[0]: int(line.split()[4]) for line in cli("tasks").stdout.splitlines()[1:9]}
    assert listed["trajectories"] == 2000 and listed["random"] == 1000
    res = cli("train", "--task", "random", "--out", tmp_path / "m.json")
    assert f"after {listed['random']} epochs" in res.stdout


def _start_and_interrupt(args, after_s):
    proc = subprocess.Popen([*CMD, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV)
    time.sleep(after_s)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_ctrl_c_during_train_keeps_what_was_trained(tmp_path):
    out_path, hist = tmp_path / "m.json", tmp_path / "h.csv"
    status, out, err = _start_and_interrupt(
        ["train", "--epochs", "0", "--target-mse", "1e-30", "--out", out_path, "--history", hist], 4)
    assert status == 130, err
    assert err.count("\n") == 1 and "interrupted at epoch" in err and "Traceback" not in err
    shown = strict_json(cli("show", out_path, "--json").stdout)
    assert shown["epoch"] > 0 and f"after {shown['epoch']} epochs" in out
    assert hist.read_text().splitlines()[-1].startswith(f"{shown['epoch']},")


def test_ctrl_c_during_demo_stops_cleanly(tmp_path):
    # Interrupt once the first demo is done, however loaded the machine is.
    proc = subprocess.Popen([*CMD, "demo", "--out", str(tmp_path), "--epochs", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    from lstm_gui.app.demo import DEMOS
    n = len(DEMOS)
    first = proc.stdout.readline()
    assert first.startswith(f"[1/{n}]"), first
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    status = proc.returncode
    assert "Traceback" not in rest
    assert status == 130 and "Traceback" not in err, err
    done = int(re.search(rf"interrupted after (\d+) of {n} demos", err).group(1))
    assert 1 <= done < n and len(list(tmp_path.glob("*.png"))) == 5 * done


def test_reading_a_fifo_or_a_folder_answers_at_once(tmp_path):
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    assert "is a pipe (FIFO)" in one_line_error(cli("show", fifo), 1)
    assert "is a folder" in one_line_error(cli("show", tmp_path), 1)
    assert "is a pipe (FIFO)" in one_line_error(cli("train", "--task", fifo, "--epochs", "1"))
    assert "is a device" in one_line_error(cli("convert", "/dev/zero", tmp_path / "x.json"), 1)


def test_csv_tasks_with_a_byte_order_mark_and_huge_fields(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf0.1,0.2\n0.3,0.4\n")
    res = cli("train", "--task", bom, "--epochs", "3", "--out", tmp_path / "m.json")
    assert res.returncode == 0, res.stderr
    assert strict_json(cli("show", tmp_path / "m.json", "--json").stdout)["length"] == 2
    huge = tmp_path / "huge.csv"
    huge.write_text("1," + "2" * 200_000 + "\n")
    assert "row 1 has a field over 128 KB" in one_line_error(cli("train", "--task", huge))


def test_a_failed_save_names_the_path_typed_and_nothing_internal(tmp_path, monkeypatch, capsys):
    from lstm_gui.cli import main as cli_main
    from lstm_gui.core.limits import fileio
    out = tmp_path / "m.json"
    out.write_text("the old model")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full_disk)
    assert cli_main(["train", "--epochs", "5", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"lstm-gui train: {out}: cannot save (the disk is full)\n"
    assert out.read_text() == "the old model" and os.listdir(tmp_path) == ["m.json"]


def test_landscape_refuses_an_image_name_it_cannot_write(tmp_path):
    from lstm_gui.core.files import modelfile
    from lstm_gui.core.training.run import RunConfig, TrainingRun
    run = TrainingRun(RunConfig(epochs=0))
    run.train(5)
    modelfile.save(run, tmp_path / "m.json")
    for name in ("map.svg", "map.txt", "map"):
        res = cli("landscape", tmp_path / "m.json", "--out", tmp_path / name, "--size", "4")
        assert res.returncode == 2 and "PNG" in res.stderr and not (tmp_path / name).exists()

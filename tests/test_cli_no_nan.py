"""No "nan" on the command line: a run's MSE before its first epoch (NaN in the run) and a
CSV sequence's test MSE (it has no held-out part) are said in words."""
import io
import re
from types import SimpleNamespace

import pytest

from lstm_gui.cli import support as cli_support
from lstm_gui.cli.main import main
from lstm_gui.cli.support import Progress

NAN = re.compile(r"\bnan\b|\binf\b", re.I)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_before_the_first_epoch_says_no_nan(monkeypatch):
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(cli_support.time, "perf_counter", lambda: float(next(clock)))
    for stream in (io.StringIO(), Terminal()):
        progress = Progress(100, stream=stream)
        progress.update(0, float("nan"))
        progress.update(10, 0.25)
        out = stream.getvalue()
        assert "epoch 0/100" in out and "MSE 0.25" in out
        assert not NAN.search(out), out


@pytest.fixture
def cli(capsys):
    """The command line in this process (as tests/test_cli_pytorch.py)."""
    def run(*args):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)
    return run


def test_a_csv_task_trains_and_shows_without_nan(tmp_path, cli):
    task = tmp_path / "t.csv"
    task.write_text("0.1,0.2\n0.3,0.4\n0.5,0.1\n0.2,0.3\n")
    model = tmp_path / "m.json"
    res = cli("train", "--task", task, "--epochs", "20", "--out", model)
    assert res.returncode == 0, res.stderr
    assert "final MSE" in res.stdout and not NAN.search(res.stdout + res.stderr), res.stdout
    shown = cli("show", model)
    assert shown.returncode == 0 and not NAN.search(shown.stdout), shown.stdout
    # A model (its description lists a test MSE): the same.
    res = cli("train", "--task", task, "--cell", "gru", "--epochs", "5", "--out", model)
    assert res.returncode == 0, res.stderr
    shown = cli("show", model)
    assert "test MSE" in shown.stdout and not NAN.search(res.stdout + shown.stdout), shown.stdout

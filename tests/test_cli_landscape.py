"""`lstm-gui landscape` and `lstm-gui gradflow` end to end, on a trained model file."""
import csv

import numpy as np
import pytest

from lstm_gui.cli.main import main
from lstm_gui.core import PARAM_NAMES, mse_and_grad
from lstm_gui.core.analysis import gradflow
from lstm_gui.core.files import modelfile
from lstm_gui.core.training.run import RunConfig, TrainingRun
from lstm_gui.core.training.tasks import preset


@pytest.fixture
def model(tmp_path):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=40), epochs=80, seed=1))
    run.train(80)
    path = tmp_path / "m.json"
    modelfile.save(run, path)
    return path, run


def test_landscape_writes_png_and_csv_of_the_grid(model, tmp_path, capsys):
    path, _ = model
    png, grid = tmp_path / "map.png", tmp_path / "grid.csv"
    assert main(["landscape", str(path), "--out", str(png), "--csv", str(grid),
                 "--directions", "params:W_fx,b_f", "--size", "5", "--span", "0.5"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(grid.open()))
    assert len(rows) == 25
    loaded = modelfile.load(path)
    for row in rows[::6]:
        p = loaded.params.copy()
        p[0, PARAM_NAMES.index("W_fx")] += float(row["alpha"])
        p[0, PARAM_NAMES.index("b_f")] += float(row["beta"])
        assert float(row["mse"]) == pytest.approx(mse_and_grad(p, loaded.x, loaded.target)[0],
                                                  abs=1e-12)


def test_landscape_usage_errors_are_one_line(model, tmp_path, capsys):
    path, _ = model
    assert main(["landscape", str(path), "--csv", str(tmp_path / "g.csv"),
                 "--directions", "params:W_fx,W_zz"]) == 2
    assert "unknown parameter" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["landscape", str(path), "--directions", "sideways"])
    assert exc.value.code == 2
    assert main(["landscape", str(path)]) == 2


def test_gradflow_csv_lag_profile_sums_to_the_gradient(model, tmp_path, capsys):
    path, _ = model
    out = tmp_path / "lag.csv"
    assert main(["gradflow", str(path), "--csv", str(out)]) == 0
    loaded = modelfile.load(path)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == loaded.config.task.length
    total = np.array([[float(r[name]) for name in PARAM_NAMES] for r in rows]).sum(axis=0)
    _, grad = mse_and_grad(loaded.params, loaded.x, loaded.target)
    np.testing.assert_allclose(total, grad[0], atol=1e-12)
    G = gradflow.contributions(loaded.params, loaded.x, loaded.target)
    assert f"memory horizon {gradflow.memory_horizon(G)} steps" in capsys.readouterr().out


@pytest.fixture
def gru_file(tmp_path):
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=30), cell="gru", hidden=16,
                                optimizer="adam", lr=0.01, epochs=6, seed=1))
    run.train(6)
    path = tmp_path / "gru.json"
    modelfile.save(run, path)
    return path


def test_landscape_of_a_model_along_its_own_named_parameters(gru_file, tmp_path, capsys):
    grid, png = tmp_path / "grid.csv", tmp_path / "map.png"
    assert main(["landscape", str(gru_file), "--csv", str(grid), "--out", str(png),
                 "--directions", "params:W_zh[1,2],b_nh[0]", "--size", "3", "--span", "0.4"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    loaded = modelfile.load(gru_file)
    names = loaded.model.names()
    rows = list(csv.DictReader(grid.open()))
    assert len(rows) == 9
    for row in rows:
        theta = loaded.params.copy()
        theta[names.index("W_zh[1,2]")] += float(row["alpha"])
        theta[names.index("b_nh[0]")] += float(row["beta"])
        assert float(row["mse"]) == pytest.approx(
            loaded.model.loss(theta, loaded.x, loaded.target), abs=1e-12)
    assert float(rows[4]["mse"]) == pytest.approx(loaded.current_mse(), abs=1e-12)
    # No history of parameters (897 > 192): PCA falls back to random and says so.
    assert main(["landscape", str(gru_file), "--csv", str(grid), "--size", "2"]) == 0
    assert "used random directions" in capsys.readouterr().err
    assert main(["landscape", str(gru_file), "--csv", str(grid), "--directions", "hessian"]) == 2
    assert "the Hessian of 897 parameters would take more than a second" in capsys.readouterr().err


def test_gradflow_of_a_model_writes_its_gates_lag_profile(gru_file, tmp_path, capsys):
    from lstm_gui.core.analysis import gradflow_model
    lag, matrix = tmp_path / "lag.csv", tmp_path / "G.csv"
    assert main(["gradflow", str(gru_file), "--csv", str(lag), "--matrix", str(matrix)]) == 0
    loaded = modelfile.load(gru_file)
    flow = gradflow_model.analyse(loaded.model, loaded.params, loaded.x, loaded.target)
    rows = list(csv.DictReader(lag.open()))
    assert list(rows[0])[:4] == ["lag", "gate r", "gate z", "gate n"] and len(rows) == 30
    np.testing.assert_allclose([float(r["gate z"]) for r in rows], flow.per_gate["z"], rtol=1e-15)
    np.testing.assert_allclose(np.loadtxt(matrix, delimiter=","), flow.abs_map, rtol=1e-15)
    assert f"memory horizon {flow.horizon} steps" in capsys.readouterr().out

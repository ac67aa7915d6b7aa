from dataclasses import replace

from lstm_gui.core.analysis.compare import describe, difference
from lstm_gui.core.training.run import RunConfig
from lstm_gui.core.training.tasks import preset


def test_names_only_what_differs():
    a = RunConfig(optimizer="sgd", lr=0.01, delay=1)
    assert difference(a, replace(a, gradient="lstmlib")) == ("exact gradient", "lstmlib rule")
    assert difference(RunConfig(optimizer="adam", lr=0.05), replace(a, delay=0)) == (
        "Adam 0.05", "plain descent 0.01")
    assert difference(a, replace(a, seed=4)) == ("seed 0", "seed 4")
    assert difference(a, replace(a, seed=4), seeds_matter=False) == ("same settings",) * 2
    both = difference(a, replace(a, task=preset("square-cos"), lr=0.2))
    assert both == ("plain descent 0.01, Sine to cosine", "plain descent 0.2, Square to cosine")


def test_describe_names_rule_and_optimizer():
    assert describe(RunConfig(optimizer="sgd", lr=0.01, delay=1, gradient="lstmlib")) == \
        "lstmlib rule, plain descent 0.01"


def test_every_setting_that_differs_is_named():
    """Found by the tester: a pinned LSTM band, after switching the cell to GRU, said "same
    settings (pinned)": the model's fields were not in the hand-kept list.  Now no field of
    RunConfig can differ unnamed."""
    from dataclasses import fields

    base = RunConfig(hidden=2, init="pytorch")
    other = {"cell": "gru", "hidden": 3, "units": 2, "bias": False, "bidirectional": True,
             "dropout": 0.0, "readout": True, "init": "uniform", "forget_bias": 1.0, "batch": 0,
             "epochs": 300, "target_mse": 0.01, "plateau": 50, "frozen": (0,), "delay": 1,
             "optimizer": "sgd", "lr": 0.3, "clip": 1.0, "seed": 7, "init_low": -0.5,
             "init_high": 0.5, "gradient": "exact", "task": preset("square-cos"),
             "noise": None, "precision": "float32"}
    changed, missed = 0, []
    for f in fields(RunConfig):
        value = other[f.name]
        if f.name == "units":
            a, b = base, replace(base, units=2)
        elif f.name == "dropout":
            a, b = replace(base, units=2), replace(base, units=2, dropout=0.2)
        elif f.name == "batch":
            a = replace(base, task=preset("sum-of-sequence"))
            b = replace(a, batch=16)
        elif f.name == "gradient":
            a = RunConfig(delay=1)
            b = replace(a, gradient="lstmlib")
        elif f.name == "noise":
            from lstm_gui.core.training.noise import Noise
            a, b = RunConfig(), RunConfig(noise=Noise(mode="input", amplitude=0.1))
        else:
            a, b = base, replace(base, **{f.name: value})
        left, right = difference(a, b)
        if left == right or "same settings" in left:
            missed.append(f.name)
        changed += 1
    assert changed == len(fields(RunConfig)) and missed == []
    assert difference(RunConfig(hidden=4), RunConfig(hidden=4, cell="gru")) == ("cell lstm", "cell gru")

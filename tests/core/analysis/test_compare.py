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

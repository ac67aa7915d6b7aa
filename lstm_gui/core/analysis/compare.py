"""Names for what differs between two runs' settings, for the legend of a comparison.

``difference(a, b)`` gives one short label per side naming only the settings that differ:
*exact gradient* vs *lstmlib rule*, *Adam 0.05* vs *plain descent 0.01*, *seed 3* vs *seed 4*.
"""
from __future__ import annotations

from dataclasses import fields

from ..training.run import RunConfig

OPTIMIZER_NAMES = {"sgd": "plain descent", "momentum": "momentum", "adam": "Adam"}
GRADIENT_NAMES = {"exact": "exact gradient", "lstmlib": "lstmlib rule"}


def _optimizer(c: RunConfig) -> str:
    clip = f", clip {c.clip:g}" if c.clip else ""
    return f"{OPTIMIZER_NAMES.get(c.optimizer, c.optimizer)} {c.lr:g}{clip}"


# (what to compare, how to name one side), in the order the label lists them.
_ASPECTS = (
    (lambda c: c.gradient, lambda c: GRADIENT_NAMES.get(c.gradient, c.gradient)),
    (lambda c: (c.optimizer, c.lr, c.clip), _optimizer),
    (lambda c: c.task, lambda c: c.task.title if c.task.length == 100 else
        f"{c.task.title} n={c.task.length}"),
    (lambda c: c.units, lambda c: f"{c.units} unit{'s' if c.units > 1 else ''}"),
    (lambda c: c.delay, lambda c: "lstmlib timing" if c.delay else "exact timing"),
    (lambda c: c.noise, lambda c: "no noise" if not c.noise.active else
        f"noise on {c.noise.mode} {c.noise.amplitude:g}"),
    (lambda c: (c.init_low, c.init_high), lambda c: f"init [{c.init_low:g}, {c.init_high:g}]"),
    (lambda c: c.frozen, lambda c: f"{len(c.frozen)} fixed" if c.frozen else "none fixed"),
    (_seed := lambda c: c.seed, lambda c: f"seed {c.seed}"),
)
# The fields the aspects above name; every other field of RunConfig that differs is named
# "<field> <value>" (a list kept by hand missed the model's fields: a pinned LSTM against a
# GRU said "same settings").
_NAMED = {"gradient", "optimizer", "lr", "clip", "task", "units", "delay", "noise", "init_low",
          "init_high", "frozen", "seed"}
_WORDS = {"hidden": "H =", "forget_bias": "forget bias", "target_mse": "target MSE",
          "init": "init", "cell": "cell"}


def _other(name: str):
    word = _WORDS.get(name, name.replace("_", " "))

    def label(c: RunConfig) -> str:
        value = getattr(c, name)
        if value is None:
            return f"{word} default"
        if isinstance(value, bool):
            return f"{'no ' if not value else ''}{word}"
        return f"{word} {value:g}" if isinstance(value, float) else f"{word} {value}"
    return label


# The model's fields first: they are what a comparison of cells is about.
_MODEL_FIRST = ("cell", "hidden", "bidirectional", "bias", "dropout", "readout", "init",
                "forget_bias", "batch")
_ASPECTS = _ASPECTS + tuple(
    (lambda c, n=name: getattr(c, n), _other(name))
    for name in sorted((f.name for f in fields(RunConfig) if f.name not in _NAMED),
                       key=lambda n: (_MODEL_FIRST.index(n) if n in _MODEL_FIRST else len(_MODEL_FIRST))))


def difference(a: RunConfig, b: RunConfig, seeds_matter: bool = True) -> tuple[str, str]:
    """(label of a, label of b): the differing settings of each, joined by ", ".

    With ``seeds_matter=False`` (ensembles, whose seeds are listed apart) the seed is not
    a difference.  Two equal settings give ("same settings", "same settings").
    """
    left, right = [], []
    for key, name in _ASPECTS:
        if key is _seed and not seeds_matter:
            continue
        if key(a) != key(b):
            left.append(name(a))
            right.append(name(b))
    if not left:
        return "same settings", "same settings"
    return ", ".join(left), ", ".join(right)


def describe(c: RunConfig) -> str:
    """A one-line summary of the settings that matter most for a comparison."""
    return f"{GRADIENT_NAMES[c.gradient]}, {_optimizer(c)}"

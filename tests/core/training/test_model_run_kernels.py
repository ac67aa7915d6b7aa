"""A run of a model other than the unit trains the same on both kernels (to 1e-12).

The kernels agree call by call (tests/core/models/test_layer_kernels.py); this checks the
whole run around them: mini-batches, the optimizer, dropout masks, frozen parameters.
"""
from dataclasses import replace

import numpy as np
import pytest

from lstm_gui.core.models import compiled
from lstm_gui.core.training.run import RunConfig, TrainingRun, for_set_preset
from lstm_gui.core.training.tasks import preset

SUM = replace(for_set_preset(RunConfig(), "sum-of-sequence"), batch=250, lr=0.01)
CONFIGS = {
    "lstm-H3-2layers-batches": replace(SUM, hidden=3, units=2),
    "gru-bidirectional-waveform": RunConfig(task=preset("sin-cos", length=40), cell="gru",
                                            hidden=2, bidirectional=True, optimizer="momentum",
                                            lr=0.02, frozen=(0, 5)),
    "peephole-dropout-sgd": replace(SUM, cell="peephole", hidden=2, units=2, dropout=0.25,
                                    optimizer="sgd", lr=0.05),
    "gru-pytorch-init-clip": replace(SUM, cell="gru", hidden=4, init="pytorch", clip=0.5),
}


@pytest.mark.parametrize("name", CONFIGS)
def test_a_model_run_trains_the_same_on_both_kernels(name, monkeypatch):
    runs = {}
    for kernel in compiled.KERNELS:
        monkeypatch.setattr(compiled, "_forced", kernel)
        run = runs[kernel] = TrainingRun(CONFIGS[name])
        assert run.model is not None
        run.train(3)
    a, b = runs["numpy"], runs["compiled"]
    assert a.epoch == b.epoch == 3
    assert np.abs(a.params - b.params).max() <= 1e-12 * max(1.0, np.abs(a.params).max())
    assert abs(a.mse - b.mse) <= 1e-12 * a.mse
    assert not np.array_equal(a.params, a.initial_params)
    frozen = list(CONFIGS[name].frozen)
    assert np.array_equal(b.params[frozen], b.initial_params[frozen])
